package main

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/audiencesync/hubspot-list-sync/changefile"
	"github.com/audiencesync/hubspot-list-sync/starter"
)

func TestImportCSVGroupsInOrderAndReportsMalformed(t *testing.T) {
	h := newHarness(t)
	h.stdin = "name,Action,recordId\n" +
		"a,enter,101\n" + // 2
		"b,ENTER, 102 \n" + // 3
		"c,leave,101\n" + // 4
		"d,add,103\n" + // 5 malformed: op
		"\n" + // blank line: skipped by CSV
		"e,leave,abc\n" + // 7 malformed: ID
		"f,leave,104\n" + // 8
		"g,enter\n" + // 9 malformed: fields
		"h,enter,105,x\n" + // 10 malformed: fields
		"i,\"enter,106\n" + // 11 malformed: quote (its line only)
		"j,enter,107\n" + // 12: still sent
		""
	h.expect(exitPartial, "import", "aud-1", "-show", "3")
	want := []string{"enter aud-1 [101 102]", "leave aud-1 [101 104]", "enter aud-1 [107]"}
	if got := h.fake.callStrings(); !slices.Equal(got, want) {
		t.Errorf("calls %q, want %q", got, want)
	}
	errOut := h.stderr.String()
	for _, w := range []string{"3 listed of 5", "line 5: op \"add\"", "line 7: record ID \"abc\"", "line 9: 2 fields where the header (line 1) has 3"} {
		if !strings.Contains(errOut, w) {
			t.Errorf("stderr lacks %q:\n%s", w, errOut)
		}
	}
	if strings.Contains(errOut, "line 10") {
		t.Errorf("more than -show lines listed:\n%s", errOut)
	}
	if !strings.Contains(h.stdout.String(), "5 changes sent (3 enter, 2 leave)") {
		t.Errorf("summary %q", h.stdout.String())
	}
}

func TestImportJSONLFromFile(t *testing.T) {
	h := newHarness(t)
	p := filepath.Join(t.TempDir(), "changes.ndjson")
	lines := `{"op":"enter","recordId":"1"}
{"action":"enter","record_id":2}

{"op":"leave","id":"3"}
not json
{"op":"leave"}
{"op":"leave","recordId":1e3}
{"op":"enter","recordId":"4","extra":true}
{"op":"enter","recordId":null,"id":"5"}
`
	if err := os.WriteFile(p, []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	h.expect(exitPartial, "import", "aud-1", p, "-json")
	want := []string{"enter aud-1 [1 2]", "leave aud-1 [3]", "enter aud-1 [4 5]"}
	if got := h.fake.callStrings(); !slices.Equal(got, want) {
		t.Errorf("calls %q, want %q", got, want)
	}
	var sum importSummary
	if err := json.Unmarshal(h.stdout.Bytes(), &sum); err != nil {
		t.Fatalf("%v: %s", err, h.stdout.String())
	}
	var bad []int
	for _, m := range sum.Malformed {
		bad = append(bad, m.Line)
	}
	if sum.Format != changefile.FormatJSONL || sum.Sent != 5 || sum.MalformedCount != 3 || !slices.Equal(bad, []int{5, 6, 7}) || sum.Lines != 9 {
		t.Errorf("summary %+v", sum)
	}
}

func TestImportGroupLimitAndCleanRun(t *testing.T) {
	h := newHarness(t)
	h.stdin = "op,id\nenter,1\nenter,2\nenter,3\nleave,4\n"
	h.expect(exitOK, "import", "aud-1", "-", "-group", "2")
	want := []string{"enter aud-1 [1 2]", "enter aud-1 [3]", "leave aud-1 [4]"}
	if got := h.fake.callStrings(); !slices.Equal(got, want) {
		t.Errorf("calls %q, want %q", got, want)
	}
}

func TestImportStopsAtFailureAndSaysWhereToResume(t *testing.T) {
	h := newHarness(t)
	// The second call delivers 1 of its 2 IDs; the third group is never sent.
	h.fake.fail, h.fake.failAfter, h.fake.failErr = 2, 1, errors.New("temporal unavailable")
	h.stdin = "op,record_id\nenter,1\nleave,2\nleave,3\nenter,4\n"
	h.expect(exitPartial, "import", "aud-1")
	want := []string{"enter aud-1 [1]", "leave aud-1 [2 3]"}
	if got := h.fake.callStrings(); !slices.Equal(got, want) {
		t.Errorf("calls %q, want %q", got, want)
	}
	if !strings.Contains(h.stderr.String(), "resend from line 4") {
		t.Errorf("stderr %q", h.stderr.String())
	}
}

func TestImportNotActiveSendsNothing(t *testing.T) {
	h := newHarness(t)
	h.stdin = `{"op":"enter","recordId":"1"}` + "\n"
	h.expect(exitNotFound, "import", "nope")
	if !strings.Contains(h.stderr.String(), "activate") {
		t.Errorf("stderr %q", h.stderr.String())
	}
}

func TestImportBadInput(t *testing.T) {
	h := newHarness(t)
	h.stdin = "name,value\nx,1\n"
	h.expect(exitUsage, "import", "aud-1")
	if !strings.Contains(h.stderr.String(), "op column") || h.dials != 0 {
		t.Errorf("stderr %q dials %d", h.stderr.String(), h.dials)
	}
	h.expect(exitUsage, "import", "aud-1", filepath.Join(t.TempDir(), "missing.csv"))
	h.expect(exitUsage, "import", "aud-1", "-format", "xml")
	h.stdin = ""
	h.expect(exitOK, "import", "aud-1")
}

func TestProgress(t *testing.T) {
	var b strings.Builder
	now := time.Unix(0, 0)
	p := newProgress(&b, false, func() time.Time { return now })
	p.tick(10, 5)
	now = now.Add(11 * time.Second)
	p.tick(1100, 1000)
	p.finish()
	if got := b.String(); got != "import: 1100 lines read, 1000 IDs sent, 91 IDs/s\n" {
		t.Errorf("non-terminal progress %q", got)
	}
	b.Reset()
	p = newProgress(&b, true, func() time.Time { return now })
	now = now.Add(time.Second)
	p.tick(3, 2)
	p.finish()
	if got := b.String(); !strings.HasPrefix(got, "\r\033[Kimport: 3 lines read, 2 IDs sent") || !strings.HasSuffix(got, "\r\033[K") {
		t.Errorf("terminal progress %q", got)
	}

	// A call held by back-pressure says why, until it returns.
	b.Reset()
	p = newProgress(&b, false, func() time.Time { return now })
	now = now.Add(11 * time.Second)
	p.tick(4, 4)
	now = now.Add(11 * time.Second)
	p.wait("held by back-pressure for 12s (audience queue 20000 IDs); connector acme owes 50000 of 50000 IDs")
	p.wait("")
	if got := b.String(); !strings.Contains(got, "4 IDs sent, 0 IDs/s\n") ||
		!strings.Contains(got, " | waiting: held by back-pressure for 12s (audience queue 20000 IDs); connector acme owes 50000 of 50000 IDs\n") {
		t.Errorf("waiting progress %q", got)
	}
}

// Many IDs: the importer's groups are the starter's signal size.
func TestImportLargeGroupsAtSignalSize(t *testing.T) {
	h := newHarness(t)
	var b strings.Builder
	b.WriteString("op,id\n")
	for i := 1; i <= starter.MaxIDsPerSignal+5; i++ {
		b.WriteString("enter,")
		b.WriteString(strconv.Itoa(i))
		b.WriteString("\n")
	}
	h.stdin = b.String()
	h.expect(exitOK, "import", "aud-1")
	if len(h.fake.calls) != 2 || len(h.fake.calls[0].ids) != starter.MaxIDsPerSignal || len(h.fake.calls[1].ids) != 5 {
		t.Errorf("%d calls", len(h.fake.calls))
	}
}

// A UTF-8 byte order mark (as spreadsheet exports write) costs no line:
// JSON lines from a file or from stdin keep their first line, and CSV
// keeps its header.
func TestImportSkipsAByteOrderMark(t *testing.T) {
	for name, in := range map[string]string{
		"jsonl": "\ufeff{\"op\":\"enter\",\"recordId\":\"1\"}\n{\"op\":\"enter\",\"recordId\":\"2\"}\n",
		"csv":   "\ufeffop,id\nenter,1\nenter,2\n",
	} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			h.stdin = in
			h.expect(exitOK, "import", "aud-1")
			if got := h.fake.callStrings(); !slices.Equal(got, []string{"enter aud-1 [1 2]"}) {
				t.Errorf("calls %q", got)
			}
		})
	}
}

// An unterminated quote is reported on its own line; the lines after it
// are read as usual.
func TestImportReportsAStrayQuoteOnItsLineOnly(t *testing.T) {
	h := newHarness(t)
	h.stdin = "op,id\nenter,\"1\nenter,2\n"
	h.expect(exitPartial, "import", "aud-1")
	if got := h.fake.callStrings(); !slices.Equal(got, []string{"enter aud-1 [2]"}) {
		t.Errorf("calls %q", got)
	}
	if !strings.Contains(h.stderr.String(), "line 2:") {
		t.Errorf("the quote's line is not reported:\n%s", h.stderr.String())
	}
}

// A line of one 1,048,583-byte field (line 12) is one more malformed
// line: every valid line before and after it is sent, in order, every bad
// one is reported, and the exit code is 4 as for any malformed line.
func TestImportReportsAnOverLongLineAndSendsTheRest(t *testing.T) {
	lines := []string{"op,recordId", // 1
		"enter,1", "enter,2", "leave,abc", "leave,3", "enter,4", // 2-6
		"add,5", "enter,6", "enter", "leave,7", "leave,8", // 7-11
		strings.Repeat("x", 1<<20+7),                                 // 12
		"leave,9", "enter,10", "enter,nope", "enter,11", "leave,x,y", // 13-17
		"leave,12", `enter,"13`, "enter,14"} // 18-20
	p := filepath.Join(t.TempDir(), "changes.csv")
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t)
	h.expect(exitPartial, "import", "aud-1", p)
	want := []string{"enter aud-1 [1 2]", "leave aud-1 [3]", "enter aud-1 [4 6]", "leave aud-1 [7 8 9]",
		"enter aud-1 [10 11]", "leave aud-1 [12]", "enter aud-1 [14]"}
	if got := h.fake.callStrings(); !slices.Equal(got, want) {
		t.Errorf("calls %q, want %q", got, want)
	}
	if out := h.stdout.String(); !strings.Contains(out, "20 lines read, 12 changes sent (7 enter, 5 leave)") || !strings.Contains(out, "7 malformed line(s)") {
		t.Errorf("summary %q", out)
	}
	errOut := h.stderr.String()
	for _, w := range []string{"7 listed of 7", "line 4:", "line 7:", "line 9:", "line 12: longer than 65536 bytes", "line 15:", "line 17:", "line 19:",
		"7 malformed line(s) were skipped (every valid line was sent)"} {
		if !strings.Contains(errOut, w) {
			t.Errorf("stderr lacks %q:\n%.2000s", w, errOut)
		}
	}
	if strings.Contains(errOut, "resend") || len(errOut) > 4000 {
		t.Errorf("stderr is not just the malformed lines:\n%.2000s", errOut)
	}

	h = newHarness(t)
	h.expect(exitPartial, "import", "aud-1", p, "-json")
	var sum importSummary
	if err := json.Unmarshal(h.stdout.Bytes(), &sum); err != nil {
		t.Fatalf("%v: %.2000s", err, h.stdout.String())
	}
	var bad []int
	for _, m := range sum.Malformed {
		bad = append(bad, m.Line)
	}
	if sum.Lines != 20 || sum.Sent != 12 || sum.MalformedCount != 7 || !slices.Equal(bad, []int{4, 7, 9, 12, 15, 17, 19}) || sum.ResumeLine != 0 || sum.Error != "" {
		t.Errorf("summary %+v", sum)
	}
}

// The input failing to read (a broken pipe, a disk error) stops the
// import after the last line read whole: what was read is sent, and the
// advice is to import again from the next line once the input reads, not
// to resend the same broken input.
func TestImportStopsWhereTheInputCannotBeRead(t *testing.T) {
	h := newHarness(t)
	h.in = io.MultiReader(strings.NewReader("op,id\nenter,1\nleave,2\nenter,"), iotest.ErrReader(errors.New("connection reset by peer")))
	h.expect(exitPartial, "import", "aud-1")
	if got, want := h.fake.callStrings(), []string{"enter aud-1 [1]", "leave aud-1 [2]"}; !slices.Equal(got, want) {
		t.Errorf("calls %q, want %q", got, want)
	}
	contains(t, "stderr", h.stderr.String(), "reading the input failed after line 3: connection reset by peer",
		"every line up to it was sent or reported", "once the input can be read whole, import it from line 4 (keep the CSV header)")
	if strings.Contains(h.stderr.String(), "line 4:") {
		t.Errorf("the line cut short is reported as malformed:\n%s", h.stderr.String())
	}
}
