package contract

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The one rulebook for the names and IDs that end up in workflow IDs,
// workflow inputs and HubSpot requests. The starter, the connectors file,
// the CLI and both workflows check them here and nowhere else. Record IDs
// follow ParseRecordID.

// MaxAudienceIDLength bounds an audience ID in bytes: it is part of
// workflow IDs ("hubspot-sync/<audience>/<connector>"), which the server
// limits to 1,000 bytes by default.
const MaxAudienceIDLength = 200

// CheckAudienceID accepts any printable UTF-8 text of 1–200 bytes without
// '/' or spaces. '/' separates IDs in workflow IDs, so "a/b"+"c" and
// "a"+"b/c" would collide; spaces and control characters are invisible in
// logs and shells, so "aud " would silently name another audience.
func CheckAudienceID(id string) error {
	switch {
	case id == "":
		return fmt.Errorf("audience ID is empty: pass the audience's ID")
	case len(id) > MaxAudienceIDLength:
		return fmt.Errorf("audience ID %.40q... is %d bytes: use at most %d", id, len(id), MaxAudienceIDLength)
	case !utf8.ValidString(id):
		return fmt.Errorf("audience ID %q is not valid UTF-8", id)
	case strings.Contains(id, "/"):
		return fmt.Errorf("audience ID %q contains '/', which separates IDs in workflow IDs: use another character such as '-'", id)
	}
	for _, r := range id {
		if !unicode.IsPrint(r) || unicode.IsSpace(r) {
			return fmt.Errorf("audience ID %q contains a space or an unprintable character (%U): use letters, digits and punctuation only", id, r)
		}
	}
	return nil
}

// CheckConnectorID accepts 1–64 ASCII letters, digits, '.', '_' or '-',
// starting with a letter or digit: connector IDs are declared in the
// connectors file and become part of workflow IDs.
func CheckConnectorID(id string) error { return CheckDeclaredID("connector", id) }

// CheckAccountID is CheckConnectorID's rule for HubSpot account IDs.
func CheckAccountID(id string) error { return CheckDeclaredID("account", id) }

func CheckDeclaredID(kind, id string) error {
	ok := id != "" && len(id) <= 64 && isAlnum(id[0])
	for i := 0; ok && i < len(id); i++ {
		ok = isAlnum(id[i]) || id[i] == '.' || id[i] == '_' || id[i] == '-'
	}
	if !ok {
		return fmt.Errorf("%s ID %q must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit (it becomes part of workflow IDs)", kind, id)
	}
	return nil
}

// CheckListID accepts HubSpot's numeric list IDs ("123").
func CheckListID(id string) error {
	ok := id != "" && len(id) <= 20
	for i := 0; ok && i < len(id); i++ {
		ok = id[i] >= '0' && id[i] <= '9'
	}
	if !ok {
		return fmt.Errorf("list ID %q must be HubSpot's numeric list ID, e.g. \"123\" (find it with `hubsync lists`)", id)
	}
	return nil
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
