// Package changefile reads files of membership changes (CSV or JSON lines)
// in order: every line becomes a change or is reported as malformed with
// its line number, never both, never neither.
package changefile

import (
	"bufio"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// Record is one valid change read from an import file.
type Record struct {
	Line int
	Op   contract.Op
	ID   string
}

// Malformed is a line that cannot be turned into a change.
type Malformed struct {
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

// Reader yields the changes of a file in order. Next returns exactly
// one of: a record, a malformed line (bad != nil), or an error (io.EOF at
// the end; anything else means the input cannot be read further).
type Reader interface {
	Next() (rec Record, bad *Malformed, err error)
	// Line is the last line number read, for progress.
	Line() int
}

// Import formats.
const (
	FormatAuto  = "auto"
	FormatCSV   = "csv"
	FormatJSONL = "jsonl"
)

// SkipBOM drops a UTF-8 byte order mark at the start of the input (as
// spreadsheet exports write), so it is neither read as part of the first
// line nor mistaken for the start of a CSV.
func SkipBOM(br *bufio.Reader) {
	if b, err := br.Peek(3); err == nil && string(b) == "\ufeff" {
		_, _ = br.Discard(3)
	}
}

// DetectFormat picks the format from the file's extension, else from its
// first non-blank byte ('{' means JSON lines). br must wrap the input.
func DetectFormat(name, flagValue string, br *bufio.Reader) (string, error) {
	switch flagValue {
	case FormatCSV, FormatJSONL:
		return flagValue, nil
	case FormatAuto, "":
	default:
		return "", inputErrorf("-format %q: use csv, jsonl or auto", flagValue)
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		return FormatCSV, nil
	case ".jsonl", ".ndjson", ".json":
		return FormatJSONL, nil
	}
	for i := 1; ; i++ {
		b, err := br.Peek(i)
		if len(b) < i || err != nil {
			return FormatCSV, nil // empty input: either format reads nothing
		}
		switch c := b[i-1]; c {
		case ' ', '\t', '\r', '\n':
			continue
		case '{':
			return FormatJSONL, nil
		default:
			return FormatCSV, nil
		}
	}
}

// NewReader reads changes in format from r; for CSV it reads the header,
// so a wrong file fails before anything is sent.
func NewReader(format string, r io.Reader) (Reader, error) {
	if format == FormatJSONL {
		return &jsonlReader{lr: newLineReader(r)}, nil
	}
	return newCSVReader(r)
}

// parseOp accepts enter and leave in any case.
func parseOp(s string) (contract.Op, bool) {
	switch contract.Op(strings.ToLower(strings.TrimSpace(s))) {
	case contract.OpEnter:
		return contract.OpEnter, true
	case contract.OpLeave:
		return contract.OpLeave, true
	}
	return "", false
}

// checkRecord validates one change. An ID that is not a HubSpot record ID
// is reported here, with its line number, instead of being sent and only
// counted as rejected by the workflow.
func checkRecord(line int, opText, id string) (Record, *Malformed) {
	op, ok := parseOp(opText)
	if !ok {
		return Record{}, &Malformed{line, fmt.Sprintf("op %q is neither enter nor leave", oneLine(opText, 40))}
	}
	id = strings.TrimSpace(id)
	if _, ok := contract.ParseRecordID(id); !ok {
		if id == "" {
			return Record{}, &Malformed{line, "the record ID is empty"}
		}
		return Record{}, &Malformed{line, fmt.Sprintf("record ID %q is not a HubSpot record ID (a positive decimal integer)", oneLine(id, 40))}
	}
	return Record{Line: line, Op: op, ID: id}, nil
}

// InputError is input that cannot be read at all (an unknown format, a CSV
// header without the needed columns): nothing was read from it.
type InputError struct{ msg string }

func (e *InputError) Error() string { return e.msg }

func inputErrorf(format string, args ...any) error {
	return &InputError{fmt.Sprintf(format, args...)}
}

// oneLine keeps a value quoted in a message on one short line.
func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > max {
		s = s[:max] + "..."
	}
	return s
}

// Open reads changes from r: it skips a byte order mark, picks the format
// (format "auto" or "": from name's extension, else from the content) and,
// for CSV, reads the header, so a wrong file fails before anything is
// sent. It returns the reader and the format used.
func Open(r io.Reader, name, format string) (Reader, string, error) {
	br := bufio.NewReaderSize(r, maxLine) // the line reader's size: it reads through br, not around it
	SkipBOM(br)
	format, err := DetectFormat(name, format, br)
	if err != nil {
		return nil, "", err
	}
	rr, err := NewReader(format, br)
	return rr, format, err
}
