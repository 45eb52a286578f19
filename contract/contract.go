// This file is the sync workflow's contract with the activity, worker and
// starter packages: names, payload types and the status shape. Everything
// here is plain data so that it serialises through Temporal's JSON data
// converter. The audience workflow's is audience_contract.go.

package contract

import (
	"time"
)

// SyncWorkflowName is the name the worker registers the workflow under; the
// starter starts it by this name so neither side depends on a Go symbol.
const SyncWorkflowName = "AudienceSync"

// ApplyBatchActivity is the activity name the worker registers. The workflow
// calls it by name so this package never imports the activity package.
const ApplyBatchActivity = "ApplyMembershipBatch"

// Signal and query names.
const (
	SignalMembership = "membership" // payload MembershipChange
	SignalPause      = "pause"      // no payload
	SignalResume     = "resume"     // no payload; also retries an owed batch when blocked
	SignalStop       = "stop"       // no payload
	SignalRetarget   = "retarget"   // payload Retarget
	SignalDiscard    = "discard"    // payload Discard
	// SignalReactivate is sent by the audience when it activates a
	// connector whose sync is still finishing a stop: the stop is called
	// off and the sync carries on. No payload.
	SignalReactivate = "reactivate"
	QueryStatus      = "status" // returns Status
)

// Application error types exchanged between the activity and the workflow.
const (
	// ErrTypeTerminal: HubSpot answered with a terminal status (400, 401,
	// 403, 404, 500). Non-retryable; details[0] is a HubSpotFailure.
	ErrTypeTerminal = "HubSpotTerminal"
	// ErrTypeRetryable: 408, 429, 503 or a transport error. Retried by the
	// policy; the activity may set NextRetryDelay (429's interval).
	ErrTypeRetryable = "HubSpotRetryable"
	// ErrTypeInvalidBatch: bad input reached the activity. Non-retryable.
	ErrTypeInvalidBatch = "InvalidBatch"
	// ErrTypeInvalidInput: the workflow's SyncInput failed validation.
	ErrTypeInvalidInput = "InvalidSyncInput"
)

// Op is the direction of a membership change.
type Op string

// Membership operations.
const (
	OpEnter Op = "enter" // the profile entered the audience: add to the list
	OpLeave Op = "leave" // the profile left the audience: remove from the list
)

// MembershipChange is the payload of SignalMembership. One signal should
// carry many IDs (signals are the scarce resource: 10,000 per run).
//
// RecordIDs are HubSpot Contact Record IDs as strings so that anything the
// orchestration sends decodes; the workflow accepts only the canonical
// decimal form of a positive int64 (see ParseRecordID). Rejected IDs are
// counted in Status.TotalRejected and sampled in Status.RecentRejected; the
// valid IDs of the same signal are kept.
type MembershipChange struct {
	Op        Op       `json:"op"`
	RecordIDs []string `json:"recordIds"`
	// ChangeID is optional and only used in logs (e.g. the starter's
	// dedupe key); the workflow does not dedupe by it.
	ChangeID string `json:"changeId,omitempty"`
	// Runs is set only by the audience workflow when it forwards: ordered
	// runs of enters and leaves in one signal (Op and RecordIDs empty), so
	// forwarding costs one signal per pass whatever the mix. Senders leave
	// it empty.
	Runs []ChangeRun `json:"runs,omitempty"`
	// Seq is set by the audience workflow when it forwards a change: the
	// running total of record IDs it has forwarded to this connector, up
	// to and including this change. The sync echoes it in SyncProgress so
	// the audience knows how much of what it sent is still owed. Senders
	// leave it zero.
	Seq int64 `json:"seq,omitempty"`
}

// ChangeRun is one run of a forwarded change: IDs that share an op.
type ChangeRun struct {
	Op        Op       `json:"op"`
	RecordIDs []string `json:"recordIds"`
}

// Retarget is the payload of SignalRetarget: switch the list for every
// batch from now on, including the retry of an owed batch.
type Retarget struct {
	ListID string `json:"listId"`
}

// Discard is the payload of SignalDiscard: drop the owed (failed) batch.
type Discard struct {
	Reason string `json:"reason"`
}

// SyncInput is the workflow input. It names things only: credentials stay
// in the worker and never enter workflow history.
type SyncInput struct {
	AudienceID  string `json:"audienceId"`
	ConnectorID string `json:"connectorId"`
	ListID      string `json:"listId"`
	// Account names the HubSpot account the connector writes to, for
	// people reading the Web UI; the worker resolves credentials by
	// ConnectorID, never by this.
	Account string `json:"account,omitempty"`

	// FlushInterval is how long the oldest pending change may wait before
	// a batch is sent. Zero means DefaultFlushInterval.
	FlushInterval time.Duration `json:"flushInterval,omitempty"`
	// MaxBatchSize bounds the IDs (adds + removes) in one request. Zero
	// means DefaultMaxBatchSize; at most MaxMaxBatchSize.
	MaxBatchSize int `json:"maxBatchSize,omitempty"`
	// MaxSignalsPerRun and MaxBatchesPerRun bound one run's history; the
	// workflow continues as new when either is reached, or earlier when
	// Temporal suggests it. Zero means the defaults below.
	MaxSignalsPerRun int `json:"maxSignalsPerRun,omitempty"`
	MaxBatchesPerRun int `json:"maxBatchesPerRun,omitempty"`
	// MaxBacklog bounds the record IDs this sync may owe (see
	// DefaultMaxBacklog); the audience stops forwarding, and holds its
	// senders, while the sync is at it. Zero means DefaultMaxBacklog; at
	// most MaxMaxBacklog.
	MaxBacklog int `json:"maxBacklog,omitempty"`
	// MaxInFlight bounds the batches this sync keeps in flight at once,
	// each with its own contacts. Zero means DefaultMaxInFlight (lowered
	// so MaxInFlight × MaxBatchSize stays within MaxMaxBatchSize); at most
	// MaxMaxInFlight.
	MaxInFlight int `json:"maxInFlight,omitempty"`

	// Carried is nil on the first start and set by continue-as-new.
	Carried *CarriedState `json:"carried,omitempty"`
}

// Defaults and bounds for SyncInput.
const (
	// DefaultMaxBacklog is how many record IDs a connector's sync may owe
	// (pending, in flight and owed, plus changes forwarded but not yet
	// received) before its audience stops forwarding to it and holds its
	// senders. MaxMaxBacklog is its upper bound and also the sync's hard
	// cap on pending contacts, for signals sent to it directly.
	DefaultMaxBacklog = 50000
	MaxMaxBacklog     = 80000

	DefaultFlushInterval = 10 * time.Second
	DefaultMaxBatchSize  = 500
	// MaxMaxBatchSize keeps one BatchRequest payload far below Temporal's
	// 512 KB payload warning (10,000 int64 IDs are about 200 KB of JSON).
	MaxMaxBatchSize = 10000
	// DefaultMaxSignalsPerRun is half the server's 10,000 signals per run.
	DefaultMaxSignalsPerRun = 5000
	// DefaultMaxBatchesPerRun: a batch costs about a dozen events (timer,
	// activity, workflow tasks), so 1,000 stays well inside 51,200 events.
	DefaultMaxBatchesPerRun = 1000
	// DefaultMaxInFlight: one request takes a few hundred ms at HubSpot
	// and each batch ~100 ms of orchestration, so about five overlapping
	// requests reach an account's 11 requests/s from one list (measured:
	// docs/benchmarks.md, "Moving at HubSpot's ceiling"). MaxMaxInFlight
	// bounds it; so does
	// MaxInFlight × MaxBatchSize ≤ MaxMaxBatchSize, which keeps the owed
	// batches of a blocked sync within one owed payload's bound.
	DefaultMaxInFlight = 5
	MaxMaxInFlight     = 10
)

// BatchRequest is the activity input: one HubSpot add-and-remove request.
// An ID never appears in both Add and Remove.
type BatchRequest struct {
	ConnectorID string `json:"connectorId"`
	ListID      string `json:"listId"`
	// BatchID = WorkflowID + "#" + sequence. It is stable across the
	// activity's automatic retries; an operator-triggered retry of an owed
	// batch is a new execution and gets a new sequence.
	BatchID string  `json:"batchId"`
	Add     []int64 `json:"add"`
	Remove  []int64 `json:"remove"`
}

// BatchResult is the activity output: HubSpot's per-contact outcome.
type BatchResult struct {
	Added   []int64 `json:"added"`
	Removed []int64 `json:"removed"`
	Missing []int64 `json:"missing"`
}

// HubSpotFailure describes a failed request. The activity puts it in
// details[0] of an ErrTypeTerminal error; the workflow shows it in
// Status.LastError (for other failures it fills Category and Message).
type HubSpotFailure struct {
	Status        int    `json:"status"`
	Category      string `json:"category,omitempty"`
	SubCategory   string `json:"subCategory,omitempty"`
	CorrelationID string `json:"correlationId,omitempty"`
	Message       string `json:"message,omitempty"`
	PolicyName    string `json:"policyName,omitempty"`
}

// States reported in Status.State.
const (
	StateActive   = "active"   // buffering and flushing
	StatePaused   = "paused"   // buffering, not flushing
	StateBlocked  = "blocked"  // a batch failed terminally and is owed; waiting for an operator
	StateStopping = "stopping" // stop received: flushing everything, then completing
	StateStopped  = "stopped"  // completed (the workflow's result)
)

// Counters are the lifetime totals, carried across continue-as-new.
type Counters struct {
	TotalAdded    int64 `json:"totalAdded"`    // IDs HubSpot reported added
	TotalRemoved  int64 `json:"totalRemoved"`  // IDs HubSpot reported removed
	TotalMissing  int64 `json:"totalMissing"`  // IDs HubSpot reported missing
	TotalRejected int64 `json:"totalRejected"` // IDs rejected by validation
	// BatchesSent counts batches HubSpot accepted (activity succeeded).
	BatchesSent int64 `json:"batchesSent"`
	// BatchesFailed counts terminal failures (each one blocked the sync).
	BatchesFailed    int64 `json:"batchesFailed"`
	BatchesDiscarded int64 `json:"batchesDiscarded"`
	IDsDiscarded     int64 `json:"idsDiscarded"`
	// MembershipSignals counts membership signals over the lifetime.
	MembershipSignals int64 `json:"membershipSignals"`
	// MalformedSignals counts signals whose payload could not be decoded
	// at all (their IDs cannot be counted; a sample is kept).
	MalformedSignals int64 `json:"malformedSignals"`
	// Overflowed counts record IDs refused because the sync already held
	// MaxMaxBacklog pending contacts. Only changes signalled to the sync
	// directly can get here: the audience workflow never forwards past a
	// sync's MaxBacklog. A sample is in RecentOverflowed.
	Overflowed int64 `json:"overflowed,omitempty"`
}

// BatchInfo describes a batch in flight or owed.
type BatchInfo struct {
	BatchID   string    `json:"batchId"`
	ListID    string    `json:"listId"`
	Adds      int       `json:"adds"`
	Removes   int       `json:"removes"`
	StartedAt time.Time `json:"startedAt"`
}

// BatchOutcome is the result of the last successful batch.
type BatchOutcome struct {
	BatchID     string    `json:"batchId"`
	ListID      string    `json:"listId"`
	Adds        int       `json:"adds"`    // requested
	Removes     int       `json:"removes"` // requested
	Added       int       `json:"added"`
	Removed     int       `json:"removed"`
	Missing     int       `json:"missing"`
	CompletedAt time.Time `json:"completedAt"`
}

// Status is the answer to QueryStatus and the workflow's result.
type Status struct {
	State       string `json:"state"`
	AudienceID  string `json:"audienceId"`
	ConnectorID string `json:"connectorId"`
	ListID      string `json:"listId"`
	// Paused and StopRequested are shown separately because they can
	// coexist with blocked (State shows the dominant one).
	Paused        bool `json:"paused"`
	StopRequested bool `json:"stopRequested"`

	PendingAdds    int `json:"pendingAdds"`
	PendingRemoves int `json:"pendingRemoves"`
	// Backlog is what the sync owes: pending, in flight and owed IDs.
	Backlog    int `json:"backlog"`
	MaxBacklog int `json:"maxBacklog"`
	// InFlight is the oldest batch in flight; InFlightBatches counts them
	// (at most MaxInFlight, with disjoint contacts).
	InFlight        *BatchInfo `json:"inFlight,omitempty"`
	InFlightBatches int        `json:"inFlightBatches,omitempty"`
	MaxInFlight     int        `json:"maxInFlight,omitempty"`
	Owed            *BatchInfo `json:"owed,omitempty"` // the failed batches while blocked

	Counters

	LastBatch        *BatchOutcome   `json:"lastBatch,omitempty"`
	LastError        *HubSpotFailure `json:"lastError,omitempty"`
	LastErrorAt      *time.Time      `json:"lastErrorAt,omitempty"` // nil until a batch has failed
	LastErrorBatchID string          `json:"lastErrorBatchId,omitempty"`

	RecentMissing  []int64  `json:"recentMissing,omitempty"`  // last RecentMissingLimit
	RecentRejected []string `json:"recentRejected,omitempty"` // last RecentRejectedLimit, truncated
	// RecentOverflowed samples the last IDs refused at the hard cap.
	RecentOverflowed []int64 `json:"recentOverflowed,omitempty"`

	Generation     int `json:"generation"` // continue-as-new count
	SignalsThisRun int `json:"signalsThisRun"`
	BatchesThisRun int `json:"batchesThisRun"`

	// Reconcile is the reconcile in progress; LastReconcile the last one
	// that ended (its report).
	Reconcile     *ReconcileStatus `json:"reconcile,omitempty"`
	LastReconcile *ReconcileStatus `json:"lastReconcile,omitempty"`
}

// Bounds for the samples kept in Status.
const (
	RecentMissingLimit  = 100
	RecentRejectedLimit = 20
	RejectedSampleChars = 64 // a rejected value is truncated to this in samples
)

// CarriedState is everything needed to continue exactly after
// continue-as-new. The list currently targeted travels in SyncInput.ListID.
type CarriedState struct {
	Paused        bool `json:"paused,omitempty"`
	StopRequested bool `json:"stopRequested,omitempty"`

	Pending PendingSnapshot `json:"pending"`
	// Owed is the failed batch while blocked (nil otherwise).
	Owed *BatchRequest `json:"owed,omitempty"`
	// OwedSince is when Owed failed.
	OwedSince time.Time `json:"owedSince,omitempty"`
	// RetryOwed: an operator already asked to retry Owed.
	RetryOwed bool `json:"retryOwed,omitempty"`

	Counters Counters `json:"counters"`

	LastBatch        *BatchOutcome   `json:"lastBatch,omitempty"`
	LastError        *HubSpotFailure `json:"lastError,omitempty"`
	LastErrorAt      time.Time       `json:"lastErrorAt,omitempty"`
	LastErrorBatchID string          `json:"lastErrorBatchId,omitempty"`
	RecentMissing    []int64         `json:"recentMissing,omitempty"`
	RecentRejected   []string        `json:"recentRejected,omitempty"`
	RecentOverflowed []int64         `json:"recentOverflowed,omitempty"`
	// Flow is the back-pressure bookkeeping shared with the audience.
	Flow FlowState `json:"flow,omitempty"`

	Generation   int   `json:"generation"`
	NextSequence int64 `json:"nextSequence"`

	Reconcile     *ReconcileCarried `json:"reconcile,omitempty"`
	LastReconcile *ReconcileStatus  `json:"lastReconcile,omitempty"`
}

// PendingSnapshot is the pending buffer in order, compactly (Count, Packed,
// Leaves: see compact.go). Since holds the arrival times as runs (entries
// from one signal share a time), at most maxSinceRuns of them.
type PendingSnapshot struct {
	Count  int    `json:"count,omitempty"`
	Packed []byte `json:"packed,omitempty"` // zigzag-delta varint IDs, base64 in JSON
	Leaves []byte `json:"leaves,omitempty"` // bit i set: entry i is a leave
	Diffs  []byte `json:"diffs,omitempty"`  // bit i set: entry i is a reconcile's difference
	Pre    []byte `json:"pre,omitempty"`    // bit i set: entry i was pending at a reconcile's mark

	Since []SinceRun `json:"since,omitempty"`
}

// SinceRun says that the next Count entries arrived at At.
type SinceRun struct {
	Count int       `json:"n"`
	At    time.Time `json:"at"`
}

// WorkflowID is the deterministic workflow ID of one (audience, connector)
// sync, so that a second start or any signal reaches the same workflow.
func SyncWorkflowID(audienceID, connectorID string) string {
	return "hubspot-sync/" + audienceID + "/" + connectorID
}

// SignalSyncProgress is the signal a sync sends its audience workflow when
// the audience's estimate of its backlog has gone stale; payload
// SyncProgress.
const SignalSyncProgress = "syncProgress"

// SyncProgress tells the audience how much a connector's sync still owes:
// it has received every change up to Seq (see MembershipChange.Seq) and
// owes Backlog IDs. Report numbers a sync's reports, so the audience keeps
// the newest if two arrive out of order.
type SyncProgress struct {
	ConnectorID string `json:"connectorId"`
	Seq         int64  `json:"seq"`
	Backlog     int    `json:"backlog"`
	Report      int64  `json:"report"`
}

// FlowState is a sync's side of the back-pressure bookkeeping.
type FlowState struct {
	// LastSeq is the Seq of the last forwarded change received.
	LastSeq int64 `json:"lastSeq,omitempty"`
	// Reported is the last SyncProgress sent.
	Reported SyncProgress `json:"reported"`
}
