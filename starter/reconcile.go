package starter

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// ReconcileOptions tune Reconcile.
type ReconcileOptions struct {
	// Plan reads and diffs only: it reports what a reconcile would change
	// and changes nothing.
	Plan bool
	// Activate activates the connector first, in the same ordered step
	// (see Activate for how its input is resolved), so a connector added to
	// a live audience starts equal to it.
	Activate bool
	// Sorted: the snapshot is already strictly ascending, so it is streamed
	// as read instead of collected and sorted (8 bytes a member) first.
	Sorted bool
	// Progress, if set, is called about every second with the reconcile's
	// status while it runs.
	Progress func(contract.ReconcileStatus)
	// ID names the reconcile; default a new UUID.
	ID string
}

// Snapshot yields an audience's members; SnapshotOf wraps a slice.
type Snapshot = iter.Seq2[int64, error]

// SnapshotOf yields ids.
func SnapshotOf(ids []int64) Snapshot {
	return func(yield func(int64, error) bool) {
		for _, id := range ids {
			if !yield(id, nil) {
				return
			}
		}
	}
}

// Reconcile makes a connector's list equal to the audience's members,
// diffed against what the list holds in HubSpot: it adds the members the
// list lacks and removes the list's members the snapshot lacks. The
// snapshot takes its place in the audience's order after every change
// accepted before this call: those are superseded by it, and changes
// accepted after it win over it for their contacts, while they keep
// flowing. It returns the reconcile's report once it is done (or why it
// ended early); ctx bounds the wait, and a reconcile left running goes on.
func (s *Starter) Reconcile(ctx context.Context, audienceID, connectorID string, members Snapshot, opts ReconcileOptions) (contract.ReconcileStatus, error) {
	if err := checkAudience(audienceID); err != nil {
		return contract.ReconcileStatus{}, err
	}
	if err := checkConnector(connectorID); err != nil {
		return contract.ReconcileStatus{}, err
	}
	next, stop := iter.Pull2(iter.Seq2[int64, error](members))
	defer stop()
	var all []int64
	count := int64(0)
	if !opts.Sorted {
		var err error
		if all, err = collectSorted(next); err != nil {
			return contract.ReconcileStatus{}, err
		}
		count = int64(len(all))
		next, stop = iter.Pull2(iter.Seq2[int64, error](SnapshotOf(all)))
		defer stop()
	}
	id := opts.ID
	if id == "" {
		id = uuid.NewString()
	}
	req := contract.ReconcileRequest{ConnectorID: connectorID, ReconcileID: id, Plan: opts.Plan, Members: count}
	if opts.Activate {
		in, err := s.activationInput(audienceID, connectorID)
		if err != nil {
			return contract.ReconcileStatus{}, err
		}
		req.Activate = &in
		if err := s.ensureAudience(ctx, audienceID); err != nil {
			return contract.ReconcileStatus{}, err
		}
	}
	what := "reconcile"
	if opts.Plan {
		what = "plan"
	}
	var res contract.CommandResult
	t := updateTarget{audienceID: audienceID, what: "the " + what}
	if err := s.update(ctx, t, id, contract.UpdateReconcile, req, &res); err != nil {
		return contract.ReconcileStatus{}, connectorErr(audienceID, connectorID, what, err)
	}
	s.log().Info("reconcile started", "audience", audienceID, "connector", connectorID, "reconcile", id, "plan", opts.Plan, "state", res.State)
	stopProgress := s.reportWhileSending(ctx, audienceID, connectorID, id, opts.Progress)
	err := s.sendSnapshot(ctx, audienceID, connectorID, id, next)
	stopProgress()
	if err != nil {
		return contract.ReconcileStatus{}, err
	}
	return s.awaitReconcile(ctx, audienceID, connectorID, id, opts.Progress)
}

// SendSnapshot sends an ascending snapshot to a reconcile whose mark the
// sync already has (placed by UpdateReconcile, or by any client that
// places it itself; see workflows/reconcile_contract.go), and returns once
// the sync has taken all of it. Reconcile does this for you.
func (s *Starter) SendSnapshot(ctx context.Context, audienceID, connectorID, reconcileID string, ascending Snapshot) error {
	next, stop := iter.Pull2(iter.Seq2[int64, error](ascending))
	defer stop()
	return s.sendSnapshot(ctx, audienceID, connectorID, reconcileID, next)
}

// collectSorted reads every member, sorts them and drops repeats.
func collectSorted(next func() (int64, error, bool)) ([]int64, error) {
	var all []int64
	for {
		v, err, ok := next()
		if !ok {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("starter: reading the snapshot after %d members (nothing was sent): %w", len(all), err)
		}
		if v <= 0 {
			return nil, fmt.Errorf("starter: snapshot member %d is not a HubSpot record ID (positive): nothing was sent", v)
		}
		all = append(all, v)
	}
	slices.Sort(all)
	return slices.Compact(all), nil
}

// sendSnapshot sends the members in chunks, each as soon as the sync
// takes it (it takes them as fast as it diffs them against the list).
func (s *Starter) sendSnapshot(ctx context.Context, audienceID, connectorID, id string, next func() (int64, error, bool)) error {
	last := int64(0)
	sent := 0
	v, err, more := next()
	for index := 0; ; index++ {
		c := contract.SnapshotChunk{ReconcileID: id, Index: index, RecordIDs: make([]string, 0, contract.MaxSnapshotChunkIDs)}
		for more && len(c.RecordIDs) < contract.MaxSnapshotChunkIDs {
			if err != nil {
				return fmt.Errorf("starter: reading the snapshot after %d members: %w; reconcile %s is left waiting for the rest (start a new one to replace it)", sent, err, id)
			}
			if v <= last {
				return fmt.Errorf("starter: the snapshot is not strictly ascending (%d after %d) though Sorted was set; reconcile %s is left waiting (start a new one to replace it)", v, last, id)
			}
			c.RecordIDs = append(c.RecordIDs, strconv.FormatInt(v, 10))
			last = v
			v, err, more = next()
		}
		c.Last = !more
		t := updateTarget{audienceID: audienceID, connectorID: connectorID, what: fmt.Sprintf("snapshot chunk %d", index)}
		if err := s.sendChunk(ctx, t, c); err != nil {
			return fmt.Errorf("starter: sending chunk %d of reconcile %s (%d members sent): %w", index, id, sent, err)
		}
		sent += len(c.RecordIDs)
		if c.Last {
			return nil
		}
	}
}

// sendChunk sends one chunk, again while the sync is busy with earlier
// ones; a chunk it already has counts as sent.
func (s *Starter) sendChunk(ctx context.Context, t updateTarget, c contract.SnapshotChunk) error {
	backoff := 20 * time.Millisecond
	for attempt := 1; ; attempt++ {
		var ack contract.SnapshotAck
		err := s.update(ctx, t, fmt.Sprintf("%s/%d/%d", c.ReconcileID, c.Index, attempt), contract.UpdateReconcileSnapshot, c, &ack)
		var app *temporal.ApplicationError
		switch {
		case err == nil:
			return nil
		case errors.As(err, &app) && app.Type() == contract.ErrTypeChunkDuplicate:
			return nil
		case !(errors.As(err, &app) && app.Type() == contract.ErrTypeReconcileBusy):
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (the sync was still busy: %v)", ctx.Err(), err)
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 500*time.Millisecond)
	}
}

// reportWhileSending calls progress about every second while the snapshot
// is being sent (the sync reads and merges meanwhile). stop waits for it.
func (s *Starter) reportWhileSending(ctx context.Context, audienceID, connectorID, id string, progress func(contract.ReconcileStatus)) (stop func()) {
	if progress == nil {
		return func() {}
	}
	return every(ctx, time.Second, func() {
		if st, err := s.ConnectorStatus(ctx, audienceID, connectorID); err == nil && st.Reconcile != nil && st.Reconcile.ID == id {
			progress(*st.Reconcile)
		}
	})
}

// awaitReconcile polls the sync's status until the reconcile has ended.
func (s *Starter) awaitReconcile(ctx context.Context, audienceID, connectorID, id string, progress func(contract.ReconcileStatus)) (contract.ReconcileStatus, error) {
	for {
		st, err := s.ConnectorStatus(ctx, audienceID, connectorID)
		if err == nil {
			switch {
			case st.Reconcile != nil && st.Reconcile.ID == id:
				if progress != nil {
					progress(*st.Reconcile)
				}
			case st.LastReconcile != nil && st.LastReconcile.ID == id:
				r := *st.LastReconcile
				if progress != nil {
					progress(r)
				}
				if r.Phase != contract.PhaseDone {
					return r, fmt.Errorf("starter: reconcile %s of audience %q connector %q ended %s: %s", id, audienceID, connectorID, r.Phase, r.Error)
				}
				return r, nil
			}
		} else if ctx.Err() == nil {
			s.log().Warn("reconcile status not available yet", "reconcile", id, "error", err)
		}
		select {
		case <-ctx.Done():
			return contract.ReconcileStatus{}, fmt.Errorf("starter: stopped waiting for reconcile %s (it goes on; follow it with `hubsync status %s %s`): %w", id, audienceID, connectorID, ctx.Err())
		case <-time.After(time.Second):
		}
	}
}
