package integration_test

import (
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/audiencesync/hubspot-list-sync/internal/testenv"
	"github.com/audiencesync/hubspot-list-sync/workflows"
)

// The documented path for orchestration that is not our Go starter: the
// admit update from the plain temporal CLI. A good change is taken and
// reaches the list; a bad one is refused with a message naming what is
// wrong, before anything is written.
func TestAdmitFromTheTemporalCLI(t *testing.T) {
	s := newStack(t)
	const aud = "aud-cli"
	require.NoError(t, s.st.Activate(s.ctx(), aud, "conn-a"))
	admit := func(input string) (string, error) {
		out, err := exec.Command(testenv.TemporalCLI(t), "workflow", "update", "execute",
			"--address", temporal.Server.FrontendHostPort(), "--namespace", "default",
			"--workflow-id", workflows.AudienceWorkflowID(aud), "--name", workflows.UpdateAdmit,
			"--input", input).CombinedOutput()
		return string(out), err
	}
	out, err := admit(`{"op":"enter","recordIds":["1","2","3"]}`)
	require.NoError(t, err, out)
	assert.Contains(t, out, "accepted:3")

	out, err = admit(`{"op":"join","recordIds":["4"]}`)
	require.Error(t, err, out)
	assert.Contains(t, out, `op \"join\"`)

	s.converged(aud, "conn-a", []int64{1, 2, 3})
}
