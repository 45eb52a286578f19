package workflows

import (
	"encoding/json"

	"go.temporal.io/sdk/workflow"
)

// The audience loop as it ran before back-pressure (bounded backlogs): it
// forwarded every change as soon as it was received. It is kept only so
// that runs started before that change replay and finish on the code they
// were recorded with (workflow.GetVersion in Audience picks it); their
// continue-as-new starts the current loop. Delete it once no such run is
// left on any cluster.

const (
	legacyMaxCommandsPerPass = 500
	legacyHandOverBytes      = 1 << 20
)

func (a *audience) legacyLoop(ctx workflow.Context, in AudienceInput, commands workflow.ReceiveChannel) error {
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
		for len(batch) < legacyMaxCommandsPerPass {
			var raw json.RawMessage
			if !commands.ReceiveAsync(&raw) {
				break
			}
			a.signals++
			batch = append(batch, raw)
		}
		a.legacyProcess(ctx, batch)
		info := workflow.GetInfo(ctx)
		if info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() >= audienceMaxEventsPerRun ||
			a.signals >= in.MaxSignalsPerRun || a.forwardsThisRun >= audienceMaxForwardsPerRun {
			pending := a.legacyHandOver(ctx, commands)
			workflow.GetLogger(ctx).Info("Audience continuing as new", "AudienceID", a.id, "Generation", a.generation+1, "HandedOver", len(pending))
			return workflow.NewContinueAsNewError(ctx, AudienceWorkflowName, AudienceInput{AudienceID: a.id, MaxSignalsPerRun: in.MaxSignalsPerRun,
				Carried: &AudienceCarried{Connectors: a.connectors, Forwarded: a.forwarded, Generation: a.generation + 1, Problems: a.problems, Pending: pending}})
		}
	}
}

func (a *audience) legacyHandOver(ctx workflow.Context, commands workflow.ReceiveChannel) []json.RawMessage {
	var pending []json.RawMessage
	size := 0
	for {
		var raw json.RawMessage
		if !commands.ReceiveAsync(&raw) {
			return pending
		}
		pending = append(pending, raw)
		if size += len(raw); size >= legacyHandOverBytes {
			a.legacyProcess(ctx, pending)
			pending, size = nil, 0
		}
	}
}

func (a *audience) legacyProcess(ctx workflow.Context, commands []json.RawMessage) {
	var run []json.RawMessage
	flush := func() {
		a.legacyForward(ctx, legacyCoalesce(run, forwardChunkIDs))
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

func (a *audience) legacyForward(ctx workflow.Context, changes []any) {
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
				err := workflow.SignalExternalWorkflow(gctx, SyncWorkflowID(a.id, c.ConnectorID), "", SignalMembership, m).Get(gctx, nil)
				if err != nil {
					failed[i] = err
					return
				}
			}
		})
	}
	wg.Wait(ctx)
	a.dropFailed(ctx, failed, int64(len(changes)))
	a.forwardsThisRun += len(changes) * len(failed)
}

func legacyCoalesce(raws []json.RawMessage, limit int) []any {
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
