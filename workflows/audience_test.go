package workflows

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// forwardLog records what the audience workflow sent to each sync workflow.
type forwardLog struct {
	mu   sync.Mutex
	sent map[string][]string // connector ID -> "signal:op:ids"
}

func (f *forwardLog) add(connectorID, entry string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent[connectorID] = append(f.sent[connectorID], entry)
}

// newAudienceEnv runs the audience workflow with a stand-in sync workflow
// that records the signals it gets. A connector whose ID starts with "done"
// completes at once, like a sync someone ended outside the API.
func newAudienceEnv(t *testing.T) (*testsuite.TestWorkflowEnvironment, *forwardLog) {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	RegisterAudience(env)
	log := &forwardLog{sent: map[string][]string{}}
	env.RegisterWorkflowWithOptions(func(ctx workflow.Context, in SyncInput) (Status, error) {
		if strings.HasPrefix(in.ConnectorID, "done") {
			return Status{}, nil
		}
		membership := workflow.GetSignalChannel(ctx, SignalMembership)
		stop := workflow.GetSignalChannel(ctx, SignalStop)
		for stopped := false; !stopped; {
			sel := workflow.NewSelector(ctx)
			sel.AddReceive(membership, func(c workflow.ReceiveChannel, _ bool) {
				var raw json.RawMessage
				c.Receive(ctx, &raw)
				var m MembershipChange
				if err := json.Unmarshal(raw, &m); err != nil {
					log.add(in.ConnectorID, SignalMembership+":undecodable")
					return
				}
				log.add(in.ConnectorID, SignalMembership+":"+string(m.Op)+":"+strings.Join(m.RecordIDs, ","))
			})
			sel.AddReceive(stop, func(c workflow.ReceiveChannel, _ bool) {
				c.Receive(ctx, nil)
				log.add(in.ConnectorID, SignalStop)
				stopped = true
			})
			sel.Select(ctx)
		}
		return Status{}, nil
	}, workflow.RegisterOptions{Name: WorkflowName})
	return env, log
}

// finish deactivates the connectors (their stand-in syncs return on stop;
// the test environment waits for abandoned children) and ends the audience.
func finish(env *testsuite.TestWorkflowEnvironment, at time.Duration, connectorIDs ...string) {
	env.RegisterDelayedCallback(func() {
		for _, id := range connectorIDs {
			env.SignalWorkflow(SignalDeactivate, Deactivate{ConnectorID: id})
		}
	}, at)
	env.RegisterDelayedCallback(env.CancelWorkflow, at+time.Second)
}

func sig(env *testsuite.TestWorkflowEnvironment, at time.Duration, name string, arg any) {
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(name, arg) }, at)
}

func connector(id string) SyncInput {
	return SyncInput{ConnectorID: id, ListID: "list-" + id}
}

func TestAudienceForwardsInOrderAndNewConnectorsMissNothingAfterActivation(t *testing.T) {
	env, log := newAudienceEnv(t)
	sig(env, 1*time.Second, SignalActivate, connector("c1"))
	sig(env, 2*time.Second, SignalMembership, MembershipChange{Op: OpEnter, RecordIDs: []string{"1", "2"}})
	sig(env, 3*time.Second, SignalMembership, MembershipChange{Op: OpLeave, RecordIDs: []string{"1"}})
	sig(env, 4*time.Second, SignalActivate, connector("c2"))
	sig(env, 5*time.Second, SignalMembership, MembershipChange{Op: OpEnter, RecordIDs: []string{"3"}})
	sig(env, 6*time.Second, SignalActivate, connector("c1")) // again: not an error, no duplicate
	var status AudienceStatus
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(QueryConnectors)
		require.NoError(t, err)
		require.NoError(t, v.Get(&status))
	}, 7*time.Second)
	finish(env, 8*time.Second, "c1", "c2")
	env.ExecuteWorkflow(AudienceWorkflowName, AudienceInput{AudienceID: "aud"})

	assert.Equal(t, []string{"membership:enter:1,2", "membership:leave:1", "membership:enter:3", "stop"}, log.sent["c1"])
	assert.Equal(t, []string{"membership:enter:3", "stop"}, log.sent["c2"])
	require.Len(t, status.Connectors, 2)
	assert.Equal(t, "c1", status.Connectors[0].ConnectorID)
	assert.Equal(t, "aud", status.Connectors[0].AudienceID)
	assert.Equal(t, "list-c2", status.Connectors[1].ListID)
}

func TestAudienceForwardsABurstWithoutReordering(t *testing.T) {
	env, log := newAudienceEnv(t)
	sig(env, time.Second, SignalActivate, connector("c1"))
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(SignalMembership, MembershipChange{Op: OpEnter, RecordIDs: []string{"1"}})
		env.SignalWorkflow(SignalMembership, MembershipChange{Op: OpEnter, RecordIDs: []string{"2"}})
		env.SignalWorkflow(SignalMembership, MembershipChange{Op: OpLeave, RecordIDs: []string{"1"}})
		env.SignalWorkflow(SignalMembership, MembershipChange{Op: OpEnter, RecordIDs: []string{"3"}})
	}, 2*time.Second)
	finish(env, 3*time.Second, "c1")
	env.ExecuteWorkflow(AudienceWorkflowName, AudienceInput{AudienceID: "aud"})
	// Whether the test environment delivers the four in one task or four,
	// the sync sees the same changes in the same order.
	var flat []string
	for _, e := range log.sent["c1"] {
		parts := strings.SplitN(e, ":", 3)
		if len(parts) < 3 {
			flat = append(flat, e)
			continue
		}
		for _, id := range strings.Split(parts[2], ",") {
			flat = append(flat, parts[1]+":"+id)
		}
	}
	assert.Equal(t, []string{"enter:1", "enter:2", "leave:1", "enter:3", "stop"}, flat)
}

func TestMergeChangesSplitsAtTheLimit(t *testing.T) {
	got := mergeChanges([]MembershipChange{
		{Op: OpEnter, RecordIDs: []string{"1", "2", "3"}},
		{Op: OpEnter, RecordIDs: []string{"4"}},
		{Op: OpEnter},
		{Op: OpLeave, RecordIDs: []string{"5"}},
	}, 2)
	assert.Equal(t, []MembershipChange{
		{Op: OpEnter, RecordIDs: []string{"1", "2"}},
		{Op: OpEnter, RecordIDs: []string{"3", "4"}},
		{Op: OpLeave, RecordIDs: []string{"5"}},
	}, got)
}

func TestAudienceDeactivateStopsTheSyncAfterEarlierChanges(t *testing.T) {
	env, log := newAudienceEnv(t)
	sig(env, time.Second, SignalActivate, connector("c1"))
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(SignalMembership, MembershipChange{Op: OpEnter, RecordIDs: []string{"1"}})
		env.SignalWorkflow(SignalDeactivate, Deactivate{ConnectorID: "c1"})
	}, 2*time.Second)
	sig(env, 3*time.Second, SignalMembership, MembershipChange{Op: OpEnter, RecordIDs: []string{"2"}})
	env.RegisterDelayedCallback(env.CancelWorkflow, 4*time.Second)
	env.ExecuteWorkflow(AudienceWorkflowName, AudienceInput{AudienceID: "aud"})
	assert.Equal(t, []string{"membership:enter:1", "stop"}, log.sent["c1"])
}

func TestAudienceDropsAConnectorWhoseSyncIsGone(t *testing.T) {
	env, log := newAudienceEnv(t)
	sig(env, time.Second, SignalActivate, connector("done-elsewhere"))
	sig(env, time.Second, SignalActivate, connector("ok"))
	sig(env, 2*time.Second, SignalMembership, MembershipChange{Op: OpEnter, RecordIDs: []string{"1"}})
	var status AudienceStatus
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(QueryConnectors)
		require.NoError(t, err)
		require.NoError(t, v.Get(&status))
	}, 3*time.Second)
	finish(env, 4*time.Second, "ok")
	env.ExecuteWorkflow(AudienceWorkflowName, AudienceInput{AudienceID: "aud"})
	require.Len(t, status.Connectors, 1, "%v", log.sent)
	assert.Equal(t, "ok", status.Connectors[0].ConnectorID)
	assert.Equal(t, []string{"membership:enter:1", "stop"}, log.sent["ok"])
}

func TestAudienceContinuesAsNewCarryingItsConnectors(t *testing.T) {
	env, _ := newAudienceEnv(t)
	sig(env, time.Second, SignalActivate, connector("done1"))
	env.RegisterDelayedCallback(func() {
		env.SetContinueAsNewSuggested(true)
		env.SignalWorkflow(SignalActivate, connector("done1"))
	}, 2*time.Second)
	env.ExecuteWorkflow(AudienceWorkflowName, AudienceInput{AudienceID: "aud", Carried: &AudienceCarried{Generation: 4}})
	err := env.GetWorkflowError()
	var can *workflow.ContinueAsNewError
	require.ErrorAs(t, err, &can)
	assert.Equal(t, AudienceWorkflowName, can.WorkflowType.Name)
	var next AudienceInput
	require.NoError(t, decodeCANInput(can, &next))
	require.NotNil(t, next.Carried)
	assert.Equal(t, 5, next.Carried.Generation)
	require.Len(t, next.Carried.Connectors, 1)
	assert.Equal(t, "done1", next.Carried.Connectors[0].ConnectorID)
}

func TestAudienceRejectsABadID(t *testing.T) {
	env, _ := newAudienceEnv(t)
	env.ExecuteWorkflow(AudienceWorkflowName, AudienceInput{AudienceID: "a/b"})
	assert.ErrorContains(t, env.GetWorkflowError(), "AudienceID")
}

func decodeCANInput(can *workflow.ContinueAsNewError, out any) error {
	return converter.GetDefaultDataConverter().FromPayloads(can.Input, out)
}

func TestAudienceForwardsMalformedChangesForTheSyncToCount(t *testing.T) {
	env, log := newAudienceEnv(t)
	sig(env, time.Second, SignalActivate, connector("c1"))
	sig(env, 2*time.Second, SignalMembership, map[string]any{"op": "enter", "recordIds": []int{5}})
	sig(env, 3*time.Second, SignalMembership, MembershipChange{Op: OpEnter, RecordIDs: []string{"6"}})
	finish(env, 4*time.Second, "c1")
	env.ExecuteWorkflow(AudienceWorkflowName, AudienceInput{AudienceID: "aud"})
	// The stand-in sync decodes strictly, so the numeric IDs arrive as an
	// undecodable change: forwarded in place, not dropped.
	assert.Equal(t, []string{"membership:undecodable", "membership:enter:6", "stop"}, log.sent["c1"])
}

func TestAudienceContinuesAsNewAfterItsSignalBound(t *testing.T) {
	env, _ := newAudienceEnv(t)
	sig(env, time.Second, SignalActivate, connector("done2"))
	sig(env, 2*time.Second, SignalActivate, connector("done2"))
	sig(env, 3*time.Second, SignalActivate, connector("done2"))
	env.ExecuteWorkflow(AudienceWorkflowName, AudienceInput{AudienceID: "aud", MaxSignalsPerRun: 3})
	var can *workflow.ContinueAsNewError
	require.ErrorAs(t, env.GetWorkflowError(), &can)
	var next AudienceInput
	require.NoError(t, decodeCANInput(can, &next))
	assert.Equal(t, 3, next.MaxSignalsPerRun, "the bound carries over")
	assert.Equal(t, 1, next.Carried.Generation)
	assert.Len(t, next.Carried.Connectors, 1)
}
