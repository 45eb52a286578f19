package starter

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/internal/testenv"
)

// A held send is diagnosed on a real dev server: what it waits on is
// named, in the periodic report and in the error when it gives up.

func stallStarter(c client.Client, q, address string, catalog Catalog) *Starter {
	s := New(c, q, catalog)
	s.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	s.ServerAddress = address
	return s
}

// sendUntilReported sends ids and ends the call once the wait reporter
// has reported (not after a time: what is asserted is what it reported
// and the error it then gave), or after a minute if it never does.
func sendUntilReported(s *Starter, audienceID string, ids []string) (*WaitInfo, Accepted, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var mu sync.Mutex
	var first *WaitInfo
	ctx = WithWaitReporter(ctx, func(w WaitInfo) {
		mu.Lock()
		defer mu.Unlock()
		if first == nil {
			first = &w
			cancel()
		}
	})
	acc, err := s.Enter(ctx, audienceID, ids)
	mu.Lock()
	defer mu.Unlock()
	return first, acc, err
}

// heldSend is sendUntilReported's outcome, checked: a wait was reported,
// then the call gave up, delivering nothing.
func heldSend(t *testing.T, first *WaitInfo, acc Accepted, err error) (WaitInfo, *SendTimeoutError) {
	t.Helper()
	require.Error(t, err, "the send was not held")
	assert.Zero(t, acc.IDs, "nothing was delivered")
	require.NotNil(t, first, "no wait was reported before the call ended: %v", err)
	var ste *SendTimeoutError
	require.True(t, errors.As(err, &ste), "not a *SendTimeoutError: %v", err)
	assert.ErrorIs(t, err, context.Canceled, "the ctx's error is kept")
	assert.Contains(t, err.Error(), "the change may still be taken later, and sending it again is safe")
	t.Logf("reported: %s\nerror: %v", first, err)
	return *first, ste
}

// No worker has ever polled the audience's task queue (the user's case:
// `hubsync enter` with no worker running): the wait and the error say so,
// not back-pressure.
func TestEnterWithNoWorkerSaysNoWorkerPolls(t *testing.T) {
	tp := testenv.StartTemporal(t)
	const q = "stall-no-worker"
	s := stallStarter(tp.Client, q, tp.Server.FrontendHostPort(), testCatalog)
	startAudience(t, tp.Client, q, "aud-1") // an activation would wait for a worker

	first, acc, sendErr := sendUntilReported(s, "aud-1", []string{"1", "2"})
	w, err := heldSend(t, first, acc, sendErr)
	assert.Equal(t, StallNoWorker, w.Cause)
	assert.Equal(t, fmt.Sprintf(`waiting for a worker for %s: no worker is polling task queue %q (none in the last few minutes)`,
		w.Waited.Round(time.Second), q), w.String())
	assert.NotContains(t, w.String(), "back-pressure")

	assert.Equal(t, StallNoWorker, err.Cause, "%v", err)
	assert.Equal(t, q, err.TaskQueue)
	assert.True(t, err.LastPoll.IsZero())
	assert.Equal(t, "aud-1", err.AudienceID)
	assert.Equal(t, contract.UpdateAdmit, err.Update)
	msg := err.Error()
	assert.Contains(t, msg, `no worker is polling task queue "stall-no-worker" (none in the last few minutes): start hubsync-worker on this task queue`)
	assert.NotContains(t, msg, "backlog")

	// A reconcile's update waits on the same missing worker.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, rerr := s.Reconcile(ctx, "aud-1", "acme-vip", SnapshotOf([]int64{1}), ReconcileOptions{})
	var rte *SendTimeoutError
	require.True(t, errors.As(rerr, &rte), "not a *SendTimeoutError: %v", rerr)
	assert.Equal(t, StallNoWorker, rte.Cause, "%v", rerr)
	assert.Equal(t, contract.UpdateReconcile, rte.Update)
	assert.Contains(t, rerr.Error(), `to take the reconcile: no worker is polling task queue "stall-no-worker"`)
	assert.Contains(t, rerr.Error(), "reconciling again replaces it")
}

// A worker that served the audience stops: the server still shows its
// last poll, so the send is told apart by the audience's task waiting
// untaken. Until that shows, the send is undiagnosed; it is never blamed
// on back-pressure.
func TestEnterAfterTheWorkerStoppedSaysNoWorkerTakesTasks(t *testing.T) {
	tp := testenv.StartTemporal(t)
	const q = "stall-stopped"
	s := stallStarter(tp.Client, q, tp.Server.FrontendHostPort(), testCatalog)
	stop := startWorker(t, tp.Client, q, testCatalog)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, s.Activate(ctx, "aud-2", "acme-vip"))
	require.NoError(t, s.Pause(ctx, "aud-2", "acme-vip")) // no HubSpot here: nothing may flush
	testenv.Eventually(t, 30*time.Second, func() (bool, string) {
		st, err := s.ConnectorStatus(ctx, "aud-2", "acme-vip")
		return err == nil && st.State == contract.StatePaused, fmt.Sprintf("status %+v, %v", st, err)
	})
	_, err := s.Enter(ctx, "aud-2", []string{"1"})
	require.NoError(t, err, "served while the worker runs")
	stop()

	var last *SendTimeoutError
	testenv.Eventually(t, 2*time.Minute, func() (bool, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_, err := s.Enter(ctx, "aud-2", []string{"2"})
		if err == nil {
			// worker.Stop returns without waiting for polls already at the
			// server (WorkerStopTimeout 0), and one of them can still take
			// this send's task: it was served, which is no stall. Try again.
			return false, "served by a poll the stopped worker had in flight"
		}
		if !errors.As(err, &last) {
			t.Fatalf("not a *SendTimeoutError: %v", err)
		}
		if last.Cause != StallNoWorker && last.Cause != StallUndiagnosed {
			t.Fatalf("a stopped worker diagnosed as %s: %v", last.Cause, err)
		}
		return last.Cause == StallNoWorker, err.Error()
	})
	t.Logf("error: %v", last)
	assert.ErrorIs(t, last, context.DeadlineExceeded)
	assert.Equal(t, q, last.TaskQueue)
	assert.False(t, last.LastPoll.IsZero(), "the stopped worker's last poll is remembered")
	assert.Contains(t, last.Error(), `no worker is taking tasks from task queue "stall-stopped": the workflow's task has waited`)
}

// A paused connector whose sync owes its whole backlog fills the
// audience's queue: the wait and the error name the connector, say it is
// paused and how to resume it.
func TestEnterHeldByAPausedConnectorNamesIt(t *testing.T) {
	tp := testenv.StartTemporal(t)
	const q, aud, conn, bound = "stall-paused", "aud-3", "acme-vip", 500
	small := CatalogFunc(func(connectorID, audienceID string) (contract.SyncInput, error) {
		in, err := testCatalog(connectorID, audienceID)
		in.MaxBacklog = bound
		return in, err
	})
	s := stallStarter(tp.Client, q, tp.Server.FrontendHostPort(), small)
	startWorker(t, tp.Client, q, small)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, s.Activate(ctx, aud, conn))
	require.NoError(t, s.Pause(ctx, aud, conn))
	testenv.Eventually(t, 30*time.Second, func() (bool, string) {
		st, err := s.ConnectorStatus(ctx, aud, conn)
		return err == nil && st.State == contract.StatePaused, fmt.Sprintf("status %+v, %v", st, err)
	})

	// Exactly what the queue takes: every chunk is admitted. Then the
	// bound reaches the sync.
	_, err := s.Enter(ctx, aud, ids(contract.QueueSoftIDs))
	require.NoError(t, err)
	testenv.Eventually(t, 30*time.Second, func() (bool, string) {
		st, err := s.Connectors(ctx, aud)
		return err == nil && len(st.Flows) == 1 && st.Flows[0].Backlog == bound, fmt.Sprintf("status %+v, %v", st, err)
	})

	first, acc, sendErr := sendUntilReported(s, aud, ids(MaxIDsPerSignal))
	w, ste := heldSend(t, first, acc, sendErr)
	assert.Equal(t, StallConnectorBacklog, w.Cause)
	assert.Contains(t, w.String(), fmt.Sprintf("held by back-pressure for %s (audience queue %d IDs); connector acme-vip owes 500 of 500 IDs (paused)",
		w.Waited.Round(time.Second), contract.QueueSoftIDs-bound))

	assert.Equal(t, StallConnectorBacklog, ste.Cause, "%v", ste)
	assert.Equal(t, []ConnectorBacklog{{ConnectorID: conn, State: contract.StatePaused, Backlog: bound, MaxBacklog: bound}}, ste.Connectors)
	assert.True(t, ste.StatusRead)
	assert.Equal(t, contract.QueueSoftIDs-bound, ste.Queued)
	assert.Contains(t, ste.Error(), "a connector's backlog is at its bound (the audience's queue holds 19500 IDs, bound 20000): "+
		"connector acme-vip is paused and owes 500 of 500 IDs: resume it (`hubsync resume aud-3 acme-vip`)")
}

// The server is down: the send and its diagnosis return within the
// diagnosis's own bound (a minute here, to catch a hang, not to time it),
// naming the address.
func TestEnterWithTheServerDownSaysItCannotBeReached(t *testing.T) {
	tp := testenv.StartTemporal(t)
	addr := tp.Server.FrontendHostPort()
	s := stallStarter(tp.Client, "stall-down", addr, testCatalog)
	tp.Stop()

	type result struct {
		first *WaitInfo
		acc   Accepted
		err   error
	}
	done := make(chan result, 1)
	go func() {
		first, acc, err := sendUntilReported(s, "aud-4", []string{"1"})
		done <- result{first, acc, err}
	}()
	var r result
	select {
	case r = <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("Enter did not return with the server down")
	}
	w, ste := heldSend(t, r.first, r.acc, r.err)
	assert.Equal(t, StallServerUnreachable, w.Cause)
	assert.Contains(t, w.String(), "waiting for the Temporal server for ")
	assert.Contains(t, w.String(), "it cannot be reached at "+addr+" (dial tcp "+addr+": connect: connection refused")

	assert.Equal(t, StallServerUnreachable, ste.Cause, "%v", ste)
	assert.Equal(t, addr, ste.Address)
	var un *serviceerror.Unavailable
	var de *serviceerror.DeadlineExceeded
	assert.True(t, errors.As(ste, &un) || errors.As(ste, &de), "Temporal's error is kept: %#v", ste.Err)
	msg := ste.Error()
	assert.Contains(t, msg, "the Temporal server at "+addr+" cannot be reached (dial tcp "+addr+": connect: connection refused")
	assert.Contains(t, msg, "start it, or point the client at its address")
	assert.False(t, strings.Contains(msg, "backlog") || strings.Contains(msg, "worker"), msg)
}
