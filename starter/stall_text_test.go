package starter

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.temporal.io/api/serviceerror"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// The messages of the causes the dev-server tests cannot set up at will
// (a queue full behind no full connector, a blocked or slow connector,
// nothing found), and how the error unwraps.

func TestSendTimeoutErrorSaysWhatToDoPerCause(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	base := func(d Diagnosis) *SendTimeoutError {
		d.TaskQueue, d.At = "hubsync", at
		return &SendTimeoutError{AudienceID: "aud", Update: contract.UpdateAdmit, Waited: 30 * time.Second, what: "the change",
			Diagnosis: d, Ctx: context.DeadlineExceeded}
	}
	for _, c := range []struct {
		name  string
		err   *SendTimeoutError
		wants []string
	}{
		{"stale poll", base(Diagnosis{Cause: StallNoWorker, LastPoll: at.Add(-3 * time.Minute)}),
			[]string{`no worker is polling task queue "hubsync" (last poll 3m0s ago): start hubsync-worker`}},
		{"queue full", base(Diagnosis{Cause: StallAudienceQueueFull, StatusRead: true, Queued: 19000, LastPoll: at}),
			[]string{"the audience's queue is at its bound (19000 IDs, bound 20000) though no connector's backlog is, so it is not forwarding: see `hubsync status aud`"}},
		{"blocked and slow", base(Diagnosis{Cause: StallConnectorBacklog, StatusRead: true, Queued: 19000, LastPoll: at,
			Connectors: []ConnectorBacklog{{"c1", contract.StateBlocked, 50000, 50000}, {"c2", contract.StateActive, 49000, 50000}, {"c3", "", 40000, 50000}}}),
			[]string{"connector c1 is blocked on a failed batch and owes 50000 of 50000 IDs: see `hubsync status aud c1`, then resume (retry it), retarget or discard",
				"; connector c2 is active but slower than the senders and owes 49000 of 50000 IDs",
				"; connector c3 owes 40000 of 50000 IDs (its state could not be read"}},
		{"nothing found", base(Diagnosis{Cause: StallUndiagnosed, StatusRead: true, LastPoll: at.Add(-2 * time.Second), TaskAttempt: 3}),
			[]string{`gave up after 30s waiting for the workflow of audience "aud" to take the change: nothing was found holding it: neither the audience's queue nor a connector's backlog is full, and a worker is polling task queue "hubsync" (last poll 2s ago); its workflow task has failed or timed out 2 time(s): see ` + "`hubsync status aud` and the worker log"}},
		{"status unread", base(Diagnosis{Cause: StallUndiagnosed, LastPoll: at, Err: errors.New("query timed out")}),
			[]string{`a worker is polling task queue "hubsync" (last poll 0s ago), though the audience's status could not be read (query timed out)`}},
	} {
		msg := c.err.Error()
		for _, w := range c.wants {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: message lacks %q:\n%s", c.name, w, msg)
			}
		}
		if !strings.Contains(msg, "; the change may still be taken later, and sending it again is safe: context deadline exceeded") {
			t.Errorf("%s: the promise is missing:\n%s", c.name, msg)
		}
		if c.err.Cause != StallConnectorBacklog && strings.Contains(msg, "backlog is at its bound") {
			t.Errorf("%s: blames a backlog:\n%s", c.name, msg)
		}
	}
}

func TestSendTimeoutErrorUnwrapsItsCauses(t *testing.T) {
	update := serviceerror.NewDeadlineExceeded("update")
	probe := serviceerror.NewUnavailable("connection refused")
	err := error(&SendTimeoutError{AudienceID: "aud", Update: contract.UpdateReconcile, what: "the reconcile", Ctx: context.Canceled, Last: update,
		Diagnosis: Diagnosis{Cause: StallServerUnreachable, Err: probe}})
	var un *serviceerror.Unavailable
	var de *serviceerror.DeadlineExceeded
	var ste *SendTimeoutError
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorAs(t, err, &un)
	assert.ErrorAs(t, err, &de)
	assert.ErrorAs(t, err, &ste)
	assert.Contains(t, err.Error(), "the Temporal server cannot be reached (connection refused)")
	assert.Contains(t, err.Error(), "the reconcile may still take its place later (and then waits for its snapshot); reconciling again replaces it")
}

func TestWaitInfoNamesWhatItWaitsOn(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	w := func(d Diagnosis) string {
		d.TaskQueue, d.At = "hubsync", at
		return WaitInfo{AudienceID: "aud", Waited: 8 * time.Second, Diagnosis: d}.String()
	}
	assert.Equal(t, `waiting for a worker for 8s: no worker is polling task queue "hubsync" (last poll 2m0s ago)`,
		w(Diagnosis{Cause: StallNoWorker, LastPoll: at.Add(-2 * time.Minute)}))
	assert.Equal(t, "held for 8s: the audience queue is at its bound (19000 IDs) though no connector's backlog is",
		w(Diagnosis{Cause: StallAudienceQueueFull, StatusRead: true, Queued: 19000}))
	assert.Equal(t, `waiting 8s for the audience to take the change: its queue has room and a worker is polling task queue "hubsync" (last poll 1s ago)`,
		w(Diagnosis{Cause: StallUndiagnosed, StatusRead: true, LastPoll: at.Add(-time.Second)}))
	assert.Equal(t, "waiting 8s for the audience to take the change: its status could not be read (query timed out)",
		w(Diagnosis{Cause: StallUndiagnosed, Err: errors.New("query timed out")}))
}
