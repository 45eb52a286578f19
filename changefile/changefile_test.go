package changefile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
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
	long := `{"op":"enter","recordId":"1","pad":"` + strings.Repeat("x", maxLine) + `"}`
	rr := &jsonlReader{lr: &lineReader{br: bufio.NewReaderSize(strings.NewReader(long+"\n"+`{"op":"leave","recordId":"2"}`), 4096)}}
	_, bad, err := rr.Next()
	if err != nil || bad == nil || bad.Line != 1 {
		t.Fatalf("bad %+v err %v", bad, err)
	}
	rec, bad, err := rr.Next()
	if err != nil || bad != nil || rec.ID != "2" || rec.Line != 2 {
		t.Fatalf("rec %+v bad %+v err %v", rec, bad, err)
	}
}

// readAll reads r to its end: each outcome as text ("12 malformed" or
// "3 enter 1"), and the malformed lines' reasons.
func readAll(t *testing.T, r Reader) (got []string, reasons map[int]string) {
	t.Helper()
	reasons = map[int]string{}
	for range 100 {
		rec, bad, err := r.Next()
		switch {
		case errors.Is(err, io.EOF):
			return got, reasons
		case err != nil:
			t.Fatalf("after %q: Next: %v", got, err)
		case bad != nil:
			got = append(got, fmt.Sprintf("%d malformed", bad.Line))
			reasons[bad.Line] = bad.Reason
		default:
			got = append(got, fmt.Sprintf("%d %s %s", rec.Line, rec.Op, rec.ID))
		}
	}
	t.Fatalf("no io.EOF after %q", got)
	return nil, nil
}

// A line longer than the bound (here one field of 1,048,583 bytes, past
// any buffer) is reported on its own line number and reading goes on:
// every line after it is read as usual.
func TestOverLongLineIsMalformedAndReadingGoesOn(t *testing.T) {
	long := strings.Repeat("x", 1<<20+7)
	csvBefore := []string{"op,recordId", // 1
		"enter,1", "leave,2", "add,3", "enter,x", "enter,4", // 2-6
		"enter", "enter,5", "leave,6", `enter,"7`, "enter,8"} // 7-11
	csvAfter := []string{"enter,9", "leave,nine", "leave,10", "enter,11,extra", "enter,12", "remove,13", "leave,14"} // 13-19
	js := func(op, id string) string { return `{"op":"` + op + `","recordId":"` + id + `"}` }
	jsonBefore := []string{js("enter", "1"), js("leave", "2"), js("add", "3"), js("enter", "x"), js("enter", "4"), // 1-5
		`{"op":"enter"}`, js("enter", "5"), js("leave", "6"), `not json`, js("enter", "8"), js("enter", "9")} // 6-11
	jsonAfter := []string{js("enter", "9"), js("leave", "nine"), js("leave", "10"), `{"op":1}`, js("enter", "12"), js("remove", "13"), js("leave", "14")}
	wantBefore := []string{"2 enter 1", "3 leave 2", "4 malformed", "5 malformed", "6 enter 4",
		"7 malformed", "8 enter 5", "9 leave 6", "10 malformed", "11 enter 8"}
	wantJSONBefore := []string{"1 enter 1", "2 leave 2", "3 malformed", "4 malformed", "5 enter 4",
		"6 malformed", "7 enter 5", "8 leave 6", "9 malformed", "10 enter 8", "11 enter 9"}
	wantAfter := []string{"13 enter 9", "14 malformed", "15 leave 10", "16 malformed", "17 enter 12", "18 malformed", "19 leave 14"}
	join := func(nl string, parts ...[]string) string {
		var all []string
		for _, p := range parts {
			all = append(all, p...)
		}
		return strings.Join(all, nl)
	}
	for _, tc := range []struct {
		name, file, body string
		want             []string
	}{
		{"csv", "a.csv", join("\n", csvBefore, []string{long}, csvAfter) + "\n",
			slices.Concat(wantBefore, []string{"12 malformed"}, wantAfter)},
		{"csv at the end without a newline", "a.csv", join("\n", csvBefore, []string{long}),
			slices.Concat(wantBefore, []string{"12 malformed"})},
		// CRLF, and a blank line after the long one: it still counts.
		{"csv crlf", "a.csv", join("\r\n", csvBefore, []string{long, ""}, csvAfter[1:]) + "\r\n",
			slices.Concat(wantBefore, []string{"12 malformed"}, wantAfter[1:])},
		{"jsonl", "a.jsonl", join("\n", jsonBefore, []string{`{"op":"enter","recordId":"7","pad":"` + long + `"}`}, jsonAfter) + "\n",
			slices.Concat(wantJSONBefore, []string{"12 malformed"}, wantAfter)},
		{"jsonl at the end without a newline", "a.jsonl", join("\n", jsonBefore, []string{long}),
			slices.Concat(wantJSONBefore, []string{"12 malformed"})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, _, err := Open(strings.NewReader(tc.body), tc.file, FormatAuto)
			if err != nil {
				t.Fatal(err)
			}
			got, reasons := readAll(t, r)
			if !slices.Equal(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
			if w := "longer than 65536 bytes"; !strings.Contains(reasons[12], w) || len(reasons[12]) > 200 {
				t.Errorf("line 12: reason %.300q, want a short one saying %q", reasons[12], w)
			}
		})
	}
}

// An over-long header is refused before anything is read or sent.
func TestOverLongCSVHeaderIsAnInputError(t *testing.T) {
	_, _, err := Open(strings.NewReader("op,id,"+strings.Repeat("x", 1<<20+7)+"\nenter,1\n"), "a.csv", FormatAuto)
	var ie *InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "line 1") || !strings.Contains(err.Error(), "longer than 65536 bytes") ||
		!strings.Contains(err.Error(), "nothing was sent") {
		t.Fatalf("err = %v, want an InputError about line 1 being too long, saying nothing was sent", err)
	}
}

// A read error of the input ends the read: the lines before it came out,
// and Line is the last line read whole, so the caller resumes after it.
func TestReadErrorEndsTheReadAfterTheLastWholeLine(t *testing.T) {
	for _, tc := range []struct{ file, body string }{
		{"a.csv", "op,id\nenter,1\nenter,"},
		{"a.jsonl", "\n" + `{"op":"enter","id":1}` + "\n" + `{"op":`},
	} {
		in := io.MultiReader(strings.NewReader(tc.body), iotest.ErrReader(errors.New("disk gone")))
		r, _, err := Open(in, tc.file, FormatAuto)
		if err != nil {
			t.Fatal(err)
		}
		rec, bad, err := r.Next()
		if err != nil || bad != nil || rec.Line != 2 {
			t.Fatalf("%s: rec %+v bad %+v err %v", tc.file, rec, bad, err)
		}
		if _, _, err := r.Next(); err == nil || !strings.Contains(err.Error(), "disk gone") || r.Line() != 2 {
			t.Fatalf("%s: err %v after line %d, want the read error after line 2", tc.file, err, r.Line())
		}
	}
}
