package starter

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// A held send is diagnosed by asking the server first (it answers itself,
// so this needs no worker): who polls the workflow's task queue, and
// whether the workflow's task waits there. Only then the audience's
// status, a query that a worker must answer.
const (
	// diagnoseTimeout bounds a diagnosis made after the caller's ctx ended.
	diagnoseTimeout = 5 * time.Second
	// probeTimeout bounds one call the server answers itself: a server
	// that takes longer is as good as unreachable.
	probeTimeout = 2 * time.Second
	// pollFresh: an idle worker's long poll lasts up to a minute before it
	// polls again, so a last poll older than this means no worker.
	pollFresh = 90 * time.Second
	// taskStale: a live worker takes a task within milliseconds, so one
	// waiting longer means the worker that polled last is gone (the server
	// still shows the last poll of a worker stopped or killed since).
	taskStale = 10 * time.Second
	// workerCheckEvery spaces the wait reporter's look at the task queue.
	workerCheckEvery = 6 * time.Second
)

// updateTarget is the workflow an update goes to and what it carries, to
// diagnose an update that is held.
type updateTarget struct {
	audienceID string
	// connectorID is set when the update goes to the connector's sync
	// workflow; empty, it goes to the audience's.
	connectorID string
	what        string // "the change", "the reconcile", "snapshot chunk 3"
	// ids and bytes are the room an admit needs in the audience's queue.
	ids, bytes int
	// start, when set, starts the audience workflow with the update if it
	// is not running (update-with-start; activations).
	start *client.StartWorkflowOptions
	input contract.AudienceInput
}

func (t updateTarget) workflowID() string {
	if t.connectorID != "" {
		return contract.SyncWorkflowID(t.audienceID, t.connectorID)
	}
	return contract.AudienceWorkflowID(t.audienceID)
}

// gaveUp is the error of an update whose ctx ended before it was taken,
// with what it was found waiting on. ctx has ended, so the diagnosis runs
// on a short context of its own.
func (s *Starter) gaveUp(ctx context.Context, t updateTarget, name string, waited time.Duration, last error) error {
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), diagnoseTimeout)
	defer cancel()
	return &SendTimeoutError{AudienceID: t.audienceID, ConnectorID: t.connectorID, Update: name, Waited: waited,
		Diagnosis: s.diagnose(dctx, t, nil), Ctx: ctx.Err(), Last: last, what: t.what}
}

// diagnose finds what the update waits on. workers, if set, is a recent
// checkWorkers to reuse instead of asking again.
func (s *Starter) diagnose(ctx context.Context, t updateTarget, workers *Diagnosis) Diagnosis {
	var d Diagnosis
	if workers != nil {
		d = *workers
	} else {
		d = s.checkWorkers(ctx, t)
	}
	if d.Cause != "" {
		return d
	}
	if t.connectorID != "" {
		d.Cause = StallUndiagnosed
		return d
	}
	s.checkAudience(ctx, t, &d)
	return d
}

// checkWorkers asks the server whether a worker serves the workflow's
// task queue. It sets Cause only to StallNoWorker or
// StallServerUnreachable.
func (s *Starter) checkWorkers(ctx context.Context, t updateTarget) Diagnosis {
	d := Diagnosis{TaskQueue: s.taskQueue, Address: s.ServerAddress}
	pctx, cancel := context.WithTimeout(ctx, probeTimeout)
	desc, err := s.client.DescribeWorkflowExecution(pctx, t.workflowID(), "")
	cancel()
	if err != nil && unreachable(err) {
		d.Cause, d.Err, d.At = StallServerUnreachable, s.whyUnreachable(err), time.Now()
		return d
	}
	if err == nil {
		// The workflow's own queue: another starter may have started it.
		if q := desc.GetExecutionConfig().GetTaskQueue().GetName(); q != "" {
			d.TaskQueue = q
		}
		if p := desc.GetPendingWorkflowTask(); p != nil {
			d.TaskAttempt = int(p.GetAttempt())
			if p.GetState() == enumspb.PENDING_WORKFLOW_TASK_STATE_SCHEDULED && p.GetScheduledTime() != nil {
				// The earlier of the two: a task moved off a gone worker's
				// sticky queue is scheduled anew.
				since := p.GetScheduledTime().AsTime()
				if o := p.GetOriginalScheduledTime(); o != nil && o.AsTime().Before(since) {
					since = o.AsTime()
				}
				d.TaskWait = time.Since(since)
			}
		}
	}
	pctx, cancel = context.WithTimeout(ctx, probeTimeout)
	tq, err := s.client.DescribeTaskQueue(pctx, d.TaskQueue, enumspb.TASK_QUEUE_TYPE_WORKFLOW)
	cancel()
	d.At = time.Now()
	if err != nil {
		d.Err = fmt.Errorf("describing task queue %q: %w", d.TaskQueue, err)
		if unreachable(err) {
			d.Cause, d.Err = StallServerUnreachable, s.whyUnreachable(err)
		}
		return d
	}
	for _, p := range tq.GetPollers() {
		if p.GetLastAccessTime() != nil && p.GetLastAccessTime().AsTime().After(d.LastPoll) {
			d.LastPoll = p.GetLastAccessTime().AsTime()
		}
	}
	if d.LastPoll.IsZero() || d.At.Sub(d.LastPoll) > pollFresh || d.TaskWait >= taskStale {
		d.Cause = StallNoWorker
	}
	return d
}

// checkAudience reads the audience's queue and its connectors' backlogs.
func (s *Starter) checkAudience(ctx context.Context, t updateTarget, d *Diagnosis) {
	st, err := s.Connectors(ctx, t.audienceID)
	if err != nil {
		d.Err = errors.Join(d.Err, err)
		d.Cause = StallUndiagnosed
		var un *serviceerror.Unavailable
		if errors.As(err, &un) {
			d.Cause = StallServerUnreachable
		}
		return
	}
	d.StatusRead, d.Queued, d.QueuedBytes = true, st.Queued, st.QueuedBytes
	// An admit waits while the queue is not empty and it would pass a
	// bound; a reconcile's mark waits behind whatever is queued.
	need := t.ids
	if need == 0 {
		need = MaxIDsPerSignal
	}
	nonEmpty := st.QueuedBytes > 0
	atBound := nonEmpty && (st.Queued+need > contract.QueueSoftIDs || st.QueuedBytes+t.bytes > contract.QueueSoftBytes)
	var full []contract.ConnectorFlow
	for _, f := range st.Flows {
		// The estimate may be a quarter of the bound stale.
		if f.Backlog >= int64(f.MaxBacklog)*3/4 {
			full = append(full, f)
		}
	}
	switch {
	case len(full) > 0 && (atBound || t.ids == 0 && nonEmpty):
		d.Cause = StallConnectorBacklog
		d.Connectors = s.connectorStates(ctx, t.audienceID, full)
	case atBound:
		d.Cause = StallAudienceQueueFull
	default:
		d.Cause = StallUndiagnosed
	}
}

// connectorStates reads the state of each connector at its bound (paused,
// blocked, active), at once.
func (s *Starter) connectorStates(ctx context.Context, audienceID string, full []contract.ConnectorFlow) []ConnectorBacklog {
	out := make([]ConnectorBacklog, len(full))
	var wg sync.WaitGroup
	for i, f := range full {
		out[i] = ConnectorBacklog{ConnectorID: f.ConnectorID, Backlog: f.Backlog, MaxBacklog: f.MaxBacklog}
		wg.Go(func() {
			if st, err := s.ConnectorStatus(ctx, audienceID, f.ConnectorID); err == nil {
				out[i].State = st.State
			}
		})
	}
	wg.Wait()
	return out
}

// whyUnreachable adds to a call that got no answer what a plain TCP dial
// of the server's address finds: the client retries a refused connection
// until its deadline, which alone says only "deadline exceeded".
func (s *Starter) whyUnreachable(err error) error {
	if errors.Is(err, context.DeadlineExceeded) || isDeadline(err) {
		err = fmt.Errorf("no answer within %s: %w", probeTimeout, err)
	}
	if s.ServerAddress == "" {
		return err
	}
	conn, dialErr := net.DialTimeout("tcp", s.ServerAddress, probeTimeout)
	if dialErr != nil {
		return fmt.Errorf("%w; %w", dialErr, err)
	}
	conn.Close()
	return err
}

func isDeadline(err error) bool {
	var de *serviceerror.DeadlineExceeded
	return errors.As(err, &de)
}

// unreachable: a call the server answers itself failed as when it is down,
// refuses connections or does not answer in time.
func unreachable(err error) bool {
	var un *serviceerror.Unavailable
	return errors.As(err, &un) || isDeadline(err) || errors.Is(err, context.DeadlineExceeded)
}
