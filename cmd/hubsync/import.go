package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/audiencesync/hubspot-list-sync/changefile"
	"github.com/audiencesync/hubspot-list-sync/config"
	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/starter"
)

func registerImport(r *registry) {
	r.add(&command{name: "import", args: "AUDIENCE [FILE|-]",
		summary: "send enter/leave changes from a CSV or JSON-lines file, in order",
		help: "Reads FILE, or stdin when FILE is - or missing. CSV needs a header naming an op column\n" +
			"(op or action: enter|leave) and a record ID column (record_id, recordId or id); other\n" +
			"columns are ignored. JSON lines look like {\"op\":\"enter\",\"recordId\":\"123\"}. The format\n" +
			"comes from the extension (.csv; .jsonl, .ndjson, .json), else from the content.\n\n" +
			"Changes are sent in file order; consecutive changes with the same op travel together.\n" +
			"A malformed line (bad op, not a record ID, wrong field count, bad JSON, over 64 KiB)\n" +
			"is reported by its line number and skipped; every valid line is sent, and the exit code\n" +
			"is 4. If sending fails midway, or the input cannot be read further, the import stops\n" +
			"(later changes must not overtake earlier ones) and says which line to resume from.",
		flags: func(fs *flag.FlagSet) {
			fs.String("format", changefile.FormatAuto, "input format: csv, jsonl or auto")
			fs.Int("show", 20, "list at most `N` malformed lines (all are counted)")
			fs.Int("group", starter.MaxIDsPerSignal, "at most `N` IDs per call (one call is one signal at the default)")
		},
		run: runImport})
}

// importSummary is the import's outcome, printed at the end.
type importSummary struct {
	AudienceID     string                 `json:"audienceId"`
	Source         string                 `json:"source"`
	Format         string                 `json:"format"`
	Lines          int                    `json:"lines"`   // last line number read
	Changes        int                    `json:"changes"` // valid lines read
	Sent           int                    `json:"sent"`    // IDs delivered
	Entered        int                    `json:"entered"`
	Left           int                    `json:"left"`
	Signals        int                    `json:"signals"`
	MalformedCount int                    `json:"malformedCount"`
	Malformed      []changefile.Malformed `json:"malformed,omitempty"` // the first -show
	// ResumeLine is the first line not sent when the import stopped early.
	ResumeLine int     `json:"resumeLine,omitempty"`
	Error      string  `json:"error,omitempty"`
	Seconds    float64 `json:"seconds"`
}

func runImport(ctx context.Context, a *app, fs *flag.FlagSet, args []string) error {
	if err := wantArgs(args, 1, 2); err != nil {
		return err
	}
	getInt := func(name string) int { return fs.Lookup(name).Value.(flag.Getter).Get().(int) }
	show, group := getInt("show"), getInt("group")
	if show < 0 || group <= 0 {
		return usagef("-show must be >= 0 and -group > 0")
	}
	sum := importSummary{AudienceID: args[0], Source: "-"}
	if len(args) == 2 {
		sum.Source = args[1]
	}
	in := a.stdin
	if sum.Source != "-" {
		f, err := os.Open(sum.Source)
		if err != nil {
			return usagef("opening the import file: %v", err)
		}
		defer f.Close()
		in = f
	}
	// The CSV header is read here, so a wrong file fails before Temporal.
	rr, format, err := changefile.Open(in, sum.Source, fs.Lookup("format").Value.String())
	var ie *changefile.InputError
	if errors.As(err, &ie) {
		return usagef("%v", ie)
	}
	if err != nil {
		return err
	}
	sum.Format = format
	return a.withStarter(ctx, func(_ *config.File, o orchestrator) error {
		imp := &importer{a: a, o: o, rr: rr, group: group, show: show, sum: &sum,
			progress: newProgress(a.stderr, a.isTerminal(a.stderr), a.now)}
		runErr := imp.run(ctx)
		imp.progress.finish()
		sum.Seconds = imp.progress.elapsed().Seconds()
		if runErr != nil {
			sum.Error = runErr.Error()
		}
		return a.reportImport(&sum, runErr)
	})
}

// readError is the input failing to read (not a malformed line, which is
// reported and skipped): the lines after line were not read.
type readError struct {
	line int
	err  error
}

func (e *readError) Error() string {
	return fmt.Sprintf("reading the input failed after line %d: %v", e.line, e.err)
}
func (e *readError) Unwrap() error { return e.err }

// importer groups consecutive same-op changes and sends them in order.
type importer struct {
	a        *app
	o        orchestrator
	rr       changefile.Reader
	group    int
	show     int
	sum      *importSummary
	progress *progress

	op    contract.Op
	ids   []string
	lines []int // lines[i] is the line of ids[i], to say where to resume
}

func (im *importer) run(ctx context.Context) error {
	for {
		rec, bad, err := im.rr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			// Send what was read before the input broke, then report it.
			if ferr := im.flush(ctx); ferr != nil {
				return ferr
			}
			im.sum.ResumeLine = im.rr.Line() + 1
			return &readError{line: im.rr.Line(), err: err}
		}
		im.sum.Lines = im.rr.Line()
		if bad != nil {
			im.sum.MalformedCount++
			if len(im.sum.Malformed) < im.show {
				im.sum.Malformed = append(im.sum.Malformed, *bad)
			}
			continue
		}
		im.sum.Changes++
		if len(im.ids) > 0 && (rec.Op != im.op || len(im.ids) >= im.group) {
			if err := im.flush(ctx); err != nil {
				return err
			}
		}
		im.op = rec.Op
		im.ids = append(im.ids, rec.ID)
		im.lines = append(im.lines, rec.Line)
		if im.sum.Changes%1000 == 0 {
			im.progress.tick(im.sum.Lines, im.sum.Sent)
		}
	}
	return im.flush(ctx)
}

// flush sends the pending group. On failure it records the first line not
// delivered; nothing after it is sent, so order is kept.
func (im *importer) flush(ctx context.Context) error {
	if len(im.ids) == 0 {
		return nil
	}
	cctx, cancel := im.a.sendCtx(ctx)
	defer cancel()
	// A progress line says what a held call waits on (back-pressure, a
	// worker, the server); the reporter runs on another goroutine, so it
	// only hands over the text.
	notes := make(chan string, 1)
	cctx = starter.WithWaitReporter(cctx, func(w starter.WaitInfo) {
		select {
		case notes <- w.String():
		default:
		}
	})
	type result struct {
		acc starter.Accepted
		err error
	}
	done := make(chan result, 1)
	send := im.o.Enter
	if im.op == contract.OpLeave {
		send = im.o.Leave
	}
	go func() {
		acc, err := send(cctx, im.sum.AudienceID, im.ids)
		done <- result{acc, err}
	}()
	var r result
	for waiting := true; waiting; {
		select {
		case note := <-notes:
			im.progress.wait(note)
		case r = <-done:
			waiting = false
		}
	}
	im.progress.wait("")
	acc, err := r.acc, r.err
	im.sum.Sent += acc.IDs
	im.sum.Signals += acc.Signals
	if im.op == contract.OpEnter {
		im.sum.Entered += acc.IDs
	} else {
		im.sum.Left += acc.IDs
	}
	if err != nil {
		im.sum.ResumeLine = im.lines[min(acc.IDs, len(im.lines)-1)]
		return err
	}
	im.ids, im.lines = im.ids[:0], im.lines[:0]
	im.progress.tick(im.sum.Lines, im.sum.Sent)
	return nil
}

// reportImport prints the summary and the malformed lines, and turns the
// outcome into the command's error (and so its exit code).
func (a *app) reportImport(sum *importSummary, runErr error) error {
	if a.jsonOut {
		if err := a.printJSON(sum); err != nil {
			return err
		}
	} else {
		rate := 0.0
		if sum.Seconds > 0 {
			rate = float64(sum.Sent) / sum.Seconds
		}
		fmt.Fprintf(a.stdout, "import into audience %s: %d lines read, %d changes sent (%d enter, %d leave) in %d signal(s), %d malformed line(s), %.1fs (%.0f IDs/s)\n",
			sum.AudienceID, sum.Lines, sum.Sent, sum.Entered, sum.Left, sum.Signals, sum.MalformedCount, sum.Seconds, rate)
	}
	if sum.MalformedCount > 0 {
		fmt.Fprintf(a.stderr, "malformed lines (not sent; %d listed of %d):\n", len(sum.Malformed), sum.MalformedCount)
		for _, m := range sum.Malformed {
			fmt.Fprintf(a.stderr, "  line %d: %s\n", m.Line, m.Reason)
		}
	}
	if runErr != nil {
		keep := ""
		if sum.Format == changefile.FormatCSV {
			keep = " (keep the CSV header)"
		}
		err := fmt.Errorf("stopped at line %d: %w; the valid lines before it were sent: resend from line %d%s", sum.ResumeLine, runErr, sum.ResumeLine, keep)
		var re *readError
		if errors.As(runErr, &re) {
			// Every line read was sent or reported: what failed is the input
			// itself, so the same input from the same line would fail again.
			err = fmt.Errorf("%w: every line up to it was sent or reported as malformed; once the input can be read whole, import it from line %d%s",
				runErr, sum.ResumeLine, keep)
		}
		if sum.Sent > 0 {
			return &partialError{err}
		}
		return err
	}
	if sum.MalformedCount > 0 {
		return &partialError{fmt.Errorf("%d malformed line(s) were skipped (every valid line was sent): fix them and import those lines again", sum.MalformedCount)}
	}
	return nil
}
