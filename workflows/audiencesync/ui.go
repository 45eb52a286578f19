package audiencesync

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/workflows/internal/uitext"
)

// What a person sees of a sync in the Temporal Web UI: a static summary and
// details set when it starts, current details (Markdown) kept up to date,
// a summary on each batch and timer, and search attributes for the list
// view.

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
		workflow.SetCurrentDetails(ctx, uitext.WithUpdated(ctx, d))
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
	line("**Pending:** +%s / −%s · **backlog** %s of %s IDs", uitext.Thousands(int64(st.PendingAdds)), uitext.Thousands(int64(st.PendingRemoves)),
		uitext.Thousands(int64(st.Backlog)), uitext.Thousands(int64(st.MaxBacklog)))
	if f := st.InFlight; f != nil {
		line("**In flight:** %d of at most %d batches; oldest %s: +%d / −%d → list %s since %s", st.InFlightBatches, st.MaxInFlight,
			shortBatch(f.BatchID), f.Adds, f.Removes, f.ListID, uitext.Stamp(f.StartedAt))
	}
	line("**Totals:** added %s · removed %s · missing %s · rejected %s", uitext.Thousands(st.TotalAdded), uitext.Thousands(st.TotalRemoved),
		uitext.Thousands(st.TotalMissing), uitext.Thousands(st.TotalRejected))
	if lb := st.LastBatch; lb != nil {
		line("**Last batch:** %s at %s: +%d / −%d → added %d, removed %d, missing %d", shortBatch(lb.BatchID), uitext.Stamp(lb.CompletedAt),
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
		line("**Refused:** %s IDs signalled to this sync directly past its hard cap", uitext.Thousands(st.Overflowed))
	}
	if st.IDsDiscarded > 0 {
		line("**Discarded by operators:** %s IDs in %d batches", uitext.Thousands(st.IDsDiscarded), st.BatchesDiscarded)
	}
	if o := st.Owed; o != nil && st.State == contract.StateBlocked {
		e := st.LastError
		if e == nil {
			e = &contract.HubSpotFailure{}
		}
		line("**Blocked by HubSpot:** %d %s (correlationId %s) on batch %s, +%d / −%d owed", e.Status, e.Category,
			uitext.OrDash(e.CorrelationID), shortBatch(o.BatchID), o.Adds, o.Removes)
		line("**Message:** %s", uitext.OneLine(e.Message, 300))
		a, c := st.AudienceID, st.ConnectorID
		line("**Next:** fix the cause, then `hubsync resume %s %s` to retry the batch", a, c)
		line("or `hubsync retarget %s %s LIST_ID` to send it to another list", a, c)
		line("or `hubsync discard %s %s -reason \"...\"` to drop it (counted)", a, c)
	} else if e := st.LastError; e != nil {
		var at time.Time
		if st.LastErrorAt != nil {
			at = *st.LastErrorAt
		}
		line("**Last error:** %d %s at %s: %s", e.Status, e.Category, uitext.Stamp(at), uitext.OneLine(e.Message, 200))
	}
	return b.String()
}

// reconcileLine is a reconcile's progress or outcome on one line.
func reconcileLine(label string, r *contract.ReconcileStatus) string {
	kind := ""
	if r.Plan {
		kind = " (plan: changes nothing)"
	}
	snapshot := uitext.Thousands(r.SnapshotReceived)
	if r.SnapshotMembers > 0 {
		snapshot += " of " + uitext.Thousands(r.SnapshotMembers)
	}
	out := fmt.Sprintf("**%s** %s%s: **%s** · snapshot %s · list read %s of %s (%s pages) · differences +%s / −%s, applied %s · taken over by later changes %s · superseded %s",
		label, r.ID, kind, r.Phase, snapshot, uitext.Thousands(r.LiveRead), uitext.Thousands(r.LiveTotal), uitext.Thousands(r.Pages),
		uitext.Thousands(r.Adds), uitext.Thousands(r.Removes), uitext.Thousands(r.Applied), uitext.Thousands(r.TakenOver), uitext.Thousands(r.Superseded))
	if r.FinishedAt != nil {
		out += " · ended " + uitext.Stamp(*r.FinishedAt)
	}
	if r.Error != "" {
		out += " · " + uitext.OneLine(r.Error, 200)
	}
	return out
}

func shortBatch(id string) string {
	if i := strings.LastIndexByte(id, '#'); i >= 0 {
		return id[i:]
	}
	return id
}

// batchSummary labels a batch's activity in the UI's timeline.
func batchSummary(req contract.BatchRequest) string {
	return fmt.Sprintf("+%d / −%d → list %s (batch %s)", len(req.Add), len(req.Remove), req.ListID, shortBatch(req.BatchID))
}
