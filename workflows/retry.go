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

// ActivityHeartbeatTimeout is how soon a batch whose worker died (or lost
// Temporal) is retried elsewhere: the activity heartbeats every second
// while it waits for the rate budget and while its request runs.
//
// An attempt given up by Temporal must not land after its retry, so its
// request must have ended by then. Heartbeats reach the server at least
// every HeartbeatThrottle (the worker's throttle), so the server's last
// heartbeat is at most HeartbeatThrottle older than the send, and the
// request ends within MaxRequestTimeout of it:
// HeartbeatThrottle + MaxRequestTimeout + 1 s margin = the heartbeat
// timeout.
const (
	ActivityHeartbeatTimeout = 15 * time.Second
	HeartbeatThrottle        = 2 * time.Second
	MaxRequestTimeout        = ActivityHeartbeatTimeout - HeartbeatThrottle - time.Second
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
		NonRetryableErrorTypes: []string{ErrTypeTerminal, ErrTypeInvalidBatch},
	}
}

// ActivityOptions are the options for ApplyBatchActivity. There is no
// ScheduleToClose timeout: retries continue until HubSpot recovers.
func ActivityOptions() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout: ActivityStartToClose,
		HeartbeatTimeout:    ActivityHeartbeatTimeout,
		RetryPolicy:         MembershipRetryPolicy(),
	}
}
