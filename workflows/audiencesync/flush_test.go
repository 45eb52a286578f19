package audiencesync

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// The oldest pending change waits FlushInterval, then one request carries
// everything pending.
func TestTimerFlush(t *testing.T) {
	h := newHarness(t)
	start := h.env.Now()
	h.at(time.Second, func() { h.enter("1", "2") })
	h.at(4*time.Second, func() { h.leave("3") })
	h.at(time.Hour, func() { h.signal(contract.SignalStop, nil) })
	h.run(baseInput())

	calls := h.hs.snapshotCalls()
	require.Len(t, calls, 1)
	require.Equal(t, 11*time.Second, calls[0].At.Sub(start), "flush when the oldest change has waited 10s")
	require.Equal(t, ids(1, 2), calls[0].Req.Add)
	require.Equal(t, ids(3), calls[0].Req.Remove)
	require.Equal(t, contract.SyncWorkflowID(testAudience, testConnector)+"#1", calls[0].Req.BatchID)
	require.Equal(t, testConnector, calls[0].Req.ConnectorID)
	require.Equal(t, testList, calls[0].Req.ListID)
	st := h.result()
	require.Equal(t, contract.StateStopped, st.State)
	require.EqualValues(t, 1, st.BatchesSent)
	require.EqualValues(t, 2, st.TotalAdded)
}

// MaxBatchSize pending IDs flush at once; a batch takes at most
// MaxBatchSize IDs and the rest waits for the next one.
func TestSizeFlush(t *testing.T) {
	h := newHarness(t)
	start := h.env.Now()
	in := baseInput()
	in.MaxBatchSize = 3
	in.MaxInFlight = 1 // the timing below is one batch at a time
	h.at(time.Second, func() { h.enter(strs(1, 7)...) })
	h.at(time.Hour, func() { h.signal(contract.SignalStop, nil) })
	h.run(in)

	calls := h.hs.snapshotCalls()
	require.Len(t, calls, 3)
	require.Equal(t, ids(1, 2, 3), calls[0].Req.Add)
	require.Equal(t, ids(4, 5, 6), calls[1].Req.Add)
	require.Equal(t, ids(7), calls[2].Req.Add)
	require.Equal(t, time.Second, calls[0].At.Sub(start), "full batch flushes at once")
	require.Equal(t, time.Second, calls[1].At.Sub(start), "next full batch right after the first completes")
	require.Equal(t, 11*time.Second, calls[2].At.Sub(start), "the remainder waits for the timer")
	for _, c := range calls {
		require.LessOrEqual(t, len(c.Req.Add)+len(c.Req.Remove), 3)
	}
	require.Equal(t, ids(1, 2, 3, 4, 5, 6, 7), h.hs.members(testList))
}

// Latest change per contact wins; enter then leave nets to remove; no ID
// is ever in both arrays of one request.
func TestCoalescing(t *testing.T) {
	h := newHarness(t)
	h.at(time.Second, func() {
		h.enter("1", "2", "3")
		h.leave("2")
		h.leave("4")
	})
	h.at(2*time.Second, func() {
		h.enter("4")
		h.leave("3")
		h.enter("3", "3")
	})
	h.at(time.Hour, func() { h.signal(contract.SignalStop, nil) })
	h.run(baseInput())

	calls := h.hs.snapshotCalls()
	require.Len(t, calls, 1)
	// Order is first arrival: 1, 2, 3, 4.
	require.Equal(t, ids(1, 3, 4), calls[0].Req.Add)
	require.Equal(t, ids(2), calls[0].Req.Remove)
	requireDisjoint(t, calls)
}

// Batches leave in signal order, a later batch never overtakes an earlier
// one, and the list ends equal to the audience.
func TestOrdering(t *testing.T) {
	h := newHarness(t)
	in := baseInput()
	in.MaxBatchSize = 2
	in.MaxInFlight = 1 // the call order below is one batch at a time
	h.at(time.Second, func() {
		h.enter("1", "2", "3")
		h.leave("1")
		h.enter("5")
	})
	h.at(time.Minute, func() { h.leave("2", "5") })
	h.at(time.Hour, func() { h.signal(contract.SignalStop, nil) })
	h.run(in)

	calls := h.hs.snapshotCalls()
	require.GreaterOrEqual(t, len(calls), 3)
	require.Equal(t, ids(1, 2), calls[0].Req.Add, "first batch takes the oldest two")
	require.Equal(t, ids(3), calls[1].Req.Add)
	require.Equal(t, ids(1), calls[1].Req.Remove, "the later leave of 1 goes in a later batch")
	for i := 1; i < len(calls); i++ {
		require.False(t, calls[i].At.Before(calls[i-1].At))
	}
	requireDisjoint(t, calls)
	require.Equal(t, ids(3), h.hs.members(testList))
}

// An idle audience schedules no timer at all, before or after a flush.
func TestIdleStartsNoTimer(t *testing.T) {
	h := newHarness(t)
	var timersAtIdle, timersAfterFlush int
	h.at(30*time.Minute, func() {
		timersAtIdle = len(h.timers)
		h.enter("1")
	})
	h.at(2*time.Hour, func() { timersAfterFlush = len(h.timers) })
	h.at(5*time.Hour, func() { h.signal(contract.SignalStop, nil) })
	h.run(baseInput())

	require.Zero(t, timersAtIdle, "no timer while nothing is pending")
	require.Equal(t, 1, timersAfterFlush, "exactly one timer for the one pending change")
	require.Equal(t, 1, len(h.timers), "no timer after the flush drained the buffer")
	require.Len(t, h.hs.snapshotCalls(), 1)
}

// With MaxInFlight 1 (and in runs recorded before the setting), at most
// one membership activity runs; changes that arrive while a batch is in
// flight wait for the next batch.
func TestMaxInFlightOne(t *testing.T) {
	h := newHarness(t)
	in := baseInput()
	in.MaxBatchSize = 2
	in.MaxInFlight = 1
	h.hs.during = func(n int, req contract.BatchRequest) {
		if n == 0 {
			// Sent while batch 1 is in flight; enough to fill a batch.
			h.enter("10", "11", "12")
			h.leave("1")
		}
	}
	h.at(time.Second, func() { h.enter("1", "2") })
	h.at(time.Hour, func() { h.signal(contract.SignalStop, nil) })
	h.run(in)

	calls := h.hs.snapshotCalls()
	require.Equal(t, 1, h.hs.maxInFlight, "never two batches at once")
	require.Len(t, calls, 3)
	require.Equal(t, ids(1, 2), calls[0].Req.Add)
	require.Equal(t, ids(10, 11), calls[1].Req.Add, "arrivals during a flush wait for the next batch")
	require.Equal(t, ids(12), calls[2].Req.Add)
	require.Equal(t, ids(1), calls[2].Req.Remove)
	require.Equal(t, ids(2, 10, 11, 12), h.hs.members(testList))
}
