package workflows

import (
	"time"

	"github.com/audiencesync/hubspot-list-sync/contract"
	"go.temporal.io/sdk/workflow"

	"go.temporal.io/sdk/temporal"
)

// syncState is the whole mutable state of one run. Signal handlers, the
// activity callback and the query handler all run on the workflow's single
// coroutine, so no locking is needed.
type syncState struct {
	in         contract.SyncInput // normalized; ListID is the current target
	workflowID string

	buf           *buffer
	paused        bool
	stopRequested bool
	stopped       bool                   // completed: queries after the end say so
	owed          *contract.BatchRequest // failed batch while blocked
	owedSince     time.Time
	retryOwed     bool // an operator asked to retry owed
	// inFlight are the membership activities running, oldest first: at
	// most maxInFlight, with disjoint contacts (the buffer holds theirs).
	inFlight    []contract.BatchInfo
	maxInFlight int
	// cancels ends each batch in flight (by batch ID), for a run due to
	// continue as new that waits too long on one (see drain.go).
	cancels   map[string]workflow.CancelFunc
	drainWait drainState
	// activityQueue is the account's task queue for membership activities
	// (empty: the workflow's own), where the server enforces the
	// account's rate budget for every worker together.
	activityQueue string

	counters         contract.Counters
	lastBatch        *contract.BatchOutcome
	lastError        *contract.HubSpotFailure
	lastErrorAt      time.Time
	lastErrorBatchID string
	recentMissing    []int64
	recentRejected   []string
	recentOverflowed []int64
	flow             contract.FlowState

	generation     int
	carryDeferred  bool // continue-as-new was due but the state did not fit
	ui             syncUI
	nextSeq        int64
	signalsThisRun int
	batchesThisRun int

	rec     *reconcile                // the reconcile in progress (reconcile.go)
	lastRec *contract.ReconcileStatus // the last one that ended
	wake    workflow.Channel          // an update changed state: look again
}

// newState builds the run's state from a normalized input, restoring the
// carried state after continue-as-new.
func newState(in contract.SyncInput, workflowID string) (*syncState, error) {
	s := &syncState{in: in, workflowID: workflowID, buf: newBuffer(), nextSeq: 1, cancels: map[string]workflow.CancelFunc{}}
	c := in.Carried
	s.in.Carried = nil // never keep a second copy of the buffer around
	if c == nil {
		return s, nil
	}
	buf, ok := restoreBuffer(c.Pending)
	if !ok {
		return nil, temporal.NewNonRetryableApplicationError(
			"invalid SyncInput.Carried.Pending: malformed snapshot", contract.ErrTypeInvalidInput, nil)
	}
	s.buf = buf
	s.paused, s.stopRequested = c.Paused, c.StopRequested
	s.owed, s.owedSince, s.retryOwed = c.Owed, c.OwedSince, c.RetryOwed && c.Owed != nil
	s.counters = c.Counters
	s.lastBatch, s.lastError = c.LastBatch, c.LastError
	s.lastErrorAt, s.lastErrorBatchID = c.LastErrorAt, c.LastErrorBatchID
	s.recentMissing, s.recentRejected = c.RecentMissing, c.RecentRejected
	s.recentOverflowed, s.flow = c.RecentOverflowed, c.Flow
	s.generation = c.Generation
	if c.NextSequence > 0 {
		s.nextSeq = c.NextSequence
	}
	s.lastRec = c.LastReconcile
	if c.Reconcile != nil {
		r, err := restoreReconcile(*c.Reconcile)
		if err != nil {
			return nil, temporal.NewNonRetryableApplicationError(
				"invalid SyncInput.Carried.Reconcile: "+err.Error(), contract.ErrTypeInvalidInput, nil)
		}
		s.rec = r
		s.buf.holdAbove = s.heldByTouched
		s.syncDiffFlush()
	}
	return s, nil
}

// carried captures the state for continue-as-new. Only called with no
// activity in flight, so nothing can be lost between runs.
func (s *syncState) carried() *contract.CarriedState {
	return &contract.CarriedState{
		Paused:           s.paused,
		StopRequested:    s.stopRequested,
		Pending:          s.buf.snapshot(),
		Owed:             s.owed,
		OwedSince:        s.owedSince,
		RetryOwed:        s.retryOwed,
		Counters:         s.counters,
		LastBatch:        s.lastBatch,
		LastError:        s.lastError,
		LastErrorAt:      s.lastErrorAt,
		LastErrorBatchID: s.lastErrorBatchID,
		RecentMissing:    s.recentMissing,
		RecentRejected:   s.recentRejected,
		RecentOverflowed: s.recentOverflowed,
		Flow:             s.flow,
		Generation:       s.generation + 1,
		NextSequence:     s.nextSeq,
		Reconcile:        s.rec.carried(),
		LastReconcile:    s.lastRec,
	}
}

// state is the dominant state: an owed batch needs an operator whatever
// else was asked, and stop overrides pause.
func (s *syncState) state() string {
	switch {
	case s.stopped:
		return contract.StateStopped
	case s.owed != nil && !s.retryOwed:
		return contract.StateBlocked
	case s.stopRequested:
		return contract.StateStopping
	case s.paused:
		return contract.StatePaused
	default:
		return contract.StateActive
	}
}

func (s *syncState) status() contract.Status {
	st := contract.Status{
		State:            s.state(),
		AudienceID:       s.in.AudienceID,
		ConnectorID:      s.in.ConnectorID,
		ListID:           s.in.ListID,
		Paused:           s.paused,
		StopRequested:    s.stopRequested,
		PendingAdds:      s.buf.adds,
		PendingRemoves:   s.buf.removes,
		Backlog:          s.backlog(),
		MaxBacklog:       s.in.MaxBacklog,
		Counters:         s.counters,
		LastBatch:        s.lastBatch,
		LastError:        s.lastError,
		LastErrorAt:      timeOrNil(s.lastErrorAt),
		LastErrorBatchID: s.lastErrorBatchID,
		RecentMissing:    append([]int64(nil), s.recentMissing...),
		RecentRejected:   append([]string(nil), s.recentRejected...),
		RecentOverflowed: append([]int64(nil), s.recentOverflowed...),
		Generation:       s.generation,
		SignalsThisRun:   s.signalsThisRun,
		BatchesThisRun:   s.batchesThisRun,
	}
	if len(s.inFlight) > 0 {
		b := s.inFlight[0]
		st.InFlight = &b
		st.InFlightBatches = len(s.inFlight)
	}
	st.MaxInFlight = s.maxInFlight
	if s.rec != nil {
		r := s.rec.st
		st.Reconcile = &r
	}
	st.LastReconcile = s.lastRec
	if s.owed != nil {
		st.Owed = &contract.BatchInfo{BatchID: s.owed.BatchID, ListID: s.owed.ListID,
			Adds: len(s.owed.Add), Removes: len(s.owed.Remove), StartedAt: s.owedSince}
	}
	return st
}

// noteMissing keeps the last RecentMissingLimit missing IDs.
func (s *syncState) noteMissing(ids []int64) {
	s.recentMissing = appendBounded(s.recentMissing, ids, contract.RecentMissingLimit)
}

// noteRejected keeps the last RecentRejectedLimit rejected values, each
// truncated so a hostile payload cannot bloat the status or carried state.
func (s *syncState) noteRejected(v string) {
	if len(v) > contract.RejectedSampleChars {
		v = v[:contract.RejectedSampleChars] + "…"
	}
	s.recentRejected = appendBounded(s.recentRejected, []string{v}, contract.RecentRejectedLimit)
}

// timeOrNil keeps a zero time out of the status ("0001-01-01T00:00:00Z"
// reads like an error that happened).
func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func appendBounded[T any](dst, src []T, limit int) []T {
	dst = append(dst, src...)
	if over := len(dst) - limit; over > 0 {
		dst = append([]T(nil), dst[over:]...)
	}
	return dst
}
