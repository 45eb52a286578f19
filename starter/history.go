package starter

import (
	"context"
	"fmt"
	"time"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// LogOptions filter Log. The zero value lists every batch.
type LogOptions struct {
	// Contact, when set, keeps the batches that carried this contact (each
	// with the contact's own result) and lists every membership change
	// the sync received for it.
	Contact int64
	// Since leaves out what happened before it; zero keeps everything
	// Temporal still holds (the namespace's retention).
	Since time.Time
}

// SyncLog is what happened in one sync, read back from its workflow
// histories: every run Temporal still holds, across continue-as-new, oldest
// first.
type SyncLog struct {
	AudienceID  string      `json:"audienceId"`
	ConnectorID string      `json:"connectorId"`
	WorkflowID  string      `json:"workflowId"`
	Contact     int64       `json:"contact,omitempty"`
	Runs        []LogRun    `json:"runs"`
	Batches     []LogBatch  `json:"batches"`
	Changes     []LogChange `json:"changes,omitempty"` // the contact's changes (with LogOptions.Contact)
	Notes       []LogNote   `json:"notes,omitempty"`   // operator signals, continue-as-new, undecodable events
}

// LogRun is one run of the sync workflow that was read.
type LogRun struct {
	RunID     string     `json:"runId"`
	StartTime time.Time  `json:"startTime"`
	CloseTime *time.Time `json:"closeTime,omitempty"`
	Events    int        `json:"events"`
}

// Outcomes of a LogBatch.
const (
	OutcomeApplied  = "applied"   // HubSpot answered 2xx; Added, Removed, Missing say what it did
	OutcomeFailed   = "failed"    // a terminal failure: the batch became owed and the sync blocked
	OutcomeInFlight = "in flight" // no answer yet (being retried, see Attempts)
	OutcomeTimedOut = "timed out"
	OutcomeCanceled = "canceled"
	OutcomeNoResult = "no result" // its run ended (terminated) before the activity did
)

// LogBatch is one add-and-remove request the sync made to its list.
type LogBatch struct {
	Time        time.Time  `json:"time"` // when the sync sent it
	RunID       string     `json:"runId"`
	BatchID     string     `json:"batchId"`
	ListID      string     `json:"listId"`
	Adds        int        `json:"adds"`    // requested
	Removes     int        `json:"removes"` // requested
	Outcome     string     `json:"outcome"`
	CompletedAt *time.Time `json:"completedAt,omitempty"`
	Added       int        `json:"added"`
	Removed     int        `json:"removed"`
	Missing     int        `json:"missing"`
	// Attempts is how many times the request was tried (retries of
	// retryable answers included), when Temporal recorded it.
	Attempts int `json:"attempts,omitempty"`
	// LastRetryError is why the last retried attempt failed.
	LastRetryError string `json:"lastRetryError,omitempty"`
	// Failure is HubSpot's answer to a failed batch (status, category,
	// correlationId, message); ErrorType is the activity's error type.
	Failure   *contract.HubSpotFailure `json:"failure,omitempty"`
	ErrorType string                   `json:"errorType,omitempty"`
	// Contact is LogOptions.Contact's part in this batch.
	Contact *ContactResult `json:"contact,omitempty"`
}

// ContactResult is what a batch asked for one contact and what came of it.
type ContactResult struct {
	Op     string `json:"op"`     // "add" or "remove"
	Result string `json:"result"` // added, removed, missing, no change, or the batch's outcome
}

// Per-contact results; "no change" means HubSpot reported nothing for the
// contact: adding a member, or removing a non-member.
const (
	ResultAdded    = "added"
	ResultRemoved  = "removed"
	ResultMissing  = "missing"
	ResultNoChange = "no change"
)

// LogChange is one membership change of the contact the sync received.
type LogChange struct {
	Time     time.Time   `json:"time"`
	RunID    string      `json:"runId"`
	Op       contract.Op `json:"op"`
	ChangeID string      `json:"changeId,omitempty"`
	// IDs is how many record IDs the change carried.
	IDs int `json:"ids"`
}

// LogNote is another event worth knowing: an operator's pause, resume,
// retarget, discard or stop, a continue-as-new, or an event that could not
// be decoded.
type LogNote struct {
	Time  time.Time `json:"time"`
	RunID string    `json:"runId"`
	What  string    `json:"what"`
}

// Log reads the sync workflow of (audience, connector) back from Temporal:
// every run still retained (the current one, the runs it continued from,
// and earlier closed ones visibility lists), oldest first, and returns the
// batches it applied with their outcome and, with opts.Contact, that
// contact's changes and per-batch results. History older than the
// namespace's retention is gone (archival keeps it elsewhere).
func (s *Starter) Log(ctx context.Context, audienceID, connectorID string, opts LogOptions) (SyncLog, error) {
	out := SyncLog{AudienceID: audienceID, ConnectorID: connectorID, WorkflowID: contract.SyncWorkflowID(audienceID, connectorID), Contact: opts.Contact}
	if err := checkAudience(audienceID); err != nil {
		return out, err
	}
	if err := checkConnector(connectorID); err != nil {
		return out, err
	}
	if opts.Contact < 0 {
		return out, fmt.Errorf("starter: contact %d: a HubSpot Contact Record ID is a positive integer", opts.Contact)
	}
	runs, pending, gone, err := s.syncRuns(ctx, out.WorkflowID, opts.Since)
	if isNotFound(err) {
		return out, fmt.Errorf("starter: no sync workflow %s in the namespace: connector %q was never activated on audience %q, or its history is past the namespace's retention (%w)",
			out.WorkflowID, connectorID, audienceID, ErrConnectorNotActive)
	}
	if err != nil {
		return out, connectorErr(audienceID, connectorID, "reading the history of", err)
	}
	b := newLogBuilder(&out, opts)
	for _, r := range runs {
		b.run(r)
	}
	b.pending(pending)
	for _, id := range gone {
		out.Notes = append(out.Notes, LogNote{RunID: id, What: "an earlier run is past the namespace's retention: its history is gone"})
	}
	if out.Batches == nil {
		out.Batches = []LogBatch{}
	}
	return out, nil
}
