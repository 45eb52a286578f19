package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/internal/devserver"
)

var (
	workerOnce sync.Once
	workerBin  string
	workerErr  error
)

// sharedWorker builds ./cmd/hubsync-worker once for the scenario tests.
func sharedWorker(t *testing.T) string {
	t.Helper()
	workerOnce.Do(func() {
		dir, err := os.MkdirTemp("", "hubsync-bench-test-*")
		if err != nil {
			workerErr = err
			return
		}
		workerBin, workerErr = buildWorker(context.Background(), dir, slog.New(slog.DiscardHandler))
	})
	require.NoError(t, workerErr)
	return workerBin
}

// runScenario runs the command at a tiny size and returns its report; the
// run must end with every list exact.
func runScenario(t *testing.T, args ...string) report {
	t.Helper()
	_, err := devserver.FindCLI()
	require.NoError(t, err, "the benchmark needs the pinned Temporal CLI")
	jsonFile := filepath.Join(t.TempDir(), "bench.json")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	args = append(args, "-worker-bin", sharedWorker(t), "-timeout", "150s", "-json", jsonFile)
	code := run(ctx, args, &out, &errOut)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out.String(), errOut.String())
	var rep report
	b, err := os.ReadFile(jsonFile)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &rep))
	require.True(t, rep.Converged)
	require.Zero(t, rep.SecretsInHistory, "an account token in workflow history")
	require.Zero(t, rep.SecretsInLogs, "an account token in a log")
	for _, l := range rep.Lists {
		require.Zero(t, l.Missing+l.Extra, "list %s", l.ListID)
	}
	return rep
}

// Small variants of each scenario of the ceiling issue: correctness and
// the presence of each figure, never their values.
func TestScenarioCeilingSmall(t *testing.T) {
	rep := runScenario(t, "-scenario", "ceiling", "-changes", "3000", "-contacts", "3000", "-latency", "50ms", "-flush", "1s")
	assert.Equal(t, 110, rep.Settings.Limit, "the scenario's designed limit applies")
	assert.Equal(t, 6, rep.Writes.Writes, "3,000 enters in batches of 500")
	assert.Equal(t, 3000, rep.Writes.IDs)
	assert.Zero(t, rep.Writes.Answered, "no 429 under the account's budget")
	assert.LessOrEqual(t, rep.Writes.MaxIn10s, 110)
	assert.Positive(t, rep.Writes.OfCeiling)
}

func TestScenarioAlternatingSmall(t *testing.T) {
	rep := runScenario(t, "-scenario", "alternating", "-changes", "60", "-flush", "1s")
	assert.EqualValues(t, 60, rep.Calls, "one call per change")
	require.Len(t, rep.Lists, 1)
	// Calls 2k-1 enter k; contacts with an even number leave at once, odd
	// ones leave k+1 just before it enters: the odd contacts stay.
	assert.Equal(t, 15, rep.Lists[0].Expected)
	assert.Positive(t, rep.LagSeconds)
}

func TestScenarioLatencySmall(t *testing.T) {
	rep := runScenario(t, "-scenario", "latency", "-changes", "600", "-contacts", "600", "-rate", "200", "-flush", "1s")
	require.NotNil(t, rep.Latency)
	assert.Equal(t, 600, rep.Latency.Samples, "every contact's Enter → member time")
	assert.LessOrEqual(t, rep.Latency.P50, rep.Latency.P99)
	assert.GreaterOrEqual(t, rep.SendSeconds, 2.0, "600 changes at 200/s take about 3 s")
}

func TestScenarioPerEventSmall(t *testing.T) {
	rep := runScenario(t, "-scenario", "per-event", "-changes", "300", "-contacts", "100", "-limit", "0", "-latency", "10ms", "-flush", "1s")
	n := rep.Naive
	require.NotNil(t, n)
	assert.True(t, n.Exact, "the naive client's list equals the stream's too")
	assert.Empty(t, n.Error)
	assert.Equal(t, 300, n.Calls, "one request per change")
	assert.Positive(t, n.OurCalls)
	assert.Less(t, n.OurCalls, n.Calls)
	assert.Equal(t, rep.Lists[0].Expected, n.NetChanges)
	assert.GreaterOrEqual(t, n.OurCalls, n.MinCalls)
}

func TestScenarioManySmall(t *testing.T) {
	rep := runScenario(t, "-scenario", "many", "-audiences", "60", "-flush", "1s", "-idle", "2s")
	assert.Len(t, rep.Lists, 60)
	assert.Equal(t, 60, rep.ListsTotal)
	assert.Equal(t, 60, rep.ListsExact)
	assert.Positive(t, rep.ActivationsPerSec)
	assert.Contains(t, rep.IdleCPU, "worker")
	assert.Contains(t, rep.IdleCPU, "devServer")
	for _, l := range rep.Lists {
		assert.Equal(t, 5, l.Expected)
	}
}

// The fault suite, small: the worker SIGKILLed twice and the dev server
// restarted once mid-run, 30 % of HubSpot requests failing transiently,
// workflows continuing as new often, two accounts: every list ends exact.
func TestScenarioChaosSmall(t *testing.T) {
	rep := runScenario(t, "-scenario", "chaos", "-audiences", "3", "-changes", "600", "-contacts", "500", "-accounts", "2",
		"-kills", "2", "-server-restarts", "1", "-run-limit", "4", "-batch", "50", "-flush", "1s")
	c := rep.Chaos
	require.NotNil(t, c)
	assert.Equal(t, 2, c.WorkerKills)
	assert.Equal(t, 1, c.ServerRestarts)
	assert.Positive(t, c.Faulted, "the emulator failed some requests")
	assert.Zero(t, c.ContactOverlaps, "never one contact in two open requests")
	// A retry after a 429 never goes before HubSpot's interval, even on a
	// worker started after the 429 (the hold travels in heartbeat details).
	assert.Zero(t, c.EarlyRetries429, "retries before HubSpot's interval: %+v", c.Early)
	// Nor does any other request of the account, across worker restarts
	// (the pause is kept in the worker's state folder).
	assert.Zero(t, c.SentInPause, "requests inside an account's 429 pause: %+v", c.InPause)
	continued := 0
	for _, f := range rep.Workflows {
		continued += f.ContinueAsNew
	}
	assert.Positive(t, continued, "continue-as-new happened during the run")
	assert.Len(t, rep.Lists, 3)
}

// A reconcile of 4,000 members against a list with 5 % drift each way,
// a plan first, under a fast budget: the list ends exact, the plan wrote
// nothing, and the requests are within a small factor of their minimum.
func TestScenarioReconcileSmall(t *testing.T) {
	rep := runScenario(t, "-scenario", "reconcile", "-members", "4000", "-drift", "0.05", "-plan",
		"-limit", "1000", "-latency", "20ms", "-batch", "100", "-flush", "1s")
	f := rep.Reconcile
	require.NotNil(t, f)
	assert.True(t, f.Exact)
	assert.Equal(t, 4200, rep.Settings.Contacts, "the contacts follow -members and -drift")
	assert.Equal(t, 4000, f.LiveAtStart, "200 missing, 200 extra")
	r := f.Report
	assert.Equal(t, contract.PhaseDone, r.Phase)
	assert.EqualValues(t, 200, r.Adds)
	assert.EqualValues(t, 200, r.Removes)
	assert.EqualValues(t, 400, r.Applied)
	assert.Zero(t, r.Missing+r.TakenOver+r.Superseded)
	assert.EqualValues(t, 4000, r.SnapshotReceived)
	assert.EqualValues(t, 16, r.Pages)

	require.NotNil(t, f.Plan)
	assert.Zero(t, f.Plan.Writes, "a plan writes nothing")
	assert.Equal(t, 16, f.Plan.Reads)
	assert.EqualValues(t, 200, f.Plan.Report.Adds)
	assert.EqualValues(t, 200, f.Plan.Report.Removes)

	assert.Equal(t, 16, f.Reads.Minimum, "4,000 members, 250 a page")
	assert.GreaterOrEqual(t, f.Reads.Requests, f.Reads.Minimum)
	assert.LessOrEqual(t, f.Reads.OfMinimum, 1.5)
	assert.Equal(t, 4, f.Writes.Minimum, "400 differences, 100 a request")
	assert.GreaterOrEqual(t, f.Writes.Requests, f.Writes.Minimum)
	assert.LessOrEqual(t, f.Writes.OfMinimum, 3.0)
	assert.Equal(t, 400, f.Writes.IDs)
	assert.Zero(t, f.Answered429, "reads and writes share the account's budget, under HubSpot's limit")
	assert.LessOrEqual(t, f.MaxIn10s, 1000)
	assert.Positive(t, f.Seconds)
	assert.Positive(t, f.MembersPerSecond)
	assert.Equal(t, f.Reads.Requests, f.ReadServe.Count)
	assert.Contains(t, rep.PeakRSSBytes, "bench")
}

// A backfill: the live list starts empty, so every member is an add.
func TestScenarioReconcileBackfillSmall(t *testing.T) {
	rep := runScenario(t, "-scenario", "reconcile", "-members", "3000", "-backfill",
		"-limit", "1000", "-latency", "20ms", "-flush", "1s")
	f := rep.Reconcile
	require.NotNil(t, f)
	assert.True(t, f.Exact)
	assert.Zero(t, f.LiveAtStart)
	assert.EqualValues(t, 3000, f.Report.Adds)
	assert.Zero(t, f.Report.Removes)
	assert.EqualValues(t, 3000, f.Report.Applied)
	assert.Equal(t, 1, f.Reads.Minimum, "an empty list is one page")
	assert.LessOrEqual(t, f.Reads.OfMinimum, 2.0)
	assert.Equal(t, 6, f.Writes.Minimum, "3,000 adds, 500 a request")
	assert.GreaterOrEqual(t, f.Writes.Requests, f.Writes.Minimum)
	assert.LessOrEqual(t, f.Writes.OfMinimum, 3.0)
	assert.Zero(t, f.Answered429)
}

// The token scan finds a token where there is one.
func TestSecretsInLogsFindsATokenLine(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "worker.log"), []byte("ok\nAuthorization: Bearer pat-na1-123\nok\n"), 0o600))
	n, err := secretsInLogs(dir, []string{"pat-na1-123", "other"})
	require.NoError(t, err)
	assert.Equal(t, 1, n)
}
