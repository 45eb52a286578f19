package workflows

import "time"

// pendingEntry is one contact's latest pending change.
type pendingEntry struct {
	id    int64
	op    Op
	since time.Time // arrival of the first change still pending for this contact
}

// buffer holds pending changes: the latest change per contact wins, and
// output order is first-arrival order. Entries live in an ordered slice
// (the only thing ever iterated) with an index map for lookups, because
// ranging over a Go map is randomised and would break determinism.
//
// Taking a batch removes a prefix of the slice; the slice is compacted
// lazily through head so that taking is O(batch).
type buffer struct {
	entries []pendingEntry
	head    int           // entries[:head] were taken
	index   map[int64]int // id -> position in entries
	adds    int           // pending enters
	removes int           // pending leaves
}

func newBuffer() *buffer {
	return &buffer{index: map[int64]int{}}
}

// Len is the number of contacts with a pending change.
func (b *buffer) Len() int { return len(b.entries) - b.head }

// put records op for id. A contact already pending keeps its place and its
// arrival time (it has owed a change since then) and takes the newer op,
// so enter then leave nets to leave.
func (b *buffer) put(id int64, op Op, now time.Time) {
	if pos, ok := b.index[id]; ok {
		e := &b.entries[pos]
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
}

// has reports whether id has a pending change.
func (b *buffer) has(id int64) bool {
	_, ok := b.index[id]
	return ok
}

func (b *buffer) count(op Op, d int) {
	if op == OpEnter {
		b.adds += d
	} else {
		b.removes += d
	}
}

// oldest is the arrival time of the oldest pending entry.
func (b *buffer) oldest() (time.Time, bool) {
	if b.Len() == 0 {
		return time.Time{}, false
	}
	return b.entries[b.head].since, true
}

// take removes up to max oldest entries and splits them into adds and
// removes. Because the buffer holds one entry per contact, no ID can land
// in both slices.
func (b *buffer) take(max int) (add, remove []int64) {
	n := b.Len()
	if n > max {
		n = max
	}
	for _, e := range b.entries[b.head : b.head+n] {
		delete(b.index, e.id)
		b.count(e.op, -1)
		if e.op == OpEnter {
			add = append(add, e.id)
		} else {
			remove = append(remove, e.id)
		}
	}
	b.head += n
	b.compact()
	return add, remove
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

// snapshot encodes the buffer in order for continue-as-new.
func (b *buffer) snapshot() PendingSnapshot {
	var s PendingSnapshot
	if b.Len() == 0 {
		return s
	}
	ops := make([]byte, 0, b.Len())
	for _, e := range b.entries[b.head:] {
		s.IDs = append(s.IDs, e.id)
		if e.op == OpEnter {
			ops = append(ops, '+')
		} else {
			ops = append(ops, '-')
		}
		if n := len(s.Since); n > 0 && s.Since[n-1].At.Equal(e.since) {
			s.Since[n-1].Count++
		} else {
			s.Since = append(s.Since, SinceRun{Count: 1, At: e.since})
		}
	}
	s.Ops = string(ops)
	return s
}

// restoreBuffer rebuilds a buffer from a snapshot. A malformed snapshot is
// an error rather than a silent loss of changes.
func restoreBuffer(s PendingSnapshot) (*buffer, bool) {
	b := newBuffer()
	if len(s.Ops) != len(s.IDs) {
		return nil, false
	}
	run, left := 0, 0
	for i, id := range s.IDs {
		for left <= 0 {
			if run >= len(s.Since) {
				return nil, false
			}
			left = s.Since[run].Count
			run++
		}
		op := OpEnter
		switch s.Ops[i] {
		case '+':
		case '-':
			op = OpLeave
		default:
			return nil, false
		}
		b.put(id, op, s.Since[run-1].At)
		left--
	}
	return b, true
}
