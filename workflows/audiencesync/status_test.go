package audiencesync

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// The status query shows the in-flight batch, per-contact outcomes and a
// bounded sample of missing IDs.
func TestStatusQuery(t *testing.T) {
	h := newHarness(t)
	in := baseInput()
	for i := int64(1000); i < 1150; i++ {
		h.hs.missing[i] = true
	}
	var during contract.Status
	h.hs.during = func(n int, req contract.BatchRequest) {
		if n == 0 {
			during = h.status()
		}
	}
	h.at(time.Second, func() { h.enter(strs(1, 3)...); h.enter(strs(1000, 1149)...); h.leave("4") })
	h.at(time.Hour, func() { h.signal(contract.SignalStop, nil) })
	h.run(in)

	require.NotNil(t, during.InFlight)
	require.Equal(t, contract.SyncWorkflowID(testAudience, testConnector)+"#1", during.InFlight.BatchID)
	require.Equal(t, 153, during.InFlight.Adds)
	require.Equal(t, 1, during.InFlight.Removes)
	require.Equal(t, contract.StateActive, during.State)
	require.Equal(t, testAudience, during.AudienceID)
	require.Equal(t, testConnector, during.ConnectorID)
	require.Equal(t, testList, during.ListID)

	st := h.result()
	require.Nil(t, st.InFlight)
	require.EqualValues(t, 3, st.TotalAdded)
	require.EqualValues(t, 0, st.TotalRemoved)
	require.EqualValues(t, 150, st.TotalMissing)
	require.Len(t, st.RecentMissing, contract.RecentMissingLimit)
	require.Equal(t, int64(1149), st.RecentMissing[contract.RecentMissingLimit-1], "keeps the latest")
	require.NotNil(t, st.LastBatch)
	require.Equal(t, 3, st.LastBatch.Added)
	require.Equal(t, 150, st.LastBatch.Missing)
	require.Equal(t, 153, st.LastBatch.Adds)
	require.Equal(t, 0, st.Generation)
}

func TestBufferSnapshotRoundTrip(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b := newBuffer()
	b.put(5, contract.OpEnter, t0)
	b.put(6, contract.OpLeave, t0)
	b.put(5, contract.OpLeave, t0.Add(time.Second)) // keeps place and arrival time
	b.put(7, contract.OpEnter, t0.Add(2*time.Second))
	b.put(8, contract.OpEnter, t0.Add(2*time.Second))
	add, remove := b.take(1)
	require.Empty(t, add)
	require.Equal(t, ids(5), remove)

	s := b.snapshot()
	gotIDs, gotOps := pendingOf(t, s)
	require.Equal(t, ids(6, 7, 8), gotIDs)
	require.Equal(t, "-++", gotOps)
	require.Equal(t, []contract.SinceRun{{Count: 1, At: t0}, {Count: 2, At: t0.Add(2 * time.Second)}}, s.Since)
	r, ok := restoreBuffer(s)
	require.True(t, ok)
	require.Equal(t, b.entries[b.head:], r.entries)
	require.Equal(t, 2, r.adds)
	require.Equal(t, 1, r.removes)
	oldest, _ := r.oldest()
	require.Equal(t, t0, oldest)

	_, ok = restoreBuffer(contract.PendingSnapshot{Count: 2, Packed: []byte{2}, Leaves: []byte{0}, Since: []contract.SinceRun{{Count: 2, At: t0}}})
	require.False(t, ok, "two entries, one packed ID")
	s.Since = []contract.SinceRun{{Count: 1, At: t0}}
	_, ok = restoreBuffer(s)
	require.False(t, ok, "three entries, one arrival time")
}

func TestBufferCompactKeepsIndex(t *testing.T) {
	b := newBuffer()
	t0 := time.Unix(0, 0)
	for i := int64(1); i <= 10; i++ {
		b.put(i, contract.OpEnter, t0)
	}
	b.take(7)
	b.put(9, contract.OpLeave, t0) // must update the compacted entry, not add one
	add, remove := b.take(10)
	require.Equal(t, ids(8, 10), add)
	require.Equal(t, ids(9), remove)
	require.Zero(t, b.Len())
}

func TestRejectedSampleIsTruncated(t *testing.T) {
	s := &syncState{}
	long := string(make([]byte, 10*contract.RejectedSampleChars))
	for i := 0; i < 2*contract.RecentRejectedLimit; i++ {
		s.noteRejected(long)
	}
	require.Len(t, s.carry.RecentRejected, contract.RecentRejectedLimit)
	require.Len(t, s.carry.RecentRejected[0], contract.RejectedSampleChars+len("…"))
}
