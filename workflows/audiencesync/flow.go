package audiencesync

import (
	"go.temporal.io/sdk/workflow"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// A sync's side of back-pressure. The audience workflow forwards changes
// to a sync only while its estimate of the sync's backlog leaves room under
// MaxBacklog. The estimate is (IDs forwarded − IDs the sync last said it
// had received) + the backlog the sync last reported, so it can only
// over-estimate: merges, rejects and applied batches shrink the real
// backlog first. The sync tells the audience when the over-estimate
// reaches MaxBacklog/progressDivisor; that costs one signal per quarter of
// a backlog drained, and a sync that drains nothing (paused, blocked)
// reports nothing, so the audience keeps holding its senders.

// backlog is what the sync owes of the changes sent to it: pending, in
// flight and owed IDs. A reconcile's differences are not sent changes and
// have their own room (reconcile.go), so the audience's estimate, which
// counts sent changes, stays an over-estimate.
func (s *syncState) backlog() int {
	n := s.buf.Len() - s.buf.marks.diffs
	for _, f := range s.inFlight {
		n += f.Adds + f.Removes
	}
	if s.rec != nil {
		n -= s.rec.inFlightDiffs
	}
	if s.carry.Owed != nil {
		n += len(s.carry.Owed.Add) + len(s.carry.Owed.Remove)
	}
	return n
}

// reportProgress signals the audience when its estimate is stale by a
// step. A sync fed by no audience (signalled directly: Seq never set) has
// nobody to report to.
func (s *syncState) reportProgress(ctx workflow.Context) {
	if s.carry.Flow.LastSeq == 0 {
		return
	}
	r := s.carry.Flow.Reported
	stale := int64(r.Backlog) + (s.carry.Flow.LastSeq - r.Seq) - int64(s.backlog())
	if stale < int64(max(1, s.in.MaxBacklog/progressDivisor)) {
		return
	}
	s.carry.Flow.Reported = contract.SyncProgress{ConnectorID: s.in.ConnectorID, Seq: s.carry.Flow.LastSeq,
		Backlog: s.backlog(), Report: r.Report + 1}
	// Not awaited: the result changes nothing here (an audience that is
	// gone has nobody to hold back), and the loop must keep going.
	workflow.SignalExternalWorkflow(ctx, contract.AudienceWorkflowID(s.in.AudienceID), "",
		contract.SignalSyncProgress, s.carry.Flow.Reported)
}

// noteOverflowed counts IDs refused at the hard cap and keeps a sample.
func (s *syncState) noteOverflowed(ctx workflow.Context, changeID string, ids []int64) {
	s.carry.Counters.Overflowed += int64(len(ids))
	s.carry.RecentOverflowed = appendBounded(s.carry.RecentOverflowed, ids, contract.RecentMissingLimit)
	workflow.GetLogger(ctx).Error("Record IDs refused: the sync holds its maximum of pending contacts; send changes through the audience workflow, which holds senders back instead",
		"ChangeID", changeID, "Refused", len(ids), "MaxPending", contract.MaxMaxBacklog)
}
