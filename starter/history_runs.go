package starter

import (
	"context"
	"fmt"
	"slices"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
)

// runHistory is one run's events.
type runHistory struct {
	id     string
	events []*historypb.HistoryEvent
}

// pendingRun is the current run's activities still running.
type pendingRun struct {
	runID      string
	activities []*workflowpb.PendingActivityInfo
}

// syncRuns fetches the histories of the workflow's runs, oldest first: the
// current run and, walking back, each run it continued as new from (the
// started event names it), plus closed runs visibility lists that the walk
// did not reach (an earlier activation). Runs that ended before since are
// not fetched.
// Earlier runs already deleted (past the namespace's retention) are
// returned in gone.
func (s *Starter) syncRuns(ctx context.Context, workflowID string, since time.Time) (runs []runHistory, pending pendingRun, gone []string, err error) {
	desc, err := s.client.DescribeWorkflowExecution(ctx, workflowID, "")
	if err != nil {
		return nil, pending, nil, err
	}
	current := desc.GetWorkflowExecutionInfo().GetExecution().GetRunId()
	pending = pendingRun{runID: current, activities: desc.GetPendingActivities()}
	seen := map[string]bool{}
	fetch := func(id string) ([]*historypb.HistoryEvent, error) {
		seen[id] = true
		events, err := s.history(ctx, workflowID, id)
		if isNotFound(err) && id != current {
			gone = append(gone, id)
			return nil, nil
		}
		if err == nil {
			runs = append(runs, runHistory{id: id, events: events})
		}
		return events, err
	}
	for id := current; id != "" && !seen[id]; {
		events, err := fetch(id)
		if err != nil {
			return nil, pending, nil, err
		}
		id = ""
		if len(events) > 0 && !before(events[0].GetEventTime().AsTime(), since) {
			id = events[0].GetWorkflowExecutionStartedEventAttributes().GetContinuedExecutionRunId()
		}
	}
	others, err := s.listedRuns(ctx, workflowID)
	if err != nil {
		return nil, pending, nil, err
	}
	for _, info := range others {
		id := info.GetExecution().GetRunId()
		if seen[id] || (info.GetCloseTime() != nil && before(info.GetCloseTime().AsTime(), since)) {
			continue
		}
		if _, err := fetch(id); err != nil {
			return nil, pending, nil, err
		}
	}
	slices.SortFunc(runs, func(a, b runHistory) int { return startOf(a).Compare(startOf(b)) })
	return runs, pending, gone, nil
}

// listedRuns lists every run of the workflow ID that visibility knows.
// Visibility lags a little; the walk back from the current run does not.
func (s *Starter) listedRuns(ctx context.Context, workflowID string) ([]*workflowpb.WorkflowExecutionInfo, error) {
	var out []*workflowpb.WorkflowExecutionInfo
	var token []byte
	for {
		resp, err := s.client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Query: "WorkflowId = " + quote(workflowID), NextPageToken: token, PageSize: 1000})
		if err != nil {
			return nil, fmt.Errorf("listing the runs of %s: %w", workflowID, err)
		}
		out = append(out, resp.GetExecutions()...)
		if token = resp.GetNextPageToken(); len(token) == 0 {
			return out, nil
		}
	}
}

// history reads every event of one run.
func (s *Starter) history(ctx context.Context, workflowID, runID string) ([]*historypb.HistoryEvent, error) {
	it := s.client.GetWorkflowHistory(ctx, workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var events []*historypb.HistoryEvent
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("reading the history of run %s (beyond the namespace's retention it is gone): %w", runID, err)
		}
		events = append(events, e)
	}
	return events, nil
}

func startOf(r runHistory) time.Time {
	if len(r.events) == 0 {
		return time.Time{}
	}
	return r.events[0].GetEventTime().AsTime()
}

// before reports whether t is before since (never, for a zero since).
func before(t, since time.Time) bool { return !since.IsZero() && t.Before(since) }
