package starter

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"

	"github.com/audiencesync/hubspot-list-sync/workflows"
)

// WaitInfo says why an Enter or Leave call is being held: the audience's
// queue is full because a connector's sync owes as many IDs as it may
// (workflows.DefaultMaxBacklog unless configured), typically because it is
// paused, blocked, or slower than the senders.
type WaitInfo struct {
	AudienceID string
	// Waited is how long the current chunk has been held.
	Waited time.Duration
	// Queued is the audience's queue in record IDs.
	Queued int
	// Full are the connectors at or near their bound (estimated backlog
	// at least three quarters of it), the reason for the wait.
	Full []workflows.ConnectorFlow
}

func (w WaitInfo) String() string {
	s := fmt.Sprintf("held by back-pressure for %s (audience queue %d IDs)", w.Waited.Round(time.Second), w.Queued)
	for _, f := range w.Full {
		s += fmt.Sprintf("; connector %s owes %d of %d IDs", f.ConnectorID, f.Backlog, f.MaxBacklog)
	}
	return s
}

type waitKey struct{}

// WithWaitReporter returns a context whose Enter and Leave calls report,
// every couple of seconds, that they are being held by back-pressure and
// why (the CLI's import shows it on its progress line).
func WithWaitReporter(ctx context.Context, report func(WaitInfo)) context.Context {
	return context.WithValue(ctx, waitKey{}, report)
}

// waitReportDelay is how long a chunk may take before the wait is reported.
const waitReportDelay = 2 * time.Second

// admit sends one change through the audience workflow's admit update and
// waits until it is queued. It retries when the workflow was continuing as
// new (the change was not taken) and when the server has too many updates
// in flight; the caller's ctx bounds everything.
func (s *Starter) admit(ctx context.Context, audienceID string, change workflows.MembershipChange) error {
	wid := workflows.AudienceWorkflowID(audienceID)
	stopWatch := s.watchWait(ctx, audienceID)
	defer stopWatch()
	start := time.Now()
	var res workflows.AdmitResult
	err := s.update(ctx, wid, change.ChangeID, workflows.UpdateAdmit, change, &res)
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("gave up after %s waiting for the audience to take the change (a connector's backlog is at its bound: paused, blocked or slow? see `hubsync status %s`); the change may still be taken once there is room, and sending it again is safe: %w",
			time.Since(start).Round(time.Second), audienceID, err)
	}
	return err
}

// retryableAdmit: the admit was refused because the run was continuing as
// new, hit the run as it closed, or the server had too many updates in
// flight. A NotFound is a closed run only if a newer run is still going.
func (s *Starter) retryableAdmit(ctx context.Context, wid string, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var app *temporal.ApplicationError
	if errors.As(err, &app) && app.Type() == workflows.ErrTypeRetryAdmit {
		return true
	}
	// The server answers these when the update met a workflow task that
	// failed (a signal raced a continue-as-new: the task is retried) or
	// too many updates in flight; the change was not taken.
	var exhausted *serviceerror.ResourceExhausted
	var notReady *serviceerror.WorkflowNotReady
	var unavailable *serviceerror.Unavailable
	if errors.As(err, &exhausted) || errors.As(err, &notReady) || errors.As(err, &unavailable) {
		return true
	}
	// The run closed (continued as new) before the update was processed,
	// or before its handler ran to the point of taking the change (it
	// takes it in the same step it returns): retry on the new run.
	unprocessed := errors.As(err, &app) && (app.Type() == "UnprocessedUpdate" || app.Type() == "AcceptedUpdateCompletedWorkflow")
	if unprocessed || isNotFound(err) {
		d, derr := s.client.DescribeWorkflowExecution(ctx, wid, "")
		return derr == nil && d.GetWorkflowExecutionInfo().GetCloseTime() == nil
	}
	return false
}

// watchWait reports the wait through ctx's reporter, if any, while a chunk
// is held longer than waitReportDelay. The returned func stops it.
func (s *Starter) watchWait(ctx context.Context, audienceID string) func() {
	report, _ := ctx.Value(waitKey{}).(func(WaitInfo))
	if report == nil {
		return func() {}
	}
	start := time.Now()
	return every(ctx, waitReportDelay, func() {
		qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		st, err := s.Connectors(qctx, audienceID)
		cancel()
		info := WaitInfo{AudienceID: audienceID, Waited: time.Since(start)}
		if err == nil {
			info.Queued = st.Queued
			for _, f := range st.Flows {
				// The estimate may be a quarter of the bound stale.
				if f.Backlog >= int64(f.MaxBacklog)*3/4 {
					info.Full = append(info.Full, f)
				}
			}
		}
		report(info)
	})
}
