package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/audiencesync/hubspot-list-sync/config"
	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/hubspot"
	"github.com/audiencesync/hubspot-list-sync/hubspot/hubspottest"
	"github.com/audiencesync/hubspot-list-sync/internal/testenv"
	"github.com/audiencesync/hubspot-list-sync/internal/workertest"
	"github.com/audiencesync/hubspot-list-sync/starter"
	"github.com/audiencesync/hubspot-list-sync/worker"
)

// The end-to-end test drives the real CLI path: hubsync → dialTemporal →
// starter → a Temporal dev server → worker.Run → the HubSpot emulator.
const (
	e2ePortal   = int64(7)
	e2eTokenEnv = "HUBSYNC_E2E_TOKEN"
	e2eAudience = "aud-e2e"
	e2eConn     = "vip"  // list 1; the connector the test operates
	e2eConn2    = "news" // list 2; declared so the file points at both lists
)

// e2e is one CLI session against a live stack. Every command's output is
// also kept in transcript, to check that the token never appears.
type e2e struct {
	t          *testing.T
	config     string
	emu        *testenv.Emulator
	tp         *testenv.Temporal
	list1      string
	list2      string
	transcript bytes.Buffer
	// signals counts the membership signals the CLI reported sending, so
	// waits cannot pass before the audience workflow has forwarded them.
	signals int64
}

// run runs `hubsync -config FILE args...` in-process, exactly as main does.
func (e *e2e) run(stdin string, args ...string) (code int, stdout, stderr string) {
	e.t.Helper()
	var out, errOut bytes.Buffer
	full := append([]string{"-config", e.config}, args...)
	code = run(full, strings.NewReader(stdin), &out, &errOut)
	for _, m := range sentSignals.FindAllStringSubmatch(out.String(), -1) {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		e.signals += n
	}
	fmt.Fprintf(&e.transcript, "$ hubsync %s\n[exit %d at %s]\n%s%s", strings.Join(args, " "), code,
		time.Now().Format("15:04:05.000"), out.String(), errOut.String())
	return code, out.String(), errOut.String()
}

// expect runs the CLI, checks the exit code and returns stdout and stderr.
func (e *e2e) expect(code int, args ...string) (string, string) {
	e.t.Helper()
	return e.expectIn(code, "", args...)
}

func (e *e2e) expectIn(code int, stdin string, args ...string) (string, string) {
	e.t.Helper()
	got, out, errOut := e.run(stdin, args...)
	if got != code {
		e.t.Fatalf("hubsync %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), got, code, out, errOut)
	}
	return out, errOut
}

// connectorStatus is `hubsync status AUD CONN --json`, decoded.
func (e *e2e) connectorStatus() contract.Status {
	e.t.Helper()
	out, _ := e.expect(exitOK, "status", e2eAudience, e2eConn, "--json")
	var st contract.Status
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		e.t.Fatalf("status --json: %v\n%s", err, out)
	}
	return st
}

// waitStatus polls `hubsync status AUD CONN --json` until cond holds.
func (e *e2e) waitStatus(what string, cond func(contract.Status) bool) contract.Status {
	e.t.Helper()
	var st contract.Status
	testenv.Eventually(e.t, 20*time.Second, func() (bool, string) {
		st = e.connectorStatus()
		return cond(st), fmt.Sprintf("%s: status %+v", what, st)
	})
	return st
}

// waitMembers waits until the emulator's list holds exactly want and the
// sync has nothing pending or in flight.
func (e *e2e) waitMembers(listID string, want ...int64) {
	e.t.Helper()
	slices.Sort(want)
	testenv.Eventually(e.t, 20*time.Second, func() (bool, string) {
		got := e.emu.Members(e2ePortal, listID)
		if !slices.Equal(got, want) {
			return false, fmt.Sprintf("list %s holds %v, want %v", listID, got, want)
		}
		st := e.connectorStatus()
		idle := st.MembershipSignals == e.signals && st.PendingAdds+st.PendingRemoves == 0 && st.InFlight == nil
		return idle, fmt.Sprintf("list %s converged but the sync is not idle (%d signals sent): %+v", listID, e.signals, st)
	})
}

// members checks the list right now.
func (e *e2e) members(listID string, want ...int64) {
	e.t.Helper()
	slices.Sort(want)
	if got := e.emu.Members(e2ePortal, listID); !slices.Equal(got, want) {
		e.t.Fatalf("list %s holds %v, want %v", listID, got, want)
	}
}

func contains(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, text)
		}
	}
}

// sentSignals matches the CLI's report of delivered signals (enter, leave
// and import).
var sentSignals = regexp.MustCompile(`in (\d+) signal\(s\)`)

// startE2E starts the dev server, the emulator, writes the connectors file
// and runs the real worker on it.
func startE2E(t *testing.T) *e2e {
	t.Helper()
	// Temporal settings come from the file only.
	for _, k := range []string{"HUBSYNC_CONFIG", "TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "TEMPORAL_TASK_QUEUE", "TEMPORAL_API_KEY",
		"TEMPORAL_TLS_CERT", "TEMPORAL_TLS_KEY", "TEMPORAL_TLS_CA", "TEMPORAL_TLS_SERVER_NAME"} {
		t.Setenv(k, "")
	}
	tp := testenv.StartTemporal(t)
	emu := testenv.StartEmulator(t)
	emu.AddContactRange(e2ePortal, 1, 100)
	e := &e2e{t: t, emu: emu, tp: tp,
		list1: emu.CreateList(e2ePortal, "E2E audience", hubspot.ProcessingManual),
		list2: emu.CreateList(e2ePortal, "E2E second list", hubspot.ProcessingManual)}
	t.Setenv(e2eTokenEnv, emu.NewPrivateAppToken(e2ePortal, hubspottest.ScopesListsReadWrite...))

	yaml := fmt.Sprintf(`
temporal: {address: %[1]q, namespace: default, taskQueue: e2e-hubsync}
accounts:
  - {id: acme, baseUrl: %[2]q, timeout: 5s, auth: {type: private-app, tokenEnv: %[3]s}}
connectors:
  - {id: %[4]s, account: acme, listId: %[5]q, flushInterval: 200ms}
  - {id: %[6]s, account: acme, listId: %[7]q, flushInterval: 200ms}
`, tp.Server.FrontendHostPort(), emu.URL, e2eTokenEnv, e2eConn, e.list1, e2eConn2, e.list2)
	e.config = filepath.Join(t.TempDir(), "connectors.yaml")
	if err := os.WriteFile(e.config, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}

	// The worker reads the same file, as hubsync-worker would.
	cfg, err := config.Load(e.config)
	if err != nil {
		t.Fatal(err)
	}
	var logOut io.Writer = io.Discard
	if os.Getenv("E2E_WORKER_LOG") != "" {
		logOut = os.Stderr
	}
	workertest.Start(t, cfg, worker.Options{Client: tp.Client, Logger: slog.New(slog.NewTextHandler(logOut, nil))})
	return e
}

func TestE2EThroughTemporalAndEmulator(t *testing.T) {
	start := time.Now()
	e := startE2E(t)
	token := os.Getenv(e2eTokenEnv)

	// A change before activation is refused: nothing would receive it.
	_, stderr := e.expect(exitNotFound, "enter", e2eAudience, "1")
	contains(t, "enter before activate", stderr, "not active", "activate")

	// Activation; a second one is harmless. A typo is "not found".
	out, _ := e.expect(exitOK, "activate", e2eAudience, e2eConn)
	contains(t, "activate", out, "activated vip", contract.AudienceWorkflowID(e2eAudience))
	e.expect(exitOK, "activate", e2eAudience, e2eConn)
	e.expect(exitNotFound, "activate", e2eAudience, "typo")

	// Bad IDs are refused by the CLI before anything is sent.
	e.expect(exitUsage, "enter", e2eAudience, "0", "abc")

	out, _ = e.expect(exitOK, "enter", e2eAudience, "1", "2", "3")
	contains(t, "enter", out, "sent 3 of 3 IDs")
	e.waitMembers(e.list1, 1, 2, 3)

	e.expect(exitOK, "leave", e2eAudience, "2")
	e.waitMembers(e.list1, 1, 3)

	// Import: line 4 is malformed and reported; every valid line is applied
	// (5000 is not a contact of the portal: HubSpot reports it missing).
	csvPath := filepath.Join(t.TempDir(), "changes.csv")
	csv := "op,record_id\nenter,4\nenter,5\nenter,abc\nleave,1\nenter,6\nenter,5000\n"
	if err := os.WriteFile(csvPath, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	out, stderr = e.expect(exitPartial, "import", e2eAudience, csvPath)
	contains(t, "import stdout", out, "5 changes sent (4 enter, 1 leave)", "1 malformed line(s)")
	contains(t, "import stderr", stderr, "line 4:", `"abc"`)
	e.waitMembers(e.list1, 3, 4, 5, 6)
	// The same through stdin, as JSON lines: nothing new, nothing malformed.
	out, _ = e.expectIn(exitOK, `{"op":"enter","recordId":"6"}`+"\n", "import", e2eAudience, "-")
	contains(t, "import -", out, "1 changes sent (1 enter, 0 leave)", "0 malformed")
	e.waitMembers(e.list1, 3, 4, 5, 6)

	// status (table) and status --json (the whole report).
	out, _ = e.expect(exitOK, "status", e2eAudience)
	contains(t, "status", out, "audience aud-e2e: 1 active connector(s)", "CONNECTOR", e2eConn, e.list1, "active")
	out, _ = e.expect(exitOK, "status", e2eAudience, "--json")
	var rep starter.AudienceReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("status --json: %v\n%s", err, out)
	}
	if len(rep.Connectors) != 1 || rep.Connectors[0].Status == nil || rep.Connectors[0].ConnectorID != e2eConn {
		t.Fatalf("status --json connectors: %s", out)
	}
	if s := rep.Connectors[0].Status; s.State != contract.StateActive || s.ListID != e.list1 ||
		s.PendingAdds != 0 || s.PendingRemoves != 0 || s.InFlight != nil || s.Owed != nil ||
		s.TotalAdded != 6 || s.TotalRemoved != 2 || s.TotalMissing != 1 || s.TotalRejected != 0 ||
		s.BatchesSent < 3 || s.BatchesFailed != 0 || !slices.Equal(s.RecentMissing, []int64{5000}) {
		t.Errorf("status --json: %+v", *s)
	}
	if rep.Audience.AudienceID != e2eAudience || len(rep.Audience.Connectors) != 1 || rep.Audience.Forwarded == 0 {
		t.Errorf("status --json audience: %+v", rep.Audience)
	}

	// Pause (every connector): changes accumulate, nothing is applied.
	out, _ = e.expect(exitOK, "pause", e2eAudience)
	contains(t, "pause", out, "vip: paused")
	e.expect(exitOK, "enter", e2eAudience, "7", "8")
	e.expect(exitOK, "leave", e2eAudience, "3")
	e.waitStatus("paused with 2 adds and 1 remove pending", func(s contract.Status) bool {
		return s.State == contract.StatePaused && s.Paused && s.PendingAdds == 2 && s.PendingRemoves == 1
	})
	time.Sleep(time.Second) // five flush intervals
	e.members(e.list1, 3, 4, 5, 6)
	out, _ = e.expect(exitOK, "status", e2eAudience)
	contains(t, "status while paused", out, "paused", "2/1")

	out, _ = e.expect(exitOK, "resume", e2eAudience, e2eConn)
	contains(t, "resume", out, "vip: resumed")
	e.waitMembers(e.list1, 4, 5, 6, 7, 8)

	// A terminal failure: the list is gone (404). The sync blocks and shows
	// HubSpot's status and correlationId; changes keep being accepted.
	e.emu.ResetLog()
	e.emu.InjectFault(hubspottest.Fault{Kind: hubspottest.FaultStatus, Status: 404, PathContains: "add-and-remove"})
	e.expect(exitOK, "enter", e2eAudience, "9")
	st := e.waitStatus("blocked by the 404", func(s contract.Status) bool { return s.State == contract.StateBlocked })
	corr := failedCorrelationID(t, e.emu, 404)
	if st.LastError == nil || st.LastError.Status != 404 || st.LastError.CorrelationID != corr ||
		st.Owed == nil || st.Owed.Adds != 1 || st.Owed.ListID != e.list1 || st.BatchesFailed != 1 {
		t.Errorf("blocked status: %+v (last error %+v, emulator correlationId %s)", st, st.LastError, corr)
	}
	out, _ = e.expect(exitOK, "status", e2eAudience, e2eConn)
	contains(t, "status CONN while blocked", out, "blocked", "HTTP 404", "correlationId "+corr, "resume, retarget or discard")
	out, _ = e.expect(exitOK, "status", e2eAudience)
	contains(t, "status while blocked", out, "blocked", "owes a batch: HTTP 404")
	e.expect(exitOK, "enter", e2eAudience, "10")
	e.waitStatus("10 pending while blocked", func(s contract.Status) bool { return s.PendingAdds == 1 })
	e.members(e.list1, 4, 5, 6, 7, 8)

	// Retarget to list 2: the owed batch and everything after go there.
	out, _ = e.expect(exitOK, "retarget", e2eAudience, e2eConn, e.list2)
	contains(t, "retarget", out, "retargeted to list "+e.list2)
	e.waitMembers(e.list2, 9, 10)
	e.members(e.list1, 4, 5, 6, 7, 8)
	if st := e.connectorStatus(); st.State != contract.StateActive || st.ListID != e.list2 || st.Owed != nil {
		t.Errorf("after retarget: %+v", st)
	}

	// Discard: a 400 blocks the sync again; the operator drops that batch.
	e.emu.InjectFault(hubspottest.Fault{Kind: hubspottest.FaultStatus, Status: 400, PathContains: "add-and-remove"})
	e.expect(exitOK, "enter", e2eAudience, "11")
	st = e.waitStatus("blocked by the 400", func(s contract.Status) bool {
		return s.State == contract.StateBlocked && s.LastError != nil && s.LastError.Status == 400
	})
	if st.Owed == nil || st.Owed.Adds != 1 || st.Owed.ListID != e.list2 || st.BatchesFailed != 2 {
		t.Errorf("blocked by the 400: %+v", st)
	}
	e.expect(exitUsage, "discard", e2eAudience) // the connector is required
	out, _ = e.expect(exitOK, "discard", e2eAudience, e2eConn, "-reason", "e2e: drop the batch")
	contains(t, "discard", out, "vip: owed batch discarded")
	e.waitStatus("discarded", func(s contract.Status) bool {
		return s.State == contract.StateActive && s.Owed == nil && s.BatchesDiscarded == 1 && s.IDsDiscarded == 1
	})
	e.expect(exitOK, "enter", e2eAudience, "12", "-v")
	e.waitMembers(e.list2, 9, 10, 12)
	e.members(e.list1, 4, 5, 6, 7, 8)

	// lists and create-list against the emulator (one account: no -account).
	out, _ = e.expect(exitOK, "lists", "-query", "E2E", "-v")
	contains(t, "lists", out, e.list1, "E2E audience", e.list2, "E2E second list", "MANUAL")
	out, _ = e.expect(exitOK, "create-list", "E2E created")
	m := regexp.MustCompile(`created list (\d+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("create-list: %q", out)
	}
	if info, ok := e.emu.ListInfo(e2ePortal, m[1]); !ok || info.ProcessingType != hubspot.ProcessingManual || info.Name != "E2E created" {
		t.Errorf("created list %+v %t", info, ok)
	}
	out, _ = e.expect(exitOK, "lists", "-query", "E2E created", "--json")
	contains(t, "lists --json", out, `"E2E created"`, m[1])

	// Stop: ordered after the enter before it, which is flushed first; then
	// the sync workflow completes and status says so.
	// A typo in stop is "not found" and stops nothing.
	_, stderr = e.expect(exitNotFound, "stop", e2eAudience, "typo")
	contains(t, "stop typo", stderr, `"typo"`)
	e.expect(exitOK, "enter", e2eAudience, "13")
	out, _ = e.expect(exitOK, "stop", e2eAudience, e2eConn)
	contains(t, "stop", out, "vip: stop requested")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var result contract.Status
	if err := e.tp.Client.GetWorkflow(ctx, contract.SyncWorkflowID(e2eAudience, e2eConn), "").Get(ctx, &result); err != nil {
		t.Fatalf("sync workflow did not complete: %v", err)
	}
	if result.State != contract.StateStopped {
		t.Errorf("sync workflow result: %+v", result)
	}
	e.members(e.list2, 9, 10, 12, 13)
	e.members(e.list1, 4, 5, 6, 7, 8)
	if st := e.connectorStatus(); st.State != contract.StateStopped || st.PendingAdds+st.PendingRemoves != 0 || st.TotalAdded != 12 {
		t.Errorf("status after stop: %+v", st)
	}
	out, _ = e.expect(exitOK, "status", e2eAudience)
	contains(t, "status after stop", out, "0 active connector(s)", "no active connector")
	e.expect(exitNotFound, "pause", e2eAudience)
	e.expect(exitNotFound, "resume", e2eAudience, e2eConn)

	// A token HubSpot refuses is reported without being printed (the worker
	// keeps the clients it built at start-up).
	wrong := "pat-na1-e2e0wrong-0000-4000-8000-000000000000"
	t.Setenv(e2eTokenEnv, wrong)
	_, stderr = e.expect(exitFailed, "lists", "-v")
	contains(t, "lists with a refused token", stderr, "401")
	if strings.Contains(e.transcript.String(), wrong) {
		t.Errorf("the refused token appears in the CLI's output:\n%s", stderr)
	}
	t.Setenv(e2eTokenEnv, token)

	// The token never reaches the terminal, even with -v.
	if token == "" || strings.Contains(e.transcript.String(), token) ||
		strings.Contains(e.transcript.String(), strings.TrimPrefix(token, "pat-na1-")) {
		t.Errorf("the private-app token (%d bytes) appears in the CLI's output or is unset", len(token))
	}
	if testing.Verbose() {
		t.Logf("transcript:\n%s", e.transcript.String())
	}
	t.Logf("end to end in %s", time.Since(start).Round(time.Millisecond))
}

// failedCorrelationID is the correlationId of the add-and-remove request the
// emulator failed with status.
func failedCorrelationID(t *testing.T, emu *testenv.Emulator, status int) string {
	t.Helper()
	for _, r := range emu.Requests() {
		if r.Status == status && strings.Contains(r.Path, "add-and-remove") && r.CorrelationID != "" {
			return r.CorrelationID
		}
	}
	t.Fatalf("the emulator logged no add-and-remove failing with %d: %+v", status, emu.Requests())
	return ""
}
