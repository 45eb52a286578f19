package main

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
type csvReader struct {
	r          *csv.Reader
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
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // counted here, so a bad row is one malformed line
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return &csvReader{r: cr, opCol: -1}, nil
	}
	if err != nil {
		return nil, usagef("reading the CSV header: %v", err)
	}
	c := &csvReader{r: cr, opCol: -1, idCol: -1, fields: len(header)}
	c.headerLine, _ = cr.FieldPos(0)
	names := make([]string, len(header))
	for i, h := range header {
		names[i] = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
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
		return nil, usagef("the CSV header %q must name an op column (op or action) and a record ID column (record_id, recordId or id); nothing was sent", header)
	}
	return c, nil
}

func (c *csvReader) line() int { return c.lastLine }

func (c *csvReader) next() (record, *malformed, error) {
	if c.opCol < 0 { // empty file
		return record{}, nil, io.EOF
	}
	row, err := c.r.Read()
	var pe *csv.ParseError
	switch {
	case errors.As(err, &pe):
		// encoding/csv has consumed the bad record; reading goes on.
		c.lastLine = pe.Line
		return record{}, &malformed{pe.StartLine, pe.Err.Error()}, nil
	case err != nil:
		return record{}, nil, err
	}
	c.lastLine, _ = c.r.FieldPos(len(row) - 1)
	line, _ := c.r.FieldPos(0)
	if len(row) != c.fields {
		return record{}, &malformed{line, fmt.Sprintf("%d fields where the header (line %d) has %d", len(row), c.headerLine, c.fields)}, nil
	}
	rec, bad := checkRecord(line, row[c.opCol], row[c.idCol])
	return rec, bad, nil
}
