package audience

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// forwardLog records what the audience workflow sent to each sync workflow.
type forwardLog struct {
	mu          sync.Mutex
	sent        map[string][]string // connector ID -> "signal:op:ids"
	signalCount map[string]int      // connector ID -> membership signals received
}

func (f *forwardLog) countSignal(connectorID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.signalCount[connectorID]++
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
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: contract.AudienceWorkflowID("aud")})
	Register(env)
	// The worker's connectors file, as the resolver answers from it: every
	// connector but "unknown*" exists, with list listOf(id).
	env.RegisterActivityWithOptions(func(_ context.Context, id string) (contract.SyncInput, error) {
		if strings.HasPrefix(id, "unknown") {
			return contract.SyncInput{}, temporal.NewNonRetryableApplicationError("connector "+id+" is not in the worker's connectors file", contract.ErrTypeUnknownConnector, nil)
		}
		return contract.SyncInput{ConnectorID: id, ListID: listOf(id), Account: "acct"}, nil
	}, activity.RegisterOptions{Name: contract.ResolveConnectorActivity})
	log := &forwardLog{sent: map[string][]string{}, signalCount: map[string]int{}}
	env.RegisterWorkflowWithOptions(func(ctx workflow.Context, in contract.SyncInput) (contract.Status, error) {
		if strings.HasPrefix(in.ConnectorID, "done") {
			return contract.Status{}, nil
		}
		membership := workflow.GetSignalChannel(ctx, contract.SignalMembership)
		stop := workflow.GetSignalChannel(ctx, contract.SignalStop)
		for stopped := false; !stopped; {
			sel := workflow.NewSelector(ctx)
			sel.AddReceive(membership, func(c workflow.ReceiveChannel, _ bool) {
				var raw json.RawMessage
				c.Receive(ctx, &raw)
				var m contract.MembershipChange
				if err := json.Unmarshal(raw, &m); err != nil {
					log.add(in.ConnectorID, contract.SignalMembership+":undecodable")
					return
				}
				if len(m.Runs) > 0 { // one forwarded signal, logged run by run
					log.countSignal(in.ConnectorID)
					for _, r := range m.Runs {
						log.add(in.ConnectorID, contract.SignalMembership+":"+string(r.Op)+":"+strings.Join(r.RecordIDs, ","))
					}
					return
				}
				log.countSignal(in.ConnectorID)
				log.add(in.ConnectorID, contract.SignalMembership+":"+string(m.Op)+":"+strings.Join(m.RecordIDs, ","))
			})
			sel.AddReceive(stop, func(c workflow.ReceiveChannel, _ bool) {
				c.Receive(ctx, nil)
				log.add(in.ConnectorID, contract.SignalStop)
				stopped = true
			})
			sel.Select(ctx)
		}
		return contract.Status{}, nil
	}, workflow.RegisterOptions{Name: contract.SyncWorkflowName})
	return env, log
}

// finish deactivates the connectors (their stand-in syncs return on stop;
// the test environment waits for abandoned children) and ends the audience.
func finish(env *testsuite.TestWorkflowEnvironment, at time.Duration, connectorIDs ...string) {
	env.RegisterDelayedCallback(func() {
		for _, id := range connectorIDs {
			send(env, contract.AudienceCommand{Deactivate: &contract.Deactivate{ConnectorID: id}})
		}
	}, at)
	env.RegisterDelayedCallback(env.CancelWorkflow, at+time.Second)
}

func sig(env *testsuite.TestWorkflowEnvironment, at time.Duration, cmd any) {
	env.RegisterDelayedCallback(func() { send(env, cmd) }, at)
}

// send delivers a command the way a caller must: a change by signal, any
// other AudienceCommand by its update. Anything else goes as a raw signal.
func send(env *testsuite.TestWorkflowEnvironment, cmd any) {
	c, ok := cmd.(contract.AudienceCommand)
	if !ok || c.Membership != nil {
		env.SignalWorkflow(contract.SignalAudience, cmd)
		return
	}
	name, arg := contract.UpdateActivate, any(c.Activate)
	switch {
	case c.Deactivate != nil:
		name, arg = contract.UpdateDeactivate, *c.Deactivate
	case c.Reconcile != nil:
		name, arg = contract.UpdateReconcile, *c.Reconcile
	default:
		arg = *c.Activate
	}
	updateSeq++
	env.UpdateWorkflow(name, fmt.Sprintf("%s-%d", name, updateSeq), &testsuite.TestUpdateCallback{
		OnAccept: func() {}, OnReject: func(error) {}, OnComplete: func(any, error) {}}, arg)
}

// updateSeq names the tests' updates apart.
var updateSeq int

func ptr[T any](v T) *T { return &v }

func connector(id string) contract.SyncInput {
	return contract.SyncInput{ConnectorID: id, ListID: listOf(id)}
}

// listOf is a connector's (numeric) HubSpot list ID in these tests.
func listOf(connectorID string) string {
	h := fnv.New32a()
	h.Write([]byte(connectorID))
	return fmt.Sprint(1000 + h.Sum32()%1000000)
}

func TestAudienceForwardsInOrderAndNewConnectorsMissNothingAfterActivation(t *testing.T) {
	env, log := newAudienceEnv(t)
	sig(env, 1*time.Second, contract.AudienceCommand{Activate: ptr(connector("c1"))})
	sig(env, 2*time.Second, contract.AudienceCommand{Membership: &contract.MembershipChange{Op: contract.OpEnter, RecordIDs: []string{"1", "2"}}})
	sig(env, 3*time.Second, contract.AudienceCommand{Membership: &contract.MembershipChange{Op: contract.OpLeave, RecordIDs: []string{"1"}}})
	sig(env, 4*time.Second, contract.AudienceCommand{Activate: ptr(connector("c2"))})
	sig(env, 5*time.Second, contract.AudienceCommand{Membership: &contract.MembershipChange{Op: contract.OpEnter, RecordIDs: []string{"3"}}})
	sig(env, 6*time.Second, contract.AudienceCommand{Activate: ptr(connector("c1"))}) // again: not an error, no duplicate
	var status contract.AudienceStatus
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(contract.QueryConnectors)
		require.NoError(t, err)
		require.NoError(t, v.Get(&status))
	}, 7*time.Second)
	finish(env, 8*time.Second, "c1", "c2")
	env.ExecuteWorkflow(contract.AudienceWorkflowName, contract.AudienceInput{AudienceID: "aud"})

	assert.Equal(t, []string{"membership:enter:1,2", "membership:leave:1", "membership:enter:3", "stop"}, log.sent["c1"])
	assert.Equal(t, []string{"membership:enter:3", "stop"}, log.sent["c2"])
	require.Len(t, status.Connectors, 2)
	assert.Equal(t, "c1", status.Connectors[0].ConnectorID)
	assert.Equal(t, "aud", status.Connectors[0].AudienceID)
	assert.Equal(t, listOf("c2"), status.Connectors[1].ListID)
}

func TestAudienceForwardsABurstWithoutReordering(t *testing.T) {
	env, log := newAudienceEnv(t)
	sig(env, time.Second, contract.AudienceCommand{Activate: ptr(connector("c1"))})
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(contract.SignalAudience, contract.AudienceCommand{Membership: &contract.MembershipChange{Op: contract.OpEnter, RecordIDs: []string{"1"}}})
		env.SignalWorkflow(contract.SignalAudience, contract.AudienceCommand{Membership: &contract.MembershipChange{Op: contract.OpEnter, RecordIDs: []string{"2"}}})
		env.SignalWorkflow(contract.SignalAudience, contract.AudienceCommand{Membership: &contract.MembershipChange{Op: contract.OpLeave, RecordIDs: []string{"1"}}})
		env.SignalWorkflow(contract.SignalAudience, contract.AudienceCommand{Membership: &contract.MembershipChange{Op: contract.OpEnter, RecordIDs: []string{"3"}}})
	}, 2*time.Second)
	finish(env, 3*time.Second, "c1")
	env.ExecuteWorkflow(contract.AudienceWorkflowName, contract.AudienceInput{AudienceID: "aud"})
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
	got := mergeChanges([]contract.MembershipChange{
		{Op: contract.OpEnter, RecordIDs: []string{"1", "2", "3"}},
		{Op: contract.OpEnter, RecordIDs: []string{"4"}},
		{Op: contract.OpEnter},
		{Op: contract.OpLeave, RecordIDs: []string{"5"}},
	}, 2)
	assert.Equal(t, []contract.MembershipChange{
		{Op: contract.OpEnter, RecordIDs: []string{"1", "2"}},
		{Op: contract.OpEnter, RecordIDs: []string{"3", "4"}},
		{Op: contract.OpLeave, RecordIDs: []string{"5"}},
	}, got)
}

func TestAudienceDeactivateStopsTheSyncAfterEarlierChanges(t *testing.T) {
	env, log := newAudienceEnv(t)
	sig(env, time.Second, contract.AudienceCommand{Activate: ptr(connector("c1"))})
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(contract.SignalAudience, contract.AudienceCommand{Membership: &contract.MembershipChange{Op: contract.OpEnter, RecordIDs: []string{"1"}}})
		send(env, contract.AudienceCommand{Deactivate: &contract.Deactivate{ConnectorID: "c1"}})
	}, 2*time.Second)
	sig(env, 3*time.Second, contract.AudienceCommand{Membership: &contract.MembershipChange{Op: contract.OpEnter, RecordIDs: []string{"2"}}})
	env.RegisterDelayedCallback(env.CancelWorkflow, 4*time.Second)
	env.ExecuteWorkflow(contract.AudienceWorkflowName, contract.AudienceInput{AudienceID: "aud"})
	assert.Equal(t, []string{"membership:enter:1", "stop"}, log.sent["c1"])
}

func TestAudienceDropsAConnectorWhoseSyncIsGone(t *testing.T) {
	env, log := newAudienceEnv(t)
	sig(env, time.Second, contract.AudienceCommand{Activate: ptr(connector("done-elsewhere"))})
	sig(env, time.Second, contract.AudienceCommand{Activate: ptr(connector("ok"))})
	sig(env, 2*time.Second, contract.AudienceCommand{Membership: &contract.MembershipChange{Op: contract.OpEnter, RecordIDs: []string{"1"}}})
	var status contract.AudienceStatus
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(contract.QueryConnectors)
		require.NoError(t, err)
		require.NoError(t, v.Get(&status))
	}, 3*time.Second)
	finish(env, 4*time.Second, "ok")
	env.ExecuteWorkflow(contract.AudienceWorkflowName, contract.AudienceInput{AudienceID: "aud"})
	require.Len(t, status.Connectors, 1, "%v", log.sent)
	assert.Equal(t, "ok", status.Connectors[0].ConnectorID)
	require.Len(t, status.Problems, 1, "the dropped connector is reported in the status")
	assert.Contains(t, status.Problems[0], "done-elsewhere")
	assert.Equal(t, []string{"membership:enter:1", "stop"}, log.sent["ok"])
}

func TestAudienceContinuesAsNewCarryingItsConnectors(t *testing.T) {
	env, _ := newAudienceEnv(t)
	sig(env, time.Second, contract.AudienceCommand{Activate: ptr(connector("done1"))})
	env.RegisterDelayedCallback(func() {
		env.SetContinueAsNewSuggested(true)
		send(env, contract.AudienceCommand{Activate: ptr(connector("done1"))})
	}, 2*time.Second)
	env.ExecuteWorkflow(contract.AudienceWorkflowName, contract.AudienceInput{AudienceID: "aud", Carried: &contract.AudienceCarried{Generation: 4}})
	err := env.GetWorkflowError()
	var can *workflow.ContinueAsNewError
	require.ErrorAs(t, err, &can)
	assert.Equal(t, contract.AudienceWorkflowName, can.WorkflowType.Name)
	var next contract.AudienceInput
	require.NoError(t, decodeCANInput(can, &next))
	require.NotNil(t, next.Carried)
	assert.Equal(t, 5, next.Carried.Generation)
	require.Len(t, next.Carried.Connectors, 1)
	assert.Equal(t, "done1", next.Carried.Connectors[0].ConnectorID)
}

// An audience workflow whose ID names another audience would attach to that
// audience's syncs as a second entry point: it fails at once instead.
func TestAudienceRefusesAnIDThatNamesAnotherAudience(t *testing.T) {
	env, _ := newAudienceEnv(t)
	env.ExecuteWorkflow(contract.AudienceWorkflowName, contract.AudienceInput{AudienceID: "raw-1"})
	err := env.GetWorkflowError()
	require.Error(t, err)
	assert.Contains(t, err.Error(), `must be "hubspot-audience/raw-1"`)
}

func TestAudienceRejectsABadID(t *testing.T) {
	env, _ := newAudienceEnv(t)
	env.ExecuteWorkflow(contract.AudienceWorkflowName, contract.AudienceInput{AudienceID: "a/b"})
	assert.ErrorContains(t, env.GetWorkflowError(), "AudienceID")
}

func decodeCANInput(can *workflow.ContinueAsNewError, out any) error {
	return converter.GetDefaultDataConverter().FromPayloads(can.Input, out)
}

func TestAudienceForwardsMalformedChangesForTheSyncToCount(t *testing.T) {
	env, log := newAudienceEnv(t)
	sig(env, time.Second, contract.AudienceCommand{Activate: ptr(connector("c1"))})
	sig(env, 2*time.Second, map[string]any{"membership": map[string]any{"op": "enter", "recordIds": []int{5}}})
	sig(env, 3*time.Second, contract.AudienceCommand{Membership: &contract.MembershipChange{Op: contract.OpEnter, RecordIDs: []string{"6"}}})
	finish(env, 4*time.Second, "c1")
	env.ExecuteWorkflow(contract.AudienceWorkflowName, contract.AudienceInput{AudienceID: "aud"})
	// The stand-in sync decodes strictly, so the numeric IDs arrive as an
	// undecodable change: forwarded in place, not dropped.
	assert.Equal(t, []string{"membership:undecodable", "membership:enter:6", "stop"}, log.sent["c1"])
}

func TestAudienceContinuesAsNewAfterItsSignalBound(t *testing.T) {
	env, _ := newAudienceEnv(t)
	env.RegisterDelayedCallback(func() {
		for range 3 {
			send(env, contract.AudienceCommand{Membership: &contract.MembershipChange{Op: contract.OpEnter, RecordIDs: []string{"1"}}})
		}
	}, time.Second)
	env.ExecuteWorkflow(contract.AudienceWorkflowName, contract.AudienceInput{AudienceID: "aud", MaxSignalsPerRun: 3})
	var can *workflow.ContinueAsNewError
	require.ErrorAs(t, env.GetWorkflowError(), &can)
	var next contract.AudienceInput
	require.NoError(t, decodeCANInput(can, &next))
	assert.Equal(t, 3, next.MaxSignalsPerRun, "the bound carries over")
	assert.Equal(t, 1, next.Carried.Generation)
	assert.EqualValues(t, 3, next.Carried.Counters.Unrouted, "the three signals were taken (with no connector, as unrouted)")
}

func TestAudienceKeepsExactOrderBetweenCommandsOfOneTask(t *testing.T) {
	env, log := newAudienceEnv(t)
	sig(env, time.Second, contract.AudienceCommand{Activate: ptr(connector("c1"))})
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(contract.SignalAudience, contract.AudienceCommand{Membership: &contract.MembershipChange{Op: contract.OpEnter, RecordIDs: []string{"1"}}})
		send(env, contract.AudienceCommand{Activate: ptr(connector("c2"))})
		env.SignalWorkflow(contract.SignalAudience, contract.AudienceCommand{Membership: &contract.MembershipChange{Op: contract.OpEnter, RecordIDs: []string{"2"}}})
		send(env, contract.AudienceCommand{Deactivate: &contract.Deactivate{ConnectorID: "c1"}})
		env.SignalWorkflow(contract.SignalAudience, contract.AudienceCommand{Membership: &contract.MembershipChange{Op: contract.OpEnter, RecordIDs: []string{"3"}}})
	}, 2*time.Second)
	finish(env, 3*time.Second, "c2")
	env.ExecuteWorkflow(contract.AudienceWorkflowName, contract.AudienceInput{AudienceID: "aud"})
	var flat1, flat2 []string
	for _, e := range log.sent["c1"] {
		flat1 = append(flat1, strings.Split(e, ",")...)
	}
	for _, e := range log.sent["c2"] {
		flat2 = append(flat2, strings.Split(e, ",")...)
	}
	assert.Equal(t, []string{"membership:enter:1", "membership:enter:2", "stop"}, flat1, "c1 gets exactly what came before its deactivation")
	assert.Equal(t, []string{"membership:enter:2", "membership:enter:3", "stop"}, flat2, "c2 gets exactly what came after its activation")
}

func TestAudienceIgnoresAMalformedCommand(t *testing.T) {
	env, log := newAudienceEnv(t)
	sig(env, time.Second, contract.AudienceCommand{Activate: ptr(connector("c1"))})
	sig(env, 2*time.Second, contract.AudienceCommand{Activate: ptr(connector("c9")), Membership: &contract.MembershipChange{Op: contract.OpEnter, RecordIDs: []string{"1"}}})
	sig(env, 3*time.Second, contract.AudienceCommand{Membership: &contract.MembershipChange{Op: contract.OpEnter, RecordIDs: []string{"2"}}})
	finish(env, 4*time.Second, "c1")
	env.ExecuteWorkflow(contract.AudienceWorkflowName, contract.AudienceInput{AudienceID: "aud"})
	assert.Equal(t, []string{"membership:enter:2", "stop"}, log.sent["c1"])
	assert.Empty(t, log.sent["c9"])
}

func TestAudienceProcessesCommandsHandedOverByThePreviousRun(t *testing.T) {
	env, log := newAudienceEnv(t)
	raw := func(c contract.AudienceCommand) json.RawMessage {
		b, err := json.Marshal(c)
		require.NoError(t, err)
		return b
	}
	finish(env, time.Second, "c1")
	env.ExecuteWorkflow(contract.AudienceWorkflowName, contract.AudienceInput{AudienceID: "aud", Carried: &contract.AudienceCarried{Generation: 1, Pending: []json.RawMessage{
		raw(contract.AudienceCommand{Activate: ptr(connector("c1"))}),
		raw(contract.AudienceCommand{Membership: &contract.MembershipChange{Op: contract.OpEnter, RecordIDs: []string{"7"}}}),
	}}})
	assert.Equal(t, []string{"membership:enter:7", "stop"}, log.sent["c1"])
}

// The signal carries changes only: a command that has its update is
// refused, counted and named in the problems, and changes around it go on.
func TestAudienceRefusesCommandsBySignal(t *testing.T) {
	env, log := newAudienceEnv(t)
	sig(env, time.Second, contract.AudienceCommand{Activate: ptr(connector("c1"))})
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(contract.SignalAudience, contract.AudienceCommand{Activate: ptr(connector("c2"))})
		env.SignalWorkflow(contract.SignalAudience, contract.AudienceCommand{Deactivate: &contract.Deactivate{ConnectorID: "c1"}})
		env.SignalWorkflow(contract.SignalAudience, contract.AudienceCommand{Reconcile: &contract.ReconcileRequest{ConnectorID: "c1", ReconcileID: "r1"}})
		env.SignalWorkflow(contract.SignalAudience, "not a command")
		send(env, contract.AudienceCommand{Membership: &contract.MembershipChange{Op: contract.OpEnter, RecordIDs: []string{"7"}}})
	}, 2*time.Second)
	var st contract.AudienceStatus
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(contract.QueryConnectors)
		require.NoError(t, err)
		require.NoError(t, v.Get(&st))
	}, 3*time.Second)
	finish(env, 4*time.Second, "c1")
	env.ExecuteWorkflow(contract.AudienceWorkflowName, contract.AudienceInput{AudienceID: "aud"})
	assert.EqualValues(t, 4, st.RefusedSignals)
	require.Len(t, st.Problems, 4)
	for i, update := range []string{contract.UpdateActivate, contract.UpdateDeactivate, contract.UpdateReconcile} {
		assert.Contains(t, st.Problems[i], fmt.Sprintf("%q update", update))
	}
	assert.Contains(t, st.Problems[3], "not an AudienceCommand")
	require.Len(t, st.Connectors, 1, "the signalled activation and deactivation took no effect")
	assert.Equal(t, "c1", st.Connectors[0].ConnectorID)
	assert.Equal(t, []string{"membership:enter:7", "stop"}, log.sent["c1"])
	assert.Contains(t, AudienceDetails(st), "**Refused signals:** 4")
}
