package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/audiencesync/hubspot-list-sync/changefile"
	"github.com/audiencesync/hubspot-list-sync/config"
	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/starter"
)

func registerReconcile(r *registry) {
	r.add(&command{name: "reconcile", args: "AUDIENCE CONNECTOR FILE|-",
		summary: "make the connector's list equal to a snapshot of the audience's members",
		help: "FILE, or stdin for -, is the audience's full member set: one record ID per line, in any\n" +
			"order, repeats allowed; blank lines, lines starting with # and a first line \"recordId\"\n" +
			"are skipped. Any other line refuses the whole file (nothing is sent): a snapshot missing\n" +
			"members would remove them from the list. An empty snapshot removes every member, so it\n" +
			"needs -allow-empty (a -plan of it does not).\n\n" +
			"The list is read from HubSpot and diffed against the snapshot: members it lacks are\n" +
			"added, members the snapshot lacks are removed. The snapshot takes its place in the\n" +
			"audience's order: changes sent before it are superseded by it, changes sent after it win\n" +
			"over it for their contacts, and changes keep flowing meanwhile. -plan only reads and\n" +
			"diffs: it reports what a reconcile would change, with samples, and changes nothing.\n\n" +
			"Progress is shown on stderr and the report on stdout once the reconcile ends. Ctrl-C or\n" +
			"-wait stop waiting, not the reconcile: follow it with 'hubsync status AUDIENCE CONNECTOR'.\n" +
			"Exit code 1 when the reconcile was aborted or replaced, or cannot go on without an\n" +
			"operator (blocked reading the list, the sync blocked by a failed batch, or paused): the\n" +
			"message says what to do; 4 instead if it had applied some differences by then.\n\n" +
			"To start a new connector equal to the audience, use 'hubsync activate AUDIENCE\n" +
			"CONNECTOR -snapshot FILE' (activation and reconcile in one ordered step).",
		flags: func(fs *flag.FlagSet) {
			fs.Bool("plan", false, "dry run: report the adds and removes a reconcile would make (with samples); change nothing")
			reconcileFlags(fs, "")
		},
		run: runReconcile})
}

// reconcileFlags registers the flags reconcile shares with activate
// -snapshot; note ends each description.
func reconcileFlags(fs *flag.FlagSet, note string) {
	fs.String("id", "", "name the reconcile `ID` (1-64 letters, digits, '.', '_' or '-'); default a new UUID"+note)
	fs.Bool("allow-empty", false, "accept an empty snapshot, which removes every member of the list"+note)
	fs.Duration("wait", 0, "stop waiting for the reconcile after this `duration` (it goes on); 0 = until it ends"+note)
}

// reconcileJob is one reconcile as the command line asks for it.
type reconcileJob struct {
	audience, connector string
	source              string // file name, or "-" for stdin
	plan, activate      bool
	id                  string
	wait                time.Duration
	members             []int64
}

// newReconcileJob reads the flags and the snapshot. Every mistake is a
// usage error found before Temporal is dialled: nothing is sent.
func (a *app) newReconcileJob(fs *flag.FlagSet, audience, connector, source string, activate bool) (*reconcileJob, error) {
	job := &reconcileJob{audience: audience, connector: connector, source: source, activate: activate,
		id:   fs.Lookup("id").Value.String(),
		wait: fs.Lookup("wait").Value.(flag.Getter).Get().(time.Duration)}
	if f := fs.Lookup("plan"); f != nil {
		job.plan = f.Value.String() == "true"
	}
	if job.id != "" {
		// The workflows refuse a bad ID too, but only after dialling;
		// reconcile IDs follow the rule of connector IDs.
		if contract.CheckConnectorID(job.id) != nil {
			return nil, usagef("-id %q: a reconcile ID is 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit", job.id)
		}
	}
	if job.wait < 0 {
		return nil, usagef("-wait %s: must be 0 (wait until the reconcile ends) or positive", job.wait)
	}
	ids, err := a.readSnapshot(source)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 && !job.plan && fs.Lookup("allow-empty").Value.String() != "true" {
		hint := ""
		if !activate {
			hint = " ('hubsync reconcile -plan' shows what it would remove)"
		}
		return nil, usagef("snapshot %s holds no record IDs: reconciling to it would remove every member of connector %s's list. "+
			"Give -allow-empty if that is intended%s; nothing was sent", snapshotName(source), connector, hint)
	}
	// Sorted and without repeats, so the progress shows the true size.
	slices.Sort(ids)
	job.members = slices.Compact(ids)
	return job, nil
}

func snapshotName(source string) string {
	if source == "-" {
		return "stdin"
	}
	return source
}

// readSnapshot reads the whole snapshot before anything is sent: a file
// that fails halfway must not remove the members it did not list.
func (a *app) readSnapshot(source string) ([]int64, error) {
	in := a.stdin
	if source != "-" {
		f, err := os.Open(source)
		if err != nil {
			return nil, usagef("opening the snapshot file: %v", err)
		}
		defer f.Close()
		in = f
	}
	ids, err := changefile.ReadSnapshot(in, snapshotName(source))
	if err != nil {
		// Unreadable input is a usage error (exit 2): nothing was sent.
		return nil, usagef("%v", err)
	}
	return ids, nil
}

func runReconcile(ctx context.Context, a *app, fs *flag.FlagSet, args []string) error {
	if err := wantArgs(args, 3, 3); err != nil {
		return err
	}
	job, err := a.newReconcileJob(fs, args[0], args[1], args[2], false)
	if err != nil {
		return err
	}
	return a.withStarter(ctx, func(_ *config.File, o orchestrator) error {
		// Checked first so a typo or a new connector is exit 3 with the
		// command that fits, not a refusal from the audience workflow.
		cctx, cancel := a.callCtx(ctx)
		st, err := o.Connectors(cctx, job.audience)
		cancel()
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(st.Connectors, func(c contract.SyncInput) bool { return c.ConnectorID == job.connector }) {
			return &notFoundError{fmt.Errorf("connector %q is not active on audience %s: nothing was sent. To activate it and fill its list from the snapshot in one step: hubsync activate %s %s -snapshot %s",
				job.connector, job.audience, job.audience, job.connector, job.source)}
		}
		return a.reconcile(ctx, o, job)
	})
}

// reconcileReport is the command's outcome, printed at the end (-json
// prints it as is).
type reconcileReport struct {
	AudienceID  string `json:"audienceId"`
	ConnectorID string `json:"connectorId"`
	Source      string `json:"source"`
	Activated   bool   `json:"activated,omitempty"`
	Plan        bool   `json:"plan"`
	// Outcome is the reconcile's phase when the command stopped waiting:
	// done, aborted or replaced once it ended; blocked, paused or
	// waiting-on-batch when it cannot go on without an operator; else the
	// phase it was in (or "unknown" if the sync never showed it).
	Outcome   string                   `json:"outcome"`
	Seconds   float64                  `json:"seconds"`
	Reconcile contract.ReconcileStatus `json:"reconcile"`
	Error     string                   `json:"error,omitempty"`
}

// Outcomes that are not a reconcile phase: the sync, not the reconcile,
// holds it up.
const (
	outcomeSyncPaused  = "paused"
	outcomeSyncBlocked = "waiting-on-batch"
	outcomeUnknown     = "unknown"
)

// stuckError is why the command stopped waiting for a reconcile that
// cannot go on until an operator acts.
type stuckError struct {
	outcome, msg string
}

func (e *stuckError) Error() string { return e.msg }

// errWaitElapsed is the cause when -wait runs out.
var errWaitElapsed = errors.New("-wait elapsed")

// reconcile runs the job, shows its progress and prints its report.
func (a *app) reconcile(ctx context.Context, o orchestrator, job *reconcileJob) error {
	if job.id == "" {
		// Named here, not by the starter, so the status poll can tell
		// this reconcile from an earlier one from the start.
		job.id = uuid.NewString()
	}
	wctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	if job.wait > 0 {
		var stop context.CancelFunc
		wctx, stop = context.WithTimeoutCause(wctx, job.wait, errWaitElapsed)
		defer stop()
	}
	start := a.now()
	disp := newReconcileProgress(a.stderr, a.isTerminal(a.stderr), a.now, job)
	w := &reconcileWatch{a: a, o: o, job: job, disp: disp, stop: cancel}
	done := make(chan struct{})
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		w.run(wctx, done)
	}()
	opts := starter.ReconcileOptions{Plan: job.plan, Activate: job.activate, ID: job.id}
	final, err := o.Reconcile(wctx, job.audience, job.connector, starter.SnapshotOf(job.members), opts)
	close(done)
	<-watched
	disp.finish()

	rep := reconcileReport{AudienceID: job.audience, ConnectorID: job.connector, Source: job.source,
		Plan: job.plan, Seconds: a.now().Sub(start).Seconds()}
	var stuck *stuckError
	cause := context.Cause(wctx)
	switch {
	case err == nil:
		rep.Reconcile, rep.Outcome = final, final.Phase
	case final.ID != "":
		// It ended other than done.
		rep.Reconcile, rep.Outcome = final, final.Phase
		err = a.endedError(job, final)
	case errors.As(cause, &stuck):
		rep.Reconcile, rep.Outcome = w.last, stuck.outcome
		err = stuck
	case ctx.Err() != nil || errors.Is(cause, errWaitElapsed):
		rep.Reconcile, rep.Outcome = w.last, orUnknown(w.last.Phase)
		err = a.stoppedWaiting(job, w, ctx.Err() != nil)
	default:
		// The starter failed (a chunk refused, Temporal unreachable): the
		// sync may know better how the reconcile stands.
		w.refresh(ctx)
		if w.last.ID == "" {
			return err
		}
		rep.Reconcile, rep.Outcome = w.last, w.last.Phase
		switch {
		case w.last.FinishedAt == nil:
			err = fmt.Errorf("%w; reconcile %s is still %s: follow it with 'hubsync status %s %s'", err, job.id, w.last.Phase, job.audience, job.connector)
		case w.last.Phase == contract.PhaseDone:
			err = nil
		default:
			err = a.endedError(job, w.last)
		}
	}
	// A reconcile the sync shows was placed, so its activation was too.
	rep.Activated = job.activate && rep.Reconcile.ID != ""
	if err != nil {
		rep.Error = err.Error()
	}
	if perr := a.printReconcile(&rep); perr != nil {
		return perr
	}
	if err != nil && !job.plan && rep.Reconcile.Applied > 0 {
		return &partialError{err}
	}
	return err
}

func orUnknown(phase string) string {
	if phase == "" {
		return outcomeUnknown
	}
	return phase
}

// endedError says how a reconcile that ended other than done ended, and
// what to do.
func (a *app) endedError(job *reconcileJob, r contract.ReconcileStatus) error {
	what := "reconcile"
	if r.Plan {
		what = "plan"
	}
	switch r.Phase {
	case contract.PhaseReplaced:
		return fmt.Errorf("%s %s was replaced before it finished (%s): the newer reconcile makes the list equal to its own snapshot; follow it with 'hubsync status %s %s'",
			what, r.ID, orDash(r.Error), job.audience, job.connector)
	case contract.PhaseAborted:
		return fmt.Errorf("%s %s was aborted: %s. It changes nothing more; once the cause is dealt with, run it again",
			what, r.ID, orDash(r.Error))
	}
	return fmt.Errorf("%s %s ended %s: %s", what, r.ID, r.Phase, orDash(r.Error))
}

// stoppedWaiting is the error when Ctrl-C or -wait ended the wait.
func (a *app) stoppedWaiting(job *reconcileJob, w *reconcileWatch, interrupted bool) error {
	why := fmt.Sprintf("after %s (-wait)", job.wait)
	if interrupted {
		why = "(interrupted)"
	}
	r := w.last
	switch {
	case r.ID == "":
		return fmt.Errorf("stopped waiting %s before reconcile %s showed on the sync: if it was placed it goes on (look for it with 'hubsync status %s %s'); if not, nothing was changed",
			why, job.id, job.audience, job.connector)
	case !r.SnapshotComplete:
		return fmt.Errorf("stopped waiting %s while sending the snapshot: reconcile %s has %d of its %d members and cannot finish without the rest; run the reconcile again (the new one replaces it)",
			why, r.ID, r.SnapshotReceived, r.SnapshotMembers)
	}
	return fmt.Errorf("stopped waiting %s: reconcile %s goes on (%s); follow it with 'hubsync status %s %s'",
		why, r.ID, r.Phase, job.audience, job.connector)
}

// reconcileWatch polls the sync's whole status while the reconcile runs,
// not just the reconcile's progress (the starter's Progress): a failed
// batch owed or a pause holds the reconcile up, and then it stops the
// wait and says what the operator must do.
type reconcileWatch struct {
	a    *app
	o    orchestrator
	job  *reconcileJob
	disp *reconcileProgress
	stop context.CancelCauseFunc
	// last is the reconcile's latest status; read once run has returned.
	last     contract.ReconcileStatus
	noticed  string // the obstacle already reported while the snapshot is sent
	failures int
}

// refresh reads the reconcile's status once more, if the sync shows it.
func (w *reconcileWatch) refresh(ctx context.Context) {
	if ctx.Err() != nil {
		return
	}
	cctx, cancel := w.a.callCtx(ctx)
	defer cancel()
	if st, err := w.o.ConnectorStatus(cctx, w.job.audience, w.job.connector); err == nil {
		if r := w.pick(st); r != nil {
			w.last = *r
		}
	}
}

// pick is this reconcile's status, running or ended; nil if the sync does
// not show it (yet).
func (w *reconcileWatch) pick(st contract.Status) *contract.ReconcileStatus {
	switch id := w.job.id; {
	case st.Reconcile != nil && st.Reconcile.ID == id:
		return st.Reconcile
	case st.LastReconcile != nil && st.LastReconcile.ID == id:
		return st.LastReconcile
	}
	return nil
}

func (w *reconcileWatch) run(ctx context.Context, done <-chan struct{}) {
	log := w.a.logger()
	tick := time.NewTicker(w.a.reconcilePoll)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		cctx, cancel := w.a.callCtx(ctx)
		st, err := w.o.ConnectorStatus(cctx, w.job.audience, w.job.connector)
		cancel()
		if err != nil {
			// Expected until an activated sync starts; shown once it
			// lasts (no worker, say), as the starter may wait silently.
			w.failures++
			log.Debug("reconcile status not available", "reconcile", w.job.id, "error", err)
			if w.failures >= 5 {
				var last *contract.ReconcileStatus
				if w.last.ID != "" {
					last = &w.last
				}
				w.disp.update(last, "status not available: "+oneLine(err.Error(), 100))
			}
			continue
		}
		w.failures = 0
		w.observe(st)
	}
}

// observe shows the reconcile's status and checks what holds it up.
func (w *reconcileWatch) observe(st contract.Status) {
	r := w.pick(st)
	if r == nil {
		w.disp.update(nil, "")
		return
	}
	w.last = *r
	w.disp.update(r, "")
	if r.FinishedAt != nil {
		return
	}
	outcome, msg := w.obstacle(st, r)
	if msg == "" {
		w.noticed = ""
		return
	}
	if r.SnapshotComplete {
		w.stop(&stuckError{outcome: outcome, msg: msg})
		return
	}
	// Stopping now would leave the reconcile without the rest of its
	// snapshot, unable ever to finish: keep sending, and say why it waits.
	if w.noticed != outcome {
		w.noticed = outcome
		w.disp.notice(msg + " (this command keeps sending the snapshot meanwhile; stopping it leaves the reconcile unable to finish)")
	}
}

// obstacle names what holds the reconcile up until an operator acts, and
// what to do; "" if nothing does.
func (w *reconcileWatch) obstacle(st contract.Status, r *contract.ReconcileStatus) (outcome, msg string) {
	aud, conn := w.job.audience, w.job.connector
	switch {
	case r.Phase == contract.PhaseBlocked:
		// The sync's own advice is said below with the command to run.
		why := strings.TrimSuffix(r.Error, "; fix the cause, then resume the sync")
		return contract.PhaseBlocked, fmt.Sprintf("reconcile %s is blocked: %s. Fix the cause, then run 'hubsync resume %s %s': the reconcile goes on where it stopped (follow it with 'hubsync status %s %s')",
			r.ID, orDash(why), aud, conn, aud, conn)
	case r.Plan:
		// A plan reads and diffs only: an owed batch or a pause does not
		// hold it up.
		return "", ""
	case st.Owed != nil:
		cause := "see 'hubsync status " + aud + " " + conn + "'"
		if e := st.LastError; e != nil {
			cause = fmt.Sprintf("HTTP %d %s", e.Status, oneLine(e.Message, 120))
		}
		return outcomeSyncBlocked, fmt.Sprintf("reconcile %s waits behind batch %s, which the sync owes after a failure (%s): resume, retarget or discard that batch ('hubsync help resume'); the reconcile then goes on",
			r.ID, st.Owed.BatchID, cause)
	case st.Paused:
		return outcomeSyncPaused, fmt.Sprintf("the sync of connector %s is paused: reconcile %s applies nothing until 'hubsync resume %s %s', then goes on",
			conn, r.ID, aud, conn)
	}
	return "", ""
}

// printReconcile prints the report: JSON, or the text below.
func (a *app) printReconcile(rep *reconcileReport) error {
	if a.jsonOut {
		if rep.Activated {
			// Same key as activate without -snapshot prints.
			return a.printJSON(struct {
				*reconcileReport
				WorkflowID string `json:"workflowId"`
			}{rep, contract.AudienceWorkflowID(rep.AudienceID)})
		}
		return a.printJSON(rep)
	}
	if rep.Activated {
		fmt.Fprintf(a.stdout, "activated %s on audience %s (workflow %s)\n", rep.ConnectorID, rep.AudienceID, contract.AudienceWorkflowID(rep.AudienceID))
	}
	writeReconcileReport(a.stdout, rep)
	return nil
}

// writeReconcileReport is the text report: one summary line, then the
// samples and where it ran.
func writeReconcileReport(w io.Writer, rep *reconcileReport) {
	r := rep.Reconcile
	elapsed := time.Duration(rep.Seconds * float64(time.Second)).Round(100 * time.Millisecond)
	if r.ID == "" {
		fmt.Fprintf(w, "reconcile of connector %s on audience %s: %s after %s; the sync never showed it\n", rep.ConnectorID, rep.AudienceID, rep.Outcome, elapsed)
		return
	}
	switch {
	case r.Plan && rep.Outcome == contract.PhaseDone:
		fmt.Fprintf(w, "plan: %d adds, %d removes (would change %d of the list's %d members)\n", r.Adds, r.Removes, r.Adds+r.Removes, max(r.LiveTotal, r.LiveRead))
	case r.Plan:
		fmt.Fprintf(w, "plan %s, so far: %d adds, %d removes\n", outcomeWords(rep.Outcome), r.Adds, r.Removes)
	default:
		head := "reconcile done"
		if rep.Outcome != contract.PhaseDone {
			head = "reconcile " + outcomeWords(rep.Outcome) + ", so far"
		}
		fmt.Fprintf(w, "%s: %d adds, %d removes (%d applied, %d missing), %d taken over by later changes, %d superseded\n",
			head, r.Adds, r.Removes, r.Applied, r.Missing, r.TakenOver, r.Superseded)
	}
	writeSample(w, "sample adds", r.SampleAdds, r.Adds)
	writeSample(w, "sample removes", r.SampleRemoves, r.Removes)
	changed := ""
	if r.Plan {
		changed = "; nothing changed"
	}
	fmt.Fprintf(w, "  list %s: %d members read in %d page(s); snapshot %d members%s; %s\n", r.ListID, r.LiveRead, r.Pages, r.SnapshotReceived, changed, elapsed)
	fmt.Fprintf(w, "  reconcile %s of connector %s on audience %s\n", r.ID, rep.ConnectorID, rep.AudienceID)
}

// outcomeWords says how far a reconcile that is not done got.
func outcomeWords(outcome string) string {
	switch outcome {
	case contract.PhaseAborted, contract.PhaseReplaced, contract.PhaseBlocked:
		return outcome
	case outcomeSyncPaused:
		return "held by the paused sync"
	case outcomeSyncBlocked:
		return "held by a batch the sync owes"
	}
	// Still running: the command stopped waiting.
	return "still " + outcome
}

func writeSample(w io.Writer, label string, ids []int64, total int64) {
	if len(ids) == 0 {
		return
	}
	if int64(len(ids)) < total {
		label += fmt.Sprintf(" (%d of %d)", len(ids), total)
	}
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = fmt.Sprint(id)
	}
	fmt.Fprintf(w, "  %s: %s\n", label, strings.Join(s, " "))
}

// reconcileSummary is a reconcile's progress in one line, for the progress
// display and status.
func reconcileSummary(r *contract.ReconcileStatus) string {
	snap := fmt.Sprint(r.SnapshotReceived)
	if r.SnapshotMembers > 0 {
		snap += fmt.Sprintf("/%d", r.SnapshotMembers)
	}
	s := fmt.Sprintf("snapshot %s sent, list %d/%d read, %d adds, %d removes", snap, r.LiveRead, max(r.LiveTotal, r.LiveRead), r.Adds, r.Removes)
	if !r.Plan {
		s += fmt.Sprintf(", %d applied", r.Applied)
	}
	return s
}

// reconcileFraction is how much of the work is done, 0 to 1: the least
// advanced of the snapshot taken, the list read and, unless a plan, the
// differences found so far applied. The merge is only as far as the
// slower of its two inputs; the sync shows no better measure.
func reconcileFraction(r *contract.ReconcileStatus) float64 {
	if r.Phase == contract.PhaseDone {
		return 1
	}
	part := func(done, total int64, complete bool) float64 {
		switch {
		case complete:
			return 1
		case total <= 0:
			return 0
		}
		return min(1, float64(done)/float64(total))
	}
	f := min(part(r.SnapshotReceived, r.SnapshotMembers, r.SnapshotComplete), part(r.LiveRead, r.LiveTotal, r.LiveComplete))
	if !r.Plan && r.Adds+r.Removes > 0 {
		f = min(f, part(r.Applied+r.Missing, r.Adds+r.Removes, false))
	}
	return f
}
