package audiencesync

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/workflows/internal/payload"
)

// Registrar is satisfied by worker.Worker, worker.WorkflowReplayer and
// the test environment.
type Registrar interface {
	RegisterWorkflowWithOptions(w any, options workflow.RegisterOptions)
}

// Register registers AudienceSync under contract.SyncWorkflowName.
func Register(r Registrar) {
	r.RegisterWorkflowWithOptions(AudienceSync, workflow.RegisterOptions{Name: contract.SyncWorkflowName})
}

// AudienceSync keeps one HubSpot list equal to one audience for one
// connector. It returns its final Status after a stop, or a
// ContinueAsNewError carrying its state when the run's history is long.
func AudienceSync(ctx workflow.Context, in contract.SyncInput) (contract.Status, error) {
	in, err := contract.Normalize(in)
	if err != nil {
		return contract.Status{}, err
	}
	s, err := newState(in, workflow.GetInfo(ctx).WorkflowExecution.ID)
	if err != nil {
		return contract.Status{}, err
	}
	if err := workflow.SetQueryHandler(ctx, contract.QueryStatus, func() (contract.Status, error) {
		return s.status(), nil
	}); err != nil {
		return contract.Status{}, err
	}
	if err := s.registerSnapshotUpdate(ctx); err != nil {
		return contract.Status{}, err
	}
	s.maxInFlight = in.MaxInFlight
	s.activityQueue = contract.AccountTaskQueue(workflow.GetInfo(ctx).TaskQueueName, in.Account)
	workflow.GetLogger(ctx).Info("Sync started", "AudienceID", in.AudienceID,
		"ConnectorID", in.ConnectorID, "ListID", in.ListID, "Generation", s.carry.Generation,
		"Pending", s.buf.Len(), "Blocked", s.carry.Owed != nil, "MaxInFlight", s.maxInFlight,
		"ActivityTaskQueue", s.activityQueue)
	return s.run(ctx)
}

// run is the event loop: decide what to do with the current state, then
// wait for exactly one event (a signal, a batch result or the timer).
func (s *syncState) run(ctx workflow.Context) (contract.Status, error) {
	ch := getSignalChannels(ctx)
	hs := s.handlers(ctx, ch)
	sel := workflow.NewSelector(ctx)
	for _, h := range hs {
		sel.AddReceive(h.ch, h.onReceive(ctx))
	}
	// A snapshot chunk arrives by update, outside the selector: its
	// handler wakes the loop through this channel.
	s.wake = workflow.NewBufferedChannel(ctx, 1)
	sel.AddReceive(s.wake, func(c workflow.ReceiveChannel, _ bool) { c.ReceiveAsync(nil) })
	t := &flushTimer{}
	for {
		// Take every signal already delivered before deciding anything:
		// signals on different channels reach the workflow without their
		// relative order, and a pause delivered with a full batch must
		// stop that batch, whichever channel the selector served first.
		s.drain(hs)
		canDue := s.continueAsNewDue(ctx)
		if len(s.inFlight) == 0 && (s.rec == nil || !s.rec.reading) {
			if s.carry.StopRequested && s.idle() {
				// Changes delivered while stopping are flushed too: drain,
				// and complete only if the drain brought nothing new.
				s.drain(hs)
				if s.idle() {
					t.cancel()
					s.stopped = true
					s.refreshUI(ctx)
					st := s.status()
					workflow.GetLogger(ctx).Info("Sync stopped", "BatchesSent", st.BatchesSent)
					return st, nil
				}
			}
			if canDue {
				s.drain(hs)
				in := s.in
				in.Carried = s.carried()
				if size := payload.Size(in); size <= payload.MaxCarriedBytes {
					t.cancel()
					workflow.GetLogger(ctx).Info("Continuing as new", "Generation", in.Carried.Generation,
						"Pending", s.buf.Len(), "Blocked", s.carry.Owed != nil, "CarriedBytes", size)
					return contract.Status{}, workflow.NewContinueAsNewError(ctx, contract.SyncWorkflowName, in)
				} else if !s.carryDeferred {
					// Unreachable within the backlog bounds (see bounds.go);
					// if it happens, keep draining in this run rather than
					// let the server terminate the workflow.
					s.carryDeferred = true
					workflow.GetLogger(ctx).Error("Continue-as-new deferred: carried state too large; draining in this run",
						"CarriedBytes", size, "Limit", payload.MaxCarriedBytes)
				}
			}
		}
		// A run that is due to continue as new starts nothing more, so its
		// batches settle and it can (it only continues with none in flight).
		mayStart := func() bool { return s.carryDeferred || !s.continueAsNewDue(ctx) }
		if s.rec != nil {
			s.stepReconcile(ctx, sel, mayStart())
		}
		for len(s.inFlight) < s.maxInFlight && mayStart() && s.maybeStartBatch(ctx, sel, t) {
		}
		s.syncTimer(ctx, sel, t)
		s.stepDrain(ctx, sel, !mayStart())
		s.reportProgress(ctx)
		s.refreshUI(ctx)
		sel.Select(ctx)
	}
}

// idle: nothing pending, owed or in flight.
func (s *syncState) idle() bool {
	return s.buf.Len() == 0 && s.carry.Owed == nil && len(s.inFlight) == 0
}

// continueAsNewDue: the run has grown enough to start a new one.
func (s *syncState) continueAsNewDue(ctx workflow.Context) bool {
	return workflow.GetInfo(ctx).GetContinueAsNewSuggested() ||
		s.signalsThisRun >= s.in.MaxSignalsPerRun ||
		s.batchesThisRun >= s.in.MaxBatchesPerRun
}

// drain applies every signal already delivered, on every channel, until a
// whole pass finds none, so continue-as-new or completion never leaves a
// delivered signal behind.
func (s *syncState) drain(hs []signalHandler) {
	for {
		got := false
		for _, h := range hs {
			for h.tryReceive() {
				got = true
			}
		}
		if !got {
			return
		}
	}
}

// maybeStartBatch starts the owed retry or a flush when one is allowed and
// due, and reports whether it started one. Called only with room for one
// more batch in flight.
func (s *syncState) maybeStartBatch(ctx workflow.Context, sel workflow.Selector, t *flushTimer) bool {
	if s.carry.Owed != nil {
		if !s.carry.RetryOwed {
			return false // blocked: no flushes until an operator acts
		}
		add, remove, left := s.takeOwed()
		if len(add)+len(remove) == 0 {
			return false // every owed change was superseded by a newer one
		}
		t.cancel()
		workflow.GetLogger(ctx).Info("Retrying owed batch", "FailedBatchID", s.carry.LastErrorBatchID,
			"ListID", s.in.ListID, "OwedLeft", left)
		s.startBatch(ctx, sel, add, remove)
		return true
	}
	if s.carry.Paused && !s.carry.StopRequested {
		return false
	}
	if !s.flushDue(ctx) {
		return false
	}
	t.cancel()
	add, remove, diffs := s.buf.takeDiffs(s.in.MaxBatchSize)
	if len(add)+len(remove) == 0 {
		return false
	}
	batchID := s.startBatch(ctx, sel, add, remove)
	if s.rec != nil {
		s.reconcileBatchStarted(batchID, diffs)
	}
	return true
}

// flushDue: a full batch is waiting, the oldest change has waited
// FlushInterval, or stop asked to flush everything now. Changes held
// behind a batch in flight do not count: they cannot go yet.
func (s *syncState) flushDue(ctx workflow.Context) bool {
	// A full batch goes at once, even of a reconcile's differences, which
	// the flush timer (oldest) does not count while it reads.
	if s.buf.Free() >= s.in.MaxBatchSize {
		return true
	}
	oldest, ok := s.buf.oldest()
	if !ok {
		return false
	}
	return s.carry.StopRequested || !workflow.Now(ctx).Before(oldest.Add(s.in.FlushInterval))
}

// flushTimer is the single timer that wakes the loop when the oldest
// pending change becomes due. It exists only while something is pending
// and could be flushed, so an idle or blocked sync schedules nothing.
type flushTimer struct {
	deadline   time.Time
	cancelFunc workflow.CancelFunc
	gen        int
}

func (t *flushTimer) cancel() {
	if t.cancelFunc != nil {
		t.cancelFunc()
		t.cancelFunc = nil
		t.gen++ // the cancelled timer's callback must not touch the next one
	}
}

// syncTimer starts, keeps or cancels the flush timer to match the state.
func (s *syncState) syncTimer(ctx workflow.Context, sel workflow.Selector, t *flushTimer) {
	oldest, pending := s.buf.oldest()
	want := pending && len(s.inFlight) < s.maxInFlight && s.carry.Owed == nil && !s.carry.Paused && !s.carry.StopRequested
	if !want {
		t.cancel()
		return
	}
	deadline := oldest.Add(s.in.FlushInterval)
	if t.cancelFunc != nil && t.deadline.Equal(deadline) {
		return
	}
	t.cancel()
	d := deadline.Sub(workflow.Now(ctx))
	if d <= 0 {
		return // due now; the loop flushes before it would wait
	}
	tctx, cancel := workflow.WithCancel(ctx)
	t.cancelFunc, t.deadline = cancel, deadline
	gen := t.gen
	var opts workflow.TimerOptions
	opts.Summary = "flush in " + d.Round(time.Millisecond).String()
	sel.AddFuture(workflow.NewTimerWithOptions(tctx, d, opts), func(workflow.Future) {
		if gen == t.gen {
			t.cancelFunc = nil // fired: the loop will find the flush due
		}
	})
}
