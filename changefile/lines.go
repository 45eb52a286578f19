package changefile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// maxLine bounds one line of a change file, so a file without newlines (or
// with a huge field) cannot exhaust memory and costs only its own line; a
// change is a few dozen bytes.
const maxLine = 64 << 10

// lineReader reads lines of any length but keeps at most maxLine bytes of
// each (and one more, to tell): a longer line is reported as too long, and
// reading goes on at the next line.
type lineReader struct {
	br  *bufio.Reader
	buf []byte
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, maxLine)}
}

// next returns the next line without its "\n" (the slice is reused by the
// next call). For a line over maxLine bytes it returns the line's first
// maxLine bytes and tooLong. err is io.EOF only when no line is left, and
// otherwise a read error of the input: the line being read is lost.
func (l *lineReader) next() (line []byte, tooLong bool, err error) {
	l.buf = l.buf[:0]
	n := 0 // bytes of the line so far, its "\n" included
	for {
		chunk, err := l.br.ReadSlice('\n')
		n += len(chunk)
		// Keep one byte past the bound, its newline or the proof it is too long.
		if room := maxLine + 1 - len(l.buf); room > 0 {
			l.buf = append(l.buf, chunk[:min(room, len(chunk))]...)
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == nil, errors.Is(err, io.EOF) && n > 0:
			if err == nil {
				n-- // the newline is not part of the line
			}
			if n > maxLine {
				return l.buf[:maxLine], true, nil
			}
			return l.buf[:n], false, nil
		default: // io.EOF with no line left, or a read error
			return nil, false, err
		}
	}
}

// tooLongLine reports a line over maxLine bytes, with its start so it can
// be found in the file.
func tooLongLine(line int, start []byte) *Malformed {
	start = start[:min(len(start), 200)]
	return &Malformed{line, fmt.Sprintf("longer than %d bytes (a change is a few dozen): it starts %q", maxLine, oneLine(string(start), 40))}
}
