package integration_test

import (
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/internal/testenv"
)

// The whole flow with the pinned temporal CLI alone, no starter, as
// docs/orchestration.md ("Orchestrating from any Temporal client")
// describes: activate by connector ID (the worker resolves the list), admit
// enters and a leave, a malformed admit refused by name, a malformed signal
// counted, status, and stop. The list ends exact.
func TestTheWholeFlowFromTheTemporalCLIAlone(t *testing.T) {
	s := newStack(t)
	const aud = "raw-1"
	audID, syncID := contract.AudienceWorkflowID(aud), contract.SyncWorkflowID(aud, "conn-a")
	cli := func(args ...string) (string, error) {
		args = append(args, "--address", temporal.Server.FrontendHostPort(), "--namespace", "default")
		out, err := exec.Command(testenv.TemporalCLI(t), args...).CombinedOutput()
		return string(out), err
	}
	must := func(args ...string) string {
		t.Helper()
		out, err := cli(args...)
		require.NoError(t, err, "temporal %v:\n%s", args, out)
		return out
	}
	admit := func(input string) (string, error) {
		return cli("workflow", "update", "execute", "--workflow-id", audID, "--name", contract.UpdateAdmit, "--input", input)
	}

	out := must("workflow", "execute-update-with-start", "--workflow-id", audID, "--type", contract.AudienceWorkflowName,
		"--task-queue", s.cfg.Temporal.TaskQueue, "--input", `{"audienceId":"raw-1"}`, "--id-conflict-policy", "UseExisting",
		"--update-name", contract.UpdateActivate, "--update-input", `{"connectorId":"conn-a","flushInterval":"1s"}`)
	assert.Contains(t, out, "state:active")
	// The signal carries changes only: an activation by signal is refused,
	// counted and named in the audience's problems.
	must("workflow", "signal", "--workflow-id", audID, "--name", contract.SignalAudience,
		"--input", `{"activate":{"connectorId":"conn-b"}}`)
	out, err := admit(`{"op":"enter","recordIds":["1","2","3","4"]}`)
	require.NoError(t, err, out)
	assert.Contains(t, out, "accepted:4")
	out, err = admit(`{"op":"leave","recordIds":["2"]}`)
	require.NoError(t, err, out)

	out, err = admit(`{"op":"join","recordIds":["5"]}`)
	require.Error(t, err, out)
	assert.Contains(t, out, `op \"join\"`)
	must("workflow", "signal", "--workflow-id", audID, "--name", contract.SignalAudience,
		"--input", `{"membership":{"op":"enter","recordIds":"24"}}`)

	st := s.converged(aud, "conn-a", []int64{1, 3, 4})
	assert.Equal(t, s.lists["conn-a"], st.ListID, "the worker's connectors file decided the list")
	assert.EqualValues(t, 1, st.MalformedSignals, "recordIds that is not an array is counted")
	out = must("workflow", "query", "--workflow-id", syncID, "--name", contract.QueryStatus)
	assert.Contains(t, out, `"state":"active"`)

	out = must("workflow", "query", "--workflow-id", audID, "--name", contract.QueryConnectors)
	assert.Contains(t, out, `"refusedSignals":1`)
	assert.Contains(t, out, `send an activation with the \"activate\" update`)
	must("workflow", "update", "execute", "--workflow-id", audID, "--name", contract.UpdateDeactivate,
		"--input", `{"connectorId":"conn-a"}`)
	out = must("workflow", "result", "--workflow-id", syncID)
	assert.Contains(t, out, "stopped")
	assert.Equal(t, []int64{1, 3, 4}, s.emu.Members(portalA, s.lists["conn-a"]))

	// An activation resolved from the worker's file and forwarding in runs
	// replay (and are kept
	// for the replay test with RECORD_HISTORY=1).
	replayAndRecord(t, fetchHistory(t, temporal.Client, audID, ""), "audience-forward-runs")
}

// Activation and deactivation as updates answer at once: the resolved
// connector, or why the command was refused.
func TestActivateAndDeactivateUpdatesAnswerFromTheTemporalCLI(t *testing.T) {
	s := newStack(t)
	const aud = "raw-2"
	audID := contract.AudienceWorkflowID(aud)
	cli := func(args ...string) (string, error) {
		args = append(args, "--address", temporal.Server.FrontendHostPort(), "--namespace", "default")
		out, err := exec.Command(testenv.TemporalCLI(t), args...).CombinedOutput()
		return string(out), err
	}
	update := func(name, input string) (string, error) {
		return cli("workflow", "update", "execute", "--workflow-id", audID, "--name", name, "--input", input)
	}
	out, err := cli("workflow", "start", "--workflow-id", audID, "--type", contract.AudienceWorkflowName,
		"--task-queue", s.cfg.Temporal.TaskQueue, "--input", `{"audienceId":"raw-2"}`)
	require.NoError(t, err, out)

	out, err = update(contract.UpdateActivate, `{"connectorId":"nope"}`)
	require.Error(t, err, out)
	assert.Contains(t, out, "not in the worker's connectors file")
	out, err = update(contract.UpdateActivate, `{"connectorId":"a/b"}`)
	require.Error(t, err, out)
	assert.Contains(t, out, "invalid activation")

	out, err = update(contract.UpdateActivate, `{"connectorId":"conn-b"}`)
	require.NoError(t, err, out)
	assert.Contains(t, out, "state:active")
	assert.Contains(t, out, "listId:"+s.lists["conn-b"])

	out, err = update(contract.UpdateDeactivate, `{"connectorId":"conn-b"}`)
	require.NoError(t, err, out)
	assert.Contains(t, out, "state:inactive")
	out, err = update(contract.UpdateDeactivate, `{"connectorId":"conn-b"}`)
	require.Error(t, err, out)
	assert.Contains(t, out, "it is not active on this audience")
}
