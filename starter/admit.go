package starter

import (
	"context"
	"errors"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// admit sends one change through the audience workflow's admit update and
// waits until it is queued (see update for retries and giving up).
func (s *Starter) admit(ctx context.Context, audienceID string, change contract.MembershipChange) error {
	t := updateTarget{audienceID: audienceID, what: "the change", ids: len(change.RecordIDs), bytes: 64 + len(change.ChangeID)}
	for _, id := range change.RecordIDs {
		t.bytes += len(id) + 3 // as the audience counts it, for IDs that need no escaping
	}
	stopWatch := s.watchWait(ctx, t)
	defer stopWatch()
	var res contract.AdmitResult
	return s.update(ctx, t, change.ChangeID, contract.UpdateAdmit, change, &res)
}

// retryableAdmit: the admit was refused because the run was continuing as
// new, hit the run as it closed, or the server had too many updates in
// flight. A NotFound is a closed run only if a newer run is still going.
func (s *Starter) retryableAdmit(ctx context.Context, wid string, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var app *temporal.ApplicationError
	if errors.As(err, &app) && app.Type() == contract.ErrTypeRetryAdmit {
		return true
	}
	// The server answers these when the update met a workflow task that
	// failed (a signal raced a continue-as-new: the task is retried) or
	// too many updates in flight; the change was not taken.
	var exhausted *serviceerror.ResourceExhausted
	var notReady *serviceerror.WorkflowNotReady
	var unavailable *serviceerror.Unavailable
	if errors.As(err, &exhausted) || errors.As(err, &notReady) || errors.As(err, &unavailable) {
		return true
	}
	// The run closed (continued as new) before the update was processed,
	// or before its handler ran to the point of taking the change (it
	// takes it in the same step it returns): retry on the new run.
	unprocessed := errors.As(err, &app) && (app.Type() == "UnprocessedUpdate" || app.Type() == "AcceptedUpdateCompletedWorkflow")
	if unprocessed || isNotFound(err) {
		d, derr := s.client.DescribeWorkflowExecution(ctx, wid, "")
		return derr == nil && d.GetWorkflowExecutionInfo().GetCloseTime() == nil
	}
	return false
}
