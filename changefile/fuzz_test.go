package changefile

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// Import files of any content: every line becomes a valid change or a
// malformed line with its number, in order, never a panic; a change's op
// and ID are ones the audience accepts.
func FuzzOpen(f *testing.F) {
	seeds := []struct{ name, body string }{
		{"a.csv", "op,recordId\nenter,1\nleave,2\n"},
		{"a.csv", "\ufeffrecordId,op\n\"3\",enter\n\"bad,leave\n4,enter\n"},
		{"a.jsonl", "{\"op\":\"enter\",\"recordId\":\"5\"}\n{\"op\":\"leave\",\"id\":6}\nnot json\n"},
		{"x", "{\"op\":\"enter\",\"recordId\":\"1\"}"},
		{"x", "op,recordId\r\nenter,1\r\n"},
	}
	for _, s := range seeds {
		f.Add(s.name, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, name string, body []byte) {
		r, _, err := Open(bytes.NewReader(body), name, "")
		if err != nil {
			return // refused up front with a message (no header, unknown format)
		}
		lastLine, lines := 0, bytes.Count(body, []byte("\n"))+1
		for range lines + 1 {
			rec, bad, err := r.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				return // an I/O-level error ends the read, with its message
			}
			switch {
			case bad != nil:
				if bad.Line <= lastLine || bad.Reason == "" {
					t.Fatalf("malformed line %d after line %d, reason %q", bad.Line, lastLine, bad.Reason)
				}
				lastLine = bad.Line
			default:
				if rec.Line <= lastLine {
					t.Fatalf("record on line %d after line %d", rec.Line, lastLine)
				}
				if rec.Op != contract.OpEnter && rec.Op != contract.OpLeave {
					t.Fatalf("record with op %q", rec.Op)
				}
				if _, ok := contract.ParseRecordID(rec.ID); !ok {
					t.Fatalf("record with ID %q the audience would reject", rec.ID)
				}
				lastLine = rec.Line
			}
		}
		t.Fatalf("more results than the %d lines of the file", lines)
	})
}
