package audiencesync

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// Reaching the signal bound continues as new only after draining every
// signal already delivered (including ones buffered in the same workflow
// task), carrying the buffer in order and the operator state exactly.
func TestContinueAsNewDrainsSignals(t *testing.T) {
	h := newHarness(t)
	in := baseInput()
	in.MaxSignalsPerRun = 2
	h.at(time.Second, func() {
		// Delivered together in one workflow task, as a burst would be.
		h.env.SignalWorkflowSkippingWorkflowTask(contract.SignalMembership, contract.MembershipChange{Op: contract.OpEnter, RecordIDs: []string{"1", "2"}})
		h.env.SignalWorkflowSkippingWorkflowTask(contract.SignalMembership, contract.MembershipChange{Op: contract.OpLeave, RecordIDs: []string{"2"}})
		h.env.SignalWorkflowSkippingWorkflowTask(contract.SignalMembership, contract.MembershipChange{Op: contract.OpEnter, RecordIDs: []string{"3", "x"}})
		h.signal(contract.SignalPause, nil)
	})
	h.run(in)

	next := h.continuedInput()
	c := next.Carried
	gotIDs, gotOps := pendingOf(t, c.Pending)
	require.Equal(t, ids(1, 2, 3), gotIDs)
	require.Equal(t, "+-+", gotOps)
	require.Len(t, c.Pending.Since, 1)
	require.Equal(t, 3, c.Pending.Since[0].Count)
	require.True(t, c.Paused, "the pause delivered with the burst is not lost")
	require.EqualValues(t, 3, c.Counters.MembershipSignals)
	require.EqualValues(t, 1, c.Counters.TotalRejected)
	require.Equal(t, []string{"x"}, c.RecentRejected)
	require.Equal(t, 1, c.Generation)
	require.EqualValues(t, 1, c.NextSequence)
	require.Equal(t, testList, next.ListID)
	require.Equal(t, 2, next.MaxSignalsPerRun, "limits travel with the input")
	require.Empty(t, h.hs.snapshotCalls())
}

// GetContinueAsNewSuggested is honoured, but never while a batch is in
// flight: the run waits for the result, then carries it and the signals
// that arrived meanwhile.
func TestContinueAsNewWaitsForInFlightBatch(t *testing.T) {
	h := newHarness(t)
	h.hs.during = func(n int, req contract.BatchRequest) {
		if n == 0 {
			h.env.SetContinueAsNewSuggested(true)
			h.enter("7")
		}
	}
	h.at(time.Second, func() { h.enter("1", "2") })
	h.run(baseInput())

	calls := h.hs.snapshotCalls()
	require.Len(t, calls, 1)
	c := h.continuedInput().Carried
	require.Equal(t, ids(7), pendingIDs(t, c.Pending))
	require.EqualValues(t, 1, c.Counters.BatchesSent)
	require.EqualValues(t, 2, c.Counters.TotalAdded)
	require.NotNil(t, c.LastBatch)
	require.Equal(t, calls[0].Req.BatchID, c.LastBatch.BatchID)
	require.EqualValues(t, 2, c.NextSequence, "batch IDs stay unique across runs")
	require.Nil(t, c.Owed)
}

// The batch bound triggers continue-as-new too.
func TestContinueAsNewAfterBatchBound(t *testing.T) {
	h := newHarness(t)
	in := baseInput()
	in.MaxBatchSize = 1
	in.MaxBatchesPerRun = 2
	in.MaxInFlight = 1
	h.at(time.Second, func() { h.enter("1", "2", "3") })
	h.run(in)

	require.Len(t, h.hs.snapshotCalls(), 2)
	c := h.continuedInput().Carried
	require.Equal(t, ids(3), pendingIDs(t, c.Pending))
	require.EqualValues(t, 2, c.Counters.BatchesSent)
}

// A blocked sync continues as new with its owed batch, error and counters,
// and the next run resumes exactly there.
func TestContinueAsNewWhileBlockedRoundTrip(t *testing.T) {
	h := newHarness(t)
	h.hs.fail = func(n int, req contract.BatchRequest) error { return terminal(403, "MISSING_SCOPES") }
	h.at(time.Second, func() { h.enter("1", "2") })
	h.at(time.Minute, func() {
		h.env.SetContinueAsNewSuggested(true)
		h.leave("2") // wakes the loop; supersedes the owed add of 2
	})
	h.run(baseInput())
	next := h.continuedInput()
	c := next.Carried
	require.NotNil(t, c.Owed)
	require.Equal(t, ids(1), c.Owed.Add)
	require.Equal(t, 403, c.LastError.Status)
	require.EqualValues(t, 1, c.Counters.BatchesFailed)
	require.Equal(t, ids(2), pendingIDs(t, c.Pending))

	// Generation 1, from the carried input.
	h2 := newHarness(t)
	var restored contract.Status
	h2.at(time.Second, func() { restored = h2.status(); h2.signal(contract.SignalResume, nil) })
	h2.at(time.Hour, func() { h2.signal(contract.SignalStop, nil) })
	h2.run(next)

	require.Equal(t, contract.StateBlocked, restored.State)
	require.Equal(t, 1, restored.Generation)
	require.Equal(t, 1, restored.Owed.Adds)
	require.Equal(t, 1, restored.PendingRemoves)
	require.Equal(t, "MISSING_SCOPES", restored.LastError.Category)
	calls := h2.hs.snapshotCalls()
	require.Len(t, calls, 2)
	require.Equal(t, ids(1), calls[0].Req.Add)
	require.Equal(t, contract.SyncWorkflowID(testAudience, testConnector)+"#2", calls[0].Req.BatchID)
	require.Equal(t, ids(2), calls[1].Req.Remove)
	require.Equal(t, ids(1), h2.hs.members(testList))
	require.EqualValues(t, 1, h2.result().BatchesFailed)
}

// A run due to continue as new does not wait for ever on one batch that
// keeps failing retryably: after drainPatience it cancels the batches in
// flight, waits for them to end, and carries their changes (a newer
// change of a contact still wins) into the next run.
func TestContinueAsNewCancelsABatchThatKeepsRetrying(t *testing.T) {
	h := newHarness(t)
	in := baseInput()
	in.MaxBatchSize, in.MaxInFlight = 2, 2
	h.hs.fail = func(n int, req contract.BatchRequest) error {
		if slices.Contains(req.Add, 1) {
			return temporal.NewApplicationError("503", contract.ErrTypeRetryable)
		}
		return nil
	}
	h.hs.during = func(n int, req contract.BatchRequest) {
		if n == 0 {
			h.env.SetContinueAsNewSuggested(true)
		}
	}
	h.at(time.Second, func() { h.enter("1", "2", "3", "4") })
	h.at(2*time.Second, func() { h.leave("2") }) // newer than the batch: wins
	h.run(in)

	c := h.continuedInput().Carried
	ids, ops := pendingOf(t, c.Pending)
	require.Equal(t, []int64{2, 1}, ids, "the cancelled batch's contacts are carried, 2 with its newer leave")
	require.Equal(t, "-+", ops)
	require.Equal(t, []int64{3, 4}, h.hs.members(testList), "the other batch went through")
	require.EqualValues(t, 1, c.Counters.BatchesSent)
	require.Zero(t, c.Counters.BatchesFailed, "a cancelled batch is not a failure")
	require.Nil(t, c.Owed)
	last := h.hs.snapshotCalls()
	require.Greater(t, len(last), 2, "the failing batch was retried before the cancel")
}

// A batch cancelled for continue-as-new whose attempt ends otherwise than
// cancelled (its worker died after the cancel was asked: a timeout, or a
// retryable error) is not retried and not a failure: its changes go again
// in the next run.
func TestContinueAsNewRequeuesABatchWhoseCancelledAttemptFailed(t *testing.T) {
	h := newHarness(t)
	in := baseInput()
	in.MaxBatchSize, in.MaxInFlight = 2, 2
	h.hs.hang = func(req contract.BatchRequest) bool { return slices.Contains(req.Add, 1) }
	h.hs.during = func(n int, req contract.BatchRequest) { h.env.SetContinueAsNewSuggested(true) }
	h.at(time.Second, func() { h.enter("1", "2", "3", "4") })
	h.run(in)

	c := h.continuedInput().Carried
	require.Equal(t, []int64{1, 2}, pendingIDs(t, c.Pending))
	require.Zero(t, c.Counters.BatchesFailed)
	require.Nil(t, c.Owed, "not blocked")
	require.Equal(t, []int64{3, 4}, h.hs.members(testList))
}
