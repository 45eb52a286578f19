package integration_test

import (
	"context"
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
	"github.com/audiencesync/hubspot-list-sync/workflows"
)

// A batch whose worker went silent (dead, or cut off from Temporal) is
// retried on another worker after the heartbeat timeout, not after the
// start-to-close timeout: the retry's recorded cause is a heartbeat
// timeout, and the list converges on the second worker.
func TestSilentWorkersBatchIsTakenOverByHeartbeatTimeout(t *testing.T) {
	tp := temporal
	emu := testenv.StartEmulator(t)
	emu.AddContactRange(1, 1, 10)
	list := emu.CreateList(1, "Takeover", hubspot.ProcessingManual)
	const queue = "takeover"

	// Worker A takes the batch and then never heartbeats nor answers, as
	// a SIGKILLed process would not.
	took := make(chan struct{}, 1)
	// A holds its attempt past the heartbeat timeout before it lets go.
	a := worker.New(tp.Client, queue, worker.Options{WorkerStopTimeout: contract.ActivityHeartbeatTimeout + 5*time.Second})
	workflows.RegisterSync(a)
	a.RegisterActivityWithOptions(func(ctx context.Context, _ contract.BatchRequest) (contract.BatchResult, error) {
		select {
		case took <- struct{}{}:
		default:
		}
		<-ctx.Done() // released only when A stops
		return contract.BatchResult{}, ctx.Err()
	}, activity.RegisterOptions{Name: contract.ApplyBatchActivity})
	require.NoError(t, a.Start())
	stopped := make(chan struct{})
	defer func() { <-stopped }()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	syncID := contract.SyncWorkflowID("aud-takeover", "c1")
	_, err := tp.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: syncID, TaskQueue: queue}, contract.SyncWorkflowName,
		contract.SyncInput{AudienceID: "aud-takeover", ConnectorID: "c1", ListID: list, FlushInterval: time.Second})
	require.NoError(t, err)
	require.NoError(t, tp.Client.SignalWorkflow(ctx, syncID, "", contract.SignalMembership,
		contract.MembershipChange{Op: contract.OpEnter, RecordIDs: []string{"1", "2", "3"}}))
	select {
	case <-took:
	case <-ctx.Done():
		t.Fatal("worker A never took the batch")
	}
	// A stops polling at once; its stuck attempt is abandoned.
	go func() { a.Stop(); close(stopped) }()

	b := worker.New(tp.Client, queue, worker.Options{})
	workflows.RegisterSync(b)
	activities.Register(b, &activities.Membership{Connectors: activities.ConnectorMap{"c1": emu.Client(t, 1)}})
	require.NoError(t, b.Start())
	defer b.Stop()

	testenv.Eventually(t, 90*time.Second, func() (bool, string) {
		got := emu.Members(1, list)
		return equalIDs(got, []int64{1, 2, 3}), "members " + fmtIDs(got)
	})
	var cause enumspb.TimeoutType
	for _, ev := range fetchHistory(t, tp.Client, syncID, "").Events {
		if a := ev.GetActivityTaskStartedEventAttributes(); a != nil && a.GetAttempt() > 1 {
			cause = a.GetLastFailure().GetTimeoutFailureInfo().GetTimeoutType()
		}
	}
	require.Equal(t, enumspb.TIMEOUT_TYPE_HEARTBEAT, cause, "the silent attempt was given up by its heartbeat timeout")
	require.NoError(t, tp.Client.SignalWorkflow(ctx, syncID, "", contract.SignalStop, nil))
}
