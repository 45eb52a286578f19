package audiencesync

import (
	"time"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// pendingEntry is one contact's latest pending change.
type pendingEntry struct {
	id    int64
	op    contract.Op
	since time.Time // arrival of the first change still pending for this contact
	// diff: the change is a reconcile's difference, not a sent change
	// (counted apart from the backlog; see reconcile.go).
	diff bool
	// pre: the change was pending when a reconcile's mark arrived; it is
	// sent before the list is read (see reconcile.go).
	pre bool
}

// buffer holds pending changes: the latest change per contact wins, and
// output order is first-arrival order. Entries live in an ordered slice
// (the only thing ever iterated) with an index map for lookups, because
// ranging over a Go map is randomised and would break determinism.
//
// Taking a batch removes a prefix of the slice; the slice is compacted
// lazily through head so that taking is O(batch).
//
// Contacts whose change is in flight are held: their newer pending
// change waits, so one contact is never in two requests at once and its
// changes reach HubSpot in order. Held entries keep their place; take and
// oldest skip them.
type buffer struct {
	entries     []pendingEntry
	head        int                // entries[:head] were taken
	index       map[int64]int      // id -> position in entries
	adds        int                // pending enters
	removes     int                // pending leaves
	held        map[int64]struct{} // contacts in flight
	heldPending int                // pending entries of held contacts
	// marks is what a reconcile adds to the buffer; zero without one.
	marks reconcileMarks
}

// reconcileMarks are the buffer's counts and holds for a running
// reconcile (see reconcile.go); a sync without one never sets them.
type reconcileMarks struct {
	diffs int // pending entries that are reconcile differences
	// overridden counts differences replaced by a newer change since the
	// reconcile last read it.
	overridden int64
	// holdAbove, when set, also holds sent changes of contacts above it
	// (a reconcile's touched set is full).
	holdAbove func(id int64) bool
	// fullDiffs: while a reconcile reads, its differences go only in full
	// batches (or with sent changes), never alone on the flush timer.
	fullDiffs bool
	// prePending counts entries marked pre; holdPost holds every other
	// entry while a reconcile waits for them to be sent.
	prePending int
	holdPost   bool
}

func newBuffer() *buffer {
	return &buffer{index: map[int64]int{}, held: map[int64]struct{}{}}
}

// hold marks contacts as in flight.
func (b *buffer) hold(ids []int64) {
	for _, id := range ids {
		b.held[id] = struct{}{}
		if b.has(id) {
			b.heldPending++
		}
	}
}

// release ends the hold of a settled batch's contacts.
func (b *buffer) release(ids []int64) {
	for _, id := range ids {
		if _, ok := b.held[id]; !ok {
			continue
		}
		delete(b.held, id)
		if b.has(id) {
			b.heldPending--
		}
	}
}

func (b *buffer) isHeld(id int64) bool {
	_, ok := b.held[id]
	return ok
}

// waits: an entry that cannot be taken now.
func (b *buffer) waits(e pendingEntry) bool {
	return b.isHeld(e.id) || (b.marks.holdPost && !e.pre) || (!e.diff && b.marks.holdAbove != nil && b.marks.holdAbove(e.id))
}

// markPre marks every pending change as from before a reconcile's mark.
func (b *buffer) markPre() int {
	for i := b.head; i < len(b.entries); i++ {
		b.entries[i].pre = true
	}
	b.marks.prePending = b.Len()
	return b.marks.prePending
}

// Free is the number of pending contacts that could be sent now.
func (b *buffer) Free() int { return b.Len() - b.heldPending }

// Len is the number of contacts with a pending change.
func (b *buffer) Len() int { return len(b.entries) - b.head }

// put records op for id. A contact already pending keeps its place and its
// arrival time (it has owed a change since then) and takes the newer op,
// so enter then leave nets to leave.
func (b *buffer) put(id int64, op contract.Op, now time.Time) {
	if pos, ok := b.index[id]; ok {
		e := &b.entries[pos]
		if e.diff {
			// A change sent after the snapshot wins over its difference.
			e.diff = false
			b.marks.diffs--
			b.marks.overridden++
		}
		if e.pre {
			// A newer change from after the mark: no longer from before it.
			e.pre = false
			b.marks.prePending--
		}
		if e.op != op {
			b.count(e.op, -1)
			b.count(op, +1)
			e.op = op
		}
		return
	}
	b.index[id] = len(b.entries)
	b.entries = append(b.entries, pendingEntry{id: id, op: op, since: now})
	b.count(op, +1)
	if b.isHeld(id) {
		b.heldPending++
	}
}

// putDiff records a reconcile's difference for a contact with no pending
// change (the reconcile checks); false if it has one.
func (b *buffer) putDiff(id int64, op contract.Op, now time.Time) bool {
	if b.has(id) {
		return false
	}
	b.put(id, op, now)
	b.entries[b.index[id]].diff = true
	b.marks.diffs++
	return true
}

// has reports whether id has a pending change.
func (b *buffer) has(id int64) bool {
	_, ok := b.index[id]
	return ok
}

func (b *buffer) count(op contract.Op, d int) {
	if op == contract.OpEnter {
		b.adds += d
	} else {
		b.removes += d
	}
}

// oldest is the arrival time of the oldest entry that could be sent now
// (held entries are skipped: at most heldPending of them).
func (b *buffer) oldest() (time.Time, bool) {
	for _, e := range b.entries[b.head:] {
		if !b.waits(e) && !(e.diff && b.marks.fullDiffs) {
			return e.since, true
		}
	}
	return time.Time{}, false
}

// take removes up to max oldest entries that are not held and splits them
// into adds and removes. Because the buffer holds one entry per contact,
// no ID can land in both slices.
func (b *buffer) take(max int) (add, remove []int64) {
	add, remove, _ = b.takeDiffs(max)
	return add, remove
}

// takeDiffs is take that also returns which of the IDs taken are
// reconcile differences.
func (b *buffer) takeDiffs(max int) (add, remove, diffs []int64) {
	var kept []pendingEntry // held entries passed over, in order
	i, n := b.head, 0
	for ; i < len(b.entries) && n < max; i++ {
		e := b.entries[i]
		if b.waits(e) {
			kept = append(kept, e)
			continue
		}
		delete(b.index, e.id)
		b.count(e.op, -1)
		if e.diff {
			b.marks.diffs--
			diffs = append(diffs, e.id)
		}
		if e.pre {
			b.marks.prePending--
		}
		if e.op == contract.OpEnter {
			add = append(add, e.id)
		} else {
			remove = append(remove, e.id)
		}
		n++
	}
	// entries[head:i] were taken or passed over: keep the passed-over
	// ones, in order, at the end of that span.
	b.head = i - len(kept)
	for k, e := range kept {
		b.entries[b.head+k] = e
		b.index[e.id] = b.head + k
	}
	b.compact()
	return add, remove, diffs
}

// compact drops taken entries once they are the majority, so memory stays
// proportional to what is pending.
func (b *buffer) compact() {
	if b.head == 0 || b.head < len(b.entries)/2 {
		return
	}
	rest := make([]pendingEntry, len(b.entries)-b.head)
	copy(rest, b.entries[b.head:])
	b.entries = rest
	b.head = 0
	for i, e := range b.entries {
		b.index[e.id] = i
	}
}

// snapshot encodes the buffer in order for continue-as-new, compactly
// (see compact.go), with at most maxSinceRuns arrival-time runs.
func (b *buffer) snapshot() contract.PendingSnapshot {
	var s contract.PendingSnapshot
	n := b.Len()
	if n == 0 {
		return s
	}
	live := b.entries[b.head:]
	ids := make([]int64, n)
	for i, e := range live {
		ids[i] = e.id
		if k := len(s.Since); k > 0 && s.Since[k-1].At.Equal(e.since) {
			s.Since[k-1].Count++
		} else {
			s.Since = append(s.Since, contract.SinceRun{Count: 1, At: e.since})
		}
	}
	s.Count = n
	s.Packed = packIDs(ids)
	s.Leaves = packBits(n, func(i int) bool { return live[i].op == contract.OpLeave })
	if b.marks.diffs > 0 {
		s.Diffs = packBits(n, func(i int) bool { return live[i].diff })
	}
	if b.marks.prePending > 0 {
		s.Pre = packBits(n, func(i int) bool { return live[i].pre })
	}
	s.Since = boundRuns(s.Since, maxSinceRuns)
	return s
}

// boundRuns merges neighbouring runs until at most limit remain. A merged
// run keeps the earlier time, so a carried change is flushed no later than
// it would have been: only sooner, never lost or delayed.
func boundRuns(runs []contract.SinceRun, limit int) []contract.SinceRun {
	for len(runs) > limit {
		merged := runs[:0:0]
		for i := 0; i < len(runs); i += 2 {
			r := runs[i]
			if i+1 < len(runs) {
				r.Count += runs[i+1].Count
			}
			merged = append(merged, r)
		}
		runs = merged
	}
	return runs
}

// restoreBuffer rebuilds a buffer from a snapshot. A malformed snapshot is
// an error rather than a silent loss.
func restoreBuffer(s contract.PendingSnapshot) (*buffer, bool) {
	ids, ops, ok := snapshotEntries(s)
	if !ok || len(s.Diffs) > 0 && len(s.Diffs) != (len(ids)+7)/8 || len(s.Pre) > 0 && len(s.Pre) != (len(ids)+7)/8 {
		return nil, false
	}
	b := newBuffer()
	run, left := 0, 0
	for i, id := range ids {
		for left <= 0 {
			if run >= len(s.Since) {
				return nil, false
			}
			left = s.Since[run].Count
			run++
		}
		if len(s.Diffs) > 0 && bitAt(s.Diffs, i) {
			b.putDiff(id, ops[i], s.Since[run-1].At)
		} else {
			b.put(id, ops[i], s.Since[run-1].At)
		}
		if len(s.Pre) > 0 && bitAt(s.Pre, i) {
			b.entries[b.index[id]].pre = true
			b.marks.prePending++
		}
		left--
	}
	return b, true
}

// entries decodes the IDs and ops of a snapshot.
func snapshotEntries(s contract.PendingSnapshot) ([]int64, []contract.Op, bool) {
	if s.Count == 0 && len(s.Packed) == 0 && len(s.Leaves) == 0 {
		return nil, nil, true
	}
	// Every packed ID takes at least a byte: a larger (or negative) Count
	// is malformed, and must not size an allocation.
	if s.Count < 0 || s.Count > len(s.Packed) {
		return nil, nil, false
	}
	ids, err := unpackIDs(s.Packed, s.Count)
	if err != nil || len(s.Leaves) != (s.Count+7)/8 {
		return nil, nil, false
	}
	ops := make([]contract.Op, s.Count)
	for i := range ops {
		ops[i] = contract.OpEnter
		if bitAt(s.Leaves, i) {
			ops[i] = contract.OpLeave
		}
	}
	return ids, ops, true
}
