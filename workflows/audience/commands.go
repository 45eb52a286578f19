package audience

import (
	"encoding/json"
	"fmt"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/workflows/internal/payload"
)

// Activations and deactivations arrive as the UpdateActivate and
// UpdateDeactivate updates (by signal they are refused and counted:
// queue.go): a validator refuses a malformed one before anything
// is written,
// and the handler returns the outcome once the command has been carried
// out in its place in the queue (the resolved connector, or why it was
// refused). If the audience must continue as new first, it answers
// "queued": the command was taken and takes effect in order.

// runActivation carries out one activation and returns its connector ID.
func (a *audience) runActivation(ctx workflow.Context, raw json.RawMessage) string {
	var in contract.SyncInput
	if err := payload.Decode(raw, &in); err != nil {
		a.problem(ctx, "activation ignored: malformed SyncInput", err)
		return ""
	}
	if a.index(in.ConnectorID) < 0 {
		resolved, err := a.resolve(ctx, in)
		if err != nil {
			a.problem(ctx, "activation of connector "+in.ConnectorID+" refused", err)
			return in.ConnectorID
		}
		in = resolved
	}
	a.activate(ctx, in)
	return in.ConnectorID
}

// runDeactivation carries out one deactivation and returns its connector ID.
func (a *audience) runDeactivation(ctx workflow.Context, raw json.RawMessage) string {
	var d contract.Deactivate
	if err := payload.Decode(raw, &d); err != nil {
		a.problem(ctx, "deactivation ignored: malformed payload", err)
		return ""
	}
	a.deactivate(ctx, d.ConnectorID)
	return d.ConnectorID
}

// commandOutcome is what an activate or deactivate update answers.
type commandOutcome struct {
	connector *contract.SyncInput
	refused   string
}

// settle records the outcome of a command an update is waiting for: it
// took effect (the connector is, or is no longer, active), or the problem
// it raised.
func (a *audience) settle(ticket int64, problemsBefore int, connectorID string, activation bool) {
	if ticket == 0 || !a.awaiting[ticket] {
		return
	}
	var o commandOutcome
	i := a.index(connectorID)
	switch {
	case activation && i >= 0:
		c := a.connectors[i]
		o.connector = &c
	case !activation && connectorID != "" && i < 0 && len(a.problems) == problemsBefore:
	case len(a.problems) > problemsBefore:
		o.refused = a.problems[len(a.problems)-1]
	default:
		o.refused = "the command had no effect"
	}
	a.outcomes[ticket] = o
}

// registerCommandUpdates installs UpdateActivate and UpdateDeactivate.
func (a *audience) registerCommandUpdates(ctx workflow.Context) error {
	a.awaiting, a.outcomes = map[int64]bool{}, map[int64]commandOutcome{}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, contract.UpdateActivate, a.activateUpdate,
		workflow.UpdateHandlerOptions{Validator: a.validateActivate}); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, contract.UpdateDeactivate, a.deactivateUpdate,
		workflow.UpdateHandlerOptions{Validator: a.validateDeactivate})
}

func (a *audience) validateActivate(_ workflow.Context, in contract.SyncInput) error {
	if err := a.refuseWhileDraining(); err != nil {
		return err
	}
	if err := contract.CheckConnectorID(in.ConnectorID); err != nil {
		return temporal.NewApplicationError("invalid activation: "+err.Error(), contract.ErrTypeInvalidInput)
	}
	if in.ListID != "" {
		if err := contract.CheckListID(in.ListID); err != nil {
			return temporal.NewApplicationError("invalid activation: "+err.Error(), contract.ErrTypeInvalidInput)
		}
	}
	if in.Carried != nil {
		return temporal.NewApplicationError("invalid activation: carried is set by continue-as-new only; leave it out", contract.ErrTypeInvalidInput)
	}
	return nil
}

func (a *audience) validateDeactivate(_ workflow.Context, d contract.Deactivate) error {
	if err := a.refuseWhileDraining(); err != nil {
		return err
	}
	if err := contract.CheckConnectorID(d.ConnectorID); err != nil {
		return temporal.NewApplicationError("invalid deactivation: "+err.Error(), contract.ErrTypeInvalidInput)
	}
	return nil
}

func (a *audience) refuseWhileDraining() error {
	if a.draining {
		return temporal.NewApplicationError(fmt.Sprintf(
			"audience %s is continuing as new: send the same request again", a.id), contract.ErrTypeRetryAdmit)
	}
	return nil
}

func (a *audience) activateUpdate(ctx workflow.Context, in contract.SyncInput) (contract.CommandResult, error) {
	in.AudienceID = a.id
	raw := payload.Encode(in)
	return a.await(ctx, queueItem{activate: raw, bytes: len(raw)}, contract.StateActive)
}

func (a *audience) deactivateUpdate(ctx workflow.Context, d contract.Deactivate) (contract.CommandResult, error) {
	raw := payload.Encode(d)
	return a.await(ctx, queueItem{deactivate: raw, bytes: len(raw)}, "inactive")
}

// await queues the command after everything signalled before it and
// waits for its outcome, or answers "queued" when the audience must
// continue as new first.
func (a *audience) await(ctx workflow.Context, it queueItem, done string) (contract.CommandResult, error) {
	a.receive(ctx, a.commands, a.progress)
	a.tickets++
	it.ticket = a.tickets
	a.awaiting[it.ticket] = true
	a.queue.push(it)
	a.woken = true
	_ = workflow.Await(ctx, func() bool {
		_, ok := a.outcomes[it.ticket]
		return ok || a.draining
	})
	o, ok := a.outcomes[it.ticket]
	delete(a.awaiting, it.ticket)
	delete(a.outcomes, it.ticket)
	switch {
	case !ok:
		return contract.CommandResult{State: "queued"}, nil
	case o.refused != "":
		return contract.CommandResult{}, temporal.NewNonRetryableApplicationError(o.refused, contract.ErrTypeCommandRefused, nil)
	default:
		return contract.CommandResult{State: done, Connector: o.connector}, nil
	}
}
