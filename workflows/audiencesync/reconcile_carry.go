package audiencesync

import (
	"errors"

	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/workflows/merge"
)

func packed(ids []int64) contract.PackedIDs {
	return contract.PackedIDs{Count: len(ids), Packed: packIDs(ids)}
}

func (r *reconcile) carried() *contract.ReconcileCarried {
	return &contract.ReconcileCarried{Status: r.st, Cursor: r.cursor, Live: packed(r.m.Live), Snap: packed(r.m.Snap),
		Touched: packed(sortedIDs(r.touched)), SnapLast: r.snapLast, LiveLast: r.liveLast, Pos: r.m.Pos, NextChunk: r.nextChunk}
}

func restoreReconcile(c contract.ReconcileCarried) (*reconcile, error) {
	live, err1 := unpackIDs(c.Live.Packed, c.Live.Count)
	snap, err2 := unpackIDs(c.Snap.Packed, c.Snap.Count)
	touched, err3 := unpackIDs(c.Touched.Packed, c.Touched.Count)
	if err := errors.Join(err1, err2, err3); err != nil {
		return nil, err
	}
	r := &reconcile{st: c.Status, cursor: c.Cursor, m: merge.Merge{Snap: snap, Live: live, Pos: c.Pos}, snapLast: c.SnapLast, liveLast: c.LiveLast,
		nextChunk: c.NextChunk, preMark: map[string]bool{}, touched: make(map[int64]struct{}, len(touched)),
		diffBatches: map[string][]int64{}}
	for _, id := range touched {
		r.touched[id] = struct{}{}
	}
	return r, nil
}
