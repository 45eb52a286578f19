package starter

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"

	"github.com/google/uuid"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// DefaultActivationWait is how long Activate and Stop wait for their
// commands to take effect (see Starter.ActivationWait).
const DefaultActivationWait = 30 * time.Second

// ErrCommandRefused matches a *CommandRefusedError.
var ErrCommandRefused = errors.New("the audience refused the command")

// CommandRefusedError is an activation or deactivation the audience
// workflow refused, with its reason (an unknown connector, a list that
// disagrees with the worker's connectors file, a connector not active).
type CommandRefusedError struct {
	AudienceID, ConnectorID string
	Command                 string // "activate" or "deactivate"
	Reason                  string
	Cause                   error
}

func (e *CommandRefusedError) Error() string {
	return fmt.Sprintf("starter: %s connector %q on audience %q was refused: %s", e.Command, e.ConnectorID, e.AudienceID, e.Reason)
}

func (e *CommandRefusedError) Is(target error) bool { return target == ErrCommandRefused }
func (e *CommandRefusedError) Unwrap() error        { return e.Cause }

// Activate activates each connector on the audience, starting the audience
// workflow if it is not running (update-with-start of the activate
// update). Activating a connector that is already active is not an error.
// Every connector is resolved through the catalog before anything is sent,
// so an unknown connector fails the call without activating the others.
//
// Activate returns once each activation took effect in its place in the
// audience's order (the connector's sync is running), or with a
// *CommandRefusedError saying why the audience refused it. Past
// ActivationWait (no worker running, say) it returns a *SendTimeoutError
// naming what it waited on; the activation may still take effect later,
// and activating again is safe.
//
// A connector activated here receives every change accepted by the
// audience workflow after its activation, not the audience's history: to
// backfill, activate with Reconcile (ReconcileOptions.Activate) and a
// snapshot of the audience instead.
func (s *Starter) Activate(ctx context.Context, audienceID string, connectorIDs ...string) error {
	if err := checkAudience(audienceID); err != nil {
		return err
	}
	if len(connectorIDs) == 0 {
		return fmt.Errorf("starter: activate audience %q: no connector given: name at least one connector ID", audienceID)
	}
	inputs := make([]contract.SyncInput, 0, len(connectorIDs))
	seen := map[string]bool{}
	for _, id := range connectorIDs {
		if err := checkConnector(id); err != nil {
			return err
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		in, err := s.activationInput(audienceID, id)
		if err != nil {
			return err
		}
		inputs = append(inputs, in)
	}
	ctx, cancel := s.commandContext(ctx)
	defer cancel()
	opts := s.audienceStartOptions(audienceID)
	opts.WorkflowIDConflictPolicy = enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING
	t := updateTarget{audienceID: audienceID, what: "the activation", start: &opts,
		input: contract.AudienceInput{AudienceID: audienceID, MaxSignalsPerRun: s.AudienceSignalsPerRun}}
	for i, in := range inputs {
		res, err := s.command(ctx, t, contract.UpdateActivate, in.ConnectorID, in)
		if err != nil {
			done := make([]string, i)
			for j := range done {
				done[j] = inputs[j].ConnectorID
			}
			if len(done) > 0 {
				return fmt.Errorf("%w (already activated: %v; activating again is safe)", err, done)
			}
			return err
		}
		list := in.ListID
		if res.Connector != nil {
			list = res.Connector.ListID
		}
		s.log().Info("activated connector", "audience", audienceID, "connector", in.ConnectorID,
			"list", list, "workflowId", opts.ID)
	}
	return nil
}

// Stop deactivates a connector: the audience workflow stops forwarding to
// it and, once every change accepted before the stop has been forwarded,
// tells its sync workflow to flush what is pending and complete. It is
// ordered after earlier Enter and Leave calls. An empty connectorID stops
// every active connector. It returns once the audience no longer lists
// the connector, with a *CommandRefusedError when it was not active, or
// a *SendTimeoutError past ActivationWait.
func (s *Starter) Stop(ctx context.Context, audienceID, connectorID string) error {
	ids, err := s.targets(ctx, audienceID, connectorID)
	if err != nil {
		return err
	}
	ctx, cancel := s.commandContext(ctx)
	defer cancel()
	t := updateTarget{audienceID: audienceID, what: "the stop"}
	for _, id := range ids {
		if _, err := s.command(ctx, t, contract.UpdateDeactivate, id, contract.Deactivate{ConnectorID: id}); err != nil {
			if isNotFound(err) {
				return &NotActiveError{AudienceID: audienceID, Cause: err}
			}
			return err
		}
		s.log().Info("deactivated connector", "audience", audienceID, "connector", id)
	}
	return nil
}

// commandContext bounds an activation or a stop by ActivationWait.
func (s *Starter) commandContext(ctx context.Context) (context.Context, context.CancelFunc) {
	switch {
	case s.ActivationWait < 0:
		return context.WithCancel(ctx)
	case s.ActivationWait == 0:
		return context.WithTimeout(ctx, DefaultActivationWait)
	}
	return context.WithTimeout(ctx, s.ActivationWait)
}

// command sends an activate or deactivate update until it took effect.
// "queued" means the audience continued as new first: the command is in
// its queue, and sending it again (a no-op once it took effect) returns
// when it has.
func (s *Starter) command(ctx context.Context, t updateTarget, name, connectorID string, arg any) (contract.CommandResult, error) {
	id := name + "/" + connectorID + "/" + uuid.NewString()
	for n := 0; ; n++ {
		var res contract.CommandResult
		err := s.update(ctx, t, fmt.Sprintf("%s/%d", id, n), name, arg, &res)
		var app *temporal.ApplicationError
		if errors.As(err, &app) && (app.Type() == contract.ErrTypeCommandRefused || app.Type() == contract.ErrTypeInvalidInput) {
			return res, &CommandRefusedError{AudienceID: t.audienceID, ConnectorID: connectorID, Command: name, Reason: app.Message(), Cause: err}
		}
		if err != nil || res.State != "queued" {
			return res, err
		}
	}
}
