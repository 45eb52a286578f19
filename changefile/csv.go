package changefile

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// csvReader reads a CSV file whose header names an op column (op or action)
// and a record ID column (record_id, recordId or id); other columns are
// ignored.
//
// Each line is parsed on its own: a record never spans lines (IDs hold no
// line breaks), so a stray quote costs its own line, reported, and never
// swallows the valid lines after it. Every line is sent or reported.
type csvReader struct {
	lr         *lineReader
	opCol      int
	idCol      int
	fields     int
	lastLine   int
	headerLine int
}

var (
	opColumns = []string{"op", "action"}
	idColumns = []string{"record_id", "recordid", "id"} // in order of preference
)

func newCSVReader(r io.Reader) (*csvReader, error) {
	c := &csvReader{lr: newLineReader(r), opCol: -1, idCol: -1}
	header, bad, err := c.nextRow()
	if errors.Is(err, io.EOF) {
		return c, nil
	}
	if err != nil {
		return nil, inputErrorf("reading the CSV header (line %d): %v; nothing was sent", c.lastLine+1, err)
	}
	if bad != nil {
		return nil, inputErrorf("the CSV header (line %d) cannot be read: %s; nothing was sent", bad.Line, bad.Reason)
	}
	c.headerLine, c.fields = c.lastLine, len(header)
	names := make([]string, len(header))
	for i, h := range header {
		names[i] = strings.ToLower(strings.TrimSpace(h))
	}
	for _, want := range opColumns {
		if i := slices.Index(names, want); i >= 0 && c.opCol < 0 {
			c.opCol = i
		}
	}
	for _, want := range idColumns {
		if i := slices.Index(names, want); i >= 0 && c.idCol < 0 {
			c.idCol = i
		}
	}
	if c.opCol < 0 || c.idCol < 0 {
		return nil, inputErrorf("the CSV header %q must name an op column (op or action) and a record ID column (record_id, recordId or id); nothing was sent", header)
	}
	return c, nil
}

// nextRow parses the next non-blank line (c.lastLine). A line that is
// too long or not valid CSV is bad, for that line only; err is io.EOF at
// the end or a read error of the input.
func (c *csvReader) nextRow() (row []string, bad *Malformed, err error) {
	for {
		b, tooLong, err := c.lr.next()
		if err != nil {
			return nil, nil, err
		}
		c.lastLine++
		if tooLong {
			return nil, tooLongLine(c.lastLine, b), nil
		}
		text := strings.TrimRight(string(b), "\r")
		if strings.TrimSpace(text) == "" {
			continue
		}
		cr := csv.NewReader(strings.NewReader(text))
		cr.FieldsPerRecord = -1
		row, err := cr.Read()
		if err != nil {
			// A ParseError names the line and column within text; the
			// file's line number is ours, so only its cause is kept.
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return nil, &Malformed{c.lastLine, err.Error()}, nil
		}
		return row, nil, nil
	}
}

func (c *csvReader) Line() int { return c.lastLine }

func (c *csvReader) Next() (Record, *Malformed, error) {
	if c.opCol < 0 { // empty file
		return Record{}, nil, io.EOF
	}
	row, bad, err := c.nextRow()
	switch {
	case err != nil:
		return Record{}, nil, err
	case bad != nil:
		return Record{}, bad, nil
	case len(row) != c.fields:
		return Record{}, &Malformed{c.lastLine, fmt.Sprintf("%d fields where the header (line %d) has %d", len(row), c.headerLine, c.fields)}, nil
	}
	rec, bad := checkRecord(c.lastLine, row[c.opCol], row[c.idCol])
	return rec, bad, nil
}
