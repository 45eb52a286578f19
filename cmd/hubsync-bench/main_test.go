package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/audiencesync/hubspot-list-sync/internal/devserver"
)

// TestBenchRunsEndToEnd runs the whole command at a tiny size on the real
// dev server, emulator and worker process. A missing Temporal CLI fails it.
func TestBenchRunsEndToEnd(t *testing.T) {
	_, err := devserver.FindCLI()
	require.NoError(t, err, "the benchmark needs the pinned Temporal CLI")

	jsonFile := filepath.Join(t.TempDir(), "bench.json")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	code := run(ctx, []string{"-changes", "3000", "-contacts", "2400", "-flush", "1s", "-batch", "200",
		"-per-call", "250", "-senders", "3", "-timeout", "90s", "-keep", "-json", jsonFile}, &out, &errOut)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out.String(), errOut.String())

	var rep report
	b, err := os.ReadFile(jsonFile)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &rep))
	t.Cleanup(func() { _ = os.RemoveAll(rep.DataDir) })

	assert.True(t, rep.Converged)
	assert.Equal(t, "burst", rep.Scenario)
	assert.EqualValues(t, 3000, rep.Changes)
	assert.Positive(t, rep.ChangesPerSecond)
	assert.Positive(t, rep.ConvergeSeconds)
	assert.Less(t, rep.ConvergeSeconds, 90.0)
	require.Len(t, rep.Lists, 1)
	// 3000 changes over 2400 contacts: 2400 enters, 480 leaves, 120 re-enters.
	l := rep.Lists[0]
	assert.Equal(t, 2400-480+120, l.Expected)
	assert.Equal(t, l.Expected, l.Size)
	assert.Zero(t, l.Missing+l.Extra)
	assert.GreaterOrEqual(t, l.BatchesSent, int64(2400/200))
	assert.GreaterOrEqual(t, rep.HubSpot.MembershipRequests, 2400/200)
	assert.Equal(t, rep.HubSpot.Requests, rep.HubSpot.ByStatus[200], "every HubSpot request succeeded")

	require.Len(t, rep.Workflows, 2, "the audience and the sync workflow")
	for _, f := range rep.Workflows {
		assert.GreaterOrEqual(t, f.Runs, 1, f.WorkflowID)
		assert.Equal(t, f.Runs-1, f.ContinueAsNew, f.WorkflowID)
		assert.Equal(t, f.ContinueAsNew, f.Generation, "%s: every run but the last continued as new", f.WorkflowID)
		assert.Positive(t, f.MaxRunEvents, f.WorkflowID)
		assert.Positive(t, f.LargestPayloadBytes, f.WorkflowID)
		assert.Positive(t, f.LargestIncomingBytes, f.WorkflowID)
	}
	assert.Less(t, rep.MaxPayloadBytes, 2<<20, "no payload near Temporal's 2 MB limit")
	assert.Greater(t, rep.MaxIncomingBytes, 250*2, "a call's signal carries its 250 IDs")
	assert.Greater(t, rep.PeakRSSBytes["worker"], int64(10<<20))
	assert.Greater(t, rep.PeakRSSBytes["devServer"], int64(10<<20))

	assert.Contains(t, out.String(), "changes sent")
	assert.Contains(t, out.String(), "hubspot-sync/bench-")
	pgrep, _ := exec.Command("pgrep", "-f", rep.DataDir).Output()
	assert.Empty(t, strings.TrimSpace(string(pgrep)), "no worker or dev server process is left behind")
}

// TestBenchTwoAudiencesUnderLimitAndLatency covers -audiences, -limit and
// -latency: two lists on one rate-limited account with slow requests.
func TestBenchTwoAudiencesUnderLimitAndLatency(t *testing.T) {
	_, err := devserver.FindCLI()
	require.NoError(t, err, "the benchmark needs the pinned Temporal CLI")

	jsonFile := filepath.Join(t.TempDir(), "bench.json")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	code := run(ctx, []string{"-changes", "1000", "-contacts", "800", "-audiences", "2", "-flush", "1s", "-batch", "100",
		"-per-call", "100", "-senders", "2", "-latency", "20ms", "-limit", "100", "-timeout", "90s", "-json", jsonFile}, &out, &errOut)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out.String(), errOut.String())

	var rep report
	b, err := os.ReadFile(jsonFile)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &rep))
	assert.True(t, rep.Converged)
	assert.EqualValues(t, 2000, rep.Changes)
	require.Len(t, rep.Lists, 2)
	assert.NotEqual(t, rep.Lists[0].ListID, rep.Lists[1].ListID)
	for _, l := range rep.Lists {
		assert.Equal(t, 800-160+40, l.Expected)
		assert.Zero(t, l.Missing+l.Extra)
	}
	assert.Len(t, rep.Workflows, 4)
	assert.Equal(t, "20ms", rep.Settings.Latency)
	assert.Equal(t, 100, rep.Settings.Limit)
	assert.Empty(t, rep.DataDir, "without -keep the data dir is removed")
}
