package integration_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/audiencesync/hubspot-list-sync/activities"
	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/hubspot"
	"github.com/audiencesync/hubspot-list-sync/hubspot/hubspottest"
	"github.com/audiencesync/hubspot-list-sync/internal/testenv"
	"github.com/audiencesync/hubspot-list-sync/workflows"
)

// TestRecordedHistoriesReplay drives both workflows through their life cycle
// on a real Temporal dev server (flush, reject, block on a 404, resume,
// pause, retarget, stop), then replays the histories against the current
// workflow code. With RECORD_HISTORY=1 it also saves them under
// workflows/testdata (see replayAndRecord), where the replay test keeps
// checking that changes to workflow logic still replay them.
func TestRecordedHistoriesReplay(t *testing.T) {
	tp := temporal
	emu := testenv.StartEmulator(t)
	emu.AddContactRange(1, 1, 100)
	list := emu.CreateList(1, "Replay A", hubspot.ProcessingManual)
	list2 := emu.CreateList(1, "Replay B", hubspot.ProcessingManual)

	const queue = "replay-record"
	w := worker.New(tp.Client, queue, worker.Options{})
	workflows.RegisterSync(w)
	workflows.RegisterAudience(w)
	activities.Register(w, &activities.Membership{Connectors: activities.ConnectorMap{"c1": emu.Client(t, 1)}})
	activities.RegisterResolver(w, &activities.Resolver{Connectors: map[string]contract.SyncInput{"c1": {ListID: list}}})
	require.NoError(t, w.Start())
	defer w.Stop()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	audID, syncID := contract.AudienceWorkflowID("aud-replay"), contract.SyncWorkflowID("aud-replay", "c1")
	testenv.Activate(t, ctx, tp.Client, queue, "aud-replay",
		contract.SyncInput{ConnectorID: "c1", ListID: list, FlushInterval: 300 * time.Millisecond, MaxBatchSize: 20})

	members := func(l string, want ...int64) {
		t.Helper()
		testenv.Eventually(t, 30*time.Second, func() (bool, string) {
			got := emu.Members(1, l)
			return equalIDs(got, want), "members " + fmtIDs(got) + " want " + fmtIDs(want)
		})
	}
	enter := func(ids ...string) {
		t.Helper()
		require.NoError(t, tp.Client.SignalWorkflow(ctx, audID, "", contract.SignalAudience, contract.AudienceCommand{Membership: &contract.MembershipChange{Op: contract.OpEnter, RecordIDs: ids}}))
	}
	var ids []string
	for i := 1; i <= 30; i++ {
		ids = append(ids, itoa(i))
	}
	enter(append(ids, "abc")...)
	// Applied before the leave is sent, so the recorded history always has
	// contact 2 in two batches (the starter's log tests read it).
	members(list, idRange(1, 30)...)
	require.NoError(t, tp.Client.SignalWorkflow(ctx, audID, "", contract.SignalAudience, contract.AudienceCommand{Membership: &contract.MembershipChange{Op: contract.OpLeave, RecordIDs: []string{"2"}}}))
	members(list, idRange(1, 30, 2)...)

	emu.InjectFault(hubspottest.Fault{Kind: hubspottest.FaultStatus, Status: 404, PathContains: "add-and-remove"})
	enter("40")
	testenv.Eventually(t, 30*time.Second, func() (bool, string) {
		st := syncStatus(t, tp.Client, syncID)
		return st.State == contract.StateBlocked, "state " + st.State
	})
	require.NoError(t, tp.Client.SignalWorkflow(ctx, syncID, "", contract.SignalResume, nil))
	members(list, append(idRange(1, 30, 2), 40)...)

	require.NoError(t, tp.Client.SignalWorkflow(ctx, syncID, "", contract.SignalPause, nil))
	enter("41")
	require.NoError(t, tp.Client.SignalWorkflow(ctx, syncID, "", contract.SignalResume, nil))
	members(list, append(idRange(1, 30, 2), 40, 41)...)

	require.NoError(t, tp.Client.SignalWorkflow(ctx, syncID, "", contract.SignalRetarget, contract.Retarget{ListID: list2}))
	enter("50")
	members(list2, 50)

	testenv.Deactivate(t, ctx, tp.Client, "aud-replay", "c1")
	var final contract.Status
	require.NoError(t, tp.Client.GetWorkflow(ctx, syncID, "").Get(ctx, &final))
	require.Equal(t, contract.StateStopped, final.State)
	require.EqualValues(t, 1, final.TotalRejected)
	require.Equal(t, contract.StateStopped, syncStatus(t, tp.Client, syncID).State, "a query after the end says stopped")

	for name, id := range map[string]string{"sync": syncID, "audience": audID} {
		replayAndRecord(t, fetchHistory(t, tp.Client, id, ""), name+"-lifecycle")
	}
}

// replayAndRecord replays hist against the current workflow code and, with
// RECORD_HISTORY=1, saves it as workflows/testdata/RELEASE/NAME.json
// (RECORD_HISTORY_RELEASE, default next).
func replayAndRecord(t *testing.T, hist *historypb.History, name string) {
	t.Helper()
	replayer := worker.NewWorkflowReplayer()
	workflows.RegisterSync(replayer)
	workflows.RegisterAudience(replayer)
	id, err := workflows.HistoryWorkflowID(hist)
	require.NoError(t, err)
	require.NoError(t, replayer.ReplayWorkflowHistoryWithOptions(nil, hist, worker.ReplayWorkflowHistoryOptions{
		OriginalExecution: workflow.Execution{ID: id, RunID: "replay"}}), "replaying %s", name)
	if os.Getenv("RECORD_HISTORY") != "1" {
		return
	}
	b, err := protojson.MarshalOptions{Indent: "  "}.Marshal(hist)
	require.NoError(t, err)
	// New histories go to testdata/next until a release renames the
	// folder to its tag; every release's folder keeps replaying.
	release := os.Getenv("RECORD_HISTORY_RELEASE")
	if release == "" {
		release = "next"
	}
	path := filepath.Join(testenv.RepoRoot(t), "workflows", "testdata", release, name+".json")
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, b, 0o644))
	t.Logf("recorded %s (%d events)", path, len(hist.Events))
}

// previousRun is the run that continued as new into the current one.
func previousRun(t *testing.T, c client.Client, workflowID string) *historypb.History {
	t.Helper()
	current := fetchHistory(t, c, workflowID, "")
	prev := current.Events[0].GetWorkflowExecutionStartedEventAttributes().GetContinuedExecutionRunId()
	require.NotEmpty(t, prev, "%s has not continued as new", workflowID)
	return fetchHistory(t, c, workflowID, prev)
}

func fetchHistory(t *testing.T, c client.Client, workflowID, runID string) *historypb.History {
	t.Helper()
	it := c.GetWorkflowHistory(context.Background(), workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	hist := &historypb.History{}
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(t, err)
		hist.Events = append(hist.Events, ev)
	}
	return hist
}

func syncStatus(t *testing.T, c client.Client, workflowID string) contract.Status {
	t.Helper()
	v, err := c.QueryWorkflow(context.Background(), workflowID, "", contract.QueryStatus)
	require.NoError(t, err)
	var st contract.Status
	require.NoError(t, v.Get(&st))
	return st
}

// taskFailures lists the workflow task failures in a workflow's current
// run, so a test that fails on one says why.
func taskFailures(t *testing.T, c client.Client, workflowID string) []string {
	t.Helper()
	var out []string
	for _, ev := range fetchHistory(t, c, workflowID, "").Events {
		if a := ev.GetWorkflowTaskFailedEventAttributes(); a != nil {
			out = append(out, a.GetCause().String()+": "+a.GetFailure().GetMessage())
		}
	}
	return out
}

// firstRun is the first run of a chain of continue-as-new runs.
func firstRun(t *testing.T, c client.Client, workflowID string) *historypb.History {
	t.Helper()
	hist := fetchHistory(t, c, workflowID, "")
	for {
		prev := hist.Events[0].GetWorkflowExecutionStartedEventAttributes().GetContinuedExecutionRunId()
		if prev == "" {
			return hist
		}
		hist = fetchHistory(t, c, workflowID, prev)
	}
}
