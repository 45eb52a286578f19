package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/audiencesync/hubspot-list-sync/internal/testenv"
)

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestDemoRunsTheProductEndToEnd is the README's first command
// (scripts/run-local.sh, described in docs/quickstart.md), shortened:
// dev server with Web UI, emulator, worker, a demo audience; the list
// converges, the Web UI lists the workflows, and nothing is left running.
func TestDemoRunsTheProductEndToEnd(t *testing.T) {
	o := options{temporalCLI: testenv.TemporalCLI(t), dataDir: t.TempDir(), temporalPort: freePort(t), uiPort: freePort(t),
		emulatorAddr: fmt.Sprintf("127.0.0.1:%d", freePort(t)), contacts: 500, changes: 2000, perSignal: 100, rate: 100, seed: 42, exit: true}
	var uiWorkflows []string
	o.converged = func() {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/api/v1/namespaces/default/workflows", o.uiPort))
		require.NoError(t, err)
		defer resp.Body.Close()
		var body struct {
			Executions []struct {
				Execution struct {
					WorkflowID string `json:"workflowId"`
				} `json:"execution"`
			} `json:"executions"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
		for _, e := range body.Executions {
			uiWorkflows = append(uiWorkflows, e.Execution.WorkflowID)
		}
	}
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	require.NoError(t, run(ctx, o, &out), out.String())

	assert.Contains(t, out.String(), "converged: the HubSpot list holds exactly the")
	assert.Contains(t, out.String(), fmt.Sprintf("http://127.0.0.1:%d/namespaces/default/workflows", o.uiPort))
	joined := strings.Join(uiWorkflows, " ")
	assert.Contains(t, joined, "hubspot-audience/demo-", "the Web UI's API lists the audience workflow")
	assert.Contains(t, joined, "hubspot-sync/demo-")

	_, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", o.temporalPort), time.Second)
	assert.Error(t, err, "the dev server was stopped")
	pgrep, _ := exec.Command("pgrep", "-f", fmt.Sprintf("start-dev.*--port %d", o.temporalPort)).Output()
	assert.Empty(t, strings.TrimSpace(string(pgrep)), "no dev server process is left behind")
}
