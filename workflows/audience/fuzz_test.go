package audience

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// Admits from any client: the validator either refuses or accepts, and
// what it accepts is usable (a valid op, 1..MaxAdmitIDs IDs, no fields the
// audience sets itself).
func FuzzValidateAdmit(f *testing.F) {
	for _, s := range []string{`{"op":"enter","recordIds":["1","2"]}`, `{"op":"leave","recordIds":[]}`, `{"op":"join","recordIds":["1"]}`,
		`{"op":"enter","recordIds":["1"],"seq":3}`, `{"op":"enter","recordIds":["x"],"runs":[{"op":"leave","recordIds":["1"]}]}`, `{}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var m contract.MembershipChange
		if json.Unmarshal(raw, &m) != nil {
			return
		}
		a := &audience{id: "aud"}
		if err := a.validateAdmit(nil, m); err != nil {
			return
		}
		if (m.Op != contract.OpEnter && m.Op != contract.OpLeave) || len(m.RecordIDs) == 0 || len(m.RecordIDs) > contract.MaxAdmitIDs || m.Seq != 0 || len(m.Runs) > 0 {
			t.Fatalf("validateAdmit accepted %s", raw)
		}
	})
}

func strs(from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, fmt.Sprint(i))
	}
	return out
}
