package contract

import "time"

// The reconcile contract: how any Temporal client makes a connector's list
// equal to an audience's full member set (a snapshot), diffed against what
// HubSpot holds. The starter is one client of it (starter.Reconcile).
//
//  1. Update UpdateReconcile on the audience workflow with a
//     ReconcileRequest. It takes a place in the audience's ordered stream,
//     after every change accepted before it; it returns once the sync has
//     been told (CommandResult.State "reconciling"), or "queued" when the
//     audience had to continue as new first (it still happens, in order).
//  2. Update UpdateReconcileSnapshot on the connector's sync workflow
//     (SyncWorkflowID) with the snapshot in SnapshotChunks: strictly
//     ascending record IDs across chunks, Index 0, 1, 2…, the last one with
//     Last set. A chunk refused with ErrTypeReconcileBusy is sent again
//     after a pause (the sync takes one chunk at a time, as fast as it can
//     diff it against the live list); one refused as ErrTypeChunkDuplicate
//     was already taken.
//  3. Query QueryStatus on the sync: Status.Reconcile shows progress and,
//     once Phase is "done", the report.
//
// Changes accepted before the reconcile are superseded by the snapshot;
// changes accepted after it win over the snapshot for their contacts.

// Names of the reconcile updates and of the live-list read activity.
const (
	UpdateReconcile         = "reconcile"         // on the audience: ReconcileRequest → CommandResult
	UpdateReconcileSnapshot = "reconcileSnapshot" // on the sync: SnapshotChunk → SnapshotAck
	ReadListPageActivity    = "ReadListPage"      // ReadPageRequest → ReadPageResult
)

// Error types of the reconcile updates.
const (
	// ErrTypeReconcileBusy: the sync still works on the previous chunk, or
	// has not reached the reconcile in the audience's order yet: send the
	// same chunk again shortly.
	ErrTypeReconcileBusy = "ReconcileBusy"
	// ErrTypeChunkDuplicate: this chunk was already taken (a resend after
	// a lost answer); go on with the next.
	ErrTypeChunkDuplicate = "ReconcileChunkDuplicate"
	// ErrTypeReconcileGone: the sync runs no reconcile of this ID (a newer
	// one replaced it, it was cancelled, or it finished).
	ErrTypeReconcileGone = "ReconcileGone"
)

// MaxSnapshotChunkIDs bounds one SnapshotChunk (≈ 100 KB of JSON).
const MaxSnapshotChunkIDs = 5000

// ReconcileRequest is UpdateReconcile's input.
type ReconcileRequest struct {
	ConnectorID string `json:"connectorId"`
	// ReconcileID names this reconcile in chunks, status and logs: 1–64
	// letters, digits, '.', '_' or '-'. The starter uses a UUID.
	ReconcileID string `json:"reconcileId"`
	// Plan: read and diff only; change nothing and supersede nothing.
	Plan bool `json:"plan,omitempty"`
	// Activate, when set, activates the connector (as UpdateActivate
	// would) right before the reconcile, with nothing between them: a
	// connector added to a live audience starts equal to it.
	Activate *SyncInput `json:"activate,omitempty"`
	// Members is the snapshot's size, if known, for progress displays.
	Members int64 `json:"members,omitempty"`
}

// ReconcileMark is what the audience forwards to the sync, in the
// membership stream, at the reconcile's place (MembershipChange.Reconcile
// on the wire).
type ReconcileMark struct {
	ID      string `json:"id"`
	Plan    bool   `json:"plan,omitempty"`
	Members int64  `json:"members,omitempty"`
}

// ReconcileMarkSignal is the SignalMembership payload that carries a
// mark: the audience's Seq for it, as for a change.
type ReconcileMarkSignal struct {
	Reconcile ReconcileMark `json:"reconcile"`
	Seq       int64         `json:"seq,omitempty"`
}

// SnapshotChunk is UpdateReconcileSnapshot's input.
type SnapshotChunk struct {
	ReconcileID string `json:"reconcileId"`
	Index       int    `json:"index"`
	// RecordIDs ascending, each above every ID of earlier chunks; at most
	// MaxSnapshotChunkIDs. Canonical decimal strings, as in changes.
	RecordIDs []string `json:"recordIds"`
	Last      bool     `json:"last,omitempty"`
}

// SnapshotAck answers a chunk.
type SnapshotAck struct {
	Received int64 `json:"received"` // snapshot members taken so far
	Next     int   `json:"next"`     // index of the next chunk expected
}

// ReadPageRequest asks the activity for one page of a list's members.
type ReadPageRequest struct {
	ConnectorID string `json:"connectorId"`
	ListID      string `json:"listId"`
	// After is HubSpot's paging cursor; empty for the first page.
	After string `json:"after,omitempty"`
}

// ReadPageResult is one page of members, ascending.
type ReadPageResult struct {
	RecordIDs []int64 `json:"recordIds"`
	Next      string  `json:"next,omitempty"` // empty on the last page
	Total     int64   `json:"total"`
}

// Reconcile phases in ReconcileStatus.Phase.
const (
	PhaseWaiting  = "waiting"  // changes from before the snapshot are settling (or the sync is blocked)
	PhaseReading  = "reading"  // reading the live list and diffing it against the snapshot
	PhaseApplying = "applying" // the diff is read; its changes are being sent
	PhaseBlocked  = "blocked"  // a read failed terminally; `resume` retries it
	PhaseDone     = "done"
	PhaseReplaced = "replaced" // a newer reconcile took over
	PhaseAborted  = "aborted"  // see Error
)

// ReconcileStatus is a reconcile's progress and, once done, its report.
type ReconcileStatus struct {
	ID         string     `json:"id"`
	Plan       bool       `json:"plan,omitempty"`
	Phase      string     `json:"phase"`
	ListID     string     `json:"listId"`
	StartedAt  time.Time  `json:"startedAt"`
	FinishedAt *time.Time `json:"finishedAt,omitempty"`

	// Snapshot: members expected (if the sender said), received so far,
	// chunks taken; SnapshotComplete once the last chunk arrived.
	SnapshotMembers  int64 `json:"snapshotMembers,omitempty"`
	SnapshotReceived int64 `json:"snapshotReceived"`
	Chunks           int   `json:"chunks"`
	SnapshotComplete bool  `json:"snapshotComplete,omitempty"`
	// Live list: members read, HubSpot's total, pages (requests).
	LiveRead     int64 `json:"liveRead"`
	LiveTotal    int64 `json:"liveTotal"`
	Pages        int64 `json:"pages"`
	LiveComplete bool  `json:"liveComplete,omitempty"`

	// Adds and Removes are the differences found (after TakenOver).
	Adds    int64 `json:"adds"`
	Removes int64 `json:"removes"`
	// Applied counts differences HubSpot accepted; Missing are adds of
	// record IDs that are not contacts.
	Applied int64 `json:"applied"`
	Missing int64 `json:"missing"`
	// TakenOver counts contacts whose change accepted after the snapshot
	// won over the snapshot's difference.
	TakenOver int64 `json:"takenOver"`
	// Superseded counts the changes pending when the reconcile took its
	// place: they are sent before the list is read, so the snapshot has
	// the last word on their contacts.
	Superseded int64 `json:"superseded"`
	// Samples of the differences (the first ReconcileSampleLimit).
	SampleAdds    []int64 `json:"sampleAdds,omitempty"`
	SampleRemoves []int64 `json:"sampleRemoves,omitempty"`
	// Error says why it blocked or was aborted.
	Error string `json:"error,omitempty"`
}

// ReconcileSampleLimit bounds each sample in ReconcileStatus.
const ReconcileSampleLimit = 10
