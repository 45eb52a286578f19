package audiencesync

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

var bufT0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func bufAt(sec int) time.Time { return bufT0.Add(time.Duration(sec) * time.Second) }

// checkBuffer recomputes every counter the buffer keeps from its live
// entries and held set, and checks the index and the compaction bound.
func checkBuffer(t *testing.T, b *buffer) {
	t.Helper()
	live := b.entries[b.head:]
	require.Len(t, b.index, len(live), "one index entry per pending contact")
	var adds, removes, diffs, pre, heldPending int
	for i, e := range live {
		pos, ok := b.index[e.id]
		require.True(t, ok, "entry %d (id %d) not indexed", i, e.id)
		require.Equal(t, b.head+i, pos, "index of id %d", e.id)
		if e.op == contract.OpEnter {
			adds++
		} else {
			removes++
		}
		if e.diff {
			diffs++
		}
		if e.pre {
			pre++
		}
		if b.isHeld(e.id) {
			heldPending++
		}
	}
	require.Equal(t, adds, b.adds, "adds")
	require.Equal(t, removes, b.removes, "removes")
	require.Equal(t, diffs, b.marks.diffs, "diffs")
	require.Equal(t, pre, b.marks.prePending, "prePending")
	require.Equal(t, heldPending, b.heldPending, "heldPending")
	require.Equal(t, len(live), b.Len())
	require.Equal(t, len(live)-heldPending, b.Free())
	require.True(t, b.head == 0 || b.head < len(b.entries)/2,
		"taken entries are compacted once they are the majority (head %d, len %d)", b.head, len(b.entries))
}

// liveIDs is the pending contacts in output order.
func liveIDs(b *buffer) []int64 {
	var out []int64
	for _, e := range b.entries[b.head:] {
		out = append(out, e.id)
	}
	return out
}

// The latest change per contact wins, the counts follow it, and a contact
// already pending keeps its place and its first arrival time.
func TestBufferLastChangeWins(t *testing.T) {
	type put struct {
		id int64
		op contract.Op
	}
	cases := []struct {
		name          string
		puts          []put
		wantIDs       []int64
		wantOps       []contract.Op
		adds, removes int
	}{
		{"enter then leave nets to leave", []put{{1, contract.OpEnter}, {1, contract.OpLeave}}, ids(1), []contract.Op{contract.OpLeave}, 0, 1},
		{"leave then enter nets to enter", []put{{1, contract.OpLeave}, {1, contract.OpEnter}}, ids(1), []contract.Op{contract.OpEnter}, 1, 0},
		{"same op twice counts once", []put{{1, contract.OpEnter}, {1, contract.OpEnter}}, ids(1), []contract.Op{contract.OpEnter}, 1, 0},
		{"flip-flop ends on the last", []put{{1, contract.OpEnter}, {1, contract.OpLeave}, {1, contract.OpEnter}, {1, contract.OpLeave}}, ids(1), []contract.Op{contract.OpLeave}, 0, 1},
		{"a later change keeps the first place",
			[]put{{1, contract.OpEnter}, {2, contract.OpEnter}, {3, contract.OpLeave}, {1, contract.OpLeave}, {3, contract.OpEnter}, {4, contract.OpEnter}},
			ids(1, 2, 3, 4), []contract.Op{contract.OpLeave, contract.OpEnter, contract.OpEnter, contract.OpEnter}, 3, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := newBuffer()
			first := map[int64]time.Time{}
			for i, p := range tc.puts {
				at := bufAt(i)
				if _, ok := first[p.id]; !ok {
					first[p.id] = at
				}
				b.put(p.id, p.op, at)
				checkBuffer(t, b)
			}
			require.Equal(t, tc.wantIDs, liveIDs(b))
			for i, e := range b.entries[b.head:] {
				require.Equal(t, tc.wantOps[i], e.op, "op of %d", e.id)
				require.Equal(t, first[e.id], e.since, "arrival of %d is its first change", e.id)
			}
			require.Equal(t, tc.adds, b.adds)
			require.Equal(t, tc.removes, b.removes)
			oldest, ok := b.oldest()
			require.True(t, ok)
			require.Equal(t, bufT0, oldest, "the first arrival stays the oldest")
		})
	}
}

// take(max) gives the oldest takeable entries first, at most max, split
// into adds and removes with no ID in both; held contacts are passed over
// and keep their place.
func TestBufferTakeOrderAndMax(t *testing.T) {
	cases := []struct {
		name        string
		held        []int64
		max         int
		add, remove []int64
		rest        []int64 // pending afterwards, in order
	}{
		{"max zero takes nothing", nil, 0, nil, nil, ids(1, 2, 3, 4, 5, 6)},
		{"oldest first", nil, 3, ids(1, 3), ids(2), ids(4, 5, 6)},
		{"everything", nil, 100, ids(1, 3, 5), ids(2, 4, 6), nil},
		{"held skipped, keep their place", ids(1, 3), 2, nil, ids(2, 4), ids(1, 3, 5, 6)},
		{"all held", ids(1, 2, 3, 4, 5, 6), 6, nil, nil, ids(1, 2, 3, 4, 5, 6)},
		{"held at the end untouched", ids(6), 5, ids(1, 3, 5), ids(2, 4), ids(6)},
		{"held not pending change nothing", ids(99), 2, ids(1), ids(2), ids(3, 4, 5, 6)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := newBuffer()
			for i := int64(1); i <= 6; i++ {
				op := contract.OpEnter
				if i%2 == 0 {
					op = contract.OpLeave
				}
				b.put(i, op, bufAt(int(i)))
			}
			b.hold(tc.held)
			add, remove := b.take(tc.max)
			require.Equal(t, tc.add, add)
			require.Equal(t, tc.remove, remove)
			require.LessOrEqual(t, len(add)+len(remove), tc.max)
			for _, id := range add {
				require.NotContains(t, remove, id)
			}
			require.Equal(t, tc.rest, liveIDs(b))
			checkBuffer(t, b)
		})
	}
}

// A contact changed both ways before a take is in one slice only, with
// its latest op.
func TestBufferTakeNeverBothSlices(t *testing.T) {
	b := newBuffer()
	for i := int64(1); i <= 20; i++ {
		b.put(i, contract.OpEnter, bufAt(0))
		b.put(i, contract.OpLeave, bufAt(1))
		if i%3 == 0 {
			b.put(i, contract.OpEnter, bufAt(2))
		}
	}
	add, remove := b.take(100)
	require.Len(t, add, 6)
	require.Len(t, remove, 14)
	for _, id := range add {
		require.Zero(t, id%3, "%d ended on enter", id)
		require.NotContains(t, remove, id)
	}
	require.Zero(t, b.Len())
}

// A released contact's change is takeable again in its original place,
// ahead of later arrivals, and a change put while held waits in place.
func TestBufferReleasedTakenInOriginalPlace(t *testing.T) {
	b := newBuffer()
	b.put(1, contract.OpEnter, bufAt(0))
	add, _ := b.take(1)
	require.Equal(t, ids(1), add)
	b.hold(add) // 1 is in flight

	b.put(1, contract.OpLeave, bufAt(1)) // newer change of a contact in flight
	b.put(2, contract.OpEnter, bufAt(2))
	b.put(3, contract.OpEnter, bufAt(3))
	require.Equal(t, 3, b.Len())
	require.Equal(t, 2, b.Free())
	oldest, ok := b.oldest()
	require.True(t, ok)
	require.Equal(t, bufAt(2), oldest, "held entry skipped by oldest")

	add, remove := b.take(1)
	require.Equal(t, ids(2), add)
	require.Empty(t, remove)
	require.Equal(t, ids(1, 3), liveIDs(b), "held entry keeps its place")
	checkBuffer(t, b)

	b.release(ids(1))
	require.Equal(t, 2, b.Free())
	oldest, _ = b.oldest()
	require.Equal(t, bufAt(1), oldest, "released entry keeps the arrival of its change")
	add, remove = b.take(1)
	require.Empty(t, add)
	require.Equal(t, ids(1), remove, "released entry goes first, ahead of 3")
	checkBuffer(t, b)
}

// hold and release of contacts with and without a pending change keep
// Free = Len - held pending, whatever comes first.
func TestBufferHoldReleaseCounts(t *testing.T) {
	b := newBuffer()
	b.hold(ids(1, 2)) // in flight, nothing pending yet
	require.Equal(t, 0, b.Free())
	b.put(1, contract.OpEnter, bufAt(0))
	b.put(3, contract.OpEnter, bufAt(0))
	require.Equal(t, 2, b.Len())
	require.Equal(t, 1, b.Free(), "1 is held")
	b.hold(ids(3))
	require.Equal(t, 0, b.Free())
	b.release(ids(4, 5)) // never held: nothing changes
	require.Equal(t, 0, b.Free())
	b.release(ids(1, 2, 3))
	require.Equal(t, 2, b.Free())
	b.release(ids(1)) // released twice
	require.Equal(t, 2, b.Free())
	checkBuffer(t, b)
	_, ok := b.oldest()
	require.True(t, ok)
}

// oldest is the arrival of the first entry that could go now: held entries
// are skipped, and differences too while fullDiffs.
func TestBufferOldestSkips(t *testing.T) {
	cases := []struct {
		name      string
		held      []int64
		fullDiffs bool
		want      time.Time
		ok        bool
	}{
		{"nothing skipped", nil, false, bufAt(1), true},
		{"held first skipped", ids(1), false, bufAt(2), true},
		{"diff skipped while fullDiffs", ids(1), true, bufAt(3), true},
		{"diff counts otherwise", ids(1, 3), false, bufAt(2), true},
		{"only diffs left", ids(1, 3), true, time.Time{}, false},
		{"all held", ids(1, 2, 3), false, time.Time{}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := newBuffer()
			b.put(1, contract.OpEnter, bufAt(1))
			require.True(t, b.putDiff(2, contract.OpLeave, bufAt(2)))
			b.put(3, contract.OpEnter, bufAt(3))
			b.hold(tc.held)
			b.marks.fullDiffs = tc.fullDiffs
			got, ok := b.oldest()
			require.Equal(t, tc.ok, ok)
			require.Equal(t, tc.want, got)
		})
	}
	_, ok := newBuffer().oldest()
	require.False(t, ok, "an empty buffer has no oldest")
}

// fullDiffs only keeps differences off the flush timer: take still sends
// them, with the sent changes.
func TestBufferFullDiffsStillTaken(t *testing.T) {
	b := newBuffer()
	require.True(t, b.putDiff(1, contract.OpEnter, bufAt(0)))
	b.put(2, contract.OpLeave, bufAt(1))
	b.marks.fullDiffs = true
	add, remove, diffs := b.takeDiffs(10)
	require.Equal(t, ids(1), add)
	require.Equal(t, ids(2), remove)
	require.Equal(t, ids(1), diffs)
	require.Zero(t, b.marks.diffs)
	checkBuffer(t, b)
}

// Compaction keeps the index right: after many takes (with held entries
// passed over again and again, and puts in between), every lookup still
// finds its entry and a put of a pending contact updates it in place.
func TestBufferCompactionAfterManyTakes(t *testing.T) {
	b := newBuffer()
	b.hold(ids(-1, -2)) // always in flight, pending from the start
	b.put(-1, contract.OpEnter, bufAt(0))
	b.put(-2, contract.OpLeave, bufAt(0))
	next := int64(1)
	var taken []int64
	for round := 0; round < 500; round++ {
		for k := 0; k < 3; k++ {
			b.put(next, contract.OpEnter, bufAt(round))
			next++
		}
		// Re-put the oldest takeable contact (behind the two held ones),
		// possibly moved by a compaction: must update in place.
		if n := b.Len(); n > 2 {
			e := b.entries[b.head+2]
			before := b.Len()
			b.put(e.id, contract.OpLeave, bufAt(round))
			require.Equal(t, before, b.Len())
			require.Equal(t, contract.OpLeave, b.entries[b.index[e.id]].op)
		}
		add, remove := b.take(2)
		taken = append(taken, add...)
		taken = append(taken, remove...)
		checkBuffer(t, b)
		require.LessOrEqual(t, len(b.entries), 2*b.Len()+1, "memory stays proportional to what is pending")
	}
	require.Equal(t, ids(-1, -2), liveIDs(b)[:2], "held entries keep the front")
	b.release(ids(-1, -2))
	add, remove := b.take(math.MaxInt)
	require.Equal(t, int64(-1), add[0])
	require.Equal(t, int64(-2), remove[0])
	taken = append(taken, add[1:]...)
	taken = append(taken, remove[1:]...)
	slices.Sort(taken)
	want := make([]int64, 0, next-1)
	for i := int64(1); i < next; i++ {
		want = append(want, i)
	}
	require.Equal(t, want, taken, "every contact taken exactly once")
	require.Zero(t, b.Len())
	checkBuffer(t, b)
}

// Random puts, holds, releases and takes against a reference model (a map
// plus an ordered slice): after every step Len, adds, removes, Free, the
// arrival times, the order and what take returns all match the model.
// Holds follow startBatch's rule: a contact already in flight is not held
// again.
func TestBufferMatchesModel(t *testing.T) {
	type entry struct {
		op    contract.Op
		since time.Time
	}
	rng := rand.New(rand.NewPCG(20260301, 7))
	b := newBuffer()
	var order []int64 // model: pending contacts in first-arrival order
	pending := map[int64]entry{}
	held := map[int64]bool{}
	var batches [][]int64 // in flight
	now := bufT0
	const idRange = 40

	holdBatch := func(batch []int64) {
		if len(batch) == 0 {
			return
		}
		b.hold(batch)
		for _, id := range batch {
			held[id] = true
		}
		batches = append(batches, batch)
	}
	check := func(step int) {
		t.Helper()
		adds, removes, heldPending := 0, 0, 0
		for _, id := range order {
			if pending[id].op == contract.OpEnter {
				adds++
			} else {
				removes++
			}
			if held[id] {
				heldPending++
			}
		}
		require.Equal(t, len(order), b.Len(), "step %d: Len", step)
		require.Equal(t, adds, b.adds, "step %d: adds", step)
		require.Equal(t, removes, b.removes, "step %d: removes", step)
		require.Equal(t, len(order)-heldPending, b.Free(), "step %d: Free", step)
		require.Equal(t, order, liveIDs(b), "step %d: order", step)
		for i, e := range b.entries[b.head:] {
			m := pending[order[i]]
			require.Equal(t, m.op, e.op, "step %d: op of %d", step, e.id)
			require.Equal(t, m.since, e.since, "step %d: arrival of %d", step, e.id)
		}
		var wantOldest time.Time
		wantOK := false
		for _, id := range order {
			if !held[id] {
				wantOldest, wantOK = pending[id].since, true
				break
			}
		}
		gotOldest, gotOK := b.oldest()
		require.Equal(t, wantOK, gotOK, "step %d: oldest found", step)
		require.Equal(t, wantOldest, gotOldest, "step %d: oldest", step)
		checkBuffer(t, b)
	}

	for step := 0; step < 4000; step++ {
		now = now.Add(time.Duration(rng.IntN(3)) * time.Second) // equal times happen
		switch r := rng.IntN(100); {
		case r < 45: // put
			id := rng.Int64N(idRange) + 1
			op := contract.OpEnter
			if rng.IntN(2) == 0 {
				op = contract.OpLeave
			}
			if e, ok := pending[id]; ok {
				e.op = op
				pending[id] = e
			} else {
				order = append(order, id)
				pending[id] = entry{op: op, since: now}
			}
			b.put(id, op, now)
		case r < 75: // take, and usually send (hold) what was taken
			max := rng.IntN(7)
			var wantAdd, wantRemove []int64
			var rest []int64
			n := 0
			for _, id := range order {
				if n < max && !held[id] {
					if pending[id].op == contract.OpEnter {
						wantAdd = append(wantAdd, id)
					} else {
						wantRemove = append(wantRemove, id)
					}
					delete(pending, id)
					n++
					continue
				}
				rest = append(rest, id)
			}
			order = rest
			add, remove := b.take(max)
			require.Equal(t, wantAdd, add, "step %d: take(%d) adds", step, max)
			require.Equal(t, wantRemove, remove, "step %d: take(%d) removes", step, max)
			if rng.IntN(10) < 8 {
				holdBatch(append(add, remove...))
			}
		case r < 85: // hold contacts not in flight, pending or not
			var batch []int64
			for k := rng.IntN(4); k > 0; k-- {
				id := rng.Int64N(idRange) + 1
				if !held[id] && !slices.Contains(batch, id) {
					batch = append(batch, id)
				}
			}
			holdBatch(batch)
		case r < 97: // a batch settles
			if len(batches) == 0 {
				break
			}
			i := rng.IntN(len(batches))
			b.release(batches[i])
			for _, id := range batches[i] {
				delete(held, id)
			}
			batches = slices.Delete(batches, i, i+1)
		default: // release contacts never held: no effect
			id := rng.Int64N(idRange) + 1
			if !held[id] {
				b.release([]int64{id})
			}
		}
		check(step)
	}

	// Drain: once everything settles, the rest comes out in model order.
	for _, batch := range batches {
		b.release(batch)
	}
	held = map[int64]bool{}
	var got []int64
	for b.Len() > 0 {
		add, remove := b.take(3)
		require.NotEmpty(t, append(add, remove...))
		// Within a take the order is split by op; compare as a prefix set.
		chunk := append(append([]int64{}, add...), remove...)
		require.ElementsMatch(t, order[len(got):len(got)+len(chunk)], chunk)
		got = append(got, order[len(got):len(got)+len(chunk)]...)
	}
	require.Equal(t, order, got)
	checkBuffer(t, b)
}

// entryState is what a snapshot carries of an entry.
type entryState struct {
	id    int64
	op    contract.Op
	since time.Time
	diff  bool
	pre   bool
}

func entryStates(b *buffer) []entryState {
	var out []entryState
	for _, e := range b.entries[b.head:] {
		out = append(out, entryState{e.id, e.op, e.since, e.diff, e.pre})
	}
	return out
}

// snapshot then restoreBuffer gives back the same entries in the same
// order, with their ops, arrival times, difference and pre bits, and the
// same counters.
func TestBufferSnapshotRestoreRoundTrip(t *testing.T) {
	cases := []struct {
		name  string
		build func(b *buffer)
	}{
		{"empty", func(*buffer) {}},
		{"one leave", func(b *buffer) { b.put(42, contract.OpLeave, bufAt(0)) }},
		{"extreme and unordered IDs", func(b *buffer) {
			for i, id := range []int64{math.MaxInt64, 1, -5, math.MinInt64, 0, 1 << 40, 2} {
				op := contract.OpEnter
				if i%2 == 1 {
					op = contract.OpLeave
				}
				b.put(id, op, bufAt(i/2))
			}
		}},
		{"more than eight entries, ops and bits past the first byte", func(b *buffer) {
			for i := int64(1); i <= 19; i++ {
				op := contract.OpEnter
				if i%3 == 0 {
					op = contract.OpLeave
				}
				if i%4 == 0 {
					require.True(t, b.putDiff(i, op, bufAt(int(i))))
				} else {
					b.put(i, op, bufAt(int(i)))
				}
			}
			b.markPre()
			for i := int64(20); i <= 25; i++ {
				b.put(i, contract.OpLeave, bufAt(int(i)))
			}
			b.put(5, contract.OpLeave, bufAt(30)) // clears pre on 5
		}},
		{"after takes past held entries", func(b *buffer) {
			for i := int64(1); i <= 12; i++ {
				b.put(i*1000, contract.OpEnter, bufAt(int(i)))
			}
			b.hold(ids(2000, 5000))
			b.take(5)
			b.release(ids(2000, 5000))
			b.put(13000, contract.OpLeave, bufAt(13))
		}},
		{"only diffs", func(b *buffer) {
			require.True(t, b.putDiff(7, contract.OpEnter, bufAt(0)))
			require.True(t, b.putDiff(3, contract.OpLeave, bufAt(0)))
		}},
		{"only pre", func(b *buffer) {
			b.put(7, contract.OpEnter, bufAt(0))
			b.put(3, contract.OpLeave, bufAt(1))
			b.markPre()
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := newBuffer()
			tc.build(b)
			s := b.snapshot()
			require.Equal(t, b.Len(), s.Count)
			r, ok := restoreBuffer(s)
			require.True(t, ok)
			require.Equal(t, entryStates(b), entryStates(r))
			require.Equal(t, b.adds, r.adds)
			require.Equal(t, b.removes, r.removes)
			require.Equal(t, b.marks.diffs, r.marks.diffs)
			require.Equal(t, b.marks.prePending, r.marks.prePending)
			require.Zero(t, r.marks.overridden, "restoring is not overriding")
			require.Equal(t, r.Len(), r.Free(), "nothing is in flight after restore")
			checkBuffer(t, r)
			require.Equal(t, s, r.snapshot(), "a restored buffer snapshots the same")
			if b.marks.diffs == 0 {
				require.Empty(t, s.Diffs, "no difference bits without differences")
			}
			if b.marks.prePending == 0 {
				require.Empty(t, s.Pre, "no pre bits without pre entries")
			}
		})
	}
}

// With more arrival times than maxSinceRuns, the snapshot carries at most
// maxSinceRuns runs; a merged run keeps the earliest time of its entries,
// so a restored change is due no later than it was.
func TestBufferSnapshotBoundsSinceRuns(t *testing.T) {
	const n = 1000 // 1000 distinct times: halved twice to 250 runs of 4
	b := newBuffer()
	for i := 0; i < n; i++ {
		b.put(int64(i+1), contract.OpEnter, bufAt(i))
	}
	s := b.snapshot()
	require.LessOrEqual(t, len(s.Since), maxSinceRuns)
	require.Len(t, s.Since, 250)
	total := 0
	for _, run := range s.Since {
		total += run.Count
	}
	require.Equal(t, n, total, "runs cover every entry")
	r, ok := restoreBuffer(s)
	require.True(t, ok)
	require.Equal(t, liveIDs(b), liveIDs(r), "order survives")
	for i, e := range r.entries {
		require.Equal(t, bufAt(i/4*4), e.since, "entry %d takes the earliest time of its run", i)
		require.False(t, e.since.After(b.entries[i].since))
	}
	oldest, _ := r.oldest()
	require.Equal(t, bufAt(0), oldest)

	// Exactly maxSinceRuns distinct times are carried exactly.
	b = newBuffer()
	for i := 0; i < maxSinceRuns; i++ {
		b.put(int64(i+1), contract.OpEnter, bufAt(i))
	}
	r, ok = restoreBuffer(b.snapshot())
	require.True(t, ok)
	require.Equal(t, entryStates(b), entryStates(r))
}

// boundRuns merges neighbours pairwise, keeping the first (earlier) time,
// until at most limit runs remain, and leaves short lists alone.
func TestBufferBoundRuns(t *testing.T) {
	runs := func(counts ...int) []contract.SinceRun {
		var out []contract.SinceRun
		for i, c := range counts {
			out = append(out, contract.SinceRun{Count: c, At: bufAt(i)})
		}
		return out
	}
	cases := []struct {
		name  string
		in    []contract.SinceRun
		limit int
		want  []contract.SinceRun
	}{
		{"within limit", runs(1, 2, 3), 3, runs(1, 2, 3)},
		{"odd count, last alone", runs(1, 2, 3), 2, []contract.SinceRun{{Count: 3, At: bufAt(0)}, {Count: 3, At: bufAt(2)}}},
		{"halved twice", runs(1, 1, 1, 1, 1), 2, []contract.SinceRun{{Count: 4, At: bufAt(0)}, {Count: 1, At: bufAt(4)}}},
		{"down to one", runs(2, 3, 4, 5), 1, []contract.SinceRun{{Count: 14, At: bufAt(0)}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := slices.Clone(tc.in)
			require.Equal(t, tc.want, boundRuns(in, tc.limit))
			require.Equal(t, tc.in, in, "the input is not modified")
		})
	}
}

// A malformed snapshot is refused rather than restored wrong.
func TestBufferRestoreRefusesMalformed(t *testing.T) {
	b := newBuffer()
	for i := int64(1); i <= 10; i++ {
		b.put(i, contract.OpEnter, bufAt(int(i)))
	}
	good := b.snapshot()
	_, ok := restoreBuffer(good)
	require.True(t, ok, "the unmodified snapshot restores")
	require.Len(t, good.Leaves, 2)

	cases := []struct {
		name string
		edit func(s *contract.PendingSnapshot)
	}{
		{"leaves one byte short", func(s *contract.PendingSnapshot) { s.Leaves = s.Leaves[:1] }},
		{"leaves one byte long", func(s *contract.PendingSnapshot) { s.Leaves = append(s.Leaves, 0) }},
		{"no leaves", func(s *contract.PendingSnapshot) { s.Leaves = nil }},
		{"truncated varint", func(s *contract.PendingSnapshot) { s.Packed = append(s.Packed[:len(s.Packed)-1], 0x80) }},
		{"varint overflow", func(s *contract.PendingSnapshot) {
			s.Packed = append(s.Packed[:9], 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01)
		}},
		{"one ID too many", func(s *contract.PendingSnapshot) { s.Packed = append(s.Packed, 2) }},
		{"one ID too few", func(s *contract.PendingSnapshot) { s.Packed = s.Packed[:9] }},
		{"no packed IDs", func(s *contract.PendingSnapshot) { s.Packed = nil }},
		{"count too high", func(s *contract.PendingSnapshot) { s.Count = 11 }},
		{"count zero with entries", func(s *contract.PendingSnapshot) { s.Count = 0 }},
		{"no since runs", func(s *contract.PendingSnapshot) { s.Since = nil }},
		{"since runs one short", func(s *contract.PendingSnapshot) { s.Since = s.Since[:len(s.Since)-1] }},
		{"since counts one short", func(s *contract.PendingSnapshot) {
			s.Since = slices.Clone(s.Since)
			s.Since[0].Count = 0
		}},
		{"diff bits wrong length", func(s *contract.PendingSnapshot) { s.Diffs = []byte{1} }},
		{"pre bits wrong length", func(s *contract.PendingSnapshot) { s.Pre = []byte{1, 0, 0} }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := good
			s.Packed = slices.Clone(good.Packed)
			s.Leaves = slices.Clone(good.Leaves)
			tc.edit(&s)
			r, ok := restoreBuffer(s)
			require.False(t, ok)
			require.Nil(t, r)
		})
	}

	// An empty snapshot with stray bits is malformed too.
	for name, s := range map[string]contract.PendingSnapshot{
		"leaves without entries": {Leaves: []byte{0}},
		"packed without count":   {Packed: []byte{2}},
		"diffs without entries":  {Diffs: []byte{0}},
		"pre without entries":    {Pre: []byte{0}},
	} {
		_, ok := restoreBuffer(s)
		require.False(t, ok, name)
	}
	r, ok := restoreBuffer(contract.PendingSnapshot{})
	require.True(t, ok, "the zero snapshot is the empty buffer")
	require.Zero(t, r.Len())
}

// putDiff records a difference only for a contact with no pending change.
func TestBufferPutDiffRefusesPending(t *testing.T) {
	b := newBuffer()
	b.put(1, contract.OpEnter, bufAt(0))
	require.False(t, b.putDiff(1, contract.OpLeave, bufAt(1)), "a pending sent change owns the contact")
	require.Equal(t, contract.OpEnter, b.entries[b.index[1]].op, "the refused difference changed nothing")
	require.False(t, b.entries[b.index[1]].diff)
	require.Zero(t, b.marks.diffs)

	require.True(t, b.putDiff(2, contract.OpLeave, bufAt(1)))
	require.False(t, b.putDiff(2, contract.OpEnter, bufAt(2)), "nor a pending difference")
	require.Equal(t, contract.OpLeave, b.entries[b.index[2]].op)
	require.Equal(t, 1, b.marks.diffs)
	require.Equal(t, 1, b.adds)
	require.Equal(t, 1, b.removes)
	checkBuffer(t, b)

	// A held contact with no pending change can take a difference; it
	// waits behind its batch like any change.
	b.hold(ids(3))
	require.True(t, b.putDiff(3, contract.OpEnter, bufAt(3)))
	require.Equal(t, 2, b.Free())
	checkBuffer(t, b)
}

// A change put over a difference makes it a sent change, counted as
// overridden; it keeps its place and arrival time.
func TestBufferPutOverDiffOverrides(t *testing.T) {
	for _, op := range []contract.Op{contract.OpEnter, contract.OpLeave} {
		t.Run(string(op), func(t *testing.T) {
			b := newBuffer()
			b.put(1, contract.OpEnter, bufAt(0))
			require.True(t, b.putDiff(2, contract.OpEnter, bufAt(1)))
			require.True(t, b.putDiff(3, contract.OpLeave, bufAt(1)))
			b.put(2, op, bufAt(2))
			e := b.entries[b.index[2]]
			require.False(t, e.diff, "now a sent change")
			require.Equal(t, op, e.op)
			require.Equal(t, bufAt(1), e.since)
			require.Equal(t, 1, b.marks.diffs)
			require.EqualValues(t, 1, b.marks.overridden)
			b.put(2, contract.OpLeave, bufAt(3)) // no longer a difference: not counted again
			require.EqualValues(t, 1, b.marks.overridden)
			checkBuffer(t, b)

			_, _, diffs := b.takeDiffs(10)
			require.Equal(t, ids(3), diffs, "only the untouched difference is one")
		})
	}
}

// markPre marks everything pending (and returns how many); a later put of
// the contact clears its mark, a new contact is not marked, and taking a
// marked entry uncounts it.
func TestBufferMarkPre(t *testing.T) {
	b := newBuffer()
	b.put(1, contract.OpEnter, bufAt(0))
	b.put(2, contract.OpLeave, bufAt(0))
	require.True(t, b.putDiff(3, contract.OpEnter, bufAt(0)))
	b.put(4, contract.OpEnter, bufAt(0))
	b.take(1) // 1 gone: not pending at the mark
	b.hold(ids(4))
	require.Equal(t, 3, b.markPre(), "held entries are pending too")
	for _, e := range b.entries[b.head:] {
		require.True(t, e.pre, "%d marked", e.id)
	}
	require.Equal(t, 3, b.marks.prePending)

	b.put(2, contract.OpLeave, bufAt(1)) // a change after the mark, same op
	require.False(t, b.entries[b.index[2]].pre)
	require.Equal(t, 2, b.marks.prePending)
	b.put(2, contract.OpEnter, bufAt(2)) // already cleared: no double count
	require.Equal(t, 2, b.marks.prePending)
	b.put(5, contract.OpEnter, bufAt(2))
	require.False(t, b.entries[b.index[5]].pre, "a new contact is after the mark")
	checkBuffer(t, b)

	add, _, _ := b.takeDiffs(1)
	require.Equal(t, ids(2), add, "2 is first; 4 is held")
	checkBuffer(t, b)
	_, _, diffs := b.takeDiffs(1)
	require.Equal(t, ids(3), diffs)
	require.Equal(t, 1, b.marks.prePending, "4 (held) is still marked")
	checkBuffer(t, b)

	require.Equal(t, 2, b.markPre(), "a second mark counts what is pending now")
	checkBuffer(t, b)
}

// holdPost holds every entry not marked pre: take and oldest pass over
// them, and they keep their place for later.
func TestBufferHoldPost(t *testing.T) {
	b := newBuffer()
	b.put(1, contract.OpEnter, bufAt(0))
	b.put(2, contract.OpEnter, bufAt(1))
	b.put(3, contract.OpLeave, bufAt(2))
	b.markPre()
	b.put(4, contract.OpEnter, bufAt(3)) // after the mark
	b.put(2, contract.OpLeave, bufAt(4)) // a newer change: after the mark now
	require.Equal(t, 2, b.marks.prePending)
	b.marks.holdPost = true

	oldest, ok := b.oldest()
	require.True(t, ok)
	require.Equal(t, bufAt(0), oldest)
	add, remove := b.take(1)
	require.Equal(t, ids(1), add)
	require.Empty(t, remove)
	oldest, ok = b.oldest()
	require.True(t, ok)
	require.Equal(t, bufAt(2), oldest, "2 is skipped")
	add, remove = b.take(10)
	require.Empty(t, add)
	require.Equal(t, ids(3), remove, "only pre entries go")
	require.Zero(t, b.marks.prePending)
	_, ok = b.oldest()
	require.False(t, ok, "nothing can go while holdPost")
	add, remove = b.take(10)
	require.Empty(t, add)
	require.Empty(t, remove)
	require.Equal(t, ids(2, 4), liveIDs(b))
	checkBuffer(t, b)

	b.marks.holdPost = false
	add, remove = b.take(10)
	require.Equal(t, ids(4), add)
	require.Equal(t, ids(2), remove)
	checkBuffer(t, b)
}

// holdAbove holds the sent changes of the contacts it names, never
// differences; the held keep their place.
func TestBufferHoldAbove(t *testing.T) {
	b := newBuffer()
	b.put(20, contract.OpEnter, bufAt(0))                      // named, sent: held
	require.True(t, b.putDiff(30, contract.OpLeave, bufAt(1))) // named, difference: goes
	b.put(5, contract.OpLeave, bufAt(2))                       // not named: goes
	b.put(40, contract.OpEnter, bufAt(3))                      // named, sent: held
	b.marks.holdAbove = func(id int64) bool { return id > 10 }

	oldest, ok := b.oldest()
	require.True(t, ok)
	require.Equal(t, bufAt(1), oldest, "20 skipped")
	add, remove, diffs := b.takeDiffs(10)
	require.Empty(t, add)
	require.Equal(t, ids(30, 5), remove)
	require.Equal(t, ids(30), diffs)
	require.Equal(t, ids(20, 40), liveIDs(b))
	_, ok = b.oldest()
	require.False(t, ok)
	checkBuffer(t, b)

	b.marks.holdAbove = func(id int64) bool { return id > 30 }
	add, remove = b.take(10)
	require.Equal(t, ids(20), add)
	require.Empty(t, remove)
	b.marks.holdAbove = nil
	add, _ = b.take(10)
	require.Equal(t, ids(40), add)
	checkBuffer(t, b)
}

// A snapshot whose count is negative or larger than its packed IDs could
// hold is refused rather than sizing an allocation (it panicked before).
func TestBufferRestoreRefusesImpossibleCounts(t *testing.T) {
	for _, s := range []contract.PendingSnapshot{
		{Count: -1},
		{Count: -1, Packed: []byte{2}, Leaves: []byte{0}},
		{Count: 1 << 40, Packed: []byte{2}, Leaves: []byte{0}},
	} {
		_, ok := restoreBuffer(s)
		require.False(t, ok, "%+v", s)
	}
}
