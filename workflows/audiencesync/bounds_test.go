package audiencesync

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/workflows/internal/payload"
)

// worstState is a sync at every bound at once: MaxMaxBacklog pending
// contacts whose IDs jump across the whole int64 range (the largest packed
// form), each with its own arrival time, a blocked batch of MaxMaxBatchSize
// 19-digit IDs, full samples and an oversized HubSpot message.
func worstState(t *testing.T) *syncState { return worstStateTouched(t, 0) }

// worstStateTouched is worstState with touched of its pending contacts
// moved to a reconcile's touched set (the hard cap covers both).
func worstStateTouched(t *testing.T, touched int) *syncState {
	t.Helper()
	in, err := contract.Normalize(contract.SyncInput{AudienceID: strings.Repeat("a", 200), ConnectorID: strings.Repeat("c", 64),
		ListID: strings.Repeat("9", 19), MaxBacklog: contract.MaxMaxBacklog, MaxBatchSize: contract.MaxMaxBatchSize})
	require.NoError(t, err)
	s, err := newState(in, contract.SyncWorkflowID(in.AudienceID, in.ConnectorID))
	require.NoError(t, err)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := int64(0); i < contract.MaxMaxBacklog-int64(touched); i++ {
		id := i + 1
		if i%2 == 1 {
			id = math.MaxInt64 - i
		}
		op := contract.OpEnter
		if i%3 == 0 {
			op = contract.OpLeave
		}
		s.buf.put(id, op, t0.Add(time.Duration(i)*time.Millisecond))
	}
	owed := &contract.BatchRequest{ConnectorID: in.ConnectorID, ListID: in.ListID, BatchID: s.nextBatchID()}
	for i := int64(0); i < contract.MaxMaxBatchSize; i++ {
		if i%2 == 0 {
			owed.Add = append(owed.Add, math.MaxInt64-contract.MaxMaxBacklog-i)
		} else {
			owed.Remove = append(owed.Remove, math.MaxInt64-contract.MaxMaxBacklog-i)
		}
	}
	s.carry.Owed = owed
	f := failureOf(terminal(400, strings.Repeat("X", 100)))
	f.Message = payload.Truncate(strings.Repeat("m", 1<<20), payload.MaxMessageChars)
	s.carry.LastError = &f
	for i := 0; i < contract.RecentMissingLimit; i++ {
		s.noteMissing([]int64{math.MaxInt64 - int64(i)})
		s.carry.RecentOverflowed = appendBounded(s.carry.RecentOverflowed, []int64{math.MaxInt64 - int64(i)}, contract.RecentMissingLimit)
	}
	for i := 0; i < contract.RecentRejectedLimit; i++ {
		s.noteRejected(strings.Repeat("<", 1000)) // six bytes each in JSON
	}
	return s
}

// No buffer content can make the continue-as-new input exceed the bound:
// at every bound at once it stays under payload.MaxCarriedBytes, well below the
// server's 2 MB, and it restores exactly.
func TestCarriedStateAtItsBoundFitsAndRestores(t *testing.T) {
	s := worstState(t)
	in := s.in
	in.Carried = s.carried()
	size := payload.Size(in)
	t.Logf("worst carried state: %d bytes (bound %d, server limit %d)", size, payload.MaxCarriedBytes, payload.ServerLimit)
	require.LessOrEqual(t, size, worstCarriedBytes)
	require.Less(t, size, payload.MaxCarriedBytes)
	require.LessOrEqual(t, len(in.Carried.Pending.Since), maxSinceRuns)

	r, ok := restoreBuffer(in.Carried.Pending)
	require.True(t, ok)
	require.Equal(t, s.buf.Len(), r.Len())
	require.Equal(t, s.buf.adds, r.adds)
	for i, e := range s.buf.entries[s.buf.head:] {
		got := r.entries[i]
		require.Equal(t, e.id, got.id)
		require.Equal(t, e.op, got.op)
		// Arrival times may only move earlier (flushed sooner, never later).
		require.False(t, got.since.After(e.since), "entry %d restored later than it arrived", i)
	}
}

// A reconcile at its bounds as well: two chunks of snapshot and two pages
// of members waiting, touched contacts filling the hard cap with the
// pending ones, half the pending entries differences, full samples and
// error texts in the current and the last reconcile. Still within the
// bound, and the reconcile restores exactly.
func TestCarriedStateWithReconcileAtItsBoundFits(t *testing.T) {
	const touched = 20000
	s := worstStateTouched(t, touched)
	for i := range s.buf.entries {
		if i%2 == 0 {
			s.buf.entries[i].diff = true
			s.buf.marks.diffs++
		} else {
			s.buf.entries[i].pre = true
			s.buf.marks.prePending++
		}
	}
	st := contract.ReconcileStatus{ID: strings.Repeat("r", 64), Phase: contract.PhaseReading, ListID: s.in.ListID,
		Error: payload.Truncate(strings.Repeat("<", 1<<20), payload.MaxMessageChars)}
	for i := 0; i < contract.ReconcileSampleLimit; i++ {
		st.SampleAdds = append(st.SampleAdds, math.MaxInt64-int64(i))
		st.SampleRemoves = append(st.SampleRemoves, math.MaxInt64-int64(i))
	}
	r := &reconcile{st: st, cursor: strings.Repeat("9", 64), touched: map[int64]struct{}{}, preMark: map[string]bool{}, diffBatches: map[string][]int64{}}
	step := int64(math.MaxInt64 / (2*contract.MaxSnapshotChunkIDs + 1))
	for i := int64(1); i <= 2*contract.MaxSnapshotChunkIDs; i++ {
		r.m.Snap = append(r.m.Snap, i*step)
	}
	for i := int64(1); i < 2*maxPageIDs; i++ {
		r.m.Live = append(r.m.Live, i*step)
	}
	for i := int64(0); i < touched; i++ {
		r.touched[math.MaxInt64/2+i*(math.MaxInt64/2/touched)] = struct{}{}
	}
	s.rec = r
	last := st
	s.carry.LastReconcile = &last
	in := s.in
	in.Carried = s.carried()
	size := payload.Size(in)
	t.Logf("worst carried state with a reconcile: %d bytes (bound %d, server limit %d)", size, payload.MaxCarriedBytes, payload.ServerLimit)
	require.LessOrEqual(t, size, worstCarriedBytes)
	require.Less(t, size, payload.MaxCarriedBytes)

	got, err := newState(in, "w")
	require.NoError(t, err)
	require.Equal(t, r.m.Snap, got.rec.m.Snap)
	require.Equal(t, r.m.Live, got.rec.m.Live)
	require.Equal(t, len(r.touched), len(got.rec.touched))
	require.Equal(t, s.buf.marks.diffs, got.buf.marks.diffs)
	require.Equal(t, s.buf.marks.prePending, got.buf.marks.prePending)
	require.Equal(t, st, got.rec.st)
}

// The sync's own hard cap: signals sent to it directly (bypassing the
// audience's back-pressure) past MaxMaxBacklog pending contacts are
// refused, counted and sampled; changes for contacts already pending still
// count (last change wins).
func TestSyncRefusesNewContactsPastItsHardCap(t *testing.T) {
	h := newHarness(t)
	in := baseInput()
	h.at(time.Second, func() { h.signal(contract.SignalPause, nil) })
	h.at(2*time.Second, func() {
		for from := 1; from <= contract.MaxMaxBacklog+10; from += contract.MaxAdmitIDs {
			h.enter(strs(from, min(from+contract.MaxAdmitIDs-1, contract.MaxMaxBacklog+10))...)
		}
		h.leave("1")
	})
	var st contract.Status
	h.at(3*time.Second, func() { st = h.status(); h.signal(contract.SignalStop, nil) })
	h.run(in)
	require.Equal(t, contract.MaxMaxBacklog-1, st.PendingAdds)
	require.Equal(t, 1, st.PendingRemoves, "a newer change for a pending contact is kept")
	require.EqualValues(t, 10, st.Overflowed)
	require.Contains(t, st.RecentOverflowed, int64(contract.MaxMaxBacklog+10))
	require.Equal(t, contract.MaxMaxBacklog, st.Backlog)
}

func TestPackedIDsRoundTripExtremes(t *testing.T) {
	in := []int64{1, math.MaxInt64, 1, math.MaxInt64 - 1, 42, 42, 7}
	out, err := unpackIDs(packIDs(in), len(in))
	require.NoError(t, err)
	require.Equal(t, in, out)
	require.LessOrEqual(t, len(packIDs(in)), len(in)*maxPackedIDBytes)
	_, err = unpackIDs(packIDs(in)[:3], len(in))
	require.Error(t, err)
}
