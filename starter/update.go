package starter

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/client"
)

// update runs one update to completion, retrying where the workflow was
// continuing as new or the server was busy. Admits and the reconcile's
// updates all go through it.
func (s *Starter) update(ctx context.Context, wid, updateID, name string, arg, out any) error {
	backoff := 50 * time.Millisecond
	for attempt := 1; ; attempt++ {
		h, err := s.client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID: wid, UpdateID: fmt.Sprintf("%s#%d", updateID, attempt), UpdateName: name,
			Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		if err == nil {
			err = h.Get(ctx, out)
		}
		if err == nil || !s.retryableAdmit(ctx, wid, err) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (while retrying: %v)", ctx.Err(), err)
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 2*time.Second)
	}
}
