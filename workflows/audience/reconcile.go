package audience

import (
	"fmt"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/workflows/internal/payload"
)

// registerReconcileUpdate installs UpdateReconcile: the reconcile (after
// an activation, if asked) is queued behind every command accepted before
// it, and answered once its mark has reached the connector's sync.
func (a *audience) registerReconcileUpdate(ctx workflow.Context) error {
	return workflow.SetUpdateHandlerWithOptions(ctx, contract.UpdateReconcile, a.reconcileUpdate,
		workflow.UpdateHandlerOptions{Validator: a.validateReconcile})
}

func (a *audience) validateReconcile(_ workflow.Context, r contract.ReconcileRequest) error {
	if err := a.refuseWhileDraining(); err != nil {
		return err
	}
	bad := func(err error) error {
		return temporal.NewApplicationError("invalid reconcile: "+err.Error(), contract.ErrTypeInvalidInput)
	}
	if err := contract.CheckConnectorID(r.ConnectorID); err != nil {
		return bad(err)
	}
	if err := contract.CheckDeclaredID("reconcile", r.ReconcileID); err != nil {
		return bad(err)
	}
	if r.Members < 0 {
		return bad(fmt.Errorf("members %d: must be the snapshot's size, or 0 when unknown", r.Members))
	}
	if act := r.Activate; act != nil {
		if act.ConnectorID != r.ConnectorID {
			return bad(fmt.Errorf("activate names connector %q, the reconcile %q: they must match", act.ConnectorID, r.ConnectorID))
		}
		return a.validateActivate(nil, *act)
	}
	return nil
}

func (a *audience) reconcileUpdate(ctx workflow.Context, r contract.ReconcileRequest) (contract.CommandResult, error) {
	if act := r.Activate; act != nil {
		in := *act
		in.AudienceID = a.id
		raw := payload.Encode(in)
		a.receive(ctx, a.commands, a.progress)
		// Queued right before the reconcile: nothing can come between.
		a.queue.push(queueItem{activate: raw, bytes: len(raw)})
		r.Activate = nil
	}
	raw := payload.Encode(r)
	return a.await(ctx, queueItem{reconcile: raw, bytes: len(raw)}, "reconciling")
}

// runReconcile forwards a reconcile's mark to its connector's sync, in
// the stream's order, and settles the update waiting for it.
func (a *audience) runReconcile(ctx workflow.Context, raw []byte, ticket int64) {
	var r contract.ReconcileRequest
	problems := len(a.problems)
	if err := payload.Decode(raw, &r); err != nil {
		a.problem(ctx, "reconcile ignored: malformed payload", err)
		a.settleReconcile(ticket, problems, nil)
		return
	}
	i := a.index(r.ConnectorID)
	if i < 0 {
		a.problem(ctx, fmt.Sprintf("reconcile %s refused: connector %s is not active on this audience (activate it, or reconcile with activate set)", r.ReconcileID, r.ConnectorID), nil)
		a.settleReconcile(ticket, problems, nil)
		return
	}
	payload := contract.ReconcileMarkSignal{Reconcile: contract.ReconcileMark{ID: r.ReconcileID, Plan: r.Plan, Members: r.Members}, Seq: a.flows[i].Sent}
	err := workflow.SignalExternalWorkflow(ctx, contract.SyncWorkflowID(a.id, r.ConnectorID), "", contract.SignalMembership, payload).Get(ctx, nil)
	if err != nil {
		failed := make([]error, len(a.connectors))
		failed[i] = err
		a.dropFailed(ctx, failed, 0)
		a.settleReconcile(ticket, problems, nil)
		return
	}
	workflow.GetLogger(ctx).Info("Reconcile forwarded", "AudienceID", a.id, "ConnectorID", r.ConnectorID,
		"ReconcileID", r.ReconcileID, "Plan", r.Plan)
	c := a.connectors[i]
	a.settleReconcile(ticket, problems, &c)
}

func (a *audience) settleReconcile(ticket int64, problemsBefore int, c *contract.SyncInput) {
	if ticket == 0 || !a.awaiting[ticket] {
		return
	}
	o := commandOutcome{connector: c}
	if c == nil {
		o.refused = "the reconcile had no effect"
		if len(a.problems) > problemsBefore {
			o.refused = a.problems[len(a.problems)-1]
		}
	}
	a.outcomes[ticket] = o
}
