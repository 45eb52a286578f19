package audiencesync

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/audiencesync/hubspot-list-sync/contract"

	"go.temporal.io/sdk/temporal"
)

// syncState is the whole mutable state of one run. Signal handlers, the
// activity callback and the query handler all run on the workflow's single
// coroutine, so no locking is needed.
type syncState struct {
	in         contract.SyncInput // normalized; ListID is the current target
	workflowID string

	buf *buffer
	// carry is the state carried across continue-as-new, whole; its
	// Pending and Reconcile stay empty here: the buffer and the reconcile
	// are live (buf, rec) and packed into it only when the run continues.
	carry   contract.CarriedState
	stopped bool // completed: queries after the end say so
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

	carryDeferred  bool // continue-as-new was due but the state did not fit
	ui             syncUI
	signalsThisRun int
	batchesThisRun int

	rec  *reconcile       // the reconcile in progress (reconcile.go)
	wake workflow.Channel // an update changed state: look again
}

// newState builds the run's state from a normalized input, restoring the
// carried state after continue-as-new.
func newState(in contract.SyncInput, workflowID string) (*syncState, error) {
	s := &syncState{in: in, workflowID: workflowID, buf: newBuffer(), cancels: map[string]workflow.CancelFunc{}}
	s.in.Carried = nil // never keep a second copy of the buffer around
	if c := in.Carried; c != nil {
		s.carry = *c
	}
	pending, rec := s.carry.Pending, s.carry.Reconcile
	s.carry.Pending, s.carry.Reconcile = contract.PendingSnapshot{}, nil
	s.carry.RetryOwed = s.carry.RetryOwed && s.carry.Owed != nil
	if s.carry.NextSequence <= 0 {
		s.carry.NextSequence = 1
	}
	buf, ok := restoreBuffer(pending)
	if !ok {
		return nil, temporal.NewNonRetryableApplicationError(
			"invalid SyncInput.Carried.Pending: malformed snapshot", contract.ErrTypeInvalidInput, nil)
	}
	s.buf = buf
	if rec != nil {
		r, err := restoreReconcile(*rec)
		if err != nil {
			return nil, temporal.NewNonRetryableApplicationError(
				"invalid SyncInput.Carried.Reconcile: "+err.Error(), contract.ErrTypeInvalidInput, nil)
		}
		s.rec = r
		s.buf.marks.holdAbove = s.heldByTouched
		s.syncDiffFlush()
	}
	return s, nil
}

// carried is the state for continue-as-new, whole, with the buffer and the
// reconcile packed into it. Only called with no activity in flight, so
// nothing can be lost between runs.
func (s *syncState) carried() *contract.CarriedState {
	c := s.carry
	c.Pending = s.buf.snapshot()
	if s.rec != nil {
		c.Reconcile = s.rec.carried()
	}
	c.Generation++
	return &c
}

// state is the dominant state: an owed batch needs an operator whatever
// else was asked, and stop overrides pause.
func (s *syncState) state() string {
	switch {
	case s.stopped:
		return contract.StateStopped
	case s.carry.Owed != nil && !s.carry.RetryOwed:
		return contract.StateBlocked
	case s.carry.StopRequested:
		return contract.StateStopping
	case s.carry.Paused:
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
		Paused:           s.carry.Paused,
		StopRequested:    s.carry.StopRequested,
		PendingAdds:      s.buf.adds,
		PendingRemoves:   s.buf.removes,
		Backlog:          s.backlog(),
		MaxBacklog:       s.in.MaxBacklog,
		Counters:         s.carry.Counters,
		LastBatch:        s.carry.LastBatch,
		LastError:        s.carry.LastError,
		LastErrorAt:      timeOrNil(s.carry.LastErrorAt),
		LastErrorBatchID: s.carry.LastErrorBatchID,
		RecentMissing:    append([]int64(nil), s.carry.RecentMissing...),
		RecentRejected:   append([]string(nil), s.carry.RecentRejected...),
		RecentOverflowed: append([]int64(nil), s.carry.RecentOverflowed...),
		Generation:       s.carry.Generation,
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
	st.LastReconcile = s.carry.LastReconcile
	if s.carry.Owed != nil {
		st.Owed = &contract.BatchInfo{BatchID: s.carry.Owed.BatchID, ListID: s.carry.Owed.ListID,
			Adds: len(s.carry.Owed.Add), Removes: len(s.carry.Owed.Remove), StartedAt: s.carry.OwedSince}
	}
	return st
}

// noteMissing keeps the last RecentMissingLimit missing IDs.
func (s *syncState) noteMissing(ids []int64) {
	s.carry.RecentMissing = appendBounded(s.carry.RecentMissing, ids, contract.RecentMissingLimit)
}

// noteRejected keeps the last RecentRejectedLimit rejected values, each
// truncated so a hostile payload cannot bloat the status or carried state.
func (s *syncState) noteRejected(v string) {
	if len(v) > contract.RejectedSampleChars {
		v = v[:contract.RejectedSampleChars] + "…"
	}
	s.carry.RecentRejected = appendBounded(s.carry.RecentRejected, []string{v}, contract.RecentRejectedLimit)
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
