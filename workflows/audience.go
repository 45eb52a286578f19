package workflows

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Bounds of one audience workflow run, far below the server's 10,000
// signals and 51,200 events: a forwarded signal costs two events.
const (
	audienceMaxSignalsPerRun  = 3000
	audienceMaxForwardsPerRun = 6000
	// forwardChunkIDs bounds one forwarded signal (≈ 100 KB of JSON).
	forwardChunkIDs = 5000
	// maxCommandsPerPass bounds the work between two continue-as-new
	// checks, so one burst cannot grow a run's history unchecked.
	maxCommandsPerPass = 500
	// audienceMaxEventsPerRun is well below the 51,200-event hard limit.
	audienceMaxEventsPerRun = 20000
	// handOverBytes bounds the commands carried into the next run.
	handOverBytes = 1 << 20
)

// Audience is the entry point of one audience: it keeps the set of active
// connectors and forwards every membership change, in order, to each one's
// sync workflow. It runs until it is no longer needed; an audience with no
// connectors costs nothing while idle.
func Audience(ctx workflow.Context, in AudienceInput) error {
	if err := checkName("AudienceID", in.AudienceID); err != nil {
		return err
	}
	if in.MaxSignalsPerRun < 0 || in.MaxSignalsPerRun > audienceMaxSignalsPerRun {
		return temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("invalid AudienceInput.MaxSignalsPerRun %d: must be between 0 (default) and %d", in.MaxSignalsPerRun, audienceMaxSignalsPerRun), ErrTypeInvalidInput, nil)
	}
	if in.MaxSignalsPerRun == 0 {
		in.MaxSignalsPerRun = audienceMaxSignalsPerRun
	}
	a := &audience{id: in.AudienceID}
	if c := in.Carried; c != nil {
		a.connectors, a.forwarded, a.generation, a.problems = c.Connectors, c.Forwarded, c.Generation, c.Problems
	}
	if err := workflow.SetQueryHandler(ctx, QueryConnectors, func() (AudienceStatus, error) {
		return a.status(), nil
	}); err != nil {
		return err
	}
	commands := workflow.GetSignalChannel(ctx, SignalAudience)
	var handedOver []json.RawMessage
	if in.Carried != nil {
		handedOver = in.Carried.Pending
	}
	for {
		batch := handedOver
		handedOver = nil
		if len(batch) == 0 {
			if err := workflow.Await(ctx, func() bool { return commands.Len() > 0 }); err != nil {
				return err
			}
		}
		for len(batch) < maxCommandsPerPass {
			var raw json.RawMessage
			if !commands.ReceiveAsync(&raw) {
				break
			}
			a.signals++
			batch = append(batch, raw)
		}
		a.process(ctx, batch)
		info := workflow.GetInfo(ctx)
		if info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() >= audienceMaxEventsPerRun ||
			a.signals >= in.MaxSignalsPerRun || a.forwardsThisRun >= audienceMaxForwardsPerRun {
			pending := a.handOver(ctx, commands)
			workflow.GetLogger(ctx).Info("Audience continuing as new", "AudienceID", a.id, "Generation", a.generation+1, "HandedOver", len(pending))
			return workflow.NewContinueAsNewError(ctx, AudienceWorkflowName, AudienceInput{AudienceID: a.id, MaxSignalsPerRun: in.MaxSignalsPerRun,
				Carried: &AudienceCarried{Connectors: a.connectors, Forwarded: a.forwarded, Generation: a.generation + 1, Problems: a.problems, Pending: pending}})
		}
	}
}

// handOver takes every command still delivered and returns those the next
// run must process. Taking them needs no waiting, so a busy stream cannot
// hold the run open; but the next run's input must stay far below
// Temporal's 2 MB payload limit, so past handOverBytes the commands taken
// so far are processed here first.
func (a *audience) handOver(ctx workflow.Context, commands workflow.ReceiveChannel) []json.RawMessage {
	var pending []json.RawMessage
	size := 0
	for {
		var raw json.RawMessage
		if !commands.ReceiveAsync(&raw) {
			return pending
		}
		pending = append(pending, raw)
		if size += len(raw); size >= handOverBytes {
			a.process(ctx, pending)
			pending, size = nil, 0
		}
	}
}

// process applies commands in order. Consecutive changes are forwarded
// together; an activation or deactivation first forwards the changes before
// it, so each connector gets exactly the changes accepted while it is
// active.
func (a *audience) process(ctx workflow.Context, commands []json.RawMessage) {
	var run []json.RawMessage
	flush := func() {
		a.forward(ctx, coalesce(run, forwardChunkIDs))
		run = nil
	}
	for _, raw := range commands {
		cmd, err := decodeCommand(raw)
		switch {
		case err != nil:
			a.problem(ctx, "command ignored: not an AudienceCommand", err)
		case cmd.Membership != nil:
			run = append(run, cmd.Membership)
		case cmd.Activate != nil:
			flush()
			var in SyncInput
			if err := decodeJSON(cmd.Activate, &in); err != nil {
				a.problem(ctx, "activation ignored: malformed SyncInput", err)
				continue
			}
			a.activate(ctx, in)
		case cmd.Deactivate != nil:
			flush()
			var d Deactivate
			if err := decodeJSON(cmd.Deactivate, &d); err != nil {
				a.problem(ctx, "deactivation ignored: malformed payload", err)
				continue
			}
			a.deactivate(ctx, d.ConnectorID)
		}
	}
	flush()
}

// commandWire is AudienceCommand with its parts still raw, so a malformed
// change is forwarded for the sync workflow to count instead of dropped.
type commandWire struct {
	Activate   json.RawMessage `json:"activate"`
	Membership json.RawMessage `json:"membership"`
	Deactivate json.RawMessage `json:"deactivate"`
}

func decodeCommand(raw json.RawMessage) (commandWire, error) {
	var c commandWire
	if err := decodeJSON(raw, &c); err != nil {
		return c, err
	}
	set := 0
	for _, part := range []*json.RawMessage{&c.Activate, &c.Membership, &c.Deactivate} {
		if string(*part) == "null" {
			*part = nil
		}
		if *part != nil {
			set++
		}
	}
	if set != 1 {
		return c, fmt.Errorf("exactly one of activate, membership, deactivate must be set, got %d", set)
	}
	return c, nil
}

// RegisterAudience registers Audience under AudienceWorkflowName.
func RegisterAudience(r WorkflowRegistrar) {
	r.RegisterWorkflowWithOptions(Audience, workflow.RegisterOptions{Name: AudienceWorkflowName})
}

type audience struct {
	id              string
	connectors      []SyncInput
	forwarded       int64
	generation      int
	signals         int
	forwardsThisRun int
	problems        []string
}

// problem logs what could not be done and keeps it for the status query,
// so an operator sees it without reading worker logs.
func (a *audience) problem(ctx workflow.Context, msg string, err error) {
	text := msg
	if err != nil {
		text += ": " + err.Error()
	}
	workflow.GetLogger(ctx).Error(msg, "AudienceID", a.id, "Error", err)
	a.problems = append(a.problems, workflow.Now(ctx).UTC().Format(time.RFC3339)+" "+text)
	if len(a.problems) > AudienceProblemsLimit {
		a.problems = a.problems[len(a.problems)-AudienceProblemsLimit:]
	}
}

func (a *audience) status() AudienceStatus {
	return AudienceStatus{AudienceID: a.id, Connectors: append([]SyncInput(nil), a.connectors...), Forwarded: a.forwarded,
		Generation: a.generation, Problems: append([]string(nil), a.problems...)}
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
func (a *audience) activate(ctx workflow.Context, in SyncInput) {
	log := workflow.GetLogger(ctx)
	in.AudienceID, in.Carried = a.id, nil
	if a.index(in.ConnectorID) >= 0 {
		log.Info("Connector already active", "AudienceID", a.id, "ConnectorID", in.ConnectorID)
		return
	}
	if _, err := normalize(in); err != nil {
		a.problem(ctx, "activation of connector "+in.ConnectorID+" refused", err)
		return
	}
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:            WorkflowID(a.id, in.ConnectorID),
		ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
	})
	err := workflow.ExecuteChildWorkflow(cctx, WorkflowName, in).GetChildWorkflowExecution().Get(ctx, nil)
	if err != nil && !temporal.IsWorkflowExecutionAlreadyStartedError(err) {
		a.problem(ctx, "starting the sync of connector "+in.ConnectorID+" failed; activate it again", err)
		return
	}
	a.connectors = append(a.connectors, in)
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
	err := workflow.SignalExternalWorkflow(ctx, WorkflowID(a.id, connectorID), "", SignalStop, nil).Get(ctx, nil)
	workflow.GetLogger(ctx).Info("Connector deactivated", "AudienceID", a.id, "ConnectorID", connectorID, "StopSignalError", err)
}

// forward sends the changes to every active connector: in order, one signal
// at a time per connector (so none overtakes another), connectors in
// parallel. A connector whose sync workflow is gone is dropped from the set
// and logged: someone ended it outside this API.
func (a *audience) forward(ctx workflow.Context, changes []any) {
	if len(changes) == 0 || len(a.connectors) == 0 {
		return
	}
	failed := make([]error, len(a.connectors))
	wg := workflow.NewWaitGroup(ctx)
	for i, c := range a.connectors {
		wg.Add(1)
		workflow.Go(ctx, func(gctx workflow.Context) {
			defer wg.Done()
			for _, m := range changes {
				err := workflow.SignalExternalWorkflow(gctx, WorkflowID(a.id, c.ConnectorID), "", SignalMembership, m).Get(gctx, nil)
				if err != nil {
					failed[i] = err
					return
				}
			}
		})
	}
	wg.Wait(ctx)
	kept := a.connectors[:0:0]
	for i, c := range a.connectors {
		if failed[i] != nil {
			a.problem(ctx, "forwarding to connector "+c.ConnectorID+" failed (its sync workflow is gone); it is no longer active: activate it again to resume", failed[i])
			continue
		}
		kept = append(kept, c)
		a.forwarded += int64(len(changes))
	}
	a.connectors = kept
	a.forwardsThisRun += len(changes) * len(failed)
}

// coalesce turns the raw membership signals of one pass into the signals to
// forward. Well-formed changes are merged (mergeChanges); anything else is
// forwarded untouched, in its place, so the sync workflow counts it as
// rejected instead of this workflow dropping it.
func coalesce(raws []json.RawMessage, limit int) []any {
	var out []any
	var run []MembershipChange
	flush := func() {
		for _, m := range mergeChanges(run, limit) {
			out = append(out, m)
		}
		run = run[:0]
	}
	for _, raw := range raws {
		var m MembershipChange
		if decodeJSON(raw, &m) == nil && (m.Op == OpEnter || m.Op == OpLeave) {
			run = append(run, m)
			continue
		}
		flush()
		out = append(out, raw)
	}
	flush()
	return out
}

// mergeChanges joins consecutive changes of the same op, in order, into
// changes of at most limit IDs, so forwarding costs few signals.
func mergeChanges(changes []MembershipChange, limit int) []MembershipChange {
	var out []MembershipChange
	for _, m := range changes {
		for ids := m.RecordIDs; len(ids) > 0; {
			last := len(out) - 1
			if last < 0 || out[last].Op != m.Op || len(out[last].RecordIDs) >= limit {
				out = append(out, MembershipChange{Op: m.Op, ChangeID: m.ChangeID})
				last++
			}
			n := min(limit-len(out[last].RecordIDs), len(ids))
			out[last].RecordIDs = append(out[last].RecordIDs, ids[:n]...)
			ids = ids[n:]
		}
	}
	return out
}

func checkName(field, v string) error {
	if strings.TrimSpace(v) == "" || strings.Contains(v, "/") {
		return temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("invalid %s %q: required, and must not contain '/'", field, v), ErrTypeInvalidInput, nil)
	}
	return nil
}
