package contract

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// UnmarshalJSON accepts flushInterval as a Go duration string ("10s",
// "1m30s") as well as a number of nanoseconds, which is what the Go SDK
// writes. Other fields decode as usual.
func (in *SyncInput) UnmarshalJSON(b []byte) error {
	type plain SyncInput // without this method
	aux := struct {
		*plain
		FlushInterval json.RawMessage `json:"flushInterval,omitempty"`
	}{plain: (*plain)(in)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	d, err := parseDuration(aux.FlushInterval)
	if err != nil {
		return fmt.Errorf("flushInterval: %w", err)
	}
	in.FlushInterval = d
	return nil
}

// parseDuration reads a JSON number of nanoseconds or a duration string.
func parseDuration(raw json.RawMessage) (time.Duration, error) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return 0, nil
	}
	if strings.HasPrefix(s, `"`) {
		var str string
		if err := json.Unmarshal(raw, &str); err != nil {
			return 0, err
		}
		d, err := time.ParseDuration(str)
		if err != nil {
			return 0, fmt.Errorf("%q is not a duration: write it like \"10s\" or \"1m30s\"", str)
		}
		return d, nil
	}
	var n int64
	if err := json.Unmarshal(raw, &n); err != nil {
		return 0, fmt.Errorf("%s is not a duration: write it like \"10s\", or as whole nanoseconds", s)
	}
	return time.Duration(n), nil
}
