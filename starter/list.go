package starter

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// SyncStates are the values a sync workflow keeps in HubSyncState.
var SyncStates = []string{contract.StateActive, contract.StatePaused, contract.StateBlocked,
	contract.StateStopping, contract.StateStopped}

// ErrInvalidState: ListOptions.State is not one of SyncStates.
var ErrInvalidState = errors.New("invalid sync state")

// DefaultListQueryTimeout bounds each status query List sends.
const DefaultListQueryTimeout = 5 * time.Second

// ListOptions filter List. The zero value lists every running sync.
type ListOptions struct {
	// State keeps syncs whose HubSyncState is this (one of SyncStates).
	// "stopped" includes closed syncs: a stopped sync has completed.
	State string
	// Audience keeps the syncs of one audience (HubSyncAudience).
	Audience string
	// All includes closed syncs (the last run of each; a run that
	// continued as new is never listed).
	All bool
	// QueryTimeout bounds each sync's status query; default
	// DefaultListQueryTimeout.
	QueryTimeout time.Duration
}

// SyncSummary is one sync workflow as visibility lists it, with its status
// query's answer or why that failed.
type SyncSummary struct {
	WorkflowID  string `json:"workflowId"`
	RunID       string `json:"runId"`
	AudienceID  string `json:"audienceId"`
	ConnectorID string `json:"connectorId"`
	ListID      string `json:"listId"`
	// State is HubSyncState (the status query's state when the workflow
	// has not set the attribute).
	State string `json:"state"`
	// Execution is Temporal's status: Running, Completed, Failed, ...
	Execution string           `json:"execution"`
	StartTime time.Time        `json:"startTime"`
	CloseTime *time.Time       `json:"closeTime,omitempty"`
	Status    *contract.Status `json:"status,omitempty"`
	// Error says why the status query failed (Status is then nil).
	Error string `json:"error,omitempty"`
}

// ListQuery is the visibility query List sends for opts. It refuses a
// state that is not in SyncStates (errors.Is(err, ErrInvalidState)).
func ListQuery(opts ListOptions) (string, error) {
	q := []string{"WorkflowType = " + quote(contract.SyncWorkflowName)}
	switch {
	case opts.State != "" && !slices.Contains(SyncStates, opts.State):
		return "", fmt.Errorf("%w %q: use one of %s", ErrInvalidState, opts.State, strings.Join(SyncStates, ", "))
	case opts.All || opts.State == contract.StateStopped:
		q = append(q, "ExecutionStatus != 'ContinuedAsNew'")
	default:
		q = append(q, "ExecutionStatus = 'Running'")
	}
	if opts.State != "" {
		q = append(q, contract.SearchAttrState.GetName()+" = "+quote(opts.State))
	}
	if opts.Audience != "" {
		q = append(q, contract.SearchAttrAudience.GetName()+" = "+quote(opts.Audience))
	}
	return strings.Join(q, " AND "), nil
}

// quote makes s one string literal of Temporal's list filter: single
// quotes, with backslashes and single quotes escaped.
func quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// List returns every sync workflow matching opts from Temporal's visibility
// store, ordered by audience and connector, each with its status query's
// answer. A query that fails or times out (no worker, a closed run whose
// history is gone) is reported in that sync's Error; List fails only when
// visibility cannot be read. Visibility is eventually consistent: a state
// change shows up within about a second.
func (s *Starter) List(ctx context.Context, opts ListOptions) ([]SyncSummary, error) {
	if opts.Audience != "" {
		if err := checkAudience(opts.Audience); err != nil {
			return nil, err
		}
	}
	// Temporal's SQL visibility stores (SQLite, PostgreSQL) re-escape " and
	// \ in a filter's string MySQL-style, so no quoting matches such a value
	// there: filter those audiences here instead.
	byHand := strings.ContainsAny(opts.Audience, `"\`)
	qopts := opts
	if byHand {
		qopts.Audience = ""
	}
	query, err := ListQuery(qopts)
	if err != nil {
		return nil, err
	}
	var out []SyncSummary
	var token []byte
	for {
		resp, err := s.client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query, NextPageToken: token, PageSize: 1000})
		if err != nil {
			return nil, fmt.Errorf("starter: listing sync workflows (query %s): %w (is the namespace right, and are the search attributes registered? see `hubsync-worker` start-up)", query, err)
		}
		for _, info := range resp.GetExecutions() {
			if sum := summaryOf(info); !byHand || sum.AudienceID == opts.Audience {
				out = append(out, sum)
			}
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			break
		}
	}
	slices.SortFunc(out, func(a, b SyncSummary) int {
		return cmp.Or(strings.Compare(a.AudienceID, b.AudienceID), strings.Compare(a.ConnectorID, b.ConnectorID),
			b.StartTime.Compare(a.StartTime))
	})
	s.queryAll(ctx, out, cmp.Or(opts.QueryTimeout, DefaultListQueryTimeout))
	return out, nil
}

// queryAll asks each sync for its status, a few at a time.
func (s *Starter) queryAll(ctx context.Context, syncs []SyncSummary, timeout time.Duration) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range syncs {
		wg.Add(1)
		sem <- struct{}{}
		go func(sum *SyncSummary) {
			defer func() { <-sem; wg.Done() }()
			qctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			run := sum.RunID
			if sum.Execution == "Running" {
				run = "" // the current run, should it have continued as new since
			}
			var st contract.Status
			began := time.Now()
			v, err := s.client.QueryWorkflow(qctx, sum.WorkflowID, run, contract.QueryStatus)
			if err == nil {
				err = v.Get(&st)
			}
			// The server may end the call at the propagated deadline a
			// moment before qctx notices.
			timedOut := qctx.Err() != nil || time.Since(began) >= timeout*9/10
			if err != nil && timedOut && ctx.Err() == nil {
				err = fmt.Errorf("no answer within %s (queries are answered by a worker: is hubsync-worker running on task queue %q?): %w", timeout, s.taskQueue, err)
			}
			if err != nil {
				sum.Error = err.Error()
				return
			}
			sum.Status = &st
			if sum.State == "" {
				sum.State = st.State
			}
			if sum.ListID == "" {
				sum.ListID = st.ListID
			}
		}(&syncs[i])
	}
	wg.Wait()
}

// summaryOf reads a listed execution; IDs missing from the search
// attributes come from the workflow ID.
func summaryOf(info *workflowpb.WorkflowExecutionInfo) SyncSummary {
	fields := info.GetSearchAttributes().GetIndexedFields()
	sum := SyncSummary{
		WorkflowID:  info.GetExecution().GetWorkflowId(),
		RunID:       info.GetExecution().GetRunId(),
		AudienceID:  keyword(fields, contract.SearchAttrAudience.GetName()),
		ConnectorID: keyword(fields, contract.SearchAttrConnector.GetName()),
		ListID:      keyword(fields, contract.SearchAttrListID.GetName()),
		State:       keyword(fields, contract.SearchAttrState.GetName()),
		Execution:   executionName(info),
		StartTime:   info.GetStartTime().AsTime(),
	}
	if info.GetCloseTime() != nil {
		t := info.GetCloseTime().AsTime()
		sum.CloseTime = &t
	}
	if sum.AudienceID == "" || sum.ConnectorID == "" {
		rest, _ := strings.CutPrefix(sum.WorkflowID, strings.TrimSuffix(contract.SyncWorkflowID("", ""), "/"))
		if aud, conn, ok := strings.Cut(rest, "/"); ok {
			sum.AudienceID, sum.ConnectorID = cmp.Or(sum.AudienceID, aud), cmp.Or(sum.ConnectorID, conn)
		}
	}
	return sum
}

func keyword(fields map[string]*commonpb.Payload, name string) string {
	var v string
	if p, ok := fields[name]; ok {
		_ = converter.GetDefaultDataConverter().FromPayload(p, &v)
	}
	return v
}

// executionName is "Running", "Completed", ... (the Web UI's words).
func executionName(info *workflowpb.WorkflowExecutionInfo) string {
	return info.GetStatus().String()
}
