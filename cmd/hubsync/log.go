package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/starter"
)

func registerLog(r *registry) {
	r.add(&command{name: "log", args: "AUDIENCE CONNECTOR [-contact ID] [-since T]",
		summary: "what happened to the list, or to one contact",
		help: "Reads the sync workflow's histories back from Temporal, across continue-as-new, oldest\n" +
			"first: every batch sent to the connector's list (when, batch, counts, outcome: applied\n" +
			"with HubSpot's added/removed/missing counts, or failed with HubSpot's status, category,\n" +
			"correlationId and message), and operator actions (pause, resume, retarget, discard).\n" +
			"With -contact: every change the sync received for that contact and each batch that\n" +
			"carried it, with the contact's result: added, removed, missing (not in the portal) or\n" +
			"no change (already a member, or not one). -since takes RFC 3339 (2026-11-29T08:00:00Z)\n" +
			"or a duration meaning \"within the last\" (24h). Only what the namespace still retains\n" +
			"is there (its retention period; longer with archival).\n" +
			"  hubsync log aud-42 acme-vip -contact 123 -since 24h",
		flags: func(fs *flag.FlagSet) {
			fs.String("contact", "", "one contact's changes and results (a HubSpot Contact Record `ID`)")
			fs.String("since", "", "leave out what happened before `T` (RFC 3339, or a duration such as 24h)")
		},
		run: runLog})
}

func runLog(ctx context.Context, a *app, fs *flag.FlagSet, args []string) error {
	if err := wantArgs(args, 2, 2); err != nil {
		return err
	}
	var opts starter.LogOptions
	if c := fs.Lookup("contact").Value.String(); c != "" {
		id, ok := contract.ParseRecordID(c)
		if !ok {
			return usagef("-contact %q: a HubSpot Contact Record ID is a positive integer such as 123", c)
		}
		opts.Contact = id
	}
	if s := fs.Lookup("since").Value.String(); s != "" {
		t, err := parseSince(s, a.now())
		if err != nil {
			return usagef("-since: %v", err)
		}
		opts.Since = t
	}
	return a.withInspector(ctx, func(ins inspector) error {
		cctx, cancel := a.callCtx(ctx)
		defer cancel()
		l, err := ins.Log(cctx, args[0], args[1], opts)
		if err != nil {
			return err
		}
		if a.jsonOut {
			return a.printJSON(l)
		}
		printLog(a.stdout, l, opts)
		return nil
	})
}

// parseSince reads RFC 3339 or a positive duration before now.
func parseSince(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return time.Time{}, fmt.Errorf("%q is neither an RFC 3339 time (2026-11-29T08:00:00Z) nor a positive duration (24h, 90m)", s)
	}
	return now.Add(-d), nil
}

// row is one line of the log's timeline.
type row struct {
	at            time.Time
	event, result string
}

func printLog(w io.Writer, l starter.SyncLog, opts starter.LogOptions) {
	var rows []row
	for _, b := range l.Batches {
		rows = append(rows, batchRow(b))
	}
	for _, c := range l.Changes {
		ev := string(c.Op)
		if c.ChangeID != "" {
			ev += " (changeId " + c.ChangeID + ")"
		}
		rows = append(rows, row{c.Time, fmt.Sprintf("change: %s, one of %d ID(s)", ev, c.IDs), "received"})
	}
	for _, n := range l.Notes {
		rows = append(rows, row{n.Time, n.What, ""})
	}
	slices.SortStableFunc(rows, func(a, b row) int { return a.at.Compare(b.at) })

	what := "sync " + l.WorkflowID + ":"
	if l.Contact != 0 {
		what = fmt.Sprintf("contact %d in sync %s: %d change(s),", l.Contact, l.WorkflowID, len(l.Changes))
	}
	fmt.Fprintf(w, "%s %d batch(es), %d run(s) read", what, len(l.Batches), len(l.Runs))
	if len(l.Runs) > 0 {
		fmt.Fprintf(w, " (history from %s)", logStamp(l.Runs[0].StartTime))
	}
	if !opts.Since.IsZero() {
		fmt.Fprintf(w, ", since %s", logStamp(opts.Since))
	}
	fmt.Fprintln(w)
	if len(rows) == 0 {
		fmt.Fprintln(w, "nothing happened in that time")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tEVENT\tRESULT")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", logStamp(r.at), r.event, r.result)
	}
	tw.Flush()
}

func batchRow(b starter.LogBatch) row {
	id := b.BatchID
	if i := strings.LastIndex(id, "#"); i >= 0 {
		id = id[i:]
	}
	ev := fmt.Sprintf("batch %s to list %s: +%d -%d", id, b.ListID, b.Adds, b.Removes)
	var res string
	switch b.Outcome {
	case starter.OutcomeApplied:
		res = fmt.Sprintf("applied: added %d, removed %d, missing %d", b.Added, b.Removed, b.Missing)
	case starter.OutcomeFailed:
		res = "failed"
		if f := b.Failure; f != nil {
			res = fmt.Sprintf("failed: HTTP %d %s, correlationId %s: %s", f.Status, f.Category, orDash(f.CorrelationID), oneLine(f.Message, 100))
		}
	default:
		res = b.Outcome
	}
	if b.Attempts > 1 {
		res += fmt.Sprintf(" (after %d attempts; last retry: %s)", b.Attempts, oneLine(b.LastRetryError, 80))
	}
	if c := b.Contact; c != nil {
		ev += fmt.Sprintf(" (%s this contact)", c.Op)
		res = "contact " + c.Result + "; batch " + res
	}
	return row{b.Time, ev, res}
}

func logStamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}
