package integration_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/hubspot/hubspottest"
	"github.com/audiencesync/hubspot-list-sync/internal/testenv"
	"github.com/audiencesync/hubspot-list-sync/starter"
)

func TestStreamOfEntersAndLeavesConverges(t *testing.T) {
	s := newStack(t)
	require.NoError(t, s.st.Activate(s.ctx(), "aud-stream", "conn-a"))
	require.NoError(t, s.st.Activate(s.ctx(), "aud-stream", "conn-a"), "activating twice is not an error")
	want := model{}
	for _, c := range randomStream(1, 150, 40) {
		s.send("aud-stream", c)
		want.apply(c)
	}
	st := s.converged("aud-stream", "conn-a", want.ids())
	assert.Positive(t, st.TotalRejected, "invalid IDs were counted")
	assert.Positive(t, st.TotalMissing, "IDs beyond the portal were reported missing")
	assert.Positive(t, st.BatchesSent)
	assert.Nil(t, st.LastError)
}

func TestOneAudienceOnTwoConnectors(t *testing.T) {
	s := newStack(t)
	require.NoError(t, s.st.Activate(s.ctx(), "aud-two", "conn-a"))
	stream := randomStream(2, 120, 30)
	all, afterB := model{}, model{}
	for i, c := range stream {
		if i == 40 {
			// conn-b joins mid-stream: it must get every change accepted
			// after its activation.
			require.NoError(t, s.st.Activate(s.ctx(), "aud-two", "conn-b"))
		}
		s.send("aud-two", c)
		all.apply(c)
		if i >= 40 {
			afterB.apply(c)
		}
	}
	s.converged("aud-two", "conn-a", all.ids())
	s.converged("aud-two", "conn-b", afterB.ids())

	rep, err := s.st.Status(s.ctx(), "aud-two")
	require.NoError(t, err)
	require.Len(t, rep.Connectors, 2)
	assert.Equal(t, "conn-a", rep.Connectors[0].ConnectorID)
	assert.Equal(t, "conn-b", rep.Connectors[1].ConnectorID)
}

func TestWorkerRestartedMidStream(t *testing.T) {
	s := newStack(t)
	require.NoError(t, s.st.Activate(s.ctx(), "aud-restart", "conn-a"))
	want := model{}
	stream := randomStream(3, 120, 30)
	for _, c := range stream[:60] {
		s.send("aud-restart", c)
		want.apply(c)
	}
	// With no worker running, an Enter waits (the audience workflow must
	// queue the change before the call returns) and goes through once a
	// worker is back: nothing is lost and nothing is taken that could not
	// be kept.
	s.stopWorker()
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		for _, c := range stream[60:] {
			s.send("aud-restart", c)
		}
	}()
	select {
	case <-sent:
		t.Fatal("the stream went through with no worker running")
	case <-time.After(3 * time.Second):
	}
	s.startWorker()
	<-sent
	want.apply(stream[60:]...)
	s.converged("aud-restart", "conn-a", want.ids())
}

func TestEnterForAnAudienceNeverActivatedIsRefused(t *testing.T) {
	s := newStack(t)
	_, err := s.st.Enter(s.ctx(), "aud-nobody", []string{"1"})
	assert.ErrorIs(t, err, starter.ErrAudienceNotActive)
}

func TestTerminalErrorBlocksThenOperatorFixesAndResumes(t *testing.T) {
	s := newStack(t)
	for _, kind := range []hubspottest.FaultKind{hubspottest.FaultStatus, hubspottest.FaultApplyThenStatus} {
		for _, status := range []int{400, 401, 403, 404, 500} {
			testTerminalStatus(t, s, kind, status)
		}
	}
}

// testTerminalStatus: the status (plain, or after HubSpot applied the
// request) blocks the sync with its details, is sent exactly once (the
// emulator's log proves it was not retried), loses nothing, and converges
// after resume.
func testTerminalStatus(t *testing.T, s *stack, kind hubspottest.FaultKind, status int) {
	t.Run(fmt.Sprintf("%s/%d", kind, status), func(t *testing.T) {
		aud := fmt.Sprintf("aud-blocked-%s-%d", kind, status)
		require.NoError(t, s.st.Activate(s.ctx(), aud, "conn-a"))
		logFrom := len(s.emu.Requests())
		s.emu.InjectFault(hubspottest.Fault{Kind: kind, Status: status, PathContains: "add-and-remove"})
		first := change{enter: true, ids: []string{"11", "12", "13"}}
		s.send(aud, first)
		var st contract.Status
		testenv.Eventually(t, 30*time.Second, func() (bool, string) {
			var err error
			st, err = s.st.ConnectorStatus(s.ctx(), aud, "conn-a")
			return err == nil && st.State == contract.StateBlocked, fmt.Sprintf("state %q err %v", st.State, err)
		})
		require.NotNil(t, st.LastError)
		assert.Equal(t, status, st.LastError.Status)
		assert.NotEmpty(t, st.LastError.CorrelationID)
		assert.NotEmpty(t, st.LastError.Message)
		require.NotNil(t, st.Owed, "the failed batch is owed, not lost")

		// Still accepting while blocked; a newer change wins over the owed one.
		later := change{enter: false, ids: []string{"12"}}
		more := change{enter: true, ids: []string{"14"}}
		s.send(aud, later)
		s.send(aud, more)
		time.Sleep(300 * time.Millisecond)
		assert.NotContains(t, s.emu.Members(portalA, s.lists["conn-a"]), int64(14), "no flushes while blocked")
		sent := 0
		for _, r := range s.emu.Requests()[logFrom:] {
			if r.ListID == s.lists["conn-a"] && slices.Contains(r.AddIDs, 11) {
				sent++
			}
		}
		assert.Equal(t, 1, sent, "the failed batch was sent once: a terminal status is never retried")

		// The fault was one-shot: the "fix". The operator resumes.
		require.NoError(t, s.st.Resume(s.ctx(), aud, "conn-a"))
		want := model{}
		want.apply(first, later, more)
		st = s.converged(aud, "conn-a", want.ids())
		assert.Equal(t, contract.StateActive, st.State)
		// Clean the shared list for the next status.
		require.NoError(t, s.st.Stop(s.ctx(), aud, "conn-a"))
		require.NoError(t, temporal.Client.GetWorkflow(s.ctx(), contract.SyncWorkflowID(aud, "conn-a"), "").Get(s.ctx(), nil))
		for _, id := range want.ids() {
			s.emu.DeleteContacts(portalA, id)
			s.emu.AddContacts(portalA, id)
		}
	})
}

func TestRetargetAndDiscardFromABlockedSync(t *testing.T) {
	s := newStack(t)
	moved := s.emu.CreateList(portalA, "Moved", "MANUAL")
	require.NoError(t, s.st.Activate(s.ctx(), "aud-ops", "conn-a"))
	s.emu.InjectFault(hubspottest.Fault{Kind: hubspottest.FaultStatus, Status: 404, PathContains: "add-and-remove"})
	s.send("aud-ops", change{enter: true, ids: []string{"21", "22"}})
	waitState(t, s, "aud-ops", contract.StateBlocked)
	require.NoError(t, s.st.Retarget(s.ctx(), "aud-ops", "conn-a", moved))
	s.lists["conn-a"] = moved
	s.converged("aud-ops", "conn-a", []int64{21, 22})

	s.emu.InjectFault(hubspottest.Fault{Kind: hubspottest.FaultStatus, Status: 400, PathContains: "add-and-remove"})
	s.send("aud-ops", change{enter: true, ids: []string{"23"}})
	waitState(t, s, "aud-ops", contract.StateBlocked)
	require.NoError(t, s.st.Discard(s.ctx(), "aud-ops", "conn-a", "test: bad batch"))
	st := s.converged("aud-ops", "conn-a", []int64{21, 22})
	assert.EqualValues(t, 1, st.BatchesDiscarded)
	assert.EqualValues(t, 1, st.IDsDiscarded)
}

func waitState(t *testing.T, s *stack, aud, state string) {
	t.Helper()
	testenv.Eventually(t, 30*time.Second, func() (bool, string) {
		st, err := s.st.ConnectorStatus(s.ctx(), aud, "conn-a")
		return err == nil && st.State == state, fmt.Sprintf("state %q err %v", st.State, err)
	})
}

func TestRetryableFaultsConvergeWithoutAnOperator(t *testing.T) {
	s := newStack(t, hubspottest.WithFaultSeed(7))
	require.NoError(t, s.st.Activate(s.ctx(), "aud-flaky", "conn-a"))
	s.emu.SetRandomFaults(hubspottest.RandomFaults{Probability: 0.3, PathContains: "add-and-remove",
		Kinds:    []hubspottest.FaultKind{hubspottest.FaultStatus, hubspottest.FaultDrop, hubspottest.FaultApplyThenDrop},
		Statuses: []int{408, 503, 502, 504}})
	want := model{}
	for _, c := range randomStream(4, 40, 25) {
		s.send("aud-flaky", c)
		want.apply(c)
	}
	st := s.converged("aud-flaky", "conn-a", want.ids())
	assert.Nil(t, st.Owed)
	assert.Positive(t, s.emu.Counters().Faults, "faults were injected")
}

func TestContinueAsNewUnderALongStream(t *testing.T) {
	s := newStack(t)
	// Small per-run bounds so both workflows continue as new many times.
	small := starter.CatalogFunc(func(connectorID, audienceID string) (contract.SyncInput, error) {
		in, err := s.cfg.ConnectorInput(connectorID, audienceID)
		in.MaxSignalsPerRun, in.MaxBatchesPerRun = 15, 5
		return in, err
	})
	s.st = starter.New(temporal.Client, s.cfg.Temporal.TaskQueue, small)
	_, err := temporal.Client.ExecuteWorkflow(s.ctx(), client.StartWorkflowOptions{ID: contract.AudienceWorkflowID("aud-long"), TaskQueue: s.cfg.Temporal.TaskQueue},
		contract.AudienceWorkflowName, contract.AudienceInput{AudienceID: "aud-long", MaxSignalsPerRun: 20})
	require.NoError(t, err)
	require.NoError(t, s.st.Activate(s.ctx(), "aud-long", "conn-a"))
	want := model{}
	for _, c := range randomStream(5, 200, 10) {
		s.send("aud-long", c)
		want.apply(c)
	}
	st := s.converged("aud-long", "conn-a", want.ids())
	assert.GreaterOrEqual(t, st.Generation, 2, "the sync continued as new (how often depends on how many signals forwarding takes)")
	aud, err := s.st.Connectors(s.ctx(), "aud-long")
	require.NoError(t, err)
	assert.GreaterOrEqual(t, aud.Generation, 1, "the audience continued as new (how often depends on how many commands each pass takes)")
	assert.Len(t, aud.Connectors, 1)

	// Runs that ended in continue-as-new replay too (and are kept for the
	// replay test with RECORD_HISTORY=1).
	replayAndRecord(t, previousRun(t, temporal.Client, contract.SyncWorkflowID("aud-long", "conn-a")), "sync-continued-as-new")
	replayAndRecord(t, previousRun(t, temporal.Client, contract.AudienceWorkflowID("aud-long")), "audience-continued-as-new")
}

// Activating a connector again while its sync is still finishing the stop
// of an earlier deactivation (here: blocked, so it cannot finish) calls
// the stop off: the sync carries on and takes the new changes.
func TestReactivatingAConnectorWhileItsSyncFinishesAStop(t *testing.T) {
	s := newStack(t)
	const aud = "aud-reactivate"
	require.NoError(t, s.st.Activate(s.ctx(), aud, "conn-a"))
	s.emu.InjectFault(hubspottest.Fault{Kind: hubspottest.FaultStatus, Status: 404, PathContains: "add-and-remove"})
	s.send(aud, change{enter: true, ids: []string{"1", "2"}})
	waitState(t, s, aud, contract.StateBlocked)
	require.NoError(t, s.st.Stop(s.ctx(), aud, "conn-a"))
	testenv.Eventually(t, 30*time.Second, func() (bool, string) {
		a, err := s.st.Connectors(s.ctx(), aud)
		return err == nil && len(a.Connectors) == 0, fmt.Sprintf("connectors %+v err %v", a.Connectors, err)
	})
	st, err := s.st.ConnectorStatus(s.ctx(), aud, "conn-a")
	require.NoError(t, err)
	require.True(t, st.StopRequested, "the blocked sync is still finishing its stop")

	require.NoError(t, s.st.Activate(s.ctx(), aud, "conn-a"))
	require.NoError(t, s.st.Resume(s.ctx(), aud, "conn-a"))
	s.send(aud, change{enter: true, ids: []string{"3"}})
	st = s.converged(aud, "conn-a", []int64{1, 2, 3})
	assert.Equal(t, contract.StateActive, st.State)
	assert.False(t, st.StopRequested, "the stop was called off")
	a, err := s.st.Connectors(s.ctx(), aud)
	require.NoError(t, err)
	assert.Len(t, a.Connectors, 1)
	assert.Empty(t, a.Problems)
	replayAndRecord(t, fetchHistory(t, temporal.Client, contract.AudienceWorkflowID(aud), ""), "audience-reactivate")
}
