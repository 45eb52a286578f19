package audiencesync

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// Pause stops flushes (and timers) but keeps buffering; resume flushes what
// is already due at once.
func TestPauseResume(t *testing.T) {
	h := newHarness(t)
	start := h.env.Now()
	var paused contract.Status
	var timersWhilePaused int
	h.at(time.Second, func() { h.signal(contract.SignalPause, nil) })
	h.at(2*time.Second, func() { h.enter("1", "2"); h.leave("3") })
	h.at(time.Hour, func() {
		paused = h.status()
		timersWhilePaused = len(h.timers)
		h.signal(contract.SignalResume, nil)
	})
	h.at(2*time.Hour, func() { h.signal(contract.SignalStop, nil) })
	h.run(baseInput())

	require.Equal(t, contract.StatePaused, paused.State)
	require.Equal(t, 2, paused.PendingAdds)
	require.Equal(t, 1, paused.PendingRemoves)
	require.Zero(t, paused.BatchesSent)
	require.Zero(t, timersWhilePaused, "a paused sync runs no timer")
	calls := h.hs.snapshotCalls()
	require.Len(t, calls, 1)
	require.Equal(t, time.Hour, calls[0].At.Sub(start), "resume flushes an overdue buffer at once")
	require.Equal(t, ids(1, 2), calls[0].Req.Add)
}

// Stop flushes everything at once (no timer wait, no size needed),
// including changes that arrive while the stop flush is in flight, then
// completes.
func TestStopFlushesEverything(t *testing.T) {
	h := newHarness(t)
	start := h.env.Now()
	h.hs.during = func(n int, req contract.BatchRequest) {
		if n == 0 {
			h.enter("9") // arrives while stopping
		}
	}
	h.at(time.Second, func() {
		h.enter("1")
		h.leave("2", "3")
		h.signal(contract.SignalStop, nil)
	})
	h.run(baseInput())

	calls := h.hs.snapshotCalls()
	require.Len(t, calls, 2)
	for _, c := range calls {
		require.Equal(t, time.Second, c.At.Sub(start), "stop does not wait for the timer")
	}
	require.Equal(t, ids(1), calls[0].Req.Add)
	require.Equal(t, ids(2, 3), calls[0].Req.Remove)
	require.Equal(t, ids(9), calls[1].Req.Add, "changes arriving while stopping are flushed before completing")
	st := h.result()
	require.Equal(t, contract.StateStopped, st.State)
	require.Zero(t, st.PendingAdds+st.PendingRemoves)
	require.EqualValues(t, 2, st.BatchesSent)
	require.Equal(t, ids(1, 9), h.hs.members(testList))
}

// A change delivered in the same workflow task as the stop, after it, is
// drained and flushed before completing.
func TestStopDrainsSignalsDeliveredWithIt(t *testing.T) {
	h := newHarness(t)
	h.at(time.Second, func() {
		h.env.SignalWorkflowSkippingWorkflowTask(contract.SignalStop, nil)
		h.env.SignalWorkflowSkippingWorkflowTask(contract.SignalPause, nil)
		h.enter("5")
	})
	h.run(baseInput())
	require.Equal(t, ids(5), h.hs.members(testList))
	require.Equal(t, contract.StateStopped, h.result().State)
}

// Stop wins over pause: the paused buffer is flushed, then the run ends.
func TestStopWhilePaused(t *testing.T) {
	h := newHarness(t)
	h.at(time.Second, func() { h.signal(contract.SignalPause, nil); h.enter("1") })
	h.at(time.Minute, func() { h.signal(contract.SignalStop, nil); h.signal(contract.SignalPause, nil) })
	h.run(baseInput())
	require.Equal(t, ids(1), h.hs.members(testList))
	require.Equal(t, contract.StateStopped, h.result().State)
}

// Terminal statuses block the sync without losing changes; each operator
// action resolves it as documented.
func TestTerminalBlocksThenOperatorResolves(t *testing.T) {
	statuses := []struct {
		code     int
		category string
	}{
		{400, "VALIDATION_ERROR"}, {401, "INVALID_AUTHENTICATION"}, {403, "MISSING_SCOPES"},
		{404, "OBJECT_NOT_FOUND"}, {500, "INTERNAL_ERROR"},
	}
	for _, sc := range statuses {
		for _, action := range []string{"resume", "retarget", "discard"} {
			t.Run(fmt.Sprintf("%d/%s", sc.code, action), func(t *testing.T) {
				testTerminal(t, sc.code, sc.category, action)
			})
		}
	}
}

func testTerminal(t *testing.T, code int, category, action string) {
	h := newHarness(t)
	start := h.env.Now()
	h.hs.fail = func(n int, req contract.BatchRequest) error {
		if n == 0 {
			return terminal(code, category)
		}
		return nil
	}
	var blocked, later contract.Status
	h.at(time.Second, func() { h.enter("1", "2", "3") })
	// Batch 1 (add 1,2,3) fails at 11s. Newer changes arrive while blocked:
	// 2 leaves (supersedes the owed add of 2) and 4 enters.
	h.at(time.Minute, func() { h.leave("2"); h.enter("4") })
	h.at(time.Hour, func() { blocked = h.status() })
	h.at(2*time.Hour, func() {
		switch action {
		case "resume":
			h.signal(contract.SignalResume, nil)
		case "retarget":
			h.signal(contract.SignalRetarget, contract.Retarget{ListID: "200"})
		case "discard":
			h.signal(contract.SignalDiscard, contract.Discard{Reason: "test"})
		}
	})
	h.at(3*time.Hour, func() { later = h.status(); h.signal(contract.SignalStop, nil) })
	in := baseInput()
	in.MaxInFlight = 1 // the owed retry, then the buffer: calls in that order
	h.run(in)

	// Blocked: error visible, changes kept, nothing else sent for an hour.
	require.Equal(t, contract.StateBlocked, blocked.State)
	require.NotNil(t, blocked.LastError)
	require.Equal(t, code, blocked.LastError.Status)
	require.Equal(t, category, blocked.LastError.Category)
	require.Equal(t, fmt.Sprintf("corr-%d", code), blocked.LastError.CorrelationID)
	require.Equal(t, fmt.Sprintf("failure %d", code), blocked.LastError.Message)
	require.Equal(t, contract.SyncWorkflowID(testAudience, testConnector)+"#1", blocked.LastErrorBatchID)
	require.NotNil(t, blocked.Owed)
	require.Equal(t, 2, blocked.Owed.Adds, "owed keeps 1 and 3; 2 was superseded by its newer leave")
	require.Equal(t, 1, blocked.PendingAdds)
	require.Equal(t, 1, blocked.PendingRemoves)
	require.EqualValues(t, 1, blocked.BatchesFailed)
	require.Zero(t, blocked.BatchesSent)

	calls := h.hs.snapshotCalls()
	require.Equal(t, 11*time.Second, calls[0].At.Sub(start))
	for _, c := range calls[1:] {
		require.Equal(t, 2*time.Hour, c.At.Sub(start), "no flush while blocked; the operator's action flushes")
	}
	requireDisjoint(t, calls)
	require.Equal(t, contract.StateActive, later.State)

	switch action {
	case "resume":
		require.Len(t, calls, 3)
		require.Equal(t, ids(1, 3), calls[1].Req.Add, "owed batch retried first")
		require.Empty(t, calls[1].Req.Remove)
		require.Equal(t, testList, calls[1].Req.ListID)
		require.NotEqual(t, calls[0].Req.BatchID, calls[1].Req.BatchID)
		require.Equal(t, ids(4), calls[2].Req.Add)
		require.Equal(t, ids(2), calls[2].Req.Remove)
		require.Equal(t, ids(1, 3, 4), h.hs.members(testList))
	case "retarget":
		require.Len(t, calls, 3)
		require.Equal(t, "200", calls[1].Req.ListID, "owed batch retried on the new list")
		require.Equal(t, ids(1, 3), calls[1].Req.Add)
		require.Equal(t, "200", calls[2].Req.ListID)
		require.Equal(t, ids(1, 3, 4), h.hs.members("200"))
		require.Empty(t, h.hs.members(testList))
		require.Equal(t, "200", later.ListID)
	case "discard":
		require.Len(t, calls, 2)
		require.Equal(t, ids(4), calls[1].Req.Add, "only the newer changes are sent")
		require.Equal(t, ids(2), calls[1].Req.Remove)
		require.EqualValues(t, 1, later.BatchesDiscarded)
		require.EqualValues(t, 2, later.IDsDiscarded)
		require.Equal(t, ids(4), h.hs.members(testList))
	}
	require.Nil(t, later.Owed)
}

// Any non-retryable failure blocks the same way (here: InvalidBatch), and a
// failed retry blocks again with the owed batch intact.
func TestNonTerminalNonRetryableBlocks(t *testing.T) {
	h := newHarness(t)
	h.hs.fail = func(n int, req contract.BatchRequest) error {
		if n <= 1 {
			return temporal.NewNonRetryableApplicationError("bad batch", contract.ErrTypeInvalidBatch, nil)
		}
		return nil
	}
	var first, second contract.Status
	h.at(time.Second, func() { h.enter("1") })
	h.at(time.Minute, func() { first = h.status(); h.signal(contract.SignalResume, nil) })
	h.at(2*time.Minute, func() { second = h.status(); h.signal(contract.SignalResume, nil) })
	h.at(3*time.Minute, func() { h.signal(contract.SignalStop, nil) })
	h.run(baseInput())

	require.Equal(t, contract.StateBlocked, first.State)
	require.Equal(t, contract.ErrTypeInvalidBatch, first.LastError.Category)
	require.Equal(t, "bad batch", first.LastError.Message)
	require.Equal(t, contract.StateBlocked, second.State, "a failed retry blocks again")
	require.Equal(t, 1, second.Owed.Adds)
	require.Len(t, h.hs.snapshotCalls(), 3)
	require.Equal(t, ids(1), h.hs.members(testList))
	require.EqualValues(t, 2, h.result().BatchesFailed)
}

// Retryable errors are retried by the policy inside one batch: no block.
func TestRetryableIsRetriedAutomatically(t *testing.T) {
	h := newHarness(t)
	h.hs.fail = func(n int, req contract.BatchRequest) error {
		if n < 3 {
			return temporal.NewApplicationError("429", contract.ErrTypeRetryable)
		}
		return nil
	}
	h.at(time.Second, func() { h.enter("1") })
	h.at(time.Hour, func() { h.signal(contract.SignalStop, nil) })
	h.run(baseInput())

	calls := h.hs.snapshotCalls()
	require.Len(t, calls, 4)
	for i, c := range calls {
		require.Equal(t, calls[0].Req.BatchID, c.Req.BatchID, "same batch ID across retries")
		require.EqualValues(t, i+1, c.Attempt)
	}
	st := h.result()
	require.Nil(t, st.LastError)
	require.EqualValues(t, 1, st.BatchesSent)
}

// Stop while blocked: the workflow stays blocked (nothing owed is ever
// dropped by a stop) and completes once an operator resolves the batch.
func TestStopWhileBlocked(t *testing.T) {
	h := newHarness(t)
	h.hs.fail = func(n int, req contract.BatchRequest) error {
		if n == 0 {
			return terminal(404, "OBJECT_NOT_FOUND")
		}
		return nil
	}
	var afterStop contract.Status
	h.at(time.Second, func() { h.enter("1") })
	h.at(time.Minute, func() { h.signal(contract.SignalStop, nil); h.enter("2") })
	h.at(10*time.Hour, func() { afterStop = h.status(); h.signal(contract.SignalRetarget, contract.Retarget{ListID: "300"}) })
	h.run(baseInput())

	require.Equal(t, contract.StateBlocked, afterStop.State)
	require.True(t, afterStop.StopRequested)
	require.Equal(t, 1, afterStop.PendingAdds, "changes still accepted while blocked")
	require.Equal(t, ids(1, 2), h.hs.members("300"))
	require.Equal(t, contract.StateStopped, h.result().State)
}

// Discard and retarget without an owed batch are harmless: nothing is lost.
func TestOperatorSignalsWhenNotBlocked(t *testing.T) {
	h := newHarness(t)
	h.at(time.Second, func() {
		h.enter("1")
		h.signal(contract.SignalDiscard, contract.Discard{Reason: "nothing owed"})
		h.signal(contract.SignalRetarget, contract.Retarget{ListID: " "})
		h.signal(contract.SignalDiscard, "not an object")
	})
	h.at(time.Hour, func() { h.signal(contract.SignalStop, nil) })
	h.run(baseInput())
	st := h.result()
	require.Zero(t, st.BatchesDiscarded)
	require.EqualValues(t, 1, st.MalformedSignals)
	require.Equal(t, testList, st.ListID)
	require.Equal(t, ids(1), h.hs.members(testList))
}

// A pause delivered in the same workflow task as a full batch of changes
// after it wins: every signal already delivered is taken before the loop
// decides to send (signals on different channels reach the workflow
// without their relative order).
func TestPauseDeliveredWithAFullBatchSendsNothing(t *testing.T) {
	h := newHarness(t)
	start := h.env.Now()
	in := baseInput()
	var paused contract.Status
	h.at(0, func() { // before the first workflow task: both arrive in it
		h.signal(contract.SignalPause, nil)
		h.enter(strs(1, in.MaxBatchSize)...)
	})
	h.at(time.Minute, func() { paused = h.status(); h.signal(contract.SignalResume, nil) })
	h.at(2*time.Minute, func() { h.signal(contract.SignalStop, nil) })
	h.run(in)

	require.Equal(t, contract.StatePaused, paused.State)
	require.Equal(t, in.MaxBatchSize, paused.PendingAdds)
	require.Zero(t, paused.BatchesSent, "nothing goes while paused")
	calls := h.hs.snapshotCalls()
	require.Len(t, calls, 1, "the batch goes after the resume")
	require.Equal(t, time.Minute, calls[0].At.Sub(start), "resume sends the full batch at once")
}
