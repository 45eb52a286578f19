package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/audiencesync/hubspot-list-sync/config"
	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/starter"
)

func registerStatus(r *registry) {
	r.add(&command{name: "status", args: "AUDIENCE [CONNECTOR]",
		summary: "show the audience's connectors and their sync state",
		help: "Without CONNECTOR: one line per active connector. With CONNECTOR: its full status,\n" +
			"including an owed batch and the last error. Status is read with Temporal queries,\n" +
			"which need a running worker. Exit code 4 when some connector could not be read.",
		run: runStatus})
}

func runStatus(ctx context.Context, a *app, _ *flag.FlagSet, args []string) error {
	aud, conn, err := audienceAndConnector(args)
	if err != nil {
		return err
	}
	return a.withStarter(ctx, func(_ *config.File, o orchestrator) error {
		cctx, cancel := a.callCtx(ctx)
		defer cancel()
		if conn != "" {
			st, err := o.ConnectorStatus(cctx, aud, conn)
			if err != nil {
				return err
			}
			if a.jsonOut {
				return a.printJSON(st)
			}
			printConnector(a.stdout, st)
			return nil
		}
		rep, err := o.Status(cctx, aud)
		if err != nil {
			return err
		}
		if a.jsonOut {
			err = a.printJSON(rep)
		} else {
			printReport(a.stdout, rep)
		}
		if err != nil {
			return err
		}
		var errs []error
		for _, c := range rep.Connectors {
			if c.Error != "" {
				errs = append(errs, fmt.Errorf("connector %s: %s", c.ConnectorID, c.Error))
			}
		}
		if len(errs) > 0 {
			return &partialError{errors.Join(errs...)}
		}
		return nil
	})
}

func printReport(w io.Writer, rep starter.AudienceReport) {
	a := rep.Audience
	fmt.Fprintf(w, "audience %s: %d active connector(s), %d change(s) forwarded, generation %d (workflow %s)\n",
		a.AudienceID, len(a.Connectors), a.Forwarded, a.Generation, contract.AudienceWorkflowID(a.AudienceID))
	fmt.Fprintf(w, "queue: %d ID(s) waiting for room (%d bytes), %d sender(s) held; admitted %d, overflowed %d in %d signal(s), unrouted %d\n",
		a.Queued, a.QueuedBytes, a.Waiting, a.Admitted, a.Overflowed, a.OverflowedSignals, a.Unrouted)
	for _, p := range a.Problems {
		fmt.Fprintf(w, "problem: %s\n", oneLine(p, 200))
	}
	if len(rep.Connectors) == 0 {
		fmt.Fprintf(w, "no active connector: run 'hubsync activate %s CONNECTOR'\n", a.AudienceID)
		return
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CONNECTOR\tLIST\tSTATE\tPENDING +/-\tBACKLOG\tADDED\tREMOVED\tMISSING\tREJECTED\tBATCHES\tFAILED\tNOTE")
	for _, c := range rep.Connectors {
		if c.Status == nil {
			fmt.Fprintf(tw, "%s\t%s\t?\t\t\t\t\t\t\t\t\t%s\n", c.ConnectorID, c.ListID, oneLine(c.Error, 80))
			continue
		}
		s := c.Status
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d/%d\t%d/%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", c.ConnectorID, s.ListID, s.State,
			s.PendingAdds, s.PendingRemoves, s.Backlog, s.MaxBacklog, s.TotalAdded, s.TotalRemoved, s.TotalMissing, s.TotalRejected,
			s.BatchesSent, s.BatchesFailed, note(s))
	}
	tw.Flush()
	for _, c := range rep.Connectors {
		if s := c.Status; s != nil {
			if s.Reconcile != nil {
				fmt.Fprintf(w, "%s: reconcile %s\n", c.ConnectorID, reconcileInProgress(s.Reconcile))
			}
			if s.LastReconcile != nil {
				fmt.Fprintf(w, "%s: last reconcile %s\n", c.ConnectorID, reconcileOutcome(s.LastReconcile))
			}
		}
	}
}

// reconcileInProgress is one line on a running reconcile: phase, progress
// and, when blocked, why.
func reconcileInProgress(r *contract.ReconcileStatus) string {
	what := r.ID
	if r.Plan {
		what += " (plan)"
	}
	s := fmt.Sprintf("%s %s %.0f%%: %s, since %s", what, r.Phase, 100*reconcileFraction(r), reconcileSummary(r), stamp(r.StartedAt))
	if r.Error != "" {
		s += ": " + oneLine(r.Error, 200)
	}
	return s
}

// reconcileOutcome is one line on the last reconcile that ended.
func reconcileOutcome(r *contract.ReconcileStatus) string {
	what := r.ID
	if r.Plan {
		what += " (plan)"
	}
	s := fmt.Sprintf("%s %s at %s: %d adds, %d removes", what, r.Phase, stampPtr(r.FinishedAt), r.Adds, r.Removes)
	if !r.Plan {
		s += fmt.Sprintf(", %d applied, %d missing, %d taken over by later changes", r.Applied, r.Missing, r.TakenOver)
	}
	if r.Error != "" {
		s += "; error: " + oneLine(r.Error, 200)
	}
	return s
}

// note is the one thing an operator should look at first.
func note(s *contract.Status) string {
	switch {
	case s.Owed != nil:
		msg := "owes a batch"
		if s.LastError != nil {
			msg += fmt.Sprintf(": HTTP %d %s", s.LastError.Status, oneLine(s.LastError.Message, 60))
		}
		return msg + " (resume, retarget or discard)"
	case s.Reconcile != nil && s.Reconcile.Phase == contract.PhaseBlocked:
		return "reconcile blocked reading the list (fix the cause, then resume)"
	case s.Overflowed > 0:
		return fmt.Sprintf("refused %d ID(s) signalled to it directly past its hard cap", s.Overflowed)
	case s.Paused:
		return "paused"
	case s.StopRequested:
		return "stopping"
	}
	return ""
}

func printConnector(w io.Writer, s contract.Status) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	row := func(k string, format string, args ...any) {
		fmt.Fprintf(tw, "%s\t"+format+"\n", append([]any{k}, args...)...)
	}
	row("connector", "%s (workflow %s)", s.ConnectorID, contract.SyncWorkflowID(s.AudienceID, s.ConnectorID))
	row("audience", "%s", s.AudienceID)
	row("list", "%s", s.ListID)
	row("state", "%s (paused %t, stop requested %t)", s.State, s.Paused, s.StopRequested)
	row("pending", "%d add(s), %d remove(s)", s.PendingAdds, s.PendingRemoves)
	row("backlog", "%d of at most %d ID(s) owed (pending, in flight and owed)", s.Backlog, s.MaxBacklog)
	if b := s.InFlight; b != nil {
		row("in flight", "%d of at most %d batch(es); oldest %s: %d add(s), %d remove(s) to list %s since %s",
			max(1, s.InFlightBatches), s.MaxInFlight, b.BatchID, b.Adds, b.Removes, b.ListID, stamp(b.StartedAt))
	}
	if b := s.Owed; b != nil {
		row("owed", "batch %s: %d add(s), %d remove(s) to list %s: resume, retarget or discard", b.BatchID, b.Adds, b.Removes, b.ListID)
	}
	row("totals", "added %d, removed %d, missing %d, rejected %d", s.TotalAdded, s.TotalRemoved, s.TotalMissing, s.TotalRejected)
	row("batches", "sent %d, failed %d, discarded %d (%d IDs)", s.BatchesSent, s.BatchesFailed, s.BatchesDiscarded, s.IDsDiscarded)
	row("signals", "%d membership, %d malformed", s.MembershipSignals, s.MalformedSignals)
	if b := s.LastBatch; b != nil {
		row("last batch", "%s at %s: added %d/%d, removed %d/%d, missing %d", b.BatchID, stamp(b.CompletedAt), b.Added, b.Adds, b.Removed, b.Removes, b.Missing)
	}
	if e := s.LastError; e != nil {
		row("last error", "HTTP %d %s at %s (batch %s, correlationId %s): %s", e.Status, e.Category, stampPtr(s.LastErrorAt), s.LastErrorBatchID, e.CorrelationID, oneLine(e.Message, 200))
	}
	if len(s.RecentMissing) > 0 {
		row("recent missing", "%v", s.RecentMissing)
	}
	if len(s.RecentRejected) > 0 {
		row("recent rejected", "%q", s.RecentRejected)
	}
	if s.Overflowed > 0 {
		row("overflowed", "%d ID(s) refused past the hard cap (sent to the sync directly); recent: %v", s.Overflowed, s.RecentOverflowed)
	}
	if r := s.Reconcile; r != nil {
		row("reconcile", "%s", reconcileInProgress(r))
	}
	if r := s.LastReconcile; r != nil {
		row("last reconcile", "%s", reconcileOutcome(r))
	}
	row("history", "generation %d, %d signal(s) and %d batch(es) this run", s.Generation, s.SignalsThisRun, s.BatchesThisRun)
	tw.Flush()
}

func stampPtr(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return stamp(*t)
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// oneLine keeps a message on one table row.
func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > max {
		s = s[:max] + "..."
	}
	return s
}
