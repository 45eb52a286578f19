// Package merge diffs a snapshot of an audience against a HubSpot list,
// both read as ascending streams of record IDs, without holding either
// whole. It is plain Go (no Temporal), so the reconcile workflow code
// drives it and its tests need no workflow environment.
package merge

// Merge walks two ascending ID streams: the snapshot (who should be on
// the list) and the live list (who is). Each ID on one side only is a
// difference: add it when only the snapshot has it, remove it when only
// the list does. An ID is decided only once both streams have reached it,
// so each side holds just what it has received beyond the other.
type Merge struct {
	// Snap and Live are the IDs received and not merged yet, ascending.
	Snap, Live []int64
	// Pos is the highest ID decided: every ID up to it is settled.
	Pos int64
}

// AddSnapshot appends snapshot IDs; the caller has checked they ascend
// past every ID before them.
func (m *Merge) AddSnapshot(ids []int64) { m.Snap = append(m.Snap, ids...) }

// AddLive appends a page of list members; the caller has checked they
// ascend past every ID before them.
func (m *Merge) AddLive(ids []int64) { m.Live = append(m.Live, ids...) }

// Empty: nothing received is left to merge.
func (m *Merge) Empty() bool { return len(m.Snap) == 0 && len(m.Live) == 0 }

// Step decides every ID both sides have reached, in ascending order.
// snapDone and liveDone say that a side has sent its last ID, so the
// other side's IDs beyond it are decided too. For each difference it
// calls diff(id, add); diff returns false to stop before that ID (no room
// for it yet), and the next Step starts there.
func (m *Merge) Step(snapDone, liveDone bool, diff func(id int64, add bool) bool) {
	bound := int64(1<<63 - 1)
	if !snapDone {
		if len(m.Snap) == 0 {
			return
		}
		bound = m.Snap[len(m.Snap)-1]
	}
	if !liveDone {
		if len(m.Live) == 0 {
			return
		}
		bound = min(bound, m.Live[len(m.Live)-1])
	}
	i, j := 0, 0
	for i < len(m.Snap) || j < len(m.Live) {
		var x int64
		switch {
		case j >= len(m.Live):
			x = m.Snap[i]
		case i >= len(m.Snap):
			x = m.Live[j]
		default:
			x = min(m.Snap[i], m.Live[j])
		}
		if x > bound {
			break
		}
		inSnap := i < len(m.Snap) && m.Snap[i] == x
		inLive := j < len(m.Live) && m.Live[j] == x
		if inSnap != inLive && !diff(x, inSnap) {
			break
		}
		if inSnap {
			i++
		}
		if inLive {
			j++
		}
		m.Pos = x
	}
	m.Snap, m.Live = m.Snap[i:], m.Live[j:]
}
