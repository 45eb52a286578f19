package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/internal/testenv"
)

// `hubsync enter` with no worker running (every queue empty) says that no
// worker polls the task queue, never back-pressure, and exits 1.
func TestE2EEnterWithNoWorkerNamesTheTaskQueue(t *testing.T) {
	for _, k := range []string{"HUBSYNC_CONFIG", "TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "TEMPORAL_TASK_QUEUE", "TEMPORAL_API_KEY"} {
		t.Setenv(k, "")
	}
	t.Setenv(e2eTokenEnv, "not-used: no worker calls HubSpot")
	const q, aud = "no-worker-here", "aud-idle"
	tp := testenv.StartTemporal(t)
	yaml := fmt.Sprintf(`
temporal: {address: %q, namespace: default, taskQueue: %s}
accounts:
  - {id: acme, baseUrl: "http://127.0.0.1:1", auth: {type: private-app, tokenEnv: %s}}
connectors:
  - {id: vip, account: acme, listId: "1"}
`, tp.Server.FrontendHostPort(), q, e2eTokenEnv)
	e := &e2e{t: t, tp: tp, config: filepath.Join(t.TempDir(), "connectors.yaml")}
	if err := os.WriteFile(e.config, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	// The audience's workflow runs, but no worker would ever serve it.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := tp.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: contract.AudienceWorkflowID(aud), TaskQueue: q},
		contract.AudienceWorkflowName, contract.AudienceInput{AudienceID: aud}); err != nil {
		t.Fatal(err)
	}

	_, stderr := e.expect(exitFailed, "-max-wait", "3s", "enter", aud, "1", "2")
	t.Logf("stderr:\n%s", stderr)
	contains(t, "enter", stderr, `hubsync enter: starter: sending enter to audience "aud-idle": gave up after `,
		`waiting for the workflow of audience "aud-idle" to take the change: no worker is polling task queue "no-worker-here" (none in the last few minutes): start hubsync-worker on this task queue`,
		"the change may still be taken later, and sending it again is safe")
	for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
		if strings.HasPrefix(line, "enter: ") && !strings.HasPrefix(line, "enter: waiting for a worker for ") {
			t.Errorf("a wait report names something else: %q", line)
		}
	}
	if strings.Contains(stderr, "back-pressure") || strings.Contains(stderr, "backlog") {
		t.Errorf("a send with no worker is blamed on back-pressure:\n%s", stderr)
	}
}
