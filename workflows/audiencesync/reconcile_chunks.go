package audiencesync

import (
	"fmt"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/workflows/internal/uitext"
)

// registerSnapshotUpdate installs UpdateReconcileSnapshot: the validator
// refuses, before anything is written, a chunk that is malformed, out of
// order, for another reconcile, or early (the sync is still diffing two
// chunks); the handler only appends, so it never waits.
func (s *syncState) registerSnapshotUpdate(ctx workflow.Context) error {
	return workflow.SetUpdateHandlerWithOptions(ctx, contract.UpdateReconcileSnapshot,
		func(ctx workflow.Context, c contract.SnapshotChunk) (contract.SnapshotAck, error) {
			ids, _ := parseChunk(c, s.rec.snapLast)
			r := s.rec
			r.m.AddSnapshot(ids)
			if len(ids) > 0 {
				r.snapLast = ids[len(ids)-1]
			}
			r.nextChunk++
			r.st.Chunks++
			r.st.SnapshotReceived += int64(len(ids))
			r.st.SnapshotComplete = c.Last
			s.signalsThisRun++
			if s.wake != nil {
				s.wake.SendAsync(true)
			}
			return contract.SnapshotAck{Received: r.st.SnapshotReceived, Next: r.nextChunk}, nil
		},
		workflow.UpdateHandlerOptions{Validator: s.validateChunk})
}

func (s *syncState) validateChunk(_ workflow.Context, c contract.SnapshotChunk) error {
	r := s.rec
	if r == nil || r.st.ID != c.ReconcileID {
		if l := s.carry.LastReconcile; l != nil && l.ID == c.ReconcileID {
			return temporal.NewApplicationError(fmt.Sprintf("reconcile %s has ended (%s): %s", c.ReconcileID, l.Phase, uitext.OrDash(l.Error)), contract.ErrTypeReconcileGone)
		}
		return temporal.NewApplicationError(fmt.Sprintf("no reconcile %q has reached this sync yet (it follows the changes queued before it): send the chunk again shortly", c.ReconcileID), contract.ErrTypeReconcileBusy)
	}
	switch {
	case r.finished():
		return temporal.NewApplicationError(fmt.Sprintf("reconcile %s has ended (%s)", r.st.ID, r.st.Phase), contract.ErrTypeReconcileGone)
	case c.Index < r.nextChunk:
		return temporal.NewApplicationError(fmt.Sprintf("chunk %d of reconcile %s was already taken; send chunk %d next", c.Index, r.st.ID, r.nextChunk), contract.ErrTypeChunkDuplicate)
	case c.Index > r.nextChunk:
		return temporal.NewApplicationError(fmt.Sprintf("invalid snapshot chunk: index %d, expected %d (chunks go in order, one at a time)", c.Index, r.nextChunk), contract.ErrTypeInvalidInput)
	case r.st.SnapshotComplete:
		return temporal.NewApplicationError("invalid snapshot chunk: the snapshot's last chunk was already taken", contract.ErrTypeInvalidInput)
	case len(r.m.Snap) > contract.MaxSnapshotChunkIDs:
		return temporal.NewApplicationError(fmt.Sprintf("reconcile %s is still diffing the previous chunks against the list: send chunk %d again shortly", r.st.ID, c.Index), contract.ErrTypeReconcileBusy)
	}
	if _, err := parseChunk(c, r.snapLast); err != nil {
		return temporal.NewApplicationError("invalid snapshot chunk: "+err.Error(), contract.ErrTypeInvalidInput)
	}
	return nil
}

// parseChunk reads a chunk's IDs: canonical, strictly ascending, and
// above after (the last ID of earlier chunks).
func parseChunk(c contract.SnapshotChunk, after int64) ([]int64, error) {
	if len(c.RecordIDs) > contract.MaxSnapshotChunkIDs {
		return nil, fmt.Errorf("%d record IDs: send at most %d per chunk", len(c.RecordIDs), contract.MaxSnapshotChunkIDs)
	}
	ids := make([]int64, len(c.RecordIDs))
	for i, str := range c.RecordIDs {
		id, ok := contract.ParseRecordID(str)
		if !ok {
			return nil, fmt.Errorf("record ID %.40q (position %d of chunk %d) is not a HubSpot record ID (a positive decimal integer)", str, i, c.Index)
		}
		if id <= after {
			return nil, fmt.Errorf("record ID %d (position %d of chunk %d) is not above the one before it (%d): a snapshot is sent in ascending order without repeats", id, i, c.Index, after)
		}
		ids[i], after = id, id
	}
	return ids, nil
}
