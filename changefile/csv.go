package changefile

import (
	"bufio"
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
	sc         *bufio.Scanner
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
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	c := &csvReader{sc: sc, opCol: -1, idCol: -1}
	header, line, err := c.nextRow()
	if errors.Is(err, io.EOF) {
		return c, nil
	}
	if err != nil {
		return nil, inputErrorf("reading the CSV header (line %d): %v", line, err)
	}
	c.headerLine, c.fields = line, len(header)
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

// nextRow parses the next non-blank line. A line that is not valid CSV
// is an error for that line only (err is a *csv.ParseError).
func (c *csvReader) nextRow() (row []string, line int, err error) {
	for c.sc.Scan() {
		c.lastLine++
		text := strings.TrimRight(c.sc.Text(), "\r")
		if strings.TrimSpace(text) == "" {
			continue
		}
		cr := csv.NewReader(strings.NewReader(text))
		cr.FieldsPerRecord = -1
		row, err := cr.Read()
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, c.lastLine, pe.Err
		}
		return row, c.lastLine, err
	}
	if err := c.sc.Err(); err != nil {
		return nil, c.lastLine, err
	}
	return nil, c.lastLine, io.EOF
}

func (c *csvReader) Line() int { return c.lastLine }

func (c *csvReader) Next() (Record, *Malformed, error) {
	if c.opCol < 0 { // empty file
		return Record{}, nil, io.EOF
	}
	row, line, err := c.nextRow()
	switch {
	case errors.Is(err, io.EOF):
		return Record{}, nil, io.EOF
	case errors.Is(err, bufio.ErrTooLong):
		return Record{}, nil, fmt.Errorf("line %d is longer than 1 MB: is this a CSV of changes?", line+1)
	case err != nil && c.sc.Err() == nil:
		return Record{}, &Malformed{line, err.Error()}, nil
	case err != nil:
		return Record{}, nil, err
	}
	if len(row) != c.fields {
		return Record{}, &Malformed{line, fmt.Sprintf("%d fields where the header (line %d) has %d", len(row), c.headerLine, c.fields)}, nil
	}
	rec, bad := checkRecord(line, row[c.opCol], row[c.idCol])
	return rec, bad, nil
}
