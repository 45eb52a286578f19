package contract

import (
	"fmt"
	"time"
)

// The audience's queue: admits wait while it is above its soft bounds; a
// raw membership signal that would take it past QueueHardBytes is refused
// and counted.
const (
	// QueueSoftIDs and QueueSoftBytes: an admit waits while the queue
	// holds more (unless it is empty).
	QueueSoftIDs   = 20000
	QueueSoftBytes = 512 << 10
	// QueueHardBytes: a membership signal that would take the queue past
	// it is refused and counted in AudienceCounters.Overflowed.
	QueueHardBytes = 1 << 20
	// MaxSignalBytes: a larger membership signal is refused and counted.
	MaxSignalBytes = QueueHardBytes / 2
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

// AccountTaskQueue is the task queue of an account's membership
// activities: the server dispatches them at the account's rate to every
// worker together. Without an account, the workflow's own queue.
func AccountTaskQueue(workflowQueue, account string) string {
	if account == "" {
		return ""
	}
	return workflowQueue + "." + account
}

// AudienceSummary is the one-line static summary of an audience workflow.
func AudienceSummary(audienceID string) string {
	return fmt.Sprintf("Audience %s: entry point of its membership changes (admit them here)", audienceID)
}

// AudienceStaticDetails are an audience workflow's static details.
func AudienceStaticDetails(audienceID string) string {
	return fmt.Sprintf("**Audience:** %s  \n**Send changes:** `hubsync enter|leave|import %s …` or the `%s` update  \n"+
		"**Connectors:** `hubsync activate %s CONNECTOR`; each gets a sync `%s`  \n_Names only: credentials stay in the worker._",
		audienceID, audienceID, UpdateAdmit, audienceID, SyncWorkflowID(audienceID, "CONNECTOR"))
}
