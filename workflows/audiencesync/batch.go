package audiencesync

import (
	"errors"
	"fmt"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/workflows/internal/payload"
)

// nextBatchID is stable for the activity's automatic retries and unique per
// execution: workflow ID + "#" + a sequence carried across runs.
func (s *syncState) nextBatchID() string {
	id := fmt.Sprintf("%s#%d", s.workflowID, s.carry.NextSequence)
	s.carry.NextSequence++
	return id
}

// startBatch runs one add-and-remove request. The caller guarantees room
// in flight and that no contact of the batch is in flight already; the
// batch's contacts are held until it settles. The result is handled
// through the selector, so signals keep arriving (into the buffer, for
// later batches) meanwhile.
func (s *syncState) startBatch(ctx workflow.Context, sel workflow.Selector, add, remove []int64) (batchID string) {
	req := contract.BatchRequest{
		ConnectorID: s.in.ConnectorID,
		ListID:      s.in.ListID,
		BatchID:     s.nextBatchID(),
		Add:         add,
		Remove:      remove,
	}
	s.inFlight = append(s.inFlight, contract.BatchInfo{BatchID: req.BatchID, ListID: req.ListID,
		Adds: len(add), Removes: len(remove), StartedAt: workflow.Now(ctx)})
	s.buf.hold(add)
	s.buf.hold(remove)
	s.batchesThisRun++
	ao := ActivityOptions()
	ao.TaskQueue = s.activityQueue
	ao.Summary = batchSummary(req)
	// A cancelled batch settles only once its attempt has ended, so none
	// of its requests can land after the changes are sent again.
	ao.WaitForCancellation = true
	cctx, cancel := workflow.WithCancel(ctx)
	s.cancels[req.BatchID] = cancel
	actx := workflow.WithActivityOptions(cctx, ao)
	fut := workflow.ExecuteActivity(actx, contract.ApplyBatchActivity, req)
	sel.AddFuture(fut, func(f workflow.Future) {
		var res contract.BatchResult
		err := f.Get(ctx, &res)
		s.settled(req)
		if err != nil && s.cancelledForDrain(req.BatchID, err) {
			s.requeue(ctx, req)
			return
		}
		if err != nil {
			if s.rec != nil {
				s.reconcileBatchSettled(req, nil)
			}
			s.onBatchFailed(ctx, req, err)
			return
		}
		if s.rec != nil {
			s.reconcileBatchSettled(req, &res)
		}
		s.onBatchDone(ctx, req, res)
	})
	return req.BatchID
}

// settled forgets a batch that is no longer in flight and releases its
// contacts' newer changes.
func (s *syncState) settled(req contract.BatchRequest) {
	for i, f := range s.inFlight {
		if f.BatchID == req.BatchID {
			s.inFlight = append(s.inFlight[:i:i], s.inFlight[i+1:]...)
			break
		}
	}
	s.buf.release(req.Add)
	s.buf.release(req.Remove)
	delete(s.cancels, req.BatchID)
}

func (s *syncState) onBatchDone(ctx workflow.Context, req contract.BatchRequest, res contract.BatchResult) {
	s.carry.Counters.BatchesSent++
	s.carry.Counters.TotalAdded += int64(len(res.Added))
	s.carry.Counters.TotalRemoved += int64(len(res.Removed))
	s.carry.Counters.TotalMissing += int64(len(res.Missing))
	s.noteMissing(res.Missing)
	s.carry.LastBatch = &contract.BatchOutcome{BatchID: req.BatchID, ListID: req.ListID,
		Adds: len(req.Add), Removes: len(req.Remove),
		Added: len(res.Added), Removed: len(res.Removed), Missing: len(res.Missing),
		CompletedAt: workflow.Now(ctx)}
	workflow.GetLogger(ctx).Info("Batch applied", "BatchID", req.BatchID, "ListID", req.ListID,
		"Added", len(res.Added), "Removed", len(res.Removed), "Missing", len(res.Missing))
}

// onBatchFailed handles any error that survived the retry policy: a
// terminal HubSpot answer, an invalid batch, or any other non-retryable
// failure. The batch becomes owed (never lost) and the sync blocks until
// an operator resumes, retargets or discards. Batches that fail while
// others are owed join them: their contacts are disjoint, and together
// they are at most MaxInFlight × MaxBatchSize ≤ MaxMaxBatchSize IDs.
func (s *syncState) onBatchFailed(ctx workflow.Context, req contract.BatchRequest, err error) {
	f := failureOf(err)
	s.carry.Counters.BatchesFailed++
	s.carry.LastError = &f
	s.carry.LastErrorAt = workflow.Now(ctx)
	s.carry.LastErrorBatchID = req.BatchID
	if s.carry.Owed == nil {
		s.carry.Owed = &req
		s.carry.OwedSince = s.carry.LastErrorAt
	} else {
		s.carry.Owed.Add = append(s.carry.Owed.Add, req.Add...)
		s.carry.Owed.Remove = append(s.carry.Owed.Remove, req.Remove...)
		s.carry.Owed.BatchID, s.carry.Owed.ListID = req.BatchID, req.ListID
	}
	s.carry.RetryOwed = false
	s.supersedeOwed()
	workflow.GetLogger(ctx).Error("Batch failed; sync blocked until an operator acts",
		"BatchID", req.BatchID, "ListID", req.ListID, "Status", f.Status,
		"Category", f.Category, "CorrelationID", f.CorrelationID, "Message", f.Message)
}

// failureOf extracts the HubSpot details of a terminal error, or describes
// any other failure in the same shape so Status.LastError is always set.
func failureOf(err error) contract.HubSpotFailure {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		var f contract.HubSpotFailure
		if app.Type() == contract.ErrTypeTerminal && app.HasDetails() && app.Details(&f) == nil {
			if f.Message == "" {
				f.Message = app.Message()
			}
			f.Message = payload.Truncate(f.Message, payload.MaxMessageChars)
			return f
		}
		return contract.HubSpotFailure{Category: app.Type(), Message: payload.Truncate(app.Message(), payload.MaxMessageChars)}
	}
	var timeout *temporal.TimeoutError
	if errors.As(err, &timeout) {
		return contract.HubSpotFailure{Category: "Timeout", Message: payload.Truncate(err.Error(), payload.MaxMessageChars)}
	}
	return contract.HubSpotFailure{Category: "ActivityFailure", Message: payload.Truncate(err.Error(), payload.MaxMessageChars)}
}

// takeOwed takes the next retry of the owed batches: at most MaxBatchSize
// IDs, so each request keeps the connector's size. The rest stays owed and
// is retried next (still counted as owed, not blocked).
func (s *syncState) takeOwed() (add, remove []int64, left int) {
	o := s.carry.Owed
	n := min(len(o.Add), s.in.MaxBatchSize)
	add, o.Add = o.Add[:n:n], o.Add[n:]
	m := min(len(o.Remove), s.in.MaxBatchSize-n)
	remove, o.Remove = o.Remove[:m:m], o.Remove[m:]
	left = len(o.Add) + len(o.Remove)
	if left == 0 {
		s.carry.Owed, s.carry.RetryOwed = nil, false
	}
	return add, remove, left
}

// supersedeOwed removes from the owed batch every contact that has a newer
// pending change: the owed batch sits under the buffer, and the newer
// change wins (it will be sent later anyway). Keeps relative order.
func (s *syncState) supersedeOwed() {
	keep := func(ids []int64) []int64 {
		out := ids[:0:0]
		for _, id := range ids {
			if !s.buf.has(id) {
				out = append(out, id)
			}
		}
		return out
	}
	s.carry.Owed.Add = keep(s.carry.Owed.Add)
	s.carry.Owed.Remove = keep(s.carry.Owed.Remove)
}
