package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/audiencesync/hubspot-list-sync/contract"
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
	// note says what sending is held on (starter.WaitInfo), shown after the
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

// reconcileProgress shows a reconcile's advance on stderr, like progress
// for an import: a bar on a terminal, else a plain line every few seconds.
type reconcileProgress struct {
	w     io.Writer
	tty   bool
	now   func() time.Time
	every time.Duration
	start time.Time
	last  time.Time
	shown bool
	label string // "reconcile", "plan" or "activate"
	// members is the snapshot's size, shown until the sync shows its own.
	members int
}

func newReconcileProgress(w io.Writer, tty bool, now func() time.Time, job *reconcileJob) *reconcileProgress {
	every := 5 * time.Second
	if tty {
		every = 200 * time.Millisecond
	}
	label := "reconcile"
	switch {
	case job.plan:
		label = "plan"
	case job.activate:
		label = "activate"
	}
	t := now()
	return &reconcileProgress{w: w, tty: tty, now: now, every: every, start: t, last: t, label: label, members: len(job.members)}
}

// update shows r if the last report is old enough; nil means the sync
// does not show the reconcile yet. A note (why the status cannot be read)
// follows.
func (p *reconcileProgress) update(r *contract.ReconcileStatus, note string) {
	t := p.now()
	if t.Sub(p.last) < p.every {
		return
	}
	p.last = t
	elapsed := t.Sub(p.start).Round(time.Second)
	if r == nil {
		starting := "starting (placed after the changes sent before it)"
		if note != "" {
			starting = "starting: " + note
		}
		if p.tty {
			fmt.Fprintf(p.w, "\r\033[K%s %s %s, %d snapshot members, %s ", p.label, progressBar(0), starting, p.members, elapsed)
			p.shown = true
			return
		}
		fmt.Fprintf(p.w, "%s: %s, %d snapshot members, %s\n", p.label, starting, p.members, elapsed)
		return
	}
	if note != "" {
		note = " | " + note
	}
	frac := reconcileFraction(r)
	if p.tty {
		// Compact: a line wider than the terminal wraps and \r no longer
		// rewrites it.
		applied := ""
		if !r.Plan {
			applied = fmt.Sprintf(", %d applied", r.Applied)
		}
		fmt.Fprintf(p.w, "\r\033[K%s %s %3.0f%% %s | sent %d/%d | read %d/%d | +%d -%d%s | %s%s ", p.label, progressBar(frac), 100*frac, r.Phase,
			r.SnapshotReceived, max(r.SnapshotMembers, r.SnapshotReceived, int64(p.members)), r.LiveRead, max(r.LiveTotal, r.LiveRead), r.Adds, r.Removes, applied, elapsed, note)
		p.shown = true
		return
	}
	fmt.Fprintf(p.w, "%s: %s %.0f%%: %s, %s%s\n", p.label, r.Phase, 100*frac, reconcileSummary(r), elapsed, note)
}

// notice prints a message on its own line, clear of the progress line.
func (p *reconcileProgress) notice(msg string) {
	p.finish()
	fmt.Fprintf(p.w, "%s: %s\n", p.label, msg)
}

// finish clears the terminal line so what follows starts clean.
func (p *reconcileProgress) finish() {
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
		p.shown = false
	}
}

// progressBar draws frac (0 to 1) in 20 cells.
func progressBar(frac float64) string {
	const cells = 20
	n := min(cells, max(0, int(frac*cells)))
	return "[" + strings.Repeat("#", n) + strings.Repeat(".", cells-n) + "]"
}
