package main

import (
	"bufio"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/audiencesync/hubspot-list-sync/workflows"
)

// record is one valid change read from an import file.
type record struct {
	line int
	op   workflows.Op
	id   string
}

// malformed is a line that cannot be turned into a change.
type malformed struct {
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

// recordReader yields the changes of a file in order. next returns exactly
// one of: a record, a malformed line (bad != nil), or an error (io.EOF at
// the end; anything else means the input cannot be read further).
type recordReader interface {
	next() (rec record, bad *malformed, err error)
	// line is the last line number read, for progress.
	line() int
}

// Import formats.
const (
	formatAuto  = "auto"
	formatCSV   = "csv"
	formatJSONL = "jsonl"
)

// skipBOM drops a UTF-8 byte order mark at the start of the input (as
// spreadsheet exports write), so it is neither read as part of the first
// line nor mistaken for the start of a CSV.
func skipBOM(br *bufio.Reader) {
	if b, err := br.Peek(3); err == nil && string(b) == "\ufeff" {
		_, _ = br.Discard(3)
	}
}

// detectFormat picks the format from the file's extension, else from its
// first non-blank byte ('{' means JSON lines). br must wrap the input.
func detectFormat(name, flagValue string, br *bufio.Reader) (string, error) {
	switch flagValue {
	case formatCSV, formatJSONL:
		return flagValue, nil
	case formatAuto, "":
	default:
		return "", usagef("-format %q: use csv, jsonl or auto", flagValue)
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		return formatCSV, nil
	case ".jsonl", ".ndjson", ".json":
		return formatJSONL, nil
	}
	for i := 1; ; i++ {
		b, err := br.Peek(i)
		if len(b) < i || err != nil {
			return formatCSV, nil // empty input: either format reads nothing
		}
		switch c := b[i-1]; c {
		case ' ', '\t', '\r', '\n':
			continue
		case '{':
			return formatJSONL, nil
		default:
			return formatCSV, nil
		}
	}
}

func newRecordReader(format string, r io.Reader) (recordReader, error) {
	if format == formatJSONL {
		return &jsonlReader{br: bufio.NewReaderSize(r, 64<<10)}, nil
	}
	return newCSVReader(r)
}

// parseOp accepts enter and leave in any case.
func parseOp(s string) (workflows.Op, bool) {
	switch workflows.Op(strings.ToLower(strings.TrimSpace(s))) {
	case workflows.OpEnter:
		return workflows.OpEnter, true
	case workflows.OpLeave:
		return workflows.OpLeave, true
	}
	return "", false
}

// checkRecord validates one change. An ID that is not a HubSpot record ID
// is reported here, with its line number, instead of being sent and only
// counted as rejected by the workflow.
func checkRecord(line int, opText, id string) (record, *malformed) {
	op, ok := parseOp(opText)
	if !ok {
		return record{}, &malformed{line, fmt.Sprintf("op %q is neither enter nor leave", oneLine(opText, 40))}
	}
	id = strings.TrimSpace(id)
	if _, ok := workflows.ParseRecordID(id); !ok {
		if id == "" {
			return record{}, &malformed{line, "the record ID is empty"}
		}
		return record{}, &malformed{line, fmt.Sprintf("record ID %q is not a HubSpot record ID (a positive decimal integer)", oneLine(id, 40))}
	}
	return record{line: line, op: op, id: id}, nil
}
