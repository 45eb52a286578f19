package changefile

import (
	"bufio"
	"strings"
	"testing"
)

func TestDetectFormat(t *testing.T) {
	for _, tc := range []struct{ name, flag, content, want string }{
		{"a.csv", "auto", "{", FormatCSV},
		{"a.JSONL", "", "op,id", FormatJSONL},
		{"-", "auto", "  \n{\"op\":1}", FormatJSONL},
		{"-", "auto", "op,id\n", FormatCSV},
		{"-", "csv", "{", FormatCSV},
		{"-", "auto", "", FormatCSV},
	} {
		got, err := DetectFormat(tc.name, tc.flag, bufio.NewReader(strings.NewReader(tc.content)))
		if err != nil || got != tc.want {
			t.Errorf("DetectFormat(%q, %q, %q) = %q, %v; want %q", tc.name, tc.flag, tc.content, got, err, tc.want)
		}
	}
}

func TestJSONLineTooLong(t *testing.T) {
	long := `{"op":"enter","recordId":"1","pad":"` + strings.Repeat("x", maxJSONLine) + `"}`
	rr := &jsonlReader{br: bufio.NewReaderSize(strings.NewReader(long+"\n"+`{"op":"leave","recordId":"2"}`), 4096)}
	_, bad, err := rr.Next()
	if err != nil || bad == nil || bad.Line != 1 {
		t.Fatalf("bad %+v err %v", bad, err)
	}
	rec, bad, err := rr.Next()
	if err != nil || bad != nil || rec.ID != "2" || rec.Line != 2 {
		t.Fatalf("rec %+v bad %+v err %v", rec, bad, err)
	}
}
