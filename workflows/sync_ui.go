package workflows

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// What a person sees of a sync in the Temporal Web UI: a static summary and
// details set when it starts, current details (Markdown) kept up to date,
// a summary on each batch and timer, and search attributes for the list
// view.

// SyncSummary is the one-line static summary of a sync workflow.
func SyncSummary(in contract.SyncInput) string {
	return fmt.Sprintf("Sync audience %s → HubSpot list %s (connector %s)", in.AudienceID, in.ListID, in.ConnectorID)
}

// SyncStaticDetails are a sync's static details (Markdown): what it is
// and how it is tuned. Never a secret: only names.
func SyncStaticDetails(in contract.SyncInput) string {
	account := in.Account
	if account == "" {
		account = "(see the connectors file)"
	}
	flush := in.FlushInterval
	if flush == 0 {
		flush = contract.DefaultFlushInterval
	}
	// The last line is a footnote: the Web UI (2.42) draws Markdown boxes a
	// line short, so whatever comes last may be cut off.
	return fmt.Sprintf("**Audience:** %s · **Connector:** %s  \n**HubSpot account:** %s · **List:** %s  \n"+
		"**Flush interval:** %s · **Batch size:** %s · **Max backlog:** %s IDs  \n_Names only: credentials stay in the worker._",
		in.AudienceID, in.ConnectorID, account, in.ListID, flush,
		orDefault(in.MaxBatchSize, contract.DefaultMaxBatchSize), orDefault(in.MaxBacklog, contract.DefaultMaxBacklog))
}

func orDefault(v, def int) string {
	if v == 0 {
		v = def
	}
	return thousands(int64(v))
}

// thousands formats n as 12,345 for people.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// syncUI remembers what was last shown, so the UI is only told about
// changes a person would care about.
type syncUI struct {
	details string
	state   string
	listID  string
}

// refresh updates the current details when they changed, and the search
// attributes when the state or the list changed.
func (s *syncState) refreshUI(ctx workflow.Context) {
	if d := s.currentDetails(); d != s.ui.details {
		workflow.SetCurrentDetails(ctx, withUpdated(ctx, d))
		s.ui.details = d
	}
	state := s.state()
	if state == s.ui.state && s.in.ListID == s.ui.listID {
		return
	}
	err := workflow.UpsertTypedSearchAttributes(ctx,
		contract.SearchAttrAudience.ValueSet(s.in.AudienceID), contract.SearchAttrConnector.ValueSet(s.in.ConnectorID),
		contract.SearchAttrListID.ValueSet(s.in.ListID), contract.SearchAttrState.ValueSet(state))
	if err != nil {
		workflow.GetLogger(ctx).Error("Search attributes not updated", "Error", err)
		return
	}
	s.ui.state, s.ui.listID = state, s.in.ListID
}

// currentDetails is the Markdown a person reads on the sync's page.
func (s *syncState) currentDetails() string { return SyncDetails(s.status()) }

// SyncDetails is the Markdown a sync shows as its current details in the
// Web UI: a pure function of its Status, so what a person sees is what
// the status query answers.
func SyncDetails(st contract.Status) string {
	var b strings.Builder
	line := func(format string, args ...any) { b.WriteString(fmt.Sprintf(format, args...) + "  \n") }
	line("**State:** %s", st.State)
	line("**Pending:** +%s / −%s · **backlog** %s of %s IDs", thousands(int64(st.PendingAdds)), thousands(int64(st.PendingRemoves)),
		thousands(int64(st.Backlog)), thousands(int64(st.MaxBacklog)))
	if f := st.InFlight; f != nil {
		line("**In flight:** %d of at most %d batches; oldest %s: +%d / −%d → list %s since %s", st.InFlightBatches, st.MaxInFlight,
			shortBatch(f.BatchID), f.Adds, f.Removes, f.ListID, stamp(f.StartedAt))
	}
	line("**Totals:** added %s · removed %s · missing %s · rejected %s", thousands(st.TotalAdded), thousands(st.TotalRemoved),
		thousands(st.TotalMissing), thousands(st.TotalRejected))
	if lb := st.LastBatch; lb != nil {
		line("**Last batch:** %s at %s: +%d / −%d → added %d, removed %d, missing %d", shortBatch(lb.BatchID), stamp(lb.CompletedAt),
			lb.Adds, lb.Removes, lb.Added, lb.Removed, lb.Missing)
	} else {
		line("**Last batch:** none yet")
	}
	if r := st.Reconcile; r != nil {
		line("%s", reconcileLine("Reconcile", r))
	} else if r := st.LastReconcile; r != nil {
		line("%s", reconcileLine("Last reconcile", r))
	}
	if st.Overflowed > 0 {
		line("**Refused:** %s IDs signalled to this sync directly past its hard cap", thousands(st.Overflowed))
	}
	if st.IDsDiscarded > 0 {
		line("**Discarded by operators:** %s IDs in %d batches", thousands(st.IDsDiscarded), st.BatchesDiscarded)
	}
	if o := st.Owed; o != nil && st.State == contract.StateBlocked {
		e := st.LastError
		if e == nil {
			e = &contract.HubSpotFailure{}
		}
		line("**Blocked by HubSpot:** %d %s (correlationId %s) on batch %s, +%d / −%d owed", e.Status, e.Category,
			orDash(e.CorrelationID), shortBatch(o.BatchID), o.Adds, o.Removes)
		line("**Message:** %s", oneLine(e.Message, 300))
		a, c := st.AudienceID, st.ConnectorID
		line("**Next:** fix the cause, then `hubsync resume %s %s` to retry the batch", a, c)
		line("or `hubsync retarget %s %s LIST_ID` to send it to another list", a, c)
		line("or `hubsync discard %s %s -reason \"...\"` to drop it (counted)", a, c)
	} else if e := st.LastError; e != nil {
		var at time.Time
		if st.LastErrorAt != nil {
			at = *st.LastErrorAt
		}
		line("**Last error:** %d %s at %s: %s", e.Status, e.Category, stamp(at), oneLine(e.Message, 200))
	}
	return b.String()
}

// reconcileLine is a reconcile's progress or outcome on one line.
func reconcileLine(label string, r *contract.ReconcileStatus) string {
	kind := ""
	if r.Plan {
		kind = " (plan: changes nothing)"
	}
	snapshot := thousands(r.SnapshotReceived)
	if r.SnapshotMembers > 0 {
		snapshot += " of " + thousands(r.SnapshotMembers)
	}
	out := fmt.Sprintf("**%s** %s%s: **%s** · snapshot %s · list read %s of %s (%s pages) · differences +%s / −%s, applied %s · taken over by later changes %s · superseded %s",
		label, r.ID, kind, r.Phase, snapshot, thousands(r.LiveRead), thousands(r.LiveTotal), thousands(r.Pages),
		thousands(r.Adds), thousands(r.Removes), thousands(r.Applied), thousands(r.TakenOver), thousands(r.Superseded))
	if r.FinishedAt != nil {
		out += " · ended " + stamp(*r.FinishedAt)
	}
	if r.Error != "" {
		out += " · " + oneLine(r.Error, 200)
	}
	return out
}

// withUpdated ends current details with when they were set. It is also a
// footnote line for the Web UI (2.42), which cuts off a box's last line.
func withUpdated(ctx workflow.Context, d string) string {
	return d + "_updated " + stamp(workflow.Now(ctx)) + "_"
}

func shortBatch(id string) string {
	if i := strings.LastIndexByte(id, '#'); i >= 0 {
		return id[i:]
	}
	return id
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func oneLine(s string, max int) string {
	return truncate(strings.Join(strings.Fields(s), " "), max)
}

// batchSummary labels a batch's activity in the UI's timeline.
func batchSummary(req contract.BatchRequest) string {
	return fmt.Sprintf("+%d / −%d → list %s (batch %s)", len(req.Add), len(req.Remove), req.ListID, shortBatch(req.BatchID))
}

// stateSearchAttrs are a sync's search attributes at its start.
func syncSearchAttrs(in contract.SyncInput) temporal.SearchAttributes {
	return temporal.NewSearchAttributes(contract.SearchAttrAudience.ValueSet(in.AudienceID), contract.SearchAttrConnector.ValueSet(in.ConnectorID),
		contract.SearchAttrListID.ValueSet(in.ListID), contract.SearchAttrState.ValueSet(contract.StateActive))
}
