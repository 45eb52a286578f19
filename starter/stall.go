package starter

import (
	"fmt"
	"strings"
	"time"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// StallCause names what a held send (an admit, a reconcile's update) was
// found waiting on: WaitInfo and SendTimeoutError carry one, so callers
// switch on it instead of matching messages.
type StallCause string

const (
	// StallNoWorker: no worker serves the workflow's task queue: none
	// polled it lately, or the workflow's task waits there untaken (a
	// worker stopped or killed moments ago still shows its last poll).
	StallNoWorker StallCause = "no-worker"
	// StallConnectorBacklog: the audience's queue cannot take the change
	// because connectors' syncs owe as many IDs as they may (paused,
	// blocked or slower than the senders); Diagnosis.Connectors names them.
	StallConnectorBacklog StallCause = "connector-backlog"
	// StallAudienceQueueFull: the audience's queue is at its bound though
	// no connector's backlog is: the audience is not forwarding.
	StallAudienceQueueFull StallCause = "audience-queue-full"
	// StallServerUnreachable: the Temporal server could not be reached.
	StallServerUnreachable StallCause = "server-unreachable"
	// StallUndiagnosed: none of the above was found.
	StallUndiagnosed StallCause = "undiagnosed"
)

// Diagnosis is what a held send was found waiting on, and the facts
// behind it.
type Diagnosis struct {
	Cause StallCause
	// TaskQueue is the workflow's task queue; LastPoll the newest poll of
	// it the server remembers (it forgets pollers after a few minutes),
	// zero if none.
	TaskQueue string
	LastPoll  time.Time
	// TaskWait is how long the workflow's task has waited for a worker
	// (zero: none waiting); TaskAttempt is its attempt, above 1 when it
	// failed before.
	TaskWait    time.Duration
	TaskAttempt int
	// Address is the server's host:port, as Starter.ServerAddress says.
	Address string
	// StatusRead says the audience answered its status query; Queued and
	// QueuedBytes are its queue then (record IDs waiting to be forwarded).
	StatusRead          bool
	Queued, QueuedBytes int
	// Connectors are the connectors whose backlog is at or near its bound.
	Connectors []ConnectorBacklog
	// Err is why the server or the workflow could not be asked, if so.
	Err error
	// At is when the diagnosis was made; the ages in messages count to it.
	At time.Time
}

// ConnectorBacklog is a connector whose sync owes about as much as it may.
type ConnectorBacklog struct {
	ConnectorID string
	// State is the sync's (contract.StatePaused and so on); empty when
	// its status could not be read.
	State      string
	Backlog    int64
	MaxBacklog int
}

// workerText says who serves the task queue, for a no-worker diagnosis.
func (d Diagnosis) workerText() string {
	switch {
	case d.LastPoll.IsZero():
		return fmt.Sprintf("no worker is polling task queue %q (none in the last few minutes)", d.TaskQueue)
	case d.TaskWait >= taskStale:
		return fmt.Sprintf("no worker is taking tasks from task queue %q: the workflow's task has waited %s (the last poll, %s ago, was from a worker that has since stopped, or is too busy to take it)",
			d.TaskQueue, d.TaskWait.Round(time.Second), d.pollAge())
	}
	return fmt.Sprintf("no worker is polling task queue %q (last poll %s ago)", d.TaskQueue, d.pollAge())
}

func (d Diagnosis) pollAge() time.Duration { return d.At.Sub(d.LastPoll).Round(time.Second) }

// polling says a worker polls, for messages that rule it out.
func (d Diagnosis) polling() string {
	if d.LastPoll.IsZero() {
		return fmt.Sprintf("task queue %q could not be checked for workers", d.TaskQueue)
	}
	return fmt.Sprintf("a worker is polling task queue %q (last poll %s ago)", d.TaskQueue, d.pollAge())
}

func (d Diagnosis) server() string {
	if d.Address == "" {
		return "the Temporal server"
	}
	return "the Temporal server at " + d.Address
}

// connectorText says, per connector at its bound, what holds it and what
// to do.
func (c ConnectorBacklog) text(audienceID string) string {
	owes := fmt.Sprintf("owes %d of %d IDs", c.Backlog, c.MaxBacklog)
	switch c.State {
	case contract.StatePaused:
		return fmt.Sprintf("connector %s is paused and %s: resume it (`hubsync resume %s %s`)", c.ConnectorID, owes, audienceID, c.ConnectorID)
	case contract.StateBlocked:
		return fmt.Sprintf("connector %s is blocked on a failed batch and %s: see `hubsync status %s %s`, then resume (retry it), retarget or discard",
			c.ConnectorID, owes, audienceID, c.ConnectorID)
	case contract.StateActive:
		return fmt.Sprintf("connector %s is active but slower than the senders and %s: it takes more as HubSpot applies its batches; wait longer (hubsync -max-wait)",
			c.ConnectorID, owes)
	case "":
		return fmt.Sprintf("connector %s %s (its state could not be read: see `hubsync status %s %s`)", c.ConnectorID, owes, audienceID, c.ConnectorID)
	}
	return fmt.Sprintf("connector %s is %s and %s: see `hubsync status %s %s`", c.ConnectorID, c.State, owes, audienceID, c.ConnectorID)
}

// SendTimeoutError is a send that gave up: its ctx ended before the
// workflow took it. Diagnosis says why, as far as could be found after
// the fact. The change may still be taken later, and sending it again is
// safe. errors.Is matches the ctx's error (context.DeadlineExceeded or
// Canceled); errors.As finds Temporal's errors (the update's, and the
// one that showed the server unreachable).
type SendTimeoutError struct {
	AudienceID string
	// ConnectorID is set when the update went to the connector's sync
	// workflow (a reconcile's snapshot) rather than the audience's.
	ConnectorID string
	// Update is the update's name (contract.UpdateAdmit and so on).
	Update string
	Waited time.Duration
	Diagnosis
	// Ctx is the ctx's error; Last is the update's last error, if any.
	Ctx, Last error
	what      string // "the change", "the reconcile", "snapshot chunk 3"
}

func (e *SendTimeoutError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "gave up after %s waiting for %s to take %s: ", e.Waited.Round(time.Second), e.workflow(), e.what)
	d := e.Diagnosis
	switch d.Cause {
	case StallNoWorker:
		fmt.Fprintf(&b, "%s: start hubsync-worker on this task queue (temporal.taskQueue) and namespace", d.workerText())
	case StallServerUnreachable:
		fmt.Fprintf(&b, "%s cannot be reached (%v): start it, or point the client at its address (hubsync: temporal.address or TEMPORAL_ADDRESS)", d.server(), d.Err)
	case StallConnectorBacklog:
		fmt.Fprintf(&b, "a connector's backlog is at its bound (the audience's queue holds %d IDs, bound %d): ", d.Queued, contract.QueueSoftIDs)
		for i, c := range d.Connectors {
			if i > 0 {
				b.WriteString("; ")
			}
			b.WriteString(c.text(e.AudienceID))
		}
	case StallAudienceQueueFull:
		fmt.Fprintf(&b, "the audience's queue is at its bound (%d IDs, bound %d) though no connector's backlog is, so it is not forwarding: see `hubsync status %s` (its problems) and the worker log",
			d.Queued, contract.QueueSoftIDs, e.AudienceID)
	default:
		e.undiagnosed(&b)
	}
	fmt.Fprintf(&b, "; %s: %v", e.promise(), e.cause())
	return b.String()
}

// undiagnosed says honestly that nothing was found, and what was ruled out.
func (e *SendTimeoutError) undiagnosed(b *strings.Builder) {
	d := e.Diagnosis
	b.WriteString("nothing was found holding it: ")
	switch {
	case e.ConnectorID != "":
		b.WriteString(d.polling())
	case d.StatusRead:
		fmt.Fprintf(b, "neither the audience's queue nor a connector's backlog is full, and %s", d.polling())
	default:
		fmt.Fprintf(b, "%s, though the audience's status could not be read (%v)", d.polling(), d.Err)
	}
	if d.TaskAttempt > 1 {
		fmt.Fprintf(b, "; its workflow task has failed or timed out %d time(s)", d.TaskAttempt-1)
	}
	if e.ConnectorID != "" {
		fmt.Fprintf(b, ": see `hubsync status %s %s` and the worker log", e.AudienceID, e.ConnectorID)
	} else {
		fmt.Fprintf(b, ": see `hubsync status %s` and the worker log", e.AudienceID)
	}
}

func (e *SendTimeoutError) workflow() string {
	if e.ConnectorID != "" {
		return fmt.Sprintf("the sync workflow of connector %q (audience %q)", e.ConnectorID, e.AudienceID)
	}
	return fmt.Sprintf("the workflow of audience %q", e.AudienceID)
}

// promise says what becomes of an update that was not answered.
func (e *SendTimeoutError) promise() string {
	switch e.Update {
	case contract.UpdateAdmit:
		return "the change may still be taken later, and sending it again is safe"
	case contract.UpdateReconcile:
		return "the reconcile may still take its place later (and then waits for its snapshot); reconciling again replaces it"
	case contract.UpdateReconcileSnapshot:
		return "the reconcile is left waiting for the rest of its snapshot; reconciling again replaces it"
	}
	return "it may still be taken later, and sending it again is safe"
}

func (e *SendTimeoutError) cause() error {
	if e.Last != nil {
		return e.Last
	}
	return e.Ctx
}

// Unwrap gives the ctx's error, the update's and the diagnosis's.
func (e *SendTimeoutError) Unwrap() []error {
	var errs []error
	for _, err := range []error{e.Ctx, e.Last, e.Diagnosis.Err} {
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}
