package main

import (
	"fmt"
	"io"
	"time"
)

// progress reports an import's advance on stderr: a line rewritten with \r
// on a terminal, or a plain line every so often when stderr is a file or a
// pipe (a log must not fill with carriage returns).
type progress struct {
	w     io.Writer
	tty   bool
	now   func() time.Time
	every time.Duration
	start time.Time
	last  time.Time
	shown bool
	// note says why sending is held (back-pressure), shown after the
	// counts until the held call returns.
	note        string
	lines, sent int
}

func newProgress(w io.Writer, tty bool, now func() time.Time) *progress {
	every := 10 * time.Second
	if tty {
		every = 200 * time.Millisecond
	}
	t := now()
	return &progress{w: w, tty: tty, now: now, every: every, start: t, last: t}
}

// wait shows why the current call is held; "" clears it.
func (p *progress) wait(note string) {
	p.note = note
	if note != "" {
		p.tick(p.lines, p.sent)
	}
}

// tick shows the counts if the last report is old enough.
func (p *progress) tick(lines, sent int) {
	p.lines, p.sent = lines, sent
	t := p.now()
	if t.Sub(p.last) < p.every {
		return
	}
	p.last = t
	rate := 0.0
	if d := t.Sub(p.start).Seconds(); d > 0 {
		rate = float64(sent) / d
	}
	note := ""
	if p.note != "" {
		note = " | waiting: " + p.note
	}
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[Kimport: %d lines read, %d IDs sent, %.0f IDs/s%s ", lines, sent, rate, note)
		p.shown = true
		return
	}
	fmt.Fprintf(p.w, "import: %d lines read, %d IDs sent, %.0f IDs/s%s\n", lines, sent, rate, note)
}

// finish clears the terminal line so the summary starts clean.
func (p *progress) finish() {
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

func (p *progress) elapsed() time.Duration { return p.now().Sub(p.start) }
