package starter

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxNameLength bounds audience and connector IDs, in bytes. Both end up in
// a workflow ID ("hubspot-sync/" + audience + "/" + connector), which the
// Temporal server limits to 1,000 bytes by default; 200 each leaves room.
const MaxNameLength = 200

// checkName validates an audience or connector ID before it becomes part of
// a workflow ID. '/' is refused because it separates the two IDs in
// workflows.WorkflowID, so "a/b"+"c" and "a"+"b/c" would collide. Spaces
// and control characters are refused because they are invisible in logs
// and shells, and an ID with a stray trailing space would silently name a
// different workflow.
func checkName(kind, id string) error {
	switch {
	case id == "":
		return fmt.Errorf("starter: %s ID is empty: pass the %s's ID", kind, kind)
	case len(id) > MaxNameLength:
		return fmt.Errorf("starter: %s ID %.40q... is %d bytes: use at most %d", kind, id, len(id), MaxNameLength)
	case !utf8.ValidString(id):
		return fmt.Errorf("starter: %s ID %q is not valid UTF-8", kind, id)
	case strings.Contains(id, "/"):
		return fmt.Errorf("starter: %s ID %q contains '/', which separates IDs in workflow IDs: use another character such as '-'", kind, id)
	}
	for _, r := range id {
		if !unicode.IsPrint(r) || unicode.IsSpace(r) {
			return fmt.Errorf("starter: %s ID %q contains a space or an unprintable character (%U): use letters, digits and punctuation only", kind, id, r)
		}
	}
	return nil
}

func checkAudience(audienceID string) error { return checkName("audience", audienceID) }

func checkConnector(connectorID string) error { return checkName("connector", connectorID) }
