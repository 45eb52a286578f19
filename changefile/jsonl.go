package changefile

import (
	"bytes"
	"encoding/json"
)

// jsonlReader reads one JSON object per line: {"op":"enter","recordId":"123"}
// ("action" for op; "record_id" or "id" for recordId; the ID may be a
// number). Blank lines are skipped.
type jsonlReader struct {
	lr       *lineReader
	lastLine int
}

func (j *jsonlReader) Line() int { return j.lastLine }

func (j *jsonlReader) Next() (Record, *Malformed, error) {
	for {
		b, tooLong, err := j.lr.next()
		if err != nil {
			return Record{}, nil, err
		}
		j.lastLine++
		if tooLong {
			return Record{}, tooLongLine(j.lastLine, b), nil
		}
		b = bytes.TrimSpace(b)
		if len(b) == 0 {
			continue
		}
		rec, bad := parseJSONLine(j.lastLine, b)
		return rec, bad, nil
	}
}

func parseJSONLine(line int, b []byte) (Record, *Malformed) {
	var v struct {
		Op       json.RawMessage `json:"op"`
		Action   json.RawMessage `json:"action"`
		RecordID json.RawMessage `json:"recordId"`
		Snake    json.RawMessage `json:"record_id"`
		ID       json.RawMessage `json:"id"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return Record{}, &Malformed{line, "not a JSON object: " + err.Error()}
	}
	op, ok := scalar(firstSet(v.Op, v.Action))
	if !ok {
		return Record{}, &Malformed{line, `no "op" (or "action") string`}
	}
	id, ok := scalar(firstSet(v.RecordID, v.Snake, v.ID))
	if !ok {
		return Record{}, &Malformed{line, `no "recordId" (or "record_id", "id") string or number`}
	}
	return checkRecord(line, op, id)
}

func firstSet(vals ...json.RawMessage) json.RawMessage {
	for _, v := range vals {
		if len(v) > 0 && string(v) != "null" {
			return v
		}
	}
	return nil
}

// scalar reads a JSON string, or a number as written (so 123 gives "123"
// and 1e3 gives "1e3", which is then refused as a record ID).
func scalar(raw json.RawMessage) (string, bool) {
	if len(raw) == 0 {
		return "", false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, true
	}
	var n json.Number
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&n); err == nil {
		return n.String(), true
	}
	return "", false
}
