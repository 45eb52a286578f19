package contract

import "strconv"

// ParseRecordID accepts a HubSpot Contact Record ID only in the canonical
// decimal form of a positive int64: ASCII digits, no sign, no leading zero,
// no spaces, at most 9223372036854775807. So "42" is valid and "", "0",
// "-1", "+1", "abc", "1.5", " 7", "7 ", "007" and "1e3" are rejected.
//
// Why canonical only: orchestration should send exactly what HubSpot
// issued; a padded or signed value points to a mapping bug upstream, and
// accepting it silently would hide that bug. Rejected values are counted,
// sampled in Status and logged, never silently dropped.
func ParseRecordID(s string) (int64, bool) {
	if s == "" || len(s) > 19 || s[0] == '0' {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 { // overflow
		return 0, false
	}
	return id, true
}
