package workflows

import (
	"errors"
	"fmt"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// nextBatchID is stable for the activity's automatic retries and unique per
// execution: workflow ID + "#" + a sequence carried across runs.
func (s *syncState) nextBatchID() string {
	id := fmt.Sprintf("%s#%d", s.workflowID, s.nextSeq)
	s.nextSeq++
	return id
}

// startBatch runs one add-and-remove request. The caller guarantees that
// nothing is in flight; the result is handled through the selector, so
// signals keep arriving (into the buffer, for the next batch) meanwhile.
func (s *syncState) startBatch(ctx workflow.Context, sel workflow.Selector, add, remove []int64) {
	req := BatchRequest{
		ConnectorID: s.in.ConnectorID,
		ListID:      s.in.ListID,
		BatchID:     s.nextBatchID(),
		Add:         add,
		Remove:      remove,
	}
	s.inFlight = &BatchInfo{BatchID: req.BatchID, ListID: req.ListID,
		Adds: len(add), Removes: len(remove), StartedAt: workflow.Now(ctx)}
	s.batchesThisRun++
	ao := ActivityOptions()
	if s.ui.on {
		ao.Summary = batchSummary(req)
	}
	actx := workflow.WithActivityOptions(ctx, ao)
	fut := workflow.ExecuteActivity(actx, ApplyBatchActivity, req)
	sel.AddFuture(fut, func(f workflow.Future) {
		var res BatchResult
		err := f.Get(ctx, &res)
		s.inFlight = nil
		if err != nil {
			s.onBatchFailed(ctx, req, err)
			return
		}
		s.onBatchDone(ctx, req, res)
	})
}

func (s *syncState) onBatchDone(ctx workflow.Context, req BatchRequest, res BatchResult) {
	s.counters.BatchesSent++
	s.counters.TotalAdded += int64(len(res.Added))
	s.counters.TotalRemoved += int64(len(res.Removed))
	s.counters.TotalMissing += int64(len(res.Missing))
	s.noteMissing(res.Missing)
	s.lastBatch = &BatchOutcome{BatchID: req.BatchID, ListID: req.ListID,
		Adds: len(req.Add), Removes: len(req.Remove),
		Added: len(res.Added), Removed: len(res.Removed), Missing: len(res.Missing),
		CompletedAt: workflow.Now(ctx)}
	workflow.GetLogger(ctx).Info("Batch applied", "BatchID", req.BatchID, "ListID", req.ListID,
		"Added", len(res.Added), "Removed", len(res.Removed), "Missing", len(res.Missing))
}

// onBatchFailed handles any error that survived the retry policy: a
// terminal HubSpot answer, an invalid batch, or any other non-retryable
// failure. The batch becomes owed (never lost) and the sync blocks until
// an operator resumes, retargets or discards.
func (s *syncState) onBatchFailed(ctx workflow.Context, req BatchRequest, err error) {
	f := failureOf(err)
	s.counters.BatchesFailed++
	s.lastError = &f
	s.lastErrorAt = workflow.Now(ctx)
	s.lastErrorBatchID = req.BatchID
	s.owed = &req
	s.owedSince = s.lastErrorAt
	s.retryOwed = false
	s.supersedeOwed()
	workflow.GetLogger(ctx).Error("Batch failed; sync blocked until an operator acts",
		"BatchID", req.BatchID, "ListID", req.ListID, "Status", f.Status,
		"Category", f.Category, "CorrelationID", f.CorrelationID, "Message", f.Message)
}

// failureOf extracts the HubSpot details of a terminal error, or describes
// any other failure in the same shape so Status.LastError is always set.
func failureOf(err error) HubSpotFailure {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		var f HubSpotFailure
		if app.Type() == ErrTypeTerminal && app.HasDetails() && app.Details(&f) == nil {
			if f.Message == "" {
				f.Message = app.Message()
			}
			f.Message = truncate(f.Message, maxMessageChars)
			return f
		}
		return HubSpotFailure{Category: app.Type(), Message: truncate(app.Message(), maxMessageChars)}
	}
	var timeout *temporal.TimeoutError
	if errors.As(err, &timeout) {
		return HubSpotFailure{Category: "Timeout", Message: truncate(err.Error(), maxMessageChars)}
	}
	return HubSpotFailure{Category: "ActivityFailure", Message: truncate(err.Error(), maxMessageChars)}
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
	s.owed.Add = keep(s.owed.Add)
	s.owed.Remove = keep(s.owed.Remove)
}
