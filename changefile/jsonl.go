package changefile

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// jsonlReader reads one JSON object per line: {"op":"enter","recordId":"123"}
// ("action" for op; "record_id" or "id" for recordId; the ID may be a
// number). Blank lines are skipped.
type jsonlReader struct {
	br       *bufio.Reader
	lastLine int
}

// maxJSONLine bounds one line, so a file without newlines cannot exhaust
// memory; a change is a few dozen bytes.
const maxJSONLine = 64 << 10

func (j *jsonlReader) Line() int { return j.lastLine }

func (j *jsonlReader) Next() (Record, *Malformed, error) {
	for {
		b, tooLong, err := j.readLine()
		if err != nil {
			return Record{}, nil, err
		}
		j.lastLine++
		if tooLong {
			return Record{}, &Malformed{j.lastLine, fmt.Sprintf("longer than %d bytes", maxJSONLine)}, nil
		}
		b = bytes.TrimSpace(b)
		if len(b) == 0 {
			continue
		}
		rec, bad := parseJSONLine(j.lastLine, b)
		return rec, bad, nil
	}
}

// readLine returns the next line without its newline; io.EOF only when no
// line is left.
func (j *jsonlReader) readLine() ([]byte, bool, error) {
	var buf []byte
	n := 0 // bytes of the line so far; buf stops growing past the bound
	for {
		chunk, err := j.br.ReadSlice('\n')
		n += len(chunk)
		if n <= maxJSONLine {
			buf = append(buf, chunk...)
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == nil, errors.Is(err, io.EOF) && n > 0:
			return buf, n > maxJSONLine, nil
		default: // io.EOF with no line left, or a read error
			return nil, false, err
		}
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
