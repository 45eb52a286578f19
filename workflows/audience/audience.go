package audience

import (
	"encoding/json"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/workflows/internal/payload"
	"github.com/audiencesync/hubspot-list-sync/workflows/internal/uitext"
)

// Bounds of one audience workflow run, far below the server's 10,000
// signals, 2,000 updates and 51,200 events: a forwarded signal costs two
// events, an admitted change two.
const (
	audienceMaxSignalsPerRun  = 3000
	audienceMaxForwardsPerRun = 6000
	audienceMaxAdmitsPerRun   = 1000
	// forwardChunkIDs bounds one forwarded signal (≈ 100 KB of JSON).
	forwardChunkIDs = 5000
	// audienceMaxEventsPerRun is well below the 51,200-event hard limit.
	audienceMaxEventsPerRun = 20000
	// audienceMaxConnectors bounds the connectors of one audience, and so
	// the carried state.
	audienceMaxConnectors = 100
	// maxActivationBytes bounds one connector's SyncInput (child input,
	// and carried with the connector set).
	maxActivationBytes = 2 << 10
)

// Audience is the entry point of one audience: it keeps the set of active
// connectors and forwards every membership change, in order, to each one's
// sync workflow, no faster than each sync drains (see ../audiencesync/flow.go). It runs
// until it is no longer needed; an audience with no connectors costs
// nothing while idle.
func Audience(ctx workflow.Context, in contract.AudienceInput) error {
	if err := contract.CheckAudienceID(in.AudienceID); err != nil {
		return temporal.NewNonRetryableApplicationError("invalid AudienceInput.AudienceID: "+err.Error(), contract.ErrTypeInvalidInput, nil)
	}
	// One audience, one entry point: a workflow whose ID names another
	// audience would feed that audience's syncs out of its order.
	if id := workflow.GetInfo(ctx).WorkflowExecution.ID; id != contract.AudienceWorkflowID(in.AudienceID) {
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf(
			"invalid AudienceInput.AudienceID %q for workflow ID %q: an audience's workflow ID must be %q; start it with that ID (or set audienceId to match)",
			in.AudienceID, id, contract.AudienceWorkflowID(in.AudienceID)), contract.ErrTypeInvalidInput, nil)
	}
	if in.MaxSignalsPerRun < 0 || in.MaxSignalsPerRun > audienceMaxSignalsPerRun {
		return temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("invalid AudienceInput.MaxSignalsPerRun %d: must be between 0 (default) and %d", in.MaxSignalsPerRun, audienceMaxSignalsPerRun), contract.ErrTypeInvalidInput, nil)
	}
	if in.MaxSignalsPerRun == 0 {
		in.MaxSignalsPerRun = audienceMaxSignalsPerRun
	}
	a := &audience{id: in.AudienceID}
	if c := in.Carried; c != nil {
		a.connectors, a.forwarded, a.generation, a.problems = c.Connectors, c.Forwarded, c.Generation, c.Problems
		a.flows, a.counters = c.Flows, c.Counters
	}
	if err := workflow.SetQueryHandler(ctx, contract.QueryConnectors, func() (contract.AudienceStatus, error) {
		return a.status(), nil
	}); err != nil {
		return err
	}
	a.commands, a.progress = workflow.GetSignalChannel(ctx, contract.SignalAudience), workflow.GetSignalChannel(ctx, contract.SignalSyncProgress)
	a.flows = a.reconcileFlows(a.flows)
	if in.Carried != nil {
		// Handed-over commands go first, before any admit of this run.
		for _, raw := range in.Carried.Pending {
			a.take(ctx, raw, false)
		}
	}
	if err := a.registerAdmit(ctx); err != nil {
		return err
	}
	if err := a.registerCommandUpdates(ctx); err != nil {
		return err
	}
	if err := a.registerReconcileUpdate(ctx); err != nil {
		return err
	}
	return a.loop(ctx, in, a.commands, a.progress)
}

// loop takes commands in order into a bounded queue and forwards from it
// as the connectors' backlogs allow. Continue-as-new waits until no admit
// call is being handled, and carries the queue (at most queueHardBytes).
func (a *audience) loop(ctx workflow.Context, in contract.AudienceInput, commands, progress workflow.ReceiveChannel) error {
	for {
		a.receive(ctx, commands, progress)
		more := a.pump(ctx)
		if !a.draining && a.continueAsNewDue(ctx, in) {
			a.draining = true // admits from now on are refused with ErrTypeRetryAdmit
		}
		if a.draining && workflow.AllHandlersFinished(ctx) {
			a.receive(ctx, commands, progress)
			next := a.next(in)
			size := payload.Size(next)
			if size <= payload.MaxCarriedBytes {
				workflow.GetLogger(ctx).Info("Audience continuing as new", "AudienceID", a.id,
					"Generation", a.generation+1, "HandedOver", len(next.Carried.Pending), "CarriedBytes", size)
				return workflow.NewContinueAsNewError(ctx, contract.AudienceWorkflowName, next)
			}
			if !a.carryDeferred {
				a.carryDeferred = true
				workflow.GetLogger(ctx).Error("Audience continue-as-new deferred: carried state too large; forwarding first",
					"CarriedBytes", size, "Limit", payload.MaxCarriedBytes)
			}
		}
		a.refreshUI(ctx)
		if more {
			continue
		}
		a.woken = false
		if err := workflow.Await(ctx, func() bool {
			return commands.Len() > 0 || progress.Len() > 0 || a.woken ||
				(a.draining && workflow.AllHandlersFinished(ctx))
		}); err != nil {
			return err
		}
	}
}

func (a *audience) continueAsNewDue(ctx workflow.Context, in contract.AudienceInput) bool {
	info := workflow.GetInfo(ctx)
	return info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() >= audienceMaxEventsPerRun ||
		a.signals+a.admitsThisRun >= in.MaxSignalsPerRun || a.forwardsThisRun >= audienceMaxForwardsPerRun ||
		a.admitsThisRun >= audienceMaxAdmitsPerRun
}

// next is the input of the next run: everything still queued, in order.
func (a *audience) next(in contract.AudienceInput) contract.AudienceInput {
	return contract.AudienceInput{AudienceID: a.id, MaxSignalsPerRun: in.MaxSignalsPerRun,
		Carried: &contract.AudienceCarried{Connectors: a.connectors, Forwarded: a.forwarded, Generation: a.generation + 1,
			Problems: a.problems, Pending: a.queue.handOver(), Flows: a.flows, Counters: a.counters}}
}

// receive takes every delivered command and progress report.
func (a *audience) receive(ctx workflow.Context, commands, progress workflow.ReceiveChannel) {
	for {
		var raw json.RawMessage
		if !commands.ReceiveAsync(&raw) {
			break
		}
		a.signals++
		a.take(ctx, raw, true)
	}
	for {
		var p contract.SyncProgress
		if !progress.ReceiveAsync(&p) {
			break
		}
		a.signals++
		a.onProgress(p)
	}
}

// commandWire is AudienceCommand with its parts still raw, so a malformed
// change is forwarded for the sync workflow to count instead of dropped.
type commandWire struct {
	Activate   json.RawMessage `json:"activate,omitempty"`
	Membership json.RawMessage `json:"membership,omitempty"`
	Deactivate json.RawMessage `json:"deactivate,omitempty"`
	Reconcile  json.RawMessage `json:"reconcile,omitempty"`
}

// intent names the command for a message.
func (c commandWire) intent() string {
	switch {
	case c.Activate != nil:
		return "an activation"
	case c.Deactivate != nil:
		return "a deactivation"
	case c.Reconcile != nil:
		return "a reconcile"
	}
	return "changes"
}

// update names the update that carries the command from outside.
func (c commandWire) update() string {
	switch {
	case c.Activate != nil:
		return contract.UpdateActivate
	case c.Deactivate != nil:
		return contract.UpdateDeactivate
	case c.Reconcile != nil:
		return contract.UpdateReconcile
	}
	return contract.UpdateAdmit
}

func decodeCommand(raw json.RawMessage) (commandWire, error) {
	var c commandWire
	if err := payload.Decode(raw, &c); err != nil {
		return c, err
	}
	set := 0
	for _, part := range []*json.RawMessage{&c.Activate, &c.Membership, &c.Deactivate, &c.Reconcile} {
		if string(*part) == "null" {
			*part = nil
		}
		if *part != nil {
			set++
		}
	}
	if set != 1 {
		return c, fmt.Errorf("exactly one of activate, membership, deactivate, reconcile must be set, got %d", set)
	}
	return c, nil
}

// Registrar is satisfied by worker.Worker, worker.WorkflowReplayer and
// the test environment.
type Registrar interface {
	RegisterWorkflowWithOptions(w any, options workflow.RegisterOptions)
}

// Register registers Audience under contract.AudienceWorkflowName.
func Register(r Registrar) {
	r.RegisterWorkflowWithOptions(Audience, workflow.RegisterOptions{Name: contract.AudienceWorkflowName})
}

type audience struct {
	id              string
	connectors      []contract.SyncInput
	flows           []contract.ConnectorFlow // one per connector, same order
	forwarded       int64
	generation      int
	signals         int
	forwardsThisRun int
	admitsThisRun   int
	problems        []string
	counters        contract.AudienceCounters

	queue              queue
	commands, progress workflow.ReceiveChannel
	waiters            []int64 // admit calls waiting for room, first come first served
	tickets            int64
	woken              bool // an admit queued a change: the loop has work
	draining           bool // continue-as-new is due: admits are refused until it happens
	// carryDeferred: continue-as-new waited because the state did not fit.
	carryDeferred bool
	ui            audienceUI
	awaiting      map[int64]bool // update tickets waiting for their command's outcome
	outcomes      map[int64]commandOutcome
}

// problem logs what could not be done and keeps it for the status query,
// so an operator sees it without reading worker logs.
func (a *audience) problem(ctx workflow.Context, msg string, err error) {
	text := msg
	if err != nil {
		text += ": " + err.Error()
	}
	workflow.GetLogger(ctx).Error(msg, "AudienceID", a.id, "Error", err)
	a.problems = append(a.problems, workflow.Now(ctx).UTC().Format(time.RFC3339)+" "+payload.Truncate(text, payload.MaxMessageChars/2))
	if len(a.problems) > contract.AudienceProblemsLimit {
		a.problems = a.problems[len(a.problems)-contract.AudienceProblemsLimit:]
	}
}

func (a *audience) status() contract.AudienceStatus {
	st := contract.AudienceStatus{AudienceID: a.id, Connectors: append([]contract.SyncInput(nil), a.connectors...), Forwarded: a.forwarded,
		Generation: a.generation, Problems: append([]string(nil), a.problems...),
		Queued: a.queue.ids, QueuedBytes: a.queue.bytes, Waiting: len(a.waiters), AudienceCounters: a.counters}
	for _, f := range a.flows {
		f.Backlog = f.Estimate()
		st.Flows = append(st.Flows, f)
	}
	return st
}

func (a *audience) index(connectorID string) int {
	for i, c := range a.connectors {
		if c.ConnectorID == connectorID {
			return i
		}
	}
	return -1
}

// activate starts the connector's sync workflow (or finds it running) and
// adds it to the set. The sync workflow outlives this one (ABANDON), so
// continue-as-new here never touches it.
func (a *audience) activate(ctx workflow.Context, in contract.SyncInput) {
	log := workflow.GetLogger(ctx)
	in.AudienceID, in.Carried = a.id, nil
	if a.index(in.ConnectorID) >= 0 {
		log.Info("Connector already active", "AudienceID", a.id, "ConnectorID", in.ConnectorID)
		return
	}
	if _, err := contract.Normalize(in); err != nil {
		a.problem(ctx, "activation of connector "+in.ConnectorID+" refused", err)
		return
	}
	if size := payload.Size(in); size > maxActivationBytes {
		a.problem(ctx, fmt.Sprintf("activation of connector %.64s refused: its SyncInput is %d bytes, more than %d (names and list IDs are short)", in.ConnectorID, size, maxActivationBytes), nil)
		return
	}
	if len(a.connectors) >= audienceMaxConnectors {
		a.problem(ctx, fmt.Sprintf("activation of connector %s refused: the audience already has %d connectors, the most one audience serves", in.ConnectorID, audienceMaxConnectors), nil)
		return
	}
	opts := workflow.ChildWorkflowOptions{
		WorkflowID:            contract.SyncWorkflowID(a.id, in.ConnectorID),
		ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
	}
	opts.StaticSummary, opts.StaticDetails = uitext.SyncSummary(in), uitext.SyncStaticDetails(in)
	opts.TypedSearchAttributes = uitext.SyncSearchAttributes(in)
	cctx := workflow.WithChildOptions(ctx, opts)
	err := workflow.ExecuteChildWorkflow(cctx, contract.SyncWorkflowName, in).GetChildWorkflowExecution().Get(ctx, nil)
	if temporal.IsWorkflowExecutionAlreadyStartedError(err) {
		// Its sync is still running: most likely finishing the stop of an
		// earlier deactivation. Call the stop off; if it completed
		// meanwhile, start it again.
		if serr := workflow.SignalExternalWorkflow(ctx, contract.SyncWorkflowID(a.id, in.ConnectorID), "", contract.SignalReactivate, nil).Get(ctx, nil); serr != nil {
			err = workflow.ExecuteChildWorkflow(cctx, contract.SyncWorkflowName, in).GetChildWorkflowExecution().Get(ctx, nil)
		}
	}
	if err != nil && !temporal.IsWorkflowExecutionAlreadyStartedError(err) {
		a.problem(ctx, "starting the sync of connector "+in.ConnectorID+" failed; activate it again", err)
		return
	}
	a.connectors = append(a.connectors, in)
	a.flows = a.reconcileFlows(a.flows)
	log.Info("Connector activated", "AudienceID", a.id, "ConnectorID", in.ConnectorID, "ListID", in.ListID)
}

// deactivate stops forwarding and asks the sync workflow to flush and stop.
func (a *audience) deactivate(ctx workflow.Context, connectorID string) {
	i := a.index(connectorID)
	if i < 0 {
		a.problem(ctx, "deactivation of connector "+connectorID+" ignored: it is not active on this audience", nil)
		return
	}
	a.connectors = append(a.connectors[:i:i], a.connectors[i+1:]...)
	a.flows = a.reconcileFlows(a.flows)
	err := workflow.SignalExternalWorkflow(ctx, contract.SyncWorkflowID(a.id, connectorID), "", contract.SignalStop, nil).Get(ctx, nil)
	workflow.GetLogger(ctx).Info("Connector deactivated", "AudienceID", a.id, "ConnectorID", connectorID, "StopSignalError", err)
}

// dropFailed drops every connector whose forward failed (its sync workflow
// is gone: someone ended it outside this API) and counts n forwarded
// changes for the others.
func (a *audience) dropFailed(ctx workflow.Context, failed []error, n int64) {
	kept := a.connectors[:0:0]
	for i, c := range a.connectors {
		if failed[i] != nil {
			a.problem(ctx, "forwarding to connector "+c.ConnectorID+" failed (its sync workflow is gone); it is no longer active: activate it again to resume", failed[i])
			continue
		}
		kept = append(kept, c)
		a.forwarded += n
	}
	a.connectors = kept
	a.flows = a.reconcileFlows(a.flows)
}

// mergeChanges joins consecutive changes of the same op, in order, into
// changes of at most limit IDs, so forwarding costs few signals.
func mergeChanges(changes []contract.MembershipChange, limit int) []contract.MembershipChange {
	var out []contract.MembershipChange
	for _, m := range changes {
		for ids := m.RecordIDs; len(ids) > 0; {
			last := len(out) - 1
			if last < 0 || out[last].Op != m.Op || len(out[last].RecordIDs) >= limit {
				out = append(out, contract.MembershipChange{Op: m.Op, ChangeID: m.ChangeID})
				last++
			}
			n := min(limit-len(out[last].RecordIDs), len(ids))
			out[last].RecordIDs = append(out[last].RecordIDs, ids[:n]...)
			ids = ids[n:]
		}
	}
	return out
}
