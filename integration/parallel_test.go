package integration_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/audiencesync/hubspot-list-sync/activities"
	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/hubspot"
	"github.com/audiencesync/hubspot-list-sync/hubspot/hubspottest"
	"github.com/audiencesync/hubspot-list-sync/internal/testenv"
	"github.com/audiencesync/hubspot-list-sync/workflows"
)

// A sync keeps several batches in flight on its account's task queue: the
// requests overlap at HubSpot, never with one contact in two of them; a
// leave of a contact in flight follows its enter; batches that fail while
// others run are owed together and land after resume. The history is
// replayed, and with RECORD_HISTORY=1 saved as sync-parallel.json.
func TestParallelBatchesOnTheAccountQueue(t *testing.T) {
	tp := temporal
	emu := testenv.StartEmulator(t)
	emu.AddContactRange(1, 1, 200)
	list := emu.CreateList(1, "Parallel", hubspot.ProcessingManual)
	slow := hubspottest.Fault{Kind: hubspottest.FaultDelay, Latency: 300 * time.Millisecond, PathContains: "add-and-remove", Times: 1000}
	emu.InjectFault(slow)

	const queue, account = "parallel-record", "acct-par"
	membership := &activities.Membership{Connectors: activities.ConnectorMap{"c1": emu.Client(t, 1)}}
	w := worker.New(tp.Client, queue, worker.Options{})
	workflows.RegisterSync(w)
	require.NoError(t, w.Start())
	defer w.Stop()
	// Only the account's queue serves the activity: a batch sent anywhere
	// else would never run and the test would time out.
	wa := worker.New(tp.Client, contract.AccountTaskQueue(queue, account), worker.Options{TaskQueueActivitiesPerSecond: 50})
	activities.Register(wa, membership)
	require.NoError(t, wa.Start())
	defer wa.Stop()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	syncID := contract.SyncWorkflowID("aud-par", "c1")
	_, err := tp.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: syncID, TaskQueue: queue}, contract.SyncWorkflowName,
		contract.SyncInput{AudienceID: "aud-par", ConnectorID: "c1", ListID: list, Account: account,
			FlushInterval: 300 * time.Millisecond, MaxBatchSize: 10, MaxInFlight: 4})
	require.NoError(t, err)
	signal := func(op contract.Op, from, to int) {
		t.Helper()
		var ids []string
		for i := from; i <= to; i++ {
			ids = append(ids, itoa(i))
		}
		require.NoError(t, tp.Client.SignalWorkflow(ctx, syncID, "", contract.SignalMembership,
			contract.MembershipChange{Op: op, RecordIDs: ids}))
	}
	members := func(want []int64) {
		t.Helper()
		testenv.Eventually(t, 60*time.Second, func() (bool, string) {
			got := emu.Members(1, list)
			return equalIDs(got, want), "members " + fmtIDs(got) + " want " + fmtIDs(want)
		})
	}

	signal(contract.OpEnter, 1, 100)
	// Wait until the batch with 1 is in flight, then leave 1..5: held
	// behind it, sent after it.
	testenv.Eventually(t, 30*time.Second, func() (bool, string) {
		st := syncStatus(t, tp.Client, syncID)
		return st.InFlightBatches > 0, "nothing in flight yet"
	})
	signal(contract.OpLeave, 1, 5)
	members(idRange(6, 100))

	writes := membershipWrites(emu.Requests(), list)
	require.GreaterOrEqual(t, hubspottest.MaxOpen(writes), 2, "batches overlapped at HubSpot")
	requireNoContactInTwoAtOnce(t, writes)

	// Two of the next batches fail for good while others run.
	emu.ClearFaults()
	emu.InjectFault(hubspottest.Fault{Kind: hubspottest.FaultStatus, Status: 404, PathContains: "add-and-remove", Times: 2}, slow)
	signal(contract.OpEnter, 101, 140)
	testenv.Eventually(t, 30*time.Second, func() (bool, string) {
		st := syncStatus(t, tp.Client, syncID)
		return st.State == contract.StateBlocked && st.InFlightBatches == 0, "state " + st.State
	})
	st := syncStatus(t, tp.Client, syncID)
	require.Equal(t, 20, st.Owed.Adds, "both failed batches are owed")
	require.EqualValues(t, 2, st.BatchesFailed)
	require.NoError(t, tp.Client.SignalWorkflow(ctx, syncID, "", contract.SignalResume, nil))
	members(idRange(6, 140))

	require.NoError(t, tp.Client.SignalWorkflow(ctx, syncID, "", contract.SignalStop, nil))
	var final contract.Status
	require.NoError(t, tp.Client.GetWorkflow(ctx, syncID, "").Get(ctx, &final))
	require.Equal(t, contract.StateStopped, final.State)
	requireNoContactInTwoAtOnce(t, membershipWrites(emu.Requests(), list))
	replayAndRecord(t, fetchHistory(t, tp.Client, syncID, ""), "sync-parallel")
}

func membershipWrites(reqs []hubspottest.RequestRecord, list string) []hubspottest.RequestRecord {
	var out []hubspottest.RequestRecord
	for _, r := range reqs {
		if strings.Contains(r.Path, "/"+list+"/memberships/add-and-remove") {
			out = append(out, r)
		}
	}
	return out
}

func requireNoContactInTwoAtOnce(t *testing.T, reqs []hubspottest.RequestRecord) {
	t.Helper()
	for _, o := range hubspottest.ContactOverlaps(reqs) {
		t.Fatalf("contact %d was in two requests open at once (%s and %s)", o.Contact, o.A.CorrelationID, o.B.CorrelationID)
	}
}
