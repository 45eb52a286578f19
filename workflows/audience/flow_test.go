package audience

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/workflows/internal/payload"
)

// connectorWithBacklog is an activation with a small backlog bound.
func connectorWithBacklog(id string, maxBacklog int) contract.SyncInput {
	c := connector(id)
	c.MaxBacklog, c.MaxBatchSize = maxBacklog, 100
	return c
}

// forwardedIDs flattens the stand-in sync's log to "op:id" in order.
func forwardedIDs(entries []string) []string {
	var flat []string
	for _, e := range entries {
		parts := strings.SplitN(e, ":", 3)
		if len(parts) < 3 || parts[2] == "" {
			continue
		}
		for _, id := range strings.Split(parts[2], ",") {
			flat = append(flat, parts[1]+":"+id)
		}
	}
	return flat
}

func queryAudience(t *testing.T, env *testsuite.TestWorkflowEnvironment) contract.AudienceStatus {
	t.Helper()
	v, err := env.QueryWorkflow(contract.QueryConnectors)
	require.NoError(t, err)
	var st contract.AudienceStatus
	require.NoError(t, v.Get(&st))
	return st
}

// The audience forwards no more than a connector's MaxBacklog until the
// sync reports progress; the rest waits in the queue, in order.
func TestAudienceForwardsNoMoreThanASyncMayOwe(t *testing.T) {
	env, log := newAudienceEnv(t)
	sig(env, time.Second, contract.AudienceCommand{Activate: ptr(connectorWithBacklog("c1", 1000))})
	for i := 0; i < 3; i++ {
		sig(env, 2*time.Second, contract.AudienceCommand{Membership: &contract.MembershipChange{Op: contract.OpEnter, RecordIDs: strs(600*i+1, 600*i+600)}})
	}
	var held, after contract.AudienceStatus
	var heldIDs int
	env.RegisterDelayedCallback(func() {
		held, heldIDs = queryAudience(t, env), len(forwardedIDs(log.sent["c1"]))
		env.SignalWorkflow(contract.SignalSyncProgress, contract.SyncProgress{ConnectorID: "c1", Seq: 1000, Backlog: 0, Report: 1})
	}, 3*time.Second)
	env.RegisterDelayedCallback(func() { after = queryAudience(t, env) }, 4*time.Second)
	finish(env, 5*time.Second, "c1")
	env.ExecuteWorkflow(contract.AudienceWorkflowName, contract.AudienceInput{AudienceID: "aud"})

	assert.Equal(t, 1000, heldIDs, "forwarded up to the bound, no further")
	assert.Equal(t, 800, held.Queued)
	require.Len(t, held.Flows, 1)
	assert.EqualValues(t, 1000, held.Flows[0].Backlog)
	var want []string
	for _, id := range strs(1, 1800) {
		want = append(want, "enter:"+id)
	}
	assert.Equal(t, want, forwardedIDs(log.sent["c1"]), "everything arrives once room is reported, in order")
	assert.Equal(t, 0, after.Queued)
	assert.EqualValues(t, 1800, after.Flows[0].Sent)
}

// An admit call waits while the queue is full and completes, in arrival
// order, once room appears; a malformed admit is refused by the validator
// with a message naming what is wrong.
func TestAudienceAdmitWaitsForRoomAndValidates(t *testing.T) {
	env, log := newAudienceEnv(t)
	sig(env, time.Second, contract.AudienceCommand{Activate: ptr(connectorWithBacklog("c1", 1000))})
	done := map[int]time.Time{}
	for i := 0; i < 6; i++ {
		env.RegisterDelayedCallback(func() {
			env.UpdateWorkflow(contract.UpdateAdmit, "", &testsuite.TestUpdateCallback{
				OnReject:   func(err error) { t.Errorf("admit %d rejected: %v", i, err) },
				OnAccept:   func() {},
				OnComplete: func(_ any, err error) { require.NoError(t, err); done[i] = env.Now() },
			}, contract.MembershipChange{Op: contract.OpEnter, RecordIDs: strs(5000*i+1, 5000*i+5000)})
		}, 2*time.Second+time.Duration(i)*time.Millisecond)
	}
	var rejections []string
	for _, bad := range []contract.MembershipChange{{Op: "join", RecordIDs: []string{"1"}}, {Op: contract.OpLeave}, {Op: contract.OpEnter, RecordIDs: strs(1, contract.MaxAdmitIDs+1)}} {
		env.RegisterDelayedCallback(func() {
			env.UpdateWorkflow(contract.UpdateAdmit, "", &testsuite.TestUpdateCallback{
				OnReject:   func(err error) { rejections = append(rejections, err.Error()) },
				OnAccept:   func() { t.Error("malformed admit accepted") },
				OnComplete: func(any, error) {},
			}, bad)
		}, 3*time.Second)
	}
	var waiting contract.AudienceStatus
	env.RegisterDelayedCallback(func() { waiting = queryAudience(t, env) }, 4*time.Second)
	// Each report frees the whole bound: the sync applied everything.
	var firstReport time.Time
	for r := 1; r <= 30; r++ {
		env.RegisterDelayedCallback(func() {
			if r == 1 {
				firstReport = env.Now()
			}
			env.SignalWorkflow(contract.SignalSyncProgress, contract.SyncProgress{ConnectorID: "c1", Seq: int64(1000 * r), Report: int64(r)})
		}, 5*time.Second+time.Duration(r)*time.Second)
	}
	finish(env, 40*time.Second, "c1")
	env.ExecuteWorkflow(contract.AudienceWorkflowName, contract.AudienceInput{AudienceID: "aud"})

	assert.Equal(t, 2, waiting.Waiting, "the fifth and sixth admits are held: the queue is at its soft bound")
	assert.Equal(t, 19000, waiting.Queued)
	require.Len(t, done, 6)
	assert.False(t, done[4].Before(firstReport), "a held admit completes only after room is reported")
	assert.False(t, done[5].Before(done[4]), "held admits complete in arrival order")
	assert.True(t, done[3].Before(firstReport))
	require.Len(t, rejections, 3)
	assert.Contains(t, rejections[0], `op "join"`)
	assert.Contains(t, rejections[1], "recordIds is empty")
	assert.Contains(t, rejections[2], "at most 5000")
	flat := forwardedIDs(log.sent["c1"])
	require.Len(t, flat, 30000)
	assert.Equal(t, "enter:1", flat[0])
	assert.Equal(t, "enter:30000", flat[29999])
}

// Signals cannot wait: past the queue's hard bound they are refused,
// counted and reported as a problem; the queue, and so the hand-over at
// continue-as-new, stays within contract.QueueHardBytes.
func TestAudienceRefusesSignalsPastItsQueueAndHandsOverABoundedQueue(t *testing.T) {
	env, _ := newAudienceEnv(t)
	env.SetTestTimeout(time.Minute)
	sig(env, time.Second, contract.AudienceCommand{Activate: ptr(connectorWithBacklog("c1", 1000))})
	long := func(i int) []string { // 18-digit IDs fill the queue quickly
		out := make([]string, 2000)
		for j := range out {
			out[j] = "1" + strings.Repeat("0", 10) + strs(1000000+2000*i+j, 1000000+2000*i+j)[0]
		}
		return out
	}
	env.RegisterDelayedCallback(func() {
		for i := 0; i < 40; i++ {
			env.SignalWorkflow(contract.SignalAudience, contract.AudienceCommand{Membership: &contract.MembershipChange{Op: contract.OpEnter, RecordIDs: long(i)}})
		}
	}, 2*time.Second)
	var st contract.AudienceStatus
	env.RegisterDelayedCallback(func() {
		st = queryAudience(t, env)
		env.SetContinueAsNewSuggested(true)
		env.SignalWorkflow(contract.SignalSyncProgress, contract.SyncProgress{ConnectorID: "c1", Seq: 1, Backlog: 999, Report: 1})
	}, 3*time.Second)
	// The stand-in sync outlives the audience (ABANDON); end it so the
	// test environment can finish.
	env.RegisterDelayedCallback(func() {
		require.NoError(t, env.SignalWorkflowByID(contract.SyncWorkflowID("aud", "c1"), contract.SignalStop, nil))
	}, 4*time.Second)
	env.ExecuteWorkflow(contract.AudienceWorkflowName, contract.AudienceInput{AudienceID: "aud"})

	assert.Positive(t, st.OverflowedSignals)
	assert.EqualValues(t, 2000*st.OverflowedSignals, st.Overflowed)
	assert.LessOrEqual(t, st.QueuedBytes, contract.QueueHardBytes)
	assert.Equal(t, 40*2000, 1000+st.Queued+int(st.Overflowed), "every ID is forwarded, queued or counted")
	require.NotEmpty(t, st.Problems)
	assert.Contains(t, st.Problems[len(st.Problems)-1], "refused")

	can := continuedAs(t, env)
	var next contract.AudienceInput
	require.NoError(t, decodeCANInput(can, &next))
	assert.LessOrEqual(t, payload.Size(next), payload.MaxCarriedBytes)
	queued := 0
	for _, raw := range next.Carried.Pending {
		var c contract.AudienceCommand
		require.NoError(t, json.Unmarshal(raw, &c))
		queued += len(c.Membership.RecordIDs)
	}
	assert.Equal(t, st.Queued, queued, "the queue is handed over whole")
	assert.EqualValues(t, 1000, next.Carried.Flows[0].Sent)
}

func continuedAs(t *testing.T, env *testsuite.TestWorkflowEnvironment) *workflow.ContinueAsNewError {
	t.Helper()
	var can *workflow.ContinueAsNewError
	require.True(t, errors.As(env.GetWorkflowError(), &can), "want continue-as-new, got %v", env.GetWorkflowError())
	return can
}
