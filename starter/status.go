package starter

import (
	"context"
	"errors"
	"fmt"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// AudienceReport is the status of an audience and each of its connectors.
type AudienceReport struct {
	Audience   contract.AudienceStatus `json:"audience"`
	Connectors []ConnectorReport       `json:"connectors"` // in activation order
}

// ConnectorReport is one connector's status, or why it could not be read.
// One connector failing to answer does not hide the others.
type ConnectorReport struct {
	ConnectorID string           `json:"connectorId"`
	ListID      string           `json:"listId"` // as activated; Status.ListID is current
	Status      *contract.Status `json:"status,omitempty"`
	Error       string           `json:"error,omitempty"`
	err         error
}

// Err is the error that prevented reading the status (nil if none).
func (r ConnectorReport) Err() error { return r.err }

// Connectors returns the audience workflow's view: the active connectors in
// activation order and how many changes it has forwarded.
//
// Queries run on a worker: when no worker polls the task queue, a query
// waits until ctx ends, so give ctx a deadline.
func (s *Starter) Connectors(ctx context.Context, audienceID string) (contract.AudienceStatus, error) {
	var st contract.AudienceStatus
	if err := checkAudience(audienceID); err != nil {
		return st, err
	}
	v, err := s.client.QueryWorkflow(ctx, contract.AudienceWorkflowID(audienceID), "", contract.QueryConnectors)
	if err != nil {
		return st, audienceErr(audienceID, "querying", s.queryHint(err))
	}
	if err := v.Get(&st); err != nil {
		return st, fmt.Errorf("starter: decoding the status of audience %q (are the worker and this client the same version?): %w", audienceID, err)
	}
	return st, nil
}

// Status queries the audience workflow, then each active connector's sync
// workflow. A connector whose query fails is reported with its error; the
// call fails only if the audience itself cannot be read.
func (s *Starter) Status(ctx context.Context, audienceID string) (AudienceReport, error) {
	aud, err := s.Connectors(ctx, audienceID)
	if err != nil {
		return AudienceReport{}, err
	}
	rep := AudienceReport{Audience: aud, Connectors: make([]ConnectorReport, 0, len(aud.Connectors))}
	for _, c := range aud.Connectors {
		r := ConnectorReport{ConnectorID: c.ConnectorID, ListID: c.ListID}
		st, err := s.ConnectorStatus(ctx, audienceID, c.ConnectorID)
		if err != nil {
			r.err, r.Error = err, err.Error()
		} else {
			r.Status = &st
		}
		rep.Connectors = append(rep.Connectors, r)
	}
	return rep, nil
}

// ConnectorStatus queries one connector's sync workflow. It also answers
// for a stopped connector whose workflow has completed (state "stopped")
// while Temporal retains its history.
func (s *Starter) ConnectorStatus(ctx context.Context, audienceID, connectorID string) (contract.Status, error) {
	var st contract.Status
	if err := checkAudience(audienceID); err != nil {
		return st, err
	}
	if err := checkConnector(connectorID); err != nil {
		return st, err
	}
	v, err := s.client.QueryWorkflow(ctx, contract.SyncWorkflowID(audienceID, connectorID), "", contract.QueryStatus)
	if err != nil {
		return st, connectorErr(audienceID, connectorID, "querying", s.queryHint(err))
	}
	if err := v.Get(&st); err != nil {
		return st, fmt.Errorf("starter: decoding the status of connector %q of audience %q: %w", connectorID, audienceID, err)
	}
	return st, nil
}

// queryHint explains the usual cause of a query that times out: queries are
// answered by a worker, so with none polling the task queue they wait.
func (s *Starter) queryHint(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w (queries are answered by a worker: is hubsync-worker running on task queue %q?)", err, s.taskQueue)
	}
	return err
}
