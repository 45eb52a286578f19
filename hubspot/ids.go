package hubspot

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// recordIDs is a JSON array of record IDs. HubSpot's spec types them as
// strings; we send strings and accept numbers too when decoding.
type recordIDs []int64

func (ids recordIDs) MarshalJSON() ([]byte, error) {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = strconv.FormatInt(id, 10)
	}
	return json.Marshal(out)
}

func (ids *recordIDs) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	out := make(recordIDs, 0, len(raw))
	for _, r := range raw {
		id, err := decodeRecordID(r)
		if err != nil {
			return err
		}
		out = append(out, id)
	}
	*ids = out
	return nil
}

// recordID is one record ID in a string-or-number JSON field.
type recordID int64

func (id *recordID) UnmarshalJSON(b []byte) error {
	v, err := decodeRecordID(b)
	*id = recordID(v)
	return err
}

func decodeRecordID(b []byte) (int64, error) {
	var s string
	if json.Unmarshal(b, &s) != nil {
		s = string(b)
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("record ID %s is not an integer", b)
	}
	return id, nil
}
