package workflows

import "errors"

// ReconcileCarried is a reconcile in progress across continue-as-new
// (which happens with no batch or page read in flight). Its ID lists are
// packed like the pending buffer (compact.go) and bounded: two snapshot
// chunks, two pages, and touched contacts within the hard cap.
type ReconcileCarried struct {
	Status    ReconcileStatus `json:"status"`
	Cursor    string          `json:"cursor,omitempty"`
	Live      PackedIDs       `json:"live"`
	Snap      PackedIDs       `json:"snap"`
	Touched   PackedIDs       `json:"touched"`
	SnapLast  int64           `json:"snapLast,omitempty"`
	LiveLast  int64           `json:"liveLast,omitempty"`
	Pos       int64           `json:"pos,omitempty"`
	NextChunk int             `json:"nextChunk,omitempty"`
}

// PackedIDs are IDs in order, as zigzag-delta varints (base64 in JSON).
type PackedIDs struct {
	Count  int    `json:"n,omitempty"`
	Packed []byte `json:"p,omitempty"`
}

func packed(ids []int64) PackedIDs { return PackedIDs{Count: len(ids), Packed: packIDs(ids)} }

// carried is nil when there is no reconcile to carry.
func (r *reconcile) carried() *ReconcileCarried {
	if r == nil {
		return nil
	}
	return &ReconcileCarried{Status: r.st, Cursor: r.cursor, Live: packed(r.live), Snap: packed(r.snap),
		Touched: packed(sortedIDs(r.touched)), SnapLast: r.snapLast, LiveLast: r.liveLast, Pos: r.pos, NextChunk: r.nextChunk}
}

func restoreReconcile(c ReconcileCarried) (*reconcile, error) {
	live, err1 := unpackIDs(c.Live.Packed, c.Live.Count)
	snap, err2 := unpackIDs(c.Snap.Packed, c.Snap.Count)
	touched, err3 := unpackIDs(c.Touched.Packed, c.Touched.Count)
	if err := errors.Join(err1, err2, err3); err != nil {
		return nil, err
	}
	r := &reconcile{st: c.Status, cursor: c.Cursor, live: live, snap: snap, snapLast: c.SnapLast, liveLast: c.LiveLast,
		pos: c.Pos, nextChunk: c.NextChunk, preMark: map[string]bool{}, touched: make(map[int64]struct{}, len(touched)),
		diffBatches: map[string][]int64{}}
	for _, id := range touched {
		r.touched[id] = struct{}{}
	}
	return r, nil
}
