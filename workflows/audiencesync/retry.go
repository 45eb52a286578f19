package audiencesync

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// MembershipRetryPolicy is the single definition of how a membership batch is
// retried. Attempts are unlimited because the product promises automatic
// recovery from 408/429/503 and transport errors; terminal HubSpot answers
// and invalid batches are not retried and block the sync instead. The
// backoff is capped at a minute: once HubSpot is back after an outage of
// any length, every batch is retried within a minute (a 429 waits the
// interval HubSpot names instead). It grows by 1.5, not 2: transient
// faults come in short runs, and a batch that meets five in a row (at
// 30 % faults, one batch in 400) waits 13 s of backoff in all rather than
// 31 s; from the twelfth retry on, both wait the full minute.
func MembershipRetryPolicy() *temporal.RetryPolicy {
	return &temporal.RetryPolicy{
		InitialInterval:        time.Second,
		BackoffCoefficient:     1.5,
		MaximumInterval:        time.Minute,
		MaximumAttempts:        0, // unlimited
		NonRetryableErrorTypes: []string{contract.ErrTypeTerminal, contract.ErrTypeInvalidBatch},
	}
}

// ActivityOptions are the options for ApplyBatchActivity. There is no
// ScheduleToClose timeout: retries continue until HubSpot recovers.
func ActivityOptions() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout: contract.ActivityStartToClose,
		HeartbeatTimeout:    contract.ActivityHeartbeatTimeout,
		RetryPolicy:         MembershipRetryPolicy(),
	}
}
