package starter

import (
	"context"
	"fmt"
	"time"
)

// WaitInfo says why an Enter or Leave call is being held: usually the
// audience's queue is full because a connector's sync owes as many IDs as
// it may (contract.DefaultMaxBacklog unless configured), being paused,
// blocked, or slower than the senders; but it may also be waiting for a
// worker, or for the Temporal server. Diagnosis.Cause says which.
type WaitInfo struct {
	AudienceID string
	// Waited is how long the current chunk has been held.
	Waited time.Duration
	Diagnosis
}

func (w WaitInfo) String() string {
	waited := w.Waited.Round(time.Second)
	switch w.Cause {
	case StallNoWorker:
		return fmt.Sprintf("waiting for a worker for %s: %s", waited, w.workerText())
	case StallServerUnreachable:
		at := ""
		if w.Address != "" {
			at = " at " + w.Address
		}
		return fmt.Sprintf("waiting for the Temporal server for %s: it cannot be reached%s (%v)", waited, at, w.Err)
	case StallConnectorBacklog:
		s := fmt.Sprintf("held by back-pressure for %s (audience queue %d IDs)", waited, w.Queued)
		for _, c := range w.Connectors {
			s += fmt.Sprintf("; connector %s owes %d of %d IDs", c.ConnectorID, c.Backlog, c.MaxBacklog)
			if c.State != "" {
				s += " (" + c.State + ")"
			}
		}
		return s
	case StallAudienceQueueFull:
		return fmt.Sprintf("held for %s: the audience queue is at its bound (%d IDs) though no connector's backlog is", waited, w.Queued)
	}
	if !w.StatusRead {
		return fmt.Sprintf("waiting %s for the audience to take the change: its status could not be read (%v)", waited, w.Err)
	}
	return fmt.Sprintf("waiting %s for the audience to take the change: its queue has room and %s", waited, w.polling())
}

type waitKey struct{}

// WithWaitReporter returns a context whose Enter and Leave calls report,
// every couple of seconds while they are held, what they wait on (the
// CLI's enter and import show it).
func WithWaitReporter(ctx context.Context, report func(WaitInfo)) context.Context {
	return context.WithValue(ctx, waitKey{}, report)
}

// waitReportDelay is how long a chunk may take before the wait is reported.
const waitReportDelay = 2 * time.Second

// watchWait reports the wait through ctx's reporter, if any, while a chunk
// is held longer than waitReportDelay. It looks at the task queue at most
// every workerCheckEvery, and skips the status query (which would wait
// out its timeout) while no worker or no server is there to answer it.
// The returned func stops it.
func (s *Starter) watchWait(ctx context.Context, t updateTarget) func() {
	report, _ := ctx.Value(waitKey{}).(func(WaitInfo))
	if report == nil {
		return func() {}
	}
	start := time.Now()
	var workers Diagnosis
	return every(ctx, waitReportDelay, func() {
		if time.Since(workers.At) >= workerCheckEvery {
			workers = s.checkWorkers(ctx, t)
		}
		qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		d := s.diagnose(qctx, t, &workers)
		cancel()
		if ctx.Err() != nil {
			return // the call is ending: what failed here is the ctx
		}
		report(WaitInfo{AudienceID: t.audienceID, Waited: time.Since(start), Diagnosis: d})
	})
}
