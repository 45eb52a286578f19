package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/audiencesync/hubspot-list-sync/config"
	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/hubspot/hubspottest"
	"github.com/audiencesync/hubspot-list-sync/internal/testenv"
	"github.com/audiencesync/hubspot-list-sync/starter"
)

// syncStatus is `hubsync status AUD CONN --json`, decoded.
func (e *e2e) syncStatus(aud, conn string) contract.Status {
	e.t.Helper()
	out, _ := e.expect(exitOK, "status", aud, conn, "--json")
	var st contract.Status
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		e.t.Fatalf("status --json: %v\n%s", err, out)
	}
	return st
}

// settled waits until the sync has applied batches batches and has nothing
// pending or in flight.
func (e *e2e) settled(aud, conn string, batches int64) contract.Status {
	e.t.Helper()
	var st contract.Status
	testenv.Eventually(e.t, 20*time.Second, func() (bool, string) {
		st = e.syncStatus(aud, conn)
		return st.BatchesSent == batches && st.PendingAdds+st.PendingRemoves == 0 && st.InFlight == nil,
			fmt.Sprintf("want %d batches applied and nothing pending: %+v", batches, st)
	})
	return st
}

// `hubsync list` on a healthy sync and a blocked one (a 404 from HubSpot):
// -state blocked shows exactly the blocked one, from the search attributes
// the workflows keep current.
func TestE2EListFindsTheBlockedSync(t *testing.T) {
	e := startE2E(t)
	e.expect(exitOK, "activate", "aud-ok", e2eConn)
	e.expect(exitOK, "enter", "aud-ok", "1", "2")
	e.settled("aud-ok", e2eConn, 1)

	e.expect(exitOK, "activate", "aud-bad", e2eConn2)
	e.emu.InjectFault(hubspottest.Fault{Kind: hubspottest.FaultStatus, Status: 404, PathContains: "add-and-remove"})
	e.expect(exitOK, "enter", "aud-bad", "3")
	testenv.Eventually(t, 20*time.Second, func() (bool, string) {
		st := e.syncStatus("aud-bad", e2eConn2)
		return st.State == contract.StateBlocked, fmt.Sprintf("aud-bad/news state %q", st.State)
	})
	corr := failedCorrelationID(t, e.emu, 404)

	var blocked []starter.SyncSummary
	testenv.Eventually(t, 20*time.Second, func() (bool, string) {
		out, _ := e.expect(exitOK, "list", "-state", "blocked", "-json")
		blocked = nil
		if err := json.Unmarshal([]byte(out), &blocked); err != nil {
			t.Fatalf("list -json: %v\n%s", err, out)
		}
		all, _ := e.expect(exitOK, "list")
		return len(blocked) == 1 && blocked[0].AudienceID == "aud-bad",
			fmt.Sprintf("list -state blocked = %s\n(if HubSyncState is '-' below, the workflows do not set the search attributes)\nhubsync list:\n%s", out, all)
	})
	b := blocked[0]
	if b.ConnectorID != e2eConn2 || b.ListID != e.list2 || b.State != contract.StateBlocked || b.Execution != "Running" ||
		b.WorkflowID != contract.SyncWorkflowID("aud-bad", e2eConn2) || b.Status == nil || b.Status.LastError == nil ||
		b.Status.LastError.Status != 404 || b.Status.LastError.CorrelationID != corr {
		t.Errorf("the blocked sync: %+v (status %+v)", b, b.Status)
	}

	// The table: both syncs (the audience workflows are not syncs), each
	// with its state, pending changes and last error.
	out, _ := e.expect(exitOK, "list")
	contains(t, "list", out, "AUDIENCE", "PENDING +/-", "LAST ERROR", "2 sync(s) (running)",
		"aud-bad", "blocked", "HTTP 404 OBJECT_NOT_FOUND (correlationId "+corr+")", "aud-ok", "active")
	out, _ = e.expect(exitOK, "list", "-state", "blocked")
	contains(t, "list -state blocked", out, "aud-bad", "1 sync(s) (running, state blocked)")
	if strings.Contains(out, "aud-ok") {
		t.Errorf("list -state blocked shows the healthy sync:\n%s", out)
	}
	out, _ = e.expect(exitOK, "list", "-audience", "aud-ok", "-json")
	var ok []starter.SyncSummary
	if err := json.Unmarshal([]byte(out), &ok); err != nil || len(ok) != 1 || ok[0].State != contract.StateActive ||
		ok[0].Status == nil || ok[0].Status.TotalAdded != 2 {
		t.Errorf("list -audience aud-ok -json: %v\n%s", err, out)
	}
	// The blocked sync's log shows HubSpot's answer to the failed batch.
	out, _ = e.expect(exitOK, "log", "aud-bad", e2eConn2, "-contact", "3")
	contains(t, "log of the blocked sync", out, "contact failed; batch failed: HTTP 404 OBJECT_NOT_FOUND, correlationId "+corr)
	out, _ = e.expect(exitOK, "list", "-state", "paused")
	contains(t, "list -state paused", out, "no sync workflow matches (running, state paused)")
	_, stderr := e.expect(exitUsage, "list", "-state", "Blocked")
	contains(t, "list -state Blocked", stderr, "active, paused, blocked, stopping, stopped")
	if testing.Verbose() {
		t.Logf("transcript:\n%s", e.transcript.String())
	}
}

// `hubsync log -contact` for a contact that entered and left, one missing
// from the portal and one already a member, across continue-as-new (a sync
// bounded to 2 batches and 3 signals a run).
func TestE2ELogShowsWhatHappenedToAContact(t *testing.T) {
	e := startE2E(t)
	cfg, err := config.Load(e.config)
	if err != nil {
		t.Fatal(err)
	}
	small := starter.CatalogFunc(func(connectorID, audienceID string) (contract.SyncInput, error) {
		in, err := cfg.ConnectorInput(connectorID, audienceID)
		in.MaxSignalsPerRun, in.MaxBatchesPerRun = 3, 2
		return in, err
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := starter.New(e.tp.Client, cfg.Temporal.TaskQueue, small).Activate(ctx, "aud-log", e2eConn); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	e.expect(exitOK, "enter", "aud-log", "5", "6")
	e.settled("aud-log", e2eConn, 1)
	e.expect(exitOK, "leave", "aud-log", "5")
	e.settled("aud-log", e2eConn, 2)
	e.expect(exitOK, "enter", "aud-log", "500") // the portal has contacts 1..100
	e.settled("aud-log", e2eConn, 3)
	// Already a member; HubSpot's first answer is a 503, retried.
	e.emu.InjectFault(hubspottest.Fault{Kind: hubspottest.FaultStatus, Status: 503, PathContains: "add-and-remove"})
	e.expect(exitOK, "enter", "aud-log", "6")
	st := e.settled("aud-log", e2eConn, 4)
	if st.Generation < 1 || st.TotalMissing != 1 {
		t.Fatalf("want a sync that continued as new and reported 500 missing: %+v", st)
	}
	e.members(e.list1, 6)

	logOf := func(args ...string) starter.SyncLog {
		t.Helper()
		out, _ := e.expect(exitOK, append([]string{"log", "aud-log", e2eConn, "-json"}, args...)...)
		var l starter.SyncLog
		if err := json.Unmarshal([]byte(out), &l); err != nil {
			t.Fatalf("log -json: %v\n%s", err, out)
		}
		return l
	}
	results := func(l starter.SyncLog) (ops, res []string) {
		for _, c := range l.Changes {
			ops = append(ops, string(c.Op))
		}
		for _, b := range l.Batches {
			res = append(res, b.Contact.Op+" "+b.Contact.Result)
		}
		return ops, res
	}

	all := logOf()
	if len(all.Runs) < 2 || len(all.Batches) != 4 {
		t.Fatalf("log: want 4 batches over at least 2 runs, got %d batches in %d runs: %+v", len(all.Batches), len(all.Runs), all)
	}
	for i, b := range all.Batches {
		if b.Outcome != starter.OutcomeApplied || b.ListID != e.list1 || b.Time.Before(start) || (i > 0 && b.Time.Before(all.Batches[i-1].Time)) {
			t.Errorf("batch %d: %+v", i, b)
		}
	}
	if a := all.Batches; a[0].Added != 2 || a[1].Removed != 1 || a[2].Missing != 1 || a[3].Adds != 1 || a[3].Added != 0 {
		t.Errorf("batch counts: %+v", a)
	}
	if b := all.Batches[3]; b.Attempts != 2 || !strings.Contains(b.LastRetryError, "HTTP 503") {
		t.Errorf("the retried batch: attempts %d, last retry error %q", b.Attempts, b.LastRetryError)
	}
	if all.Batches[0].RunID == all.Batches[3].RunID {
		t.Errorf("the first and last batches are in the same run %s: no continue-as-new in between", all.Batches[0].RunID)
	}

	for _, tc := range []struct {
		contact      string
		ops, results []string
	}{
		{"5", []string{"enter", "leave"}, []string{"add added", "remove removed"}},
		{"500", []string{"enter"}, []string{"add missing"}},
		{"6", []string{"enter", "enter"}, []string{"add added", "add no change"}},
		{"7", nil, nil},
	} {
		ops, res := results(logOf("-contact", tc.contact))
		if !slices.Equal(ops, tc.ops) || !slices.Equal(res, tc.results) {
			t.Errorf("log -contact %s: changes %q, batches %q; want %q, %q", tc.contact, ops, res, tc.ops, tc.results)
		}
	}

	out, _ := e.expect(exitOK, "log", "aud-log", e2eConn, "-contact", "5")
	contains(t, "log -contact 5", out, "contact 5 in sync hubspot-sync/aud-log/vip: 2 change(s), 2 batch(es)",
		"change: enter", "change: leave", "(add this contact)", "contact added; batch applied: added 2",
		"(remove this contact)", "contact removed; batch applied: added 0, removed 1")
	out, _ = e.expect(exitOK, "log", "aud-log", e2eConn, "-contact", "500")
	contains(t, "log -contact 500", out, "contact missing; batch applied: added 0, removed 0, missing 1")
	out, _ = e.expect(exitOK, "log", "aud-log", e2eConn)
	contains(t, "log", out, "sync hubspot-sync/aud-log/vip: 4 batch(es)", "continued as new in run", "batch #", "to list "+e.list1,
		"(after 2 attempts; last retry: HTTP 503")

	if l := logOf("-since", "1h"); len(l.Batches) != 4 {
		t.Errorf("log -since 1h: %d batches, want 4", len(l.Batches))
	}
	later := time.Now().Add(time.Minute).UTC().Format(time.RFC3339)
	out, _ = e.expect(exitOK, "log", "aud-log", e2eConn, "-since", later)
	contains(t, "log -since later", out, "0 batch(es)", "nothing happened in that time")
	_, stderr := e.expect(exitNotFound, "log", "aud-log", "nope")
	contains(t, "log of an unknown sync", stderr, "hubspot-sync/aud-log/nope", "retention")
	e.expect(exitUsage, "log", "aud-log", e2eConn, "-contact", "abc")
	if testing.Verbose() {
		t.Logf("transcript:\n%s", e.transcript.String())
	}
}
