package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// ActivityStartToClose bounds one attempt of ApplyBatchActivity. The
// worker's HTTP timeout per attempt MUST be shorter (e.g. 30s): otherwise a
// timed-out attempt could still land after its retry or after the next
// batch, breaking "a later batch never overtakes an earlier one".
const ActivityStartToClose = 60 * time.Second

// MembershipRetryPolicy is the single definition of how a membership batch is
// retried. Attempts are unlimited because the product promises automatic
// recovery from 408/429/503 and transport errors; terminal HubSpot answers
// and invalid batches are not retried and block the sync instead.
func MembershipRetryPolicy() *temporal.RetryPolicy {
	return &temporal.RetryPolicy{
		InitialInterval:        time.Second,
		BackoffCoefficient:     2,
		MaximumInterval:        5 * time.Minute,
		MaximumAttempts:        0, // unlimited
		NonRetryableErrorTypes: []string{ErrTypeTerminal, ErrTypeInvalidBatch},
	}
}

// ActivityOptions are the options for ApplyBatchActivity. There is no
// ScheduleToClose timeout: retries continue until HubSpot recovers.
func ActivityOptions() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout: ActivityStartToClose,
		RetryPolicy:         MembershipRetryPolicy(),
	}
}
