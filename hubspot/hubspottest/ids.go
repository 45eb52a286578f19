package hubspottest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// parseIDArray decodes a JSON array of record IDs. The spec types them as
// strings, but HubSpot also accepts JSON integers, so both are accepted; any
// other element is an error naming its position (field[i]).
func parseIDArray(raw json.RawMessage, field string) ([]int64, *errorDetail) {
	if len(bytes.TrimSpace(raw)) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil, &errorDetail{Message: fmt.Sprintf("%s is required and must be an array of record IDs", field), In: field, Code: "REQUIRED"}
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil {
		return nil, &errorDetail{Message: fmt.Sprintf("%s must be an array of record IDs", field), In: field, Code: "INVALID_TYPE"}
	}
	ids := make([]int64, 0, len(elems))
	for i, el := range elems {
		id, ok := parseID(el)
		if !ok {
			where := fmt.Sprintf("%s[%d]", field, i)
			return nil, &errorDetail{Message: fmt.Sprintf("%s: %s is not a valid record ID (expected an integer)", where, el), In: where, Code: "INVALID_INTEGER"}
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func parseID(el json.RawMessage) (int64, bool) {
	var s string
	if err := json.Unmarshal(el, &s); err == nil {
		id, err := strconv.ParseInt(s, 10, 64)
		return id, err == nil
	}
	d := json.NewDecoder(bytes.NewReader(el))
	d.UseNumber()
	var n json.Number
	if err := d.Decode(&n); err != nil {
		return 0, false
	}
	id, err := strconv.ParseInt(n.String(), 10, 64) // rejects 1.5 and 1e3
	return id, err == nil
}

func idStrings(ids []int64) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = strconv.FormatInt(id, 10)
	}
	return out
}
