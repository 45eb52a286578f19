package starter

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// update runs one update to completion, retrying where the workflow was
// continuing as new or the server was busy. Admits and the reconcile's
// updates all go through it. When ctx ends first it returns a
// *SendTimeoutError saying what the update was found waiting on.
func (s *Starter) update(ctx context.Context, t updateTarget, updateID, name string, arg, out any) error {
	start := time.Now()
	backoff := 50 * time.Millisecond
	for attempt := 1; ; {
		uo := client.UpdateWorkflowOptions{
			WorkflowID: t.workflowID(), UpdateID: fmt.Sprintf("%s#%d", updateID, attempt), UpdateName: name,
			Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted,
		}
		var h client.WorkflowUpdateHandle
		var err error
		if t.start != nil {
			uo.WorkflowID = ""
			op := s.client.NewWithStartWorkflowOperation(*t.start, contract.AudienceWorkflowName, t.input)
			h, err = s.client.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{StartWorkflowOperation: op, UpdateOptions: uo})
		} else {
			h, err = s.client.UpdateWorkflow(ctx, uo)
		}
		if err == nil {
			err = h.Get(ctx, out)
		}
		var stopped *client.WorkflowUpdateServiceTimeoutOrCanceledError
		switch {
		case err == nil:
			return nil
		case errors.As(err, &stopped) && ctx.Err() == nil:
			// The server stopped waiting before the update had an outcome
			// (it restarted, or its wait ended just before ctx's): wait
			// again on the same update ID, which the server deduplicates.
		case s.retryableAdmit(ctx, t.workflowID(), err):
			attempt++
		case ctx.Err() != nil && !answered(err):
			return s.gaveUp(ctx, t, name, time.Since(start), err)
		default:
			return err
		}
		select {
		case <-ctx.Done():
			return s.gaveUp(ctx, t, name, time.Since(start), err)
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 2*time.Second)
	}
}

// answered: the workflow itself refused the update (its validator or
// handler), so a deadline that passed meanwhile is not why it failed.
func answered(err error) bool {
	var app *temporal.ApplicationError
	if !errors.As(err, &app) {
		return false
	}
	switch app.Type() {
	case contract.ErrTypeRetryAdmit, "UnprocessedUpdate", "AcceptedUpdateCompletedWorkflow":
		return false
	}
	return true
}
