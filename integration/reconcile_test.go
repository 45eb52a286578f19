package integration_test

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/audiencesync/hubspot-list-sync/activities"
	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/hubspot"
	"github.com/audiencesync/hubspot-list-sync/internal/testenv"
	"github.com/audiencesync/hubspot-list-sync/starter"
	"github.com/audiencesync/hubspot-list-sync/workflows"
)

func (s *stack) longCtx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	s.t.Cleanup(cancel)
	return ctx
}

// A connector added to a live audience with a snapshot starts equal to
// it: activation and reconcile are one ordered step, and the changes
// sent afterwards reach both lists.
func TestReconcileBackfillsANewConnectorOnALiveAudience(t *testing.T) {
	s := newStack(t)
	const aud = "aud-backfill"
	require.NoError(t, s.st.Activate(s.ctx(), aud, "conn-a"))
	s.send(aud, change{enter: true, ids: strIDs(1, 600)})
	s.converged(aud, "conn-a", idRange(1, 600))

	rep, err := s.st.Reconcile(s.longCtx(), aud, "conn-b", starter.SnapshotOf(idRange(1, 600)), starter.ReconcileOptions{Activate: true})
	require.NoError(t, err)
	require.Equal(t, contract.PhaseDone, rep.Phase)
	require.EqualValues(t, 600, rep.Adds)
	require.EqualValues(t, 600, rep.Applied)
	require.Zero(t, rep.Removes)
	require.EqualValues(t, 600, rep.SnapshotReceived)
	require.EqualValues(t, 1, rep.Pages, "an empty list is one page")

	s.send(aud, change{enter: true, ids: strIDs(601, 610)})
	s.converged(aud, "conn-a", idRange(1, 610))
	s.converged(aud, "conn-b", idRange(1, 610))
}

// A list edited behind the sync's back (members added and removed in
// HubSpot) is repaired exactly; the plan before it reports the same
// difference and changes nothing; enters and leaves sent while the
// reconcile runs win over the snapshot.
func TestReconcileRepairsManualEditsWhileChangesFlow(t *testing.T) {
	s := newStack(t)
	const aud = "aud-repair"
	portal, list := s.portals["conn-a"], s.lists["conn-a"]
	require.NoError(t, s.st.Activate(s.ctx(), aud, "conn-a"))
	s.send(aud, change{enter: true, ids: strIDs(1, 1200)})
	s.converged(aud, "conn-a", idRange(1, 1200))
	require.NoError(t, s.emu.AddMembers(portal, list, 1500, 1501, 1502))
	require.NoError(t, s.emu.RemoveMembers(portal, list, 5, 6, 700))

	writesBefore := len(membershipWrites(s.emu.Requests(), list))
	plan, err := s.st.Reconcile(s.longCtx(), aud, "conn-a", starter.SnapshotOf(idRange(1, 1200)), starter.ReconcileOptions{Plan: true})
	require.NoError(t, err)
	require.True(t, plan.Plan)
	require.EqualValues(t, 3, plan.Adds)
	require.EqualValues(t, 3, plan.Removes)
	require.Equal(t, []int64{5, 6, 700}, plan.SampleAdds)
	require.Equal(t, []int64{1500, 1501, 1502}, plan.SampleRemoves)
	require.EqualValues(t, 1200, plan.LiveRead)
	require.EqualValues(t, 5, plan.Pages, "1,200 members are five pages of 250")
	require.Len(t, membershipWrites(s.emu.Requests(), list), writesBefore, "the plan wrote nothing")
	require.Equal(t, append(idRange(1, 1200, 5, 6, 700), 1500, 1501, 1502), s.emu.Members(portal, list))

	// While the reconcile runs, leave 10..19 and 1500 and enter 1800..1809:
	// sent after its mark, they win over the snapshot.
	var once sync.Once
	later := func(contract.ReconcileStatus) {
		once.Do(func() {
			s.send(aud, change{ids: append(strIDs(10, 19), "1500")})
			s.send(aud, change{enter: true, ids: strIDs(1800, 1809)})
		})
	}
	rep, err := s.st.Reconcile(s.longCtx(), aud, "conn-a", starter.SnapshotOf(idRange(1, 1200)), starter.ReconcileOptions{Progress: later})
	require.NoError(t, err)
	require.Equal(t, contract.PhaseDone, rep.Phase)
	want := append(idRange(1, 1200, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19), idRange(1800, 1809)...)
	s.converged(aud, "conn-a", want)
	require.EqualValues(t, 3, rep.Adds, "5, 6 and 700")
	// 1501 and 1502; 1500 too, unless its own leave (sent after the mark)
	// had already taken it over.
	require.Contains(t, []int64{2, 3}, rep.Removes)

	// The sync's log (hubsync log) names the reconcile where it took its
	// place, and shows its page reads as no batch.
	lg, err := s.st.Log(s.ctx(), aud, "conn-a", starter.LogOptions{})
	require.NoError(t, err)
	notes := ""
	for _, n := range lg.Notes {
		notes += n.What + "\n"
	}
	require.Contains(t, notes, "reconcile "+rep.ID+" started")
	require.Contains(t, notes, "plan "+plan.ID+" started")
	for _, b := range lg.Batches {
		require.NotEmpty(t, b.BatchID, "a page read shown as a batch")
	}

	// Both histories replay on the current code; with RECORD_HISTORY=1
	// they are saved for the replay test.
	replayAndRecord(t, fetchHistory(t, temporal.Client, contract.SyncWorkflowID(aud, "conn-a"), ""), "sync-reconcile")
	replayAndRecord(t, fetchHistory(t, temporal.Client, contract.AudienceWorkflowID(aud), ""), "audience-reconcile")
}

// A worker that dies while it reads the list: the page it held is read
// again by another worker from the same cursor after the heartbeat
// timeout; pages before it are not read again, and the list ends exact.
func TestReconcileReadResumesFromItsCursorAfterAWorkerDies(t *testing.T) {
	tp := temporal
	emu := testenv.StartEmulator(t)
	emu.AddContactRange(1, 1, 2000)
	list := emu.CreateList(1, "Resume", hubspot.ProcessingManual)
	require.NoError(t, emu.AddMembers(1, list, idRange(1, 1000)...))
	const queue = "reconcile-resume"
	client1 := emu.Client(t, 1)

	// Worker A reads two pages for real, then holds the third without a
	// heartbeat, as a SIGKILLed process would.
	took := make(chan struct{}, 1)
	a := worker.New(tp.Client, queue, worker.Options{WorkerStopTimeout: contract.ActivityHeartbeatTimeout + 5*time.Second})
	workflows.RegisterSync(a)
	real := &activities.Membership{Connectors: activities.ConnectorMap{"c1": client1}}
	var pages int
	a.RegisterActivityWithOptions(func(ctx context.Context, req contract.ReadPageRequest) (contract.ReadPageResult, error) {
		if pages++; pages <= 2 {
			return real.ReadListPage(ctx, req)
		}
		select {
		case took <- struct{}{}:
		default:
		}
		<-ctx.Done()
		return contract.ReadPageResult{}, ctx.Err()
	}, activity.RegisterOptions{Name: contract.ReadListPageActivity})
	a.RegisterActivityWithOptions(real.ApplyMembershipBatch, activity.RegisterOptions{Name: contract.ApplyBatchActivity})
	require.NoError(t, a.Start())
	stopped := make(chan struct{})
	defer func() { <-stopped }()

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	const aud = "aud-resume"
	syncID := contract.SyncWorkflowID(aud, "c1")
	_, err := tp.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: syncID, TaskQueue: queue}, contract.SyncWorkflowName,
		contract.SyncInput{AudienceID: aud, ConnectorID: "c1", ListID: list, FlushInterval: 200 * time.Millisecond})
	require.NoError(t, err)
	// The mark as the audience forwards it, then the snapshot 501..1500.
	require.NoError(t, tp.Client.SignalWorkflow(ctx, syncID, "", contract.SignalMembership,
		map[string]any{"reconcile": contract.ReconcileMark{ID: "resume-1"}}))
	st := starter.New(tp.Client, queue, nil)
	done := make(chan error, 1)
	go func() {
		done <- st.SendSnapshot(ctx, aud, "c1", "resume-1", starter.SnapshotOf(idRange(501, 1500)))
	}()
	select {
	case <-took:
	case <-ctx.Done():
		t.Fatal("worker A never took the third page")
	}
	go func() { a.Stop(); close(stopped) }()

	b := worker.New(tp.Client, queue, worker.Options{})
	workflows.RegisterSync(b)
	activities.Register(b, real)
	require.NoError(t, b.Start())
	defer b.Stop()
	require.NoError(t, <-done)

	testenv.Eventually(t, 90*time.Second, func() (bool, string) {
		got := emu.Members(1, list)
		return equalIDs(got, idRange(501, 1500)), "members " + fmtIDs(got)
	})
	var rep *contract.ReconcileStatus
	testenv.Eventually(t, 30*time.Second, func() (bool, string) {
		rep = syncStatus(t, tp.Client, syncID).LastReconcile
		return rep != nil, "reconcile not ended"
	})
	require.Equal(t, contract.PhaseDone, rep.Phase, rep.Error)
	require.EqualValues(t, 500, rep.Adds)
	require.EqualValues(t, 500, rep.Removes)
	require.EqualValues(t, 4, rep.Pages)

	// Each page was asked of HubSpot once: the first two by A, the rest by
	// B from the cursor A had reached.
	cursors := map[string]int{}
	for _, r := range emu.Requests() {
		if r.Method == "GET" && strings.HasSuffix(r.Path, "/"+list+"/memberships") {
			q, _ := url.ParseQuery(r.Query)
			cursors[q.Get("after")]++
		}
	}
	require.Equal(t, map[string]int{"": 1, "250": 1, "500": 1, "750": 1}, cursors)
	var cause enumspb.TimeoutType
	for _, ev := range fetchHistory(t, tp.Client, syncID, "").Events {
		if at := ev.GetActivityTaskStartedEventAttributes(); at != nil && at.GetAttempt() > 1 {
			cause = at.GetLastFailure().GetTimeoutFailureInfo().GetTimeoutType()
		}
	}
	require.Equal(t, enumspb.TIMEOUT_TYPE_HEARTBEAT, cause, "the silent read was given up by its heartbeat timeout")
	require.NoError(t, tp.Client.SignalWorkflow(ctx, syncID, "", contract.SignalStop, nil))
}
