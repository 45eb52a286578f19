package starter

import (
	"fmt"
	"slices"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	failurepb "go.temporal.io/api/failure/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/converter"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// logBuilder turns history events into a SyncLog.
type logBuilder struct {
	out  *SyncLog
	opts LogOptions
	dc   converter.DataConverter
	// Per run: the sync's batches by their scheduled event ID, as indexes
	// into out.Batches (-1 when filtered out), and their activity IDs.
	batch map[int64]int
	ids   map[int64]string
	runID string
}

func newLogBuilder(out *SyncLog, opts LogOptions) *logBuilder {
	return &logBuilder{out: out, opts: opts, dc: converter.GetDefaultDataConverter()}
}

// run reads one run's events.
func (b *logBuilder) run(r runHistory) {
	b.batch, b.ids, b.runID = map[int64]int{}, map[int64]string{}, r.id
	lr := LogRun{RunID: r.id, StartTime: startOf(r), Events: len(r.events)}
	for _, e := range r.events {
		b.event(e)
		if isClose(e.GetEventType()) {
			t := e.GetEventTime().AsTime()
			lr.CloseTime = &t
		}
	}
	if lr.CloseTime != nil {
		for _, i := range b.batch {
			if i >= 0 && b.out.Batches[i].Outcome == OutcomeInFlight {
				b.settle(i, OutcomeNoResult, lr.CloseTime)
			}
		}
	}
	b.out.Runs = append(b.out.Runs, lr)
}

func (b *logBuilder) event(e *historypb.HistoryEvent) {
	t := e.GetEventTime().AsTime()
	switch e.GetEventType() {
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
		b.signal(t, e.GetWorkflowExecutionSignaledEventAttributes())
	case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
		a := e.GetActivityTaskScheduledEventAttributes()
		if a.GetActivityType().GetName() == contract.ApplyBatchActivity {
			b.scheduled(t, e.GetEventId(), a)
		}
	case enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED:
		a := e.GetActivityTaskStartedEventAttributes()
		if i := b.index(a.GetScheduledEventId()); i >= 0 {
			b.out.Batches[i].Attempts = int(a.GetAttempt())
			if a.GetLastFailure() != nil {
				b.out.Batches[i].LastRetryError = b.failureText(a.GetLastFailure())
			}
		}
	case enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
		a := e.GetActivityTaskCompletedEventAttributes()
		b.completed(t, a.GetScheduledEventId(), a.GetResult())
	case enumspb.EVENT_TYPE_ACTIVITY_TASK_FAILED:
		a := e.GetActivityTaskFailedEventAttributes()
		b.failed(t, a.GetScheduledEventId(), a.GetFailure())
	case enumspb.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT:
		if i := b.index(e.GetActivityTaskTimedOutEventAttributes().GetScheduledEventId()); i >= 0 {
			b.settle(i, OutcomeTimedOut, &t)
		}
	case enumspb.EVENT_TYPE_ACTIVITY_TASK_CANCELED:
		if i := b.index(e.GetActivityTaskCanceledEventAttributes().GetScheduledEventId()); i >= 0 {
			b.settle(i, OutcomeCanceled, &t)
		}
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
		b.note(t, "continued as new in run "+e.GetWorkflowExecutionContinuedAsNewEventAttributes().GetNewExecutionRunId())
	}
}

func (b *logBuilder) signal(t time.Time, a *historypb.WorkflowExecutionSignaledEventAttributes) {
	switch name := a.GetSignalName(); name {
	case contract.SignalMembership:
		if before(t, b.opts.Since) {
			return
		}
		var mark struct {
			Reconcile *contract.ReconcileMark `json:"reconcile"`
		}
		if b.dc.FromPayloads(a.GetInput(), &mark) == nil && mark.Reconcile != nil {
			kind := "reconcile"
			if mark.Reconcile.Plan {
				kind = "plan"
			}
			// Its outcome is in the sync's status (lastReconcile).
			b.note(t, fmt.Sprintf("%s %s started: the snapshot takes this place in the audience's order", kind, mark.Reconcile.ID))
			return
		}
		if b.opts.Contact == 0 {
			return
		}
		var m contract.MembershipChange
		if err := b.dc.FromPayloads(a.GetInput(), &m); err != nil {
			b.note(t, fmt.Sprintf("a membership signal could not be decoded: %v", err))
			return
		}
		// A forwarded signal carries one op's IDs, or ordered runs of both
		// ops: each run that names the contact is one change to it.
		runs := append([]contract.ChangeRun{{Op: m.Op, RecordIDs: m.RecordIDs}}, m.Runs...)
		for _, r := range runs {
			for _, id := range r.RecordIDs {
				if n, ok := contract.ParseRecordID(id); ok && n == b.opts.Contact {
					b.out.Changes = append(b.out.Changes, LogChange{Time: t, RunID: b.runID, Op: r.Op, ChangeID: m.ChangeID, IDs: len(r.RecordIDs)})
					break
				}
			}
		}
	case contract.SignalPause, contract.SignalResume, contract.SignalStop:
		b.note(t, "operator: "+name)
	case contract.SignalRetarget:
		var r contract.Retarget
		_ = b.dc.FromPayloads(a.GetInput(), &r)
		b.note(t, "operator: retarget to list "+r.ListID)
	case contract.SignalDiscard:
		var d contract.Discard
		_ = b.dc.FromPayloads(a.GetInput(), &d)
		b.note(t, fmt.Sprintf("operator: discard the owed batch (reason %q)", d.Reason))
	}
}

func (b *logBuilder) scheduled(t time.Time, eventID int64, a *historypb.ActivityTaskScheduledEventAttributes) {
	b.batch[eventID] = -1
	if a.GetActivityType().GetName() == contract.ReadListPageActivity {
		return // a reconcile's page read, not a batch: counted in its report
	}
	var req contract.BatchRequest
	if err := b.dc.FromPayloads(a.GetInput(), &req); err != nil {
		b.note(t, fmt.Sprintf("a batch request could not be decoded: %v", err))
		return
	}
	lb := LogBatch{Time: t, RunID: b.runID, BatchID: req.BatchID, ListID: req.ListID,
		Adds: len(req.Add), Removes: len(req.Remove), Outcome: OutcomeInFlight}
	if c := b.opts.Contact; c != 0 {
		switch {
		case slices.Contains(req.Add, c):
			lb.Contact = &ContactResult{Op: "add", Result: OutcomeInFlight}
		case slices.Contains(req.Remove, c):
			lb.Contact = &ContactResult{Op: "remove", Result: OutcomeInFlight}
		default:
			return
		}
	}
	if before(t, b.opts.Since) {
		return
	}
	b.ids[eventID] = a.GetActivityId()
	b.batch[eventID] = len(b.out.Batches)
	b.out.Batches = append(b.out.Batches, lb)
}

func (b *logBuilder) completed(t time.Time, scheduled int64, result *commonpb.Payloads) {
	i := b.index(scheduled)
	if i < 0 {
		return
	}
	b.settle(i, OutcomeApplied, &t)
	var res contract.BatchResult
	if err := b.dc.FromPayloads(result, &res); err != nil {
		b.note(t, fmt.Sprintf("the result of batch %s could not be decoded: %v", b.out.Batches[i].BatchID, err))
		return
	}
	lb := &b.out.Batches[i]
	lb.Added, lb.Removed, lb.Missing = len(res.Added), len(res.Removed), len(res.Missing)
	if lb.Contact != nil {
		c := b.opts.Contact
		switch {
		case slices.Contains(res.Added, c):
			lb.Contact.Result = ResultAdded
		case slices.Contains(res.Removed, c):
			lb.Contact.Result = ResultRemoved
		case slices.Contains(res.Missing, c):
			lb.Contact.Result = ResultMissing
		default:
			lb.Contact.Result = ResultNoChange
		}
	}
}

func (b *logBuilder) failed(t time.Time, scheduled int64, f *failurepb.Failure) {
	i := b.index(scheduled)
	if i < 0 {
		return
	}
	b.settle(i, OutcomeFailed, &t)
	lb := &b.out.Batches[i]
	lb.ErrorType = f.GetApplicationFailureInfo().GetType()
	hf := b.hubSpotFailure(f)
	lb.Failure = &hf
}

// settle sets a batch's outcome (and its contact's, unless applied: the
// result says).
func (b *logBuilder) settle(i int, outcome string, at *time.Time) {
	lb := &b.out.Batches[i]
	lb.Outcome, lb.CompletedAt = outcome, at
	if lb.Contact != nil {
		lb.Contact.Result = outcome
	}
}

// pending fills in the attempts of batches still running in the current run.
func (b *logBuilder) pending(p pendingRun) {
	for _, act := range p.activities {
		for ev, id := range b.ids {
			i := b.index(ev)
			if id != act.GetActivityId() || i < 0 || b.out.Batches[i].RunID != p.runID || b.out.Batches[i].Outcome != OutcomeInFlight {
				continue
			}
			b.out.Batches[i].Attempts = int(act.GetAttempt())
			if act.GetLastFailure() != nil {
				b.out.Batches[i].LastRetryError = b.failureText(act.GetLastFailure())
			}
		}
	}
}

// index is the batch's place in out.Batches, -1 if not kept.
func (b *logBuilder) index(scheduled int64) int {
	if i, ok := b.batch[scheduled]; ok {
		return i
	}
	return -1
}

func (b *logBuilder) note(t time.Time, what string) {
	if !before(t, b.opts.Since) {
		b.out.Notes = append(b.out.Notes, LogNote{Time: t, RunID: b.runID, What: what})
	}
}
