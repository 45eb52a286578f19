package audience

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// An activation may name only the connector: the worker's connectors file
// supplies the list and the account. A list that disagrees with the file,
// or a connector the file lacks, is refused with the reason in the
// audience's problems.
func TestAudienceResolvesAnActivationFromTheWorkersFile(t *testing.T) {
	env, log := newAudienceEnv(t)
	sig(env, time.Second, contract.AudienceCommand{Activate: &contract.SyncInput{ConnectorID: "c1"}})
	sig(env, time.Second, contract.AudienceCommand{Activate: &contract.SyncInput{ConnectorID: "c2", ListID: "999"}})
	sig(env, time.Second, contract.AudienceCommand{Activate: &contract.SyncInput{ConnectorID: "unknown-1"}})
	sig(env, 2*time.Second, contract.AudienceCommand{Membership: &contract.MembershipChange{Op: contract.OpEnter, RecordIDs: []string{"7"}}})
	var st contract.AudienceStatus
	env.RegisterDelayedCallback(func() { st = queryAudience(t, env) }, 3*time.Second)
	finish(env, 4*time.Second, "c1")
	env.ExecuteWorkflow(contract.AudienceWorkflowName, contract.AudienceInput{AudienceID: "aud"})

	require.Len(t, st.Connectors, 1)
	c := st.Connectors[0]
	assert.Equal(t, contract.SyncInput{AudienceID: "aud", ConnectorID: "c1", ListID: listOf("c1"), Account: "acct"}, c)
	assert.Equal(t, []string{"membership:enter:7", "stop"}, log.sent["c1"])
	require.Len(t, st.Problems, 2)
	assert.Contains(t, st.Problems[0], `activation of connector c2 refused: the activation says listId "999" but the worker's connectors file says "`+listOf("c2")+`"`)
	assert.Contains(t, st.Problems[1], "activation of connector unknown-1 refused")
	assert.Contains(t, st.Problems[1], "not in the worker's connectors file")
}

// Changes reaching an audience with no active connector have no list to go
// to: they are counted as unrouted and reported as a problem, not dropped
// silently.
func TestAudienceCountsChangesWithNoActiveConnector(t *testing.T) {
	env, _ := newAudienceEnv(t)
	sig(env, time.Second, contract.AudienceCommand{Membership: &contract.MembershipChange{Op: contract.OpEnter, RecordIDs: []string{"1", "2", "3"}}})
	var st contract.AudienceStatus
	env.RegisterDelayedCallback(func() { st = queryAudience(t, env) }, 2*time.Second)
	env.RegisterDelayedCallback(env.CancelWorkflow, 3*time.Second)
	env.ExecuteWorkflow(contract.AudienceWorkflowName, contract.AudienceInput{AudienceID: "aud"})
	assert.EqualValues(t, 3, st.Unrouted)
	require.NotEmpty(t, st.Problems)
	assert.Contains(t, st.Problems[len(st.Problems)-1], "3 record IDs accepted while no connector is active")
}

// Forwarding costs one signal per pass whatever the mix: 1,000 single-ID
// changes alternating enter and leave pack into one signal of ordered
// runs, each contact's changes still in order; chunks and room still bound
// it.
func TestTakeChangesPacksAlternatingChangesIntoOneSignal(t *testing.T) {
	var q queue
	var want []string
	for i := range 1000 {
		op := contract.OpEnter
		if i%2 == 1 {
			op = contract.OpLeave
		}
		id := fmt.Sprint(i/2 + 1)
		want = append(want, string(op)+":"+id)
		m := contract.MembershipChange{Op: op, RecordIDs: []string{id}}
		q.push(queueItem{change: &m, units: 1, bytes: changeBytes(&m)})
	}
	msgs := q.takeChanges(1 << 20)
	require.Len(t, msgs, 1)
	var got []string
	for _, r := range msgs[0].runs {
		for _, id := range r.RecordIDs {
			got = append(got, string(r.Op)+":"+id)
		}
	}
	assert.Equal(t, want, got)
	assert.Equal(t, 1000, msgs[0].units)
	assert.Empty(t, q.items)
	assert.Zero(t, q.ids)

	// Room bounds what is taken; the rest waits in order.
	for i := range 10 {
		m := contract.MembershipChange{Op: contract.OpEnter, RecordIDs: []string{fmt.Sprint(i + 1)}}
		q.push(queueItem{change: &m, units: 1, bytes: changeBytes(&m)})
	}
	msgs = q.takeChanges(4)
	require.Len(t, msgs, 1)
	assert.Equal(t, []contract.ChangeRun{{Op: contract.OpEnter, RecordIDs: []string{"1", "2", "3", "4"}}}, msgs[0].runs)
	assert.Equal(t, 6, q.ids)
}
