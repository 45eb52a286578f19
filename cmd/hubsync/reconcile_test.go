package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReconcileSendsTheSnapshotAndReports(t *testing.T) {
	h := newHarness(t)
	finished := time.Unix(100, 0)
	h.fake.reconciled = contract.ReconcileStatus{Phase: contract.PhaseDone, ListID: "1", FinishedAt: &finished,
		SnapshotMembers: 3, SnapshotReceived: 3, SnapshotComplete: true, LiveRead: 1203, LiveTotal: 1203, Pages: 5, LiveComplete: true,
		Adds: 2, Removes: 1, Applied: 2, Missing: 1, TakenOver: 4, Superseded: 5, SampleAdds: []int64{2, 3}, SampleRemoves: []int64{77}}
	h.stdin = "recordId\n# the audience on Monday\n3\n1\n\n2\n3\n"
	h.expect(exitOK, "reconcile", "aud-1", "acme-vip", "-", "-id", "r-1")
	// Sorted, without the repeat and the skipped lines.
	want := []string{"reconcile aud-1 acme-vip r-1 [1 2 3]"}
	if got := h.fake.callStrings(); !slices.Equal(got, want) {
		t.Errorf("calls %q, want %q", got, want)
	}
	out := h.stdout.String()
	wantOut := "reconcile done: 2 adds, 1 removes (2 applied, 1 missing), 4 taken over by later changes, 5 superseded\n" +
		"  sample adds: 2 3\n" +
		"  sample removes: 77\n" +
		"  list 1: 1203 members read in 5 page(s); snapshot 3 members; "
	if !strings.HasPrefix(out, wantOut) || !strings.HasSuffix(out, "s\n  reconcile r-1 of connector acme-vip on audience aud-1\n") {
		t.Errorf("report:\n%s\nwant it to start with:\n%s", out, wantOut)
	}
}

func TestReconcilePlanReportsWithoutChanging(t *testing.T) {
	h := newHarness(t)
	h.fake.reconciled = contract.ReconcileStatus{Plan: true, Phase: contract.PhaseDone, ListID: "1",
		SnapshotMembers: 1200, SnapshotReceived: 1200, LiveRead: 1203, LiveTotal: 1203, Pages: 5,
		Adds: 12, Removes: 3, SampleAdds: []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, SampleRemoves: []int64{1500, 1501, 1502}}
	p := writeFile(t, "members.txt", "5\n6\n")
	h.expect(exitOK, "reconcile", "-plan", "aud-1", "acme-vip", p)
	if got := h.fake.callStrings(); len(got) != 1 || !strings.HasPrefix(got[0], "plan aud-1 acme-vip ") || !strings.HasSuffix(got[0], " [5 6]") {
		t.Errorf("calls %q", got)
	}
	out := h.stdout.String()
	for _, w := range []string{
		"plan: 12 adds, 3 removes (would change 15 of the list's 1203 members)\n",
		"  sample adds (10 of 12): 1 2 3 4 5 6 7 8 9 10\n",
		"  sample removes: 1500 1501 1502\n",
		"  list 1: 1203 members read in 5 page(s); snapshot 1200 members; nothing changed; ", "  reconcile ",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("plan report lacks %q:\n%s", w, out)
		}
	}
	if strings.Contains(out, "applied") {
		t.Errorf("a plan reports applied changes:\n%s", out)
	}

	// -json: the report as one object.
	h.expect(exitOK, "reconcile", "aud-1", "acme-vip", p, "-plan", "-json", "-id", "p-2")
	var rep reconcileReport
	if err := json.Unmarshal(h.stdout.Bytes(), &rep); err != nil {
		t.Fatalf("%v: %s", err, h.stdout.String())
	}
	if !rep.Plan || rep.Outcome != contract.PhaseDone || rep.Reconcile.ID != "p-2" || rep.Reconcile.Adds != 12 || rep.Source != p || rep.Error != "" {
		t.Errorf("json report %+v", rep)
	}
}

// An empty snapshot removes every member: refused unless asked for, and
// before Temporal is dialled. A plan of it only reports.
func TestReconcileRefusesAnEmptySnapshot(t *testing.T) {
	h := newHarness(t)
	h.stdin = "# nobody\n\n"
	h.expect(exitUsage, "reconcile", "aud-1", "acme-vip", "-")
	errOut := h.stderr.String()
	for _, w := range []string{"holds no record IDs", "remove every member", "-allow-empty", "nothing was sent", "usage: hubsync reconcile"} {
		if !strings.Contains(errOut, w) {
			t.Errorf("stderr lacks %q:\n%s", w, errOut)
		}
	}
	h.expect(exitUsage, "activate", "aud-1", "acme-vip", "-snapshot", "-")
	if h.dials != 0 || len(h.fake.calls) != 0 {
		t.Errorf("%d dials, calls %q", h.dials, h.fake.callStrings())
	}
	h.expect(exitOK, "reconcile", "aud-1", "acme-vip", "-", "-plan")
	h.expect(exitOK, "reconcile", "aud-1", "acme-vip", "-", "-allow-empty", "-id", "e-1")
	want := []string{"plan aud-1 acme-vip", "reconcile aud-1 acme-vip e-1 []"}
	got := h.fake.callStrings()
	if len(got) != 2 || !strings.HasPrefix(got[0], want[0]) || got[1] != want[1] {
		t.Errorf("calls %q", got)
	}
}

// A line that is not a record ID refuses the whole file, naming the line.
func TestReconcileNamesABadLine(t *testing.T) {
	h := newHarness(t)
	p := writeFile(t, "members.txt", "1\n2\n\nabc\n4\n")
	h.expect(exitUsage, "reconcile", "aud-1", "acme-vip", p)
	if errOut := h.stderr.String(); !strings.Contains(errOut, p+" line 4:") || !strings.Contains(errOut, `"abc"`) || !strings.Contains(errOut, "nothing was sent") {
		t.Errorf("stderr:\n%s", errOut)
	}
	h.stdin = "1\n0\n"
	h.expect(exitUsage, "activate", "aud-1", "acme-vip", "-snapshot", "-")
	if errOut := h.stderr.String(); !strings.Contains(errOut, "stdin line 2:") {
		t.Errorf("stderr:\n%s", errOut)
	}
	h.expect(exitUsage, "reconcile", "aud-1", "acme-vip", filepath.Join(t.TempDir(), "missing.txt"))
	if !strings.Contains(h.stderr.String(), "opening the snapshot file") {
		t.Errorf("stderr:\n%s", h.stderr.String())
	}
	if h.dials != 0 {
		t.Errorf("dialled %d times", h.dials)
	}
}

func TestReconcileArgumentAndFlagErrors(t *testing.T) {
	h := newHarness(t)
	p := writeFile(t, "members.txt", "1\n")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"reconcile", "aud-1", "acme-vip"}, "missing arguments"},
		{[]string{"reconcile", "aud-1", "acme-vip", p, "extra"}, "too many arguments"},
		{[]string{"reconcile", "aud-1", "acme-vip", p, "-id", "no spaces"}, `-id "no spaces": a reconcile ID is 1-64`},
		{[]string{"reconcile", "aud-1", "acme-vip", p, "-wait", "-1s"}, "-wait -1s"},
		{[]string{"activate", "aud-1", "acme-vip", "globex-news", "-snapshot", p}, "-snapshot backfills one connector, got 2 (acme-vip, globex-news)"},
		{[]string{"activate", "aud-1", "acme-vip", "-id", "x", "-allow-empty"}, "-allow-empty, -id only apply with -snapshot FILE; nothing was activated"},
		{[]string{"activate", "aud-1", "acme-vip", "-snapshot", p, "-plan"}, "flag provided but not defined: -plan"},
	} {
		h.expect(exitUsage, tc.args...)
		if !strings.Contains(h.stderr.String(), tc.want) {
			t.Errorf("%q: stderr lacks %q:\n%s", tc.args, tc.want, h.stderr.String())
		}
	}
	if h.dials != 0 || len(h.fake.calls) != 0 {
		t.Errorf("%d dials, calls %q", h.dials, h.fake.callStrings())
	}
}

func TestReconcileNeedsAnActiveConnector(t *testing.T) {
	h := newHarness(t)
	p := writeFile(t, "members.txt", "1\n")
	h.fake.active["aud-1"] = []string{"acme-vip"}
	h.expect(exitNotFound, "reconcile", "aud-1", "globex-news", p)
	if errOut := h.stderr.String(); !strings.Contains(errOut, "hubsync activate aud-1 globex-news -snapshot "+p) {
		t.Errorf("stderr:\n%s", errOut)
	}
	h.expect(exitNotFound, "reconcile", "nope", "acme-vip", p)
	h.expect(exitNotFound, "activate", "aud-1", "typo", "-snapshot", p)
	if len(h.fake.calls) != 0 {
		t.Errorf("calls %q", h.fake.callStrings())
	}
}

func TestActivateWithSnapshot(t *testing.T) {
	h := newHarness(t)
	h.fake.reconciled = contract.ReconcileStatus{Phase: contract.PhaseDone, ListID: "1", SnapshotReceived: 2, Pages: 1, LiveComplete: true,
		Adds: 2, Applied: 2, SampleAdds: []int64{7, 9}}
	h.stdin = "9\n7\n"
	h.expect(exitOK, "activate", "aud-1", "acme-vip", "-snapshot", "-", "-id", "b-1")
	if got := h.fake.callStrings(); !slices.Equal(got, []string{"activate+reconcile aud-1 acme-vip b-1 [7 9]"}) {
		t.Errorf("calls %q", got)
	}
	out := h.stdout.String()
	if !strings.HasPrefix(out, "activated acme-vip on audience aud-1 (workflow hubspot-audience/aud-1)\nreconcile done: 2 adds, 0 removes (2 applied, 0 missing)") {
		t.Errorf("report:\n%s", out)
	}
	h.stdin = "9\n7\n"
	h.expect(exitOK, "activate", "aud-1", "acme-vip", "-snapshot", "-", "-json")
	var rep struct {
		reconcileReport
		WorkflowID string
	}
	if err := json.Unmarshal(h.stdout.Bytes(), &rep); err != nil || !rep.Activated || rep.WorkflowID != "hubspot-audience/aud-1" || rep.Reconcile.Adds != 2 {
		t.Errorf("json %s (%v)", h.stdout.String(), err)
	}
	// Without -snapshot, activate is as it was.
	h.expect(exitOK, "activate", "aud-1", "acme-vip", "globex-news")
	if got := h.fake.callStrings(); got[len(got)-1] != "activate aud-1 acme-vip,globex-news" {
		t.Errorf("calls %q", got)
	}
}

// A reconcile that ended other than done: exit 1, or 4 once it applied
// some differences, with what to do.
func TestReconcileEndedEarly(t *testing.T) {
	h := newHarness(t)
	p := writeFile(t, "members.txt", "1\n")
	h.fake.reconciled = contract.ReconcileStatus{Phase: contract.PhaseAborted, Error: "the connector was stopped before the reconcile finished"}
	h.fake.reconcileErr = errors.New("starter: reconcile ended aborted")
	h.expect(exitFailed, "reconcile", "aud-1", "acme-vip", p, "-id", "a-1")
	if errOut := h.stderr.String(); !strings.Contains(errOut, "reconcile a-1 was aborted: the connector was stopped before the reconcile finished. It changes nothing more") {
		t.Errorf("stderr:\n%s", errOut)
	}
	if out := h.stdout.String(); !strings.HasPrefix(out, "reconcile aborted, so far: 0 adds") {
		t.Errorf("stdout:\n%s", out)
	}
	h.fake.reconciled = contract.ReconcileStatus{Phase: contract.PhaseReplaced, Error: "replaced by r-2", Adds: 5, Applied: 3}
	h.expect(exitPartial, "reconcile", "aud-1", "acme-vip", p, "-id", "r-1")
	if errOut := h.stderr.String(); !strings.Contains(errOut, "reconcile r-1 was replaced before it finished (replaced by r-2)") || !strings.Contains(errOut, "hubsync status aud-1 acme-vip") {
		t.Errorf("stderr:\n%s", errOut)
	}
	// Not placed at all: the starter's error as is, no report.
	h.fake.reconciled = contract.ReconcileStatus{}
	h.fake.reconcileErr = errors.New("starter: reconcile connector: refused")
	h.expect(exitFailed, "reconcile", "aud-1", "acme-vip", p)
	if h.stdout.Len() != 0 || !strings.Contains(h.stderr.String(), "refused") {
		t.Errorf("stdout %q stderr %q", h.stdout.String(), h.stderr.String())
	}
	// The starter failed, and the sync shows how the reconcile ended.
	ended := time.Unix(50, 0)
	h.fake.status = map[string]contract.Status{"acme-vip": {LastReconcile: &contract.ReconcileStatus{ID: "g-1",
		Phase: contract.PhaseReplaced, FinishedAt: &ended, Error: "replaced by g-2"}}}
	h.fake.reconcileErr = errors.New("starter: sending chunk 3 of reconcile g-1: reconcile g-1 has ended (replaced)")
	h.expect(exitFailed, "reconcile", "aud-1", "acme-vip", p, "-id", "g-1")
	if errOut := h.stderr.String(); !strings.Contains(errOut, "reconcile g-1 was replaced before it finished (replaced by g-2)") {
		t.Errorf("stderr:\n%s", errOut)
	}
	if out := h.stdout.String(); !strings.HasPrefix(out, "reconcile replaced, so far:") {
		t.Errorf("stdout:\n%s", out)
	}
}

// A reconcile that cannot go on without an operator: once it has its whole
// snapshot the command stops waiting and says what to do.
func TestReconcileStopsWaitingWhenStuck(t *testing.T) {
	for _, tc := range []struct {
		name   string
		st     contract.Status
		code   int
		want   []string
		report string
	}{
		{"blocked reading", contract.Status{Reconcile: &contract.ReconcileStatus{ID: "s-1", Phase: contract.PhaseBlocked, SnapshotComplete: true,
			Error: "reading the list failed: 403 MISSING_SCOPES: no; fix the cause, then resume the sync"}},
			exitFailed, []string{"reconcile s-1 is blocked: reading the list failed: 403", "run 'hubsync resume aud-1 acme-vip'"}, "reconcile blocked, so far: 0 adds"},
		{"sync owes a batch", contract.Status{Owed: &contract.BatchInfo{BatchID: "b#9"}, LastError: &contract.HubSpotFailure{Status: 404, Message: "list gone"},
			Reconcile: &contract.ReconcileStatus{ID: "s-1", Phase: contract.PhaseWaiting, SnapshotComplete: true}},
			exitFailed, []string{"waits behind batch b#9", "HTTP 404 list gone", "resume, retarget or discard"}, "reconcile held by a batch the sync owes, so far: 0 adds"},
		{"paused", contract.Status{Paused: true,
			Reconcile: &contract.ReconcileStatus{ID: "s-1", Phase: contract.PhaseApplying, SnapshotComplete: true, Adds: 4, Applied: 2}},
			exitPartial, []string{"is paused", "'hubsync resume aud-1 acme-vip'"}, "reconcile held by the paused sync, so far: 4 adds, 0 removes (2 applied, 0 missing)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.fake.reconcileBlocks = true
			h.fake.status = map[string]contract.Status{"acme-vip": tc.st}
			h.expect(tc.code, "reconcile", "aud-1", "acme-vip", writeFile(t, "m", "1\n"), "-id", "s-1")
			for _, w := range tc.want {
				if !strings.Contains(h.stderr.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, h.stderr.String())
				}
			}
			if !strings.HasPrefix(h.stdout.String(), tc.report) {
				t.Errorf("stdout:\n%s", h.stdout.String())
			}
		})
	}

	// A plan is not held up by the sync's batches: it goes on waiting.
	h := newHarness(t)
	h.fake.reconcileBlocks = true
	h.fake.status = map[string]contract.Status{"acme-vip": {Paused: true,
		Reconcile: &contract.ReconcileStatus{ID: "p-1", Plan: true, Phase: contract.PhaseReading, SnapshotComplete: true}}}
	h.expect(exitFailed, "reconcile", "aud-1", "acme-vip", writeFile(t, "m", "1\n"), "-plan", "-id", "p-1", "-wait", "100ms")
	if errOut := h.stderr.String(); !strings.Contains(errOut, "stopped waiting after 100ms (-wait): reconcile p-1 goes on (reading)") {
		t.Errorf("stderr:\n%s", errOut)
	}
}

// Stuck before the whole snapshot is sent: stopping would leave the
// reconcile unable to finish, so the command says why it waits and keeps
// sending.
func TestReconcileKeepsSendingWhenStuckMidSnapshot(t *testing.T) {
	h := newHarness(t)
	h.fake.reconcileBlocks = true
	h.fake.status = map[string]contract.Status{"acme-vip": {Reconcile: &contract.ReconcileStatus{ID: "m-1", Phase: contract.PhaseBlocked,
		SnapshotMembers: 12000, SnapshotReceived: 10000, Error: "reading the list failed: 404"}}}
	h.expect(exitFailed, "reconcile", "aud-1", "acme-vip", writeFile(t, "m", "1\n"), "-id", "m-1", "-wait", "300ms")
	errOut := h.stderr.String()
	if n := strings.Count(errOut, "is blocked: reading the list failed: 404"); n != 1 {
		t.Errorf("the obstacle is reported %d times, want once:\n%s", n, errOut)
	}
	for _, w := range []string{"keeps sending the snapshot meanwhile",
		"stopped waiting after 300ms (-wait) while sending the snapshot: reconcile m-1 has 10000 of its 12000 members and cannot finish without the rest; run the reconcile again"} {
		if !strings.Contains(errOut, w) {
			t.Errorf("stderr lacks %q:\n%s", w, errOut)
		}
	}
}

func TestReconcileProgressDisplay(t *testing.T) {
	var b strings.Builder
	now := time.Unix(0, 0)
	clock := func() time.Time { return now }
	job := &reconcileJob{members: make([]int64, 1200)}
	r := &contract.ReconcileStatus{ID: "r", Phase: contract.PhaseReading, SnapshotMembers: 1200, SnapshotReceived: 1200,
		LiveRead: 500, LiveTotal: 1000, Adds: 50, Removes: 250, Applied: 100}

	p := newReconcileProgress(&b, false, clock, job)
	p.update(r, "") // too soon: nothing
	now = now.Add(5 * time.Second)
	p.update(nil, "")
	now = now.Add(5 * time.Second)
	p.update(r, "")
	p.finish()
	want := "reconcile: starting (placed after the changes sent before it), 1200 snapshot members, 5s\n" +
		"reconcile: reading 33%: snapshot 1200/1200 sent, list 500/1000 read, 50 adds, 250 removes, 100 applied, 10s\n"
	if got := b.String(); got != want {
		t.Errorf("plain progress\n%q\nwant\n%q", got, want)
	}

	b.Reset()
	p = newReconcileProgress(&b, true, clock, &reconcileJob{plan: true})
	now = now.Add(time.Second)
	plan := *r
	plan.Plan = true
	p.update(&plan, "")
	p.notice("held")
	p.finish()
	want = "\r\033[Kplan [##########..........]  50% reading | sent 1200/1200 | read 500/1000 | +50 -250 | 1s " +
		"\r\033[Kplan: held\n"
	if got := b.String(); got != want {
		t.Errorf("terminal progress\n%q\nwant\n%q", got, want)
	}

	if f := reconcileFraction(&contract.ReconcileStatus{Phase: contract.PhaseWaiting}); f != 0 {
		t.Errorf("fraction of nothing %v", f)
	}
	if f := reconcileFraction(&contract.ReconcileStatus{Phase: contract.PhaseDone, Adds: 3, Applied: 2}); f != 1 {
		t.Errorf("fraction when done %v", f)
	}
	// A backfill: the list was empty (read at once); the snapshot is
	// taken as fast as its differences are applied.
	if f := reconcileFraction(&contract.ReconcileStatus{Phase: contract.PhaseReading, LiveComplete: true,
		SnapshotMembers: 1000, SnapshotReceived: 400, Adds: 400, Applied: 300}); f != 0.4 {
		t.Errorf("fraction of a backfill %v", f)
	}
}

func TestStatusShowsReconciles(t *testing.T) {
	h := newHarness(t)
	started := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	finished := started.Add(time.Minute)
	h.fake.status = map[string]contract.Status{
		"acme-vip": {State: contract.StateActive, ConnectorID: "acme-vip", ListID: "1",
			Reconcile: &contract.ReconcileStatus{ID: "r-2", Phase: contract.PhaseReading, StartedAt: started,
				SnapshotMembers: 100, SnapshotReceived: 100, LiveRead: 50, LiveTotal: 100, Adds: 1, Removes: 2, Applied: 1}},
		"globex-news": {State: contract.StateActive, ConnectorID: "globex-news", ListID: "2",
			LastReconcile: &contract.ReconcileStatus{ID: "r-1", Phase: contract.PhaseAborted, FinishedAt: &finished,
				Adds: 4, Removes: 5, Applied: 3, TakenOver: 1, Error: "the connector was stopped before the reconcile finished"}},
	}
	h.expect(exitOK, "status", "aud-1")
	out := h.stdout.String()
	for _, w := range []string{
		"acme-vip: reconcile r-2 reading 33%: snapshot 100/100 sent, list 50/100 read, 1 adds, 2 removes, 1 applied, since 2026-03-01T12:00:00Z\n",
		"globex-news: last reconcile r-1 aborted at 2026-03-01T12:01:00Z: 4 adds, 5 removes, 3 applied, 0 missing, 1 taken over by later changes; error: the connector was stopped before the reconcile finished\n",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("status lacks %q:\n%s", w, out)
		}
	}
	h.expect(exitOK, "status", "aud-1", "acme-vip")
	if out := h.stdout.String(); !regexp.MustCompile(`(?m)^reconcile +r-2 reading 33%`).MatchString(out) {
		t.Errorf("detail:\n%s", out)
	}
	h.expect(exitOK, "status", "aud-1", "globex-news")
	if out := h.stdout.String(); !regexp.MustCompile(`(?m)^last reconcile +r-1 aborted at 2026-03-01T12:01:00Z`).MatchString(out) {
		t.Errorf("detail:\n%s", out)
	}
}

func TestReconcileHelp(t *testing.T) {
	h := newHarness(t)
	h.expect(exitUsage)
	if !strings.Contains(h.stderr.String(), "reconcile AUDIENCE CONNECTOR FILE|-") {
		t.Errorf("usage lacks reconcile:\n%s", h.stderr.String())
	}
	h.expect(exitOK, "help", "reconcile")
	for _, w := range []string{"-plan", "-allow-empty", "-id", "-wait", "hubsync activate AUDIENCE\nCONNECTOR -snapshot FILE"} {
		if !strings.Contains(h.stderr.String(), w) {
			t.Errorf("reconcile help lacks %q:\n%s", w, h.stderr.String())
		}
	}
	h.expect(exitOK, "activate", "-help")
	if !strings.Contains(h.stderr.String(), "-snapshot FILE") {
		t.Errorf("activate help:\n%s", h.stderr.String())
	}
}

// A sync whose status cannot be read (no worker, say) is said so on the
// progress line, and -wait ends the wait.
func TestReconcileSaysWhenStatusIsUnavailable(t *testing.T) {
	h := newHarness(t)
	h.fake.reconcileBlocks = true
	h.expect(exitFailed, "reconcile", "aud-1", "acme-vip", writeFile(t, "m", "1\n"), "-id", "w-1", "-wait", "200ms")
	errOut := h.stderr.String()
	for _, w := range []string{"reconcile: starting: status not available: connector \"acme-vip\" is not active",
		"stopped waiting after 200ms (-wait) before reconcile w-1 showed on the sync"} {
		if !strings.Contains(errOut, w) {
			t.Errorf("stderr lacks %q:\n%s", w, errOut)
		}
	}
	if out := h.stdout.String(); !strings.HasPrefix(out, "reconcile of connector acme-vip on audience aud-1: unknown after ") {
		t.Errorf("stdout:\n%s", out)
	}
}
