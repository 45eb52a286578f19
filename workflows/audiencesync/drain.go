package audiencesync

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/audiencesync/hubspot-list-sync/contract"

	"go.temporal.io/sdk/workflow"
)

// A run due to continue as new starts no more batches and continues once
// those in flight have settled. One batch retrying through a run of
// faults (its backoff grows to a minute) would hold the whole sync there,
// every other contact with it. So a run that has waited drainPatience
// cancels its batches in flight, waits until each attempt has ended, puts
// their changes back in the buffer (a contact's newer pending change
// still wins) and carries them into the next run, which sends them again.
// HubSpot's writes are idempotent, so a request that landed before the
// cancel costs nothing. Not during a reconcile, whose accounting follows
// each batch's differences: it waits as before.
const drainPatience = 10 * time.Second

// drainState is the wait for in-flight batches of a run due to continue.
type drainState struct {
	timerSet  bool
	expired   bool
	cancelled map[string]bool // batches cancelled, by ID
}

// cancelledForDrain: the batch ended because the drain cancelled it. Once
// a cancel is asked, the attempt running then is its last whatever ends
// it (cancelled, or timed out when its worker died meanwhile), so any end
// but a terminal answer puts its changes back; a terminal answer is owed
// as always.
func (s *syncState) cancelledForDrain(batchID string, err error) bool {
	if temporal.IsCanceledError(err) {
		return true
	}
	if !s.drainWait.cancelled[batchID] {
		return false
	}
	var app *temporal.ApplicationError
	return !errors.As(err, &app) || (app.Type() != contract.ErrTypeTerminal && app.Type() != contract.ErrTypeInvalidBatch)
}

// stepDrain arms the patience timer once a run is due with batches in
// flight, and cancels them once it has expired.
func (s *syncState) stepDrain(ctx workflow.Context, sel workflow.Selector, due bool) {
	d := &s.drainWait
	if !due || len(s.inFlight) == 0 || s.rec != nil || d.cancelled != nil {
		return
	}
	if !d.timerSet {
		d.timerSet = true
		t := workflow.NewTimerWithOptions(ctx, drainPatience, workflow.TimerOptions{Summary: "continue-as-new waits for the batches in flight"})
		sel.AddFuture(t, func(workflow.Future) { d.expired = true })
		return
	}
	if !d.expired {
		return
	}
	d.cancelled = map[string]bool{}
	workflow.GetLogger(ctx).Info("Continue-as-new due: cancelling the batches still in flight to send them again in the next run",
		"InFlight", len(s.inFlight), "Waited", drainPatience)
	for _, b := range s.inFlight {
		if cancel := s.cancels[b.BatchID]; cancel != nil {
			d.cancelled[b.BatchID] = true
			cancel()
		}
	}
}

// requeue puts a cancelled batch's changes back in the buffer, except
// for contacts with a newer pending change, which wins.
func (s *syncState) requeue(ctx workflow.Context, req contract.BatchRequest) {
	if s.rec != nil { // one may have started since the cancel
		s.reconcileBatchSettled(req, nil)
	}
	since := workflow.Now(ctx)
	for _, b := range []struct {
		op  contract.Op
		ids []int64
	}{{contract.OpEnter, req.Add}, {contract.OpLeave, req.Remove}} {
		for _, id := range b.ids {
			if !s.buf.has(id) {
				s.buf.put(id, b.op, since)
			}
		}
	}
	workflow.GetLogger(ctx).Info("Batch cancelled for continue-as-new; its changes go again in the next run",
		"BatchID", req.BatchID, "Adds", len(req.Add), "Removes", len(req.Remove))
}
