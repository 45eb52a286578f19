package audiencesync

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// Several batches go at once, each with its own contacts; a contact's
// newer change waits until the batch carrying its older change settles,
// so HubSpot sees each contact's changes in order and the last one wins.
func TestParallelBatchesHoldContactsInFlight(t *testing.T) {
	h := newHarness(t)
	in := baseInput()
	in.MaxBatchSize = 2
	in.MaxInFlight = 3
	var held contract.Status
	h.hs.during = func(n int, req contract.BatchRequest) {
		if slices.Contains(req.Add, 1) {
			// 1 is in flight: its leave must wait for this batch.
			h.leave("1")
			h.enter("7", "8")
		}
	}
	h.at(time.Second, func() { h.enter("1", "2", "3", "4", "5", "6") })
	h.at(time.Minute, func() { held = h.status() })
	h.at(time.Hour, func() { h.signal(contract.SignalStop, nil) })
	h.run(in)

	calls := h.hs.snapshotCalls()
	require.Equal(t, 3, h.hs.maxInFlight, "three full batches at once")
	require.Zero(t, h.hs.overlaps, "no contact in two requests at once")
	addOf1, leaveOf1 := -1, -1
	for i, c := range calls {
		if slices.Contains(c.Req.Add, 1) {
			addOf1 = i
		}
		if len(c.Req.Remove) > 0 {
			require.Equal(t, ids(1), c.Req.Remove)
			leaveOf1 = i
		}
	}
	require.Greater(t, leaveOf1, addOf1, "the leave of 1 goes after the batch that added 1")
	require.GreaterOrEqual(t, addOf1, 0)
	requireDisjoint(t, calls)
	require.Equal(t, ids(2, 3, 4, 5, 6, 7, 8), h.hs.members(testList))
	require.Zero(t, held.Backlog)
	require.Equal(t, 3, held.MaxInFlight)
	require.Equal(t, contract.StateStopped, h.result().State)
}

// Batches that fail terminally while others are in flight are owed
// together; the one that succeeded is not; resume retries the owed
// contacts in requests of at most MaxBatchSize, and nothing is lost.
func TestParallelFailuresAreOwedTogether(t *testing.T) {
	h := newHarness(t)
	in := baseInput()
	in.MaxBatchSize = 2
	in.MaxInFlight = 3
	h.hs.during = func(int, contract.BatchRequest) {}
	h.hs.fail = func(n int, req contract.BatchRequest) error {
		if n < 2 {
			return terminal(403, "MISSING_SCOPES")
		}
		return nil
	}
	var blocked contract.Status
	h.at(time.Second, func() { h.enter("1", "2", "3", "4", "5", "6") })
	h.at(time.Minute, func() { blocked = h.status() })
	h.at(2*time.Minute, func() { h.signal(contract.SignalResume, nil) })
	h.at(time.Hour, func() { h.signal(contract.SignalStop, nil) })
	h.run(in)

	require.Equal(t, contract.StateBlocked, blocked.State)
	require.NotNil(t, blocked.Owed)
	require.Equal(t, 4, blocked.Owed.Adds, "both failed batches are owed")
	require.EqualValues(t, 2, blocked.BatchesFailed)
	require.EqualValues(t, 1, blocked.BatchesSent)
	require.Zero(t, blocked.InFlightBatches)
	require.Equal(t, 4, blocked.Backlog)

	calls := h.hs.snapshotCalls()
	require.Len(t, calls, 5, "3 batches, then the 4 owed IDs in 2 requests")
	for _, c := range calls[3:] {
		require.Len(t, c.Req.Add, 2)
	}
	require.Zero(t, h.hs.overlaps)
	require.Equal(t, ids(1, 2, 3, 4, 5, 6), h.hs.members(testList))
	st := h.result()
	require.EqualValues(t, 3, st.BatchesSent, "the one before blocking, then the two retries")
}

// A run due to continue as new starts nothing more; it continues once its
// batches have settled, carrying what is still pending.
func TestContinueAsNewWaitsForBatchesInFlight(t *testing.T) {
	h := newHarness(t)
	in := baseInput()
	in.MaxBatchSize = 1
	in.MaxBatchesPerRun = 2
	in.MaxInFlight = 3
	h.at(time.Second, func() { h.enter("1", "2", "3") })
	h.run(in)

	require.Len(t, h.hs.snapshotCalls(), 2, "no batch past the run's bound")
	c := h.continuedInput().Carried
	require.Equal(t, ids(3), pendingIDs(t, c.Pending))
	require.EqualValues(t, 2, c.Counters.BatchesSent)
}

// MaxInFlight defaults to DefaultMaxInFlight, lowered so the IDs in flight
// stay within MaxMaxBatchSize; an explicit value past that is refused.
func TestMaxInFlightBounds(t *testing.T) {
	in := baseInput()
	got, err := contract.Normalize(in)
	require.NoError(t, err)
	require.Equal(t, contract.DefaultMaxInFlight, got.MaxInFlight)

	in.MaxBatchSize = contract.MaxMaxBatchSize
	got, err = contract.Normalize(in)
	require.NoError(t, err)
	require.Equal(t, 1, got.MaxInFlight, "a full-size batch leaves room for one in flight")

	in.MaxInFlight = 2
	_, err = contract.Normalize(in)
	require.ErrorContains(t, err, "MaxInFlight")
	require.ErrorContains(t, err, "use at most 1")

	in = baseInput()
	in.MaxInFlight = contract.MaxMaxInFlight + 1
	_, err = contract.Normalize(in)
	require.ErrorContains(t, err, "must be between 1 and 10")
}
