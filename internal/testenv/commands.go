package testenv

import (
	"context"
	"testing"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// Activate activates in on the audience as any Temporal client would:
// the activate update, starting the audience workflow if it is not
// running (update-with-start). It fails the test unless the connector is
// active.
func Activate(t testing.TB, ctx context.Context, c client.Client, taskQueue, audienceID string, in contract.SyncInput) contract.CommandResult {
	t.Helper()
	op := c.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID: contract.AudienceWorkflowID(audienceID), TaskQueue: taskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, contract.AudienceWorkflowName, contract.AudienceInput{AudienceID: audienceID})
	h, err := c.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{StartWorkflowOperation: op,
		UpdateOptions: client.UpdateWorkflowOptions{UpdateName: contract.UpdateActivate, Args: []any{in},
			WaitForStage: client.WorkflowUpdateStageCompleted}})
	var res contract.CommandResult
	if err == nil {
		err = h.Get(ctx, &res)
	}
	if err != nil || res.State != contract.StateActive {
		t.Fatalf("activating connector %s on audience %s: %v (state %q)", in.ConnectorID, audienceID, err, res.State)
	}
	return res
}

// Deactivate deactivates a connector with the deactivate update.
func Deactivate(t testing.TB, ctx context.Context, c client.Client, audienceID, connectorID string) {
	t.Helper()
	h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: contract.AudienceWorkflowID(audienceID),
		UpdateName: contract.UpdateDeactivate, Args: []any{contract.Deactivate{ConnectorID: connectorID}},
		WaitForStage: client.WorkflowUpdateStageCompleted})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	if err != nil {
		t.Fatalf("deactivating connector %s on audience %s: %v", connectorID, audienceID, err)
	}
}
