package workflows

import (
	"errors"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

func packed(ids []int64) contract.PackedIDs {
	return contract.PackedIDs{Count: len(ids), Packed: packIDs(ids)}
}

// carried is nil when there is no reconcile to carry.
func (r *reconcile) carried() *contract.ReconcileCarried {
	if r == nil {
		return nil
	}
	return &contract.ReconcileCarried{Status: r.st, Cursor: r.cursor, Live: packed(r.live), Snap: packed(r.snap),
		Touched: packed(sortedIDs(r.touched)), SnapLast: r.snapLast, LiveLast: r.liveLast, Pos: r.pos, NextChunk: r.nextChunk}
}

func restoreReconcile(c contract.ReconcileCarried) (*reconcile, error) {
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
