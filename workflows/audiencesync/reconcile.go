package audiencesync

import (
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/workflows/internal/payload"
	"github.com/audiencesync/hubspot-list-sync/workflows/merge"
)

// A reconcile makes the list equal to a snapshot of the audience, diffed
// against what HubSpot holds: the snapshot arrives in ascending chunks
// (UpdateReconcileSnapshot), the live list in ascending pages (one
// ReadListPage activity each, on the account's task queue, so reads share
// the account's rate budget), and a streaming merge of the two puts each
// difference into the buffer as a change. Neither side is ever held whole:
// at most two chunks and two pages wait to be merged.
//
// Order. The mark arrives in the membership stream at the snapshot's place.
// Changes pending at the mark are sent first, alone (later ones wait), and
// the read starts only once they and the batches in flight at the mark
// have settled: the live list reflects everything from before, so the
// snapshot has the last word on those contacts, and a reconcile that
// never finishes loses none of them. A contact
// changed after the mark keeps its change: the merge skips contacts with a
// pending or in-flight change, and those whose change already reached
// HubSpot (touched, kept only above the merge position); a difference
// later overtaken by a newer change is replaced like any pending change.
//
// Bounds. Differences and touched contacts use the room between the
// connector's MaxBacklog and the hard cap MaxMaxBacklog, half each, so
// sent changes, differences and touched contacts together never pass the
// hard cap, and the audience's back-pressure, which counts sent changes
// only, stays exact. Differences never wait, so the merge always moves on.
// When touched is nearly full, sent changes of contacts above the merge
// position wait (the merge frees room as it advances), which holds
// senders back like any backlog.
type reconcile struct {
	st        contract.ReconcileStatus
	preMark   map[string]bool // batches in flight at the mark
	cursor    string          // HubSpot's cursor of the next page
	reading   bool            // a page read is in flight
	m         merge.Merge     // snapshot IDs and members received, not merged yet
	snapLast  int64           // highest snapshot ID received
	liveLast  int64           // highest member read
	touched   map[int64]struct{}
	nextChunk int
	// diffBatches: the differences in each batch in flight.
	diffBatches   map[string][]int64
	inFlightDiffs int
}

// syncDiffFlush tells the buffer whether differences wait for full
// batches: only while this reconcile reads (or waits to read).
func (s *syncState) syncDiffFlush() {
	r := s.rec
	s.buf.marks.fullDiffs = r != nil && (r.st.Phase == contract.PhaseWaiting || r.st.Phase == contract.PhaseReading)
	// While the changes from before the mark are sent, later ones wait:
	// every batch of that phase is then from before the mark.
	s.buf.marks.holdPost = r != nil && !r.st.Plan && r.st.Phase == contract.PhaseWaiting
}

// finished: nothing more will happen to it.
func (r *reconcile) finished() bool {
	switch r.st.Phase {
	case contract.PhaseDone, contract.PhaseReplaced, contract.PhaseAborted:
		return true
	}
	return false
}

// reconcileRoom is the room, in IDs, for a reconcile's differences and
// for its touched contacts: each half of what MaxBacklog leaves under the
// hard cap.
func (s *syncState) reconcileRoom() int {
	return (contract.MaxMaxBacklog - s.in.MaxBacklog) / 2
}

// onReconcileMark starts a reconcile at its place in the stream. A newer
// one replaces a running one; a plan never interrupts a reconcile.
func (s *syncState) onReconcileMark(ctx workflow.Context, m contract.ReconcileMark) {
	log := workflow.GetLogger(ctx)
	now := workflow.Now(ctx)
	r := &reconcile{st: contract.ReconcileStatus{ID: m.ID, Plan: m.Plan, Phase: contract.PhaseWaiting, ListID: s.in.ListID,
		StartedAt: now, SnapshotMembers: m.Members}, preMark: map[string]bool{}, touched: map[int64]struct{}{},
		diffBatches: map[string][]int64{}}
	abort := func(why string) {
		r.st.Phase, r.st.Error, r.st.FinishedAt = contract.PhaseAborted, why, &now
		s.carry.LastReconcile = &r.st
		log.Warn("Reconcile refused", "ReconcileID", m.ID, "Reason", why)
	}
	if err := contract.CheckDeclaredID("reconcile", m.ID); err != nil {
		abort(err.Error())
		return
	}
	if cur := s.rec; cur != nil && !cur.finished() {
		if m.Plan && !cur.st.Plan {
			abort(fmt.Sprintf("reconcile %s is running on this sync; plan again once it is done", cur.st.ID))
			return
		}
		s.endReconcile(ctx, contract.PhaseReplaced, "replaced by "+m.ID)
	}
	if !m.Plan {
		if room := s.reconcileRoom(); room < s.in.MaxBatchSize {
			abort(fmt.Sprintf("this connector's maxBacklog (%d) leaves too little room under the hard cap (%d) for a reconcile's differences: lower maxBacklog to at most %d",
				s.in.MaxBacklog, contract.MaxMaxBacklog, contract.MaxMaxBacklog-2*s.in.MaxBatchSize))
			return
		}
		// Changes pending at the mark are sent before the list is read,
		// so the snapshot has the last word on their contacts and none is
		// lost if the reconcile never finishes.
		r.st.Superseded = int64(s.buf.markPre())
		for _, b := range s.inFlight {
			r.preMark[b.BatchID] = true
		}
	}
	s.rec = r
	s.buf.marks.holdAbove = s.heldByTouched
	log.Info("Reconcile started", "ReconcileID", m.ID, "Plan", m.Plan, "ListID", s.in.ListID,
		"Superseded", r.st.Superseded, "InFlightAtMark", len(r.preMark))
}

// reconcileHardCapUsed is what counts against MaxMaxBacklog for a new
// contact while a reconcile runs: its touched contacts and the sent changes in
// flight (they become touched when they settle) count too, and the room
// for its differences is kept free: pending, touched and differences
// then stay within the hard cap together, so the carried state's bound
// holds. Through the audience, sent changes stay within MaxBacklog and
// touched within its room, so this never refuses them.
func (s *syncState) reconcileHardCapUsed() int {
	r := s.rec
	if r.st.Plan {
		return s.buf.Len()
	}
	return s.buf.Len() - s.buf.marks.diffs + s.sentInFlight() + len(r.touched) + s.reconcileRoom()
}

// sentInFlight counts the sent (not difference) IDs in flight.
func (s *syncState) sentInFlight() int {
	n := 0
	for _, b := range s.inFlight {
		n += b.Adds + b.Removes
	}
	if s.rec != nil {
		n -= s.rec.inFlightDiffs
	}
	return n
}

// heldByTouched holds a sent change of a contact above the merge position
// when one more batch of them could take the touched set past its room.
func (s *syncState) heldByTouched(id int64) bool {
	r := s.rec
	if r == nil || r.st.Plan || (r.st.Phase != contract.PhaseWaiting && r.st.Phase != contract.PhaseReading) || id <= r.m.Pos {
		return false
	}
	return len(r.touched)+s.sentInFlight()+s.in.MaxBatchSize > s.reconcileRoom()
}

// endReconcile finishes the current reconcile and keeps it as the last.
func (s *syncState) endReconcile(ctx workflow.Context, phase, why string) {
	r := s.rec
	now := workflow.Now(ctx)
	r.st.Phase, r.st.FinishedAt = phase, &now
	if why != "" {
		r.st.Error = payload.Truncate(why, payload.MaxMessageChars)
	}
	r.m, r.touched = merge.Merge{}, nil
	s.carry.LastReconcile = &r.st
	s.rec = nil
	s.buf.marks.holdAbove = nil
	s.buf.marks.fullDiffs = false
	s.buf.marks.holdPost = false
	workflow.GetLogger(ctx).Info("Reconcile ended", "ReconcileID", r.st.ID, "Phase", phase, "Plan", r.st.Plan,
		"Adds", r.st.Adds, "Removes", r.st.Removes, "Applied", r.st.Applied, "TakenOver", r.st.TakenOver, "Error", why)
}

// stepReconcile moves the reconcile on: from waiting to reading, merges
// what both sides allow, starts the next page read, and finishes.
func (s *syncState) stepReconcile(ctx workflow.Context, sel workflow.Selector, mayStart bool) {
	defer s.syncDiffFlush()
	r := s.rec
	if r.st.Phase == contract.PhaseWaiting {
		for _, b := range s.inFlight {
			if r.preMark[b.BatchID] {
				return
			}
		}
		if !r.st.Plan && s.buf.marks.prePending > 0 {
			return // changes from before the mark are still to be sent
		}
		if s.carry.Owed != nil && !r.st.Plan {
			return // blocked: the owed batch goes first
		}
		r.preMark = map[string]bool{}
		r.st.Phase = contract.PhaseReading
	}
	if r.st.Phase == contract.PhaseReading && (r.st.Plan || s.carry.Owed == nil) {
		s.merge(ctx)
		if !r.reading && !r.st.LiveComplete && len(r.m.Live) < maxPageIDs && mayStart {
			s.readPage(ctx, sel)
		}
		if r.st.LiveComplete && r.st.SnapshotComplete && r.m.Empty() {
			r.touched = map[int64]struct{}{}
			r.st.Phase = contract.PhaseApplying
			if r.st.Plan {
				s.endReconcile(ctx, contract.PhaseDone, "")
				return
			}
		}
	}
	if r.st.Phase == contract.PhaseApplying && s.buf.marks.diffs == 0 && r.inFlightDiffs == 0 && s.carry.Owed == nil {
		s.endReconcile(ctx, contract.PhaseDone, "")
	}
}

// maxPageIDs is HubSpot's largest page of members.
const maxPageIDs = 250

// merge decides every contact both sides have reached, in ascending order,
// while there is room for differences (the engine: workflows/merge).
func (s *syncState) merge(ctx workflow.Context) {
	r := s.rec
	now := workflow.Now(ctx)
	r.m.Step(r.st.SnapshotComplete, r.st.LiveComplete, func(x int64, add bool) bool {
		if !r.st.Plan && !s.diffRoom() {
			return false
		}
		s.decide(x, add, now)
		return true
	})
	pruneUpTo(r.touched, r.m.Pos)
}

// diffRoom: one more difference fits.
func (s *syncState) diffRoom() bool {
	r := s.rec
	return s.buf.marks.diffs+r.inFlightDiffs < s.reconcileRoom()
}

// decide records the difference for contact x (a snapshot member missing
// from the list when add, else a list member missing from the snapshot),
// unless a change sent after the mark owns the contact.
func (s *syncState) decide(x int64, add bool, now time.Time) {
	r := s.rec
	if !r.st.Plan {
		if _, ok := r.touched[x]; ok || s.buf.has(x) || s.buf.isHeld(x) {
			r.st.TakenOver++
			return
		}
	}
	op := contract.OpLeave
	if add {
		op = contract.OpEnter
		r.st.Adds++
		if len(r.st.SampleAdds) < contract.ReconcileSampleLimit {
			r.st.SampleAdds = append(r.st.SampleAdds, x)
		}
	} else {
		r.st.Removes++
		if len(r.st.SampleRemoves) < contract.ReconcileSampleLimit {
			r.st.SampleRemoves = append(r.st.SampleRemoves, x)
		}
	}
	if !r.st.Plan {
		s.buf.putDiff(x, op, now)
	}
}

// readPage reads the next page of the live list.
func (s *syncState) readPage(ctx workflow.Context, sel workflow.Selector) {
	r := s.rec
	r.reading = true
	// A page costs a batch's worth of history, and counts toward the run's
	// bound the same way.
	s.batchesThisRun++
	ao := ActivityOptions()
	ao.TaskQueue = s.activityQueue
	ao.Summary = fmt.Sprintf("read list %s page %d (reconcile %s)", r.st.ListID, r.st.Pages+1, r.st.ID)
	req := contract.ReadPageRequest{ConnectorID: s.in.ConnectorID, ListID: r.st.ListID, After: r.cursor}
	fut := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, ao), contract.ReadListPageActivity, req)
	sel.AddFuture(fut, func(f workflow.Future) {
		r.reading = false
		var page contract.ReadPageResult
		err := f.Get(ctx, &page)
		if s.rec != r || r.finished() {
			return // replaced or aborted meanwhile
		}
		if err != nil {
			fail := failureOf(err)
			r.st.Phase, r.st.Error = contract.PhaseBlocked, payload.Truncate(fmt.Sprintf("reading the list failed: %d %s: %s; fix the cause, then resume the sync", fail.Status, fail.Category, fail.Message), payload.MaxMessageChars)
			workflow.GetLogger(ctx).Error("Reconcile blocked: reading the list failed", "ReconcileID", r.st.ID, "Status", fail.Status, "Category", fail.Category)
			return
		}
		last := r.liveLast
		for _, id := range page.RecordIDs {
			if id <= last {
				s.endReconcile(ctx, contract.PhaseAborted, fmt.Sprintf("HubSpot returned list members out of ascending order (%d after %d); nothing more was changed, run the reconcile again", id, last))
				return
			}
			last = id
		}
		r.m.AddLive(page.RecordIDs)
		r.liveLast = last
		r.cursor = page.Next
		r.st.Pages++
		r.st.LiveRead += int64(len(page.RecordIDs))
		r.st.LiveTotal = page.Total
		r.st.LiveComplete = page.Next == ""
	})
}

// reconcileBatchStarted notes the differences in a new batch.
func (s *syncState) reconcileBatchStarted(batchID string, diffs []int64) {
	r := s.rec
	if !r.st.Plan && r.st.Phase == contract.PhaseWaiting {
		r.preMark[batchID] = true // only changes from before the mark go now
	}
	if len(diffs) > 0 {
		r.diffBatches[batchID] = diffs
		r.inFlightDiffs += len(diffs)
	}
}

// reconcileBatchSettled counts a settled batch's differences and keeps
// the contacts of its sent changes that HubSpot now has, above the merge
// position, as touched.
func (s *syncState) reconcileBatchSettled(req contract.BatchRequest, res *contract.BatchResult) {
	r := s.rec
	diffs := r.diffBatches[req.BatchID]
	delete(r.diffBatches, req.BatchID)
	r.inFlightDiffs -= len(diffs)
	if res == nil || r.st.Plan || r.finished() {
		return
	}
	isDiff := make(map[int64]bool, len(diffs))
	for _, id := range diffs {
		isDiff[id] = true
	}
	missing := 0
	for _, id := range res.Missing {
		if isDiff[id] {
			missing++
		}
	}
	r.st.Applied += int64(len(diffs) - missing)
	r.st.Missing += int64(missing)
	if r.preMark[req.BatchID] {
		return // from before the mark: the snapshot supersedes it
	}
	for _, ids := range [][]int64{req.Add, req.Remove} {
		for _, id := range ids {
			if id > r.m.Pos && !isDiff[id] {
				r.touched[id] = struct{}{}
			}
		}
	}
}

// noteOverridden moves differences replaced by newer changes into
// TakenOver.
func (s *syncState) noteOverridden() {
	if r := s.rec; s.buf.marks.overridden > 0 {
		r.st.TakenOver += s.buf.marks.overridden
		s.buf.marks.overridden = 0
	}
}

// pruneUpTo removes the set's IDs up to pos.
//
// workflowcheck flags ranging over a map; which IDs are removed does not
// depend on the order they are visited in.
//
//workflowcheck:ignore
func pruneUpTo(set map[int64]struct{}, pos int64) {
	for id := range set {
		if id <= pos {
			delete(set, id)
		}
	}
}

// sortedIDs returns the set's IDs ascending.
//
// workflowcheck flags ranging over a map; the keys are sorted before
// anything uses them, so the map's order cannot reach the workflow.
//
//workflowcheck:ignore
func sortedIDs(set map[int64]struct{}) []int64 {
	ids := make([]int64, 0, len(set))
	for id := range set {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
