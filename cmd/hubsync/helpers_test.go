package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/audiencesync/hubspot-list-sync/config"
	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/starter"
)

// call is one orchestrator call the fake received.
type call struct {
	method, audience, connector, arg string
	ids                              []string
}

func (c call) String() string {
	s := c.method + " " + c.audience
	if c.connector != "" {
		s += " " + c.connector
	}
	if c.arg != "" {
		s += " " + c.arg
	}
	if c.ids != nil {
		s += " [" + strings.Join(c.ids, " ") + "]"
	}
	return s
}

// fakeOrchestrator records calls. active lists the audiences that have a
// workflow, with their connectors; fail makes the nth membership call (1-based)
// deliver only failAfter IDs and return failErr.
type fakeOrchestrator struct {
	mu        sync.Mutex
	calls     []call
	active    map[string][]string
	status    map[string]contract.Status // by connector
	fail      int
	failAfter int
	failErr   error
	opErr     map[string]error // by connector, for operator commands
	members   int
	// Reconcile returns reconciled (with the call's ID) and reconcileErr,
	// or, when reconcileBlocks, waits for its context to end.
	reconciled      contract.ReconcileStatus
	reconcileErr    error
	reconcileBlocks bool
}

func newFake() *fakeOrchestrator {
	return &fakeOrchestrator{active: map[string][]string{"aud-1": {"acme-vip", "globex-news"}}, opErr: map[string]error{}}
}

func (f *fakeOrchestrator) record(c call) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, c)
}

func (f *fakeOrchestrator) callStrings() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]string, len(f.calls))
	for i, c := range f.calls {
		out[i] = c.String()
	}
	return out
}

func (f *fakeOrchestrator) notActive(aud string) error {
	if _, ok := f.active[aud]; !ok {
		return &starter.NotActiveError{AudienceID: aud}
	}
	return nil
}

func (f *fakeOrchestrator) Activate(_ context.Context, aud string, cs ...string) error {
	f.record(call{method: "activate", audience: aud, arg: strings.Join(cs, ",")})
	return nil
}

func (f *fakeOrchestrator) membership(op, aud string, ids []string) (starter.Accepted, error) {
	f.record(call{method: op, audience: aud, ids: slices.Clone(ids)})
	if err := f.notActive(aud); err != nil {
		return starter.Accepted{}, err
	}
	f.mu.Lock()
	f.members++
	n := f.members
	f.mu.Unlock()
	if n == f.fail {
		return starter.Accepted{IDs: f.failAfter, Signals: 1}, f.failErr
	}
	return starter.Accepted{IDs: len(ids), Signals: 1, ChangeIDs: []string{fmt.Sprint("c", n)}}, nil
}

func (f *fakeOrchestrator) Enter(_ context.Context, aud string, ids []string) (starter.Accepted, error) {
	return f.membership("enter", aud, ids)
}

func (f *fakeOrchestrator) Leave(_ context.Context, aud string, ids []string) (starter.Accepted, error) {
	return f.membership("leave", aud, ids)
}

func (f *fakeOrchestrator) Connectors(_ context.Context, aud string) (contract.AudienceStatus, error) {
	if err := f.notActive(aud); err != nil {
		return contract.AudienceStatus{}, err
	}
	st := contract.AudienceStatus{AudienceID: aud, Forwarded: 12}
	for _, c := range f.active[aud] {
		st.Connectors = append(st.Connectors, contract.SyncInput{AudienceID: aud, ConnectorID: c, ListID: "L-" + c})
	}
	return st, nil
}

func (f *fakeOrchestrator) Status(ctx context.Context, aud string) (starter.AudienceReport, error) {
	st, err := f.Connectors(ctx, aud)
	if err != nil {
		return starter.AudienceReport{}, err
	}
	rep := starter.AudienceReport{Audience: st}
	for _, c := range st.Connectors {
		r := starter.ConnectorReport{ConnectorID: c.ConnectorID, ListID: c.ListID}
		if s, ok := f.status[c.ConnectorID]; ok {
			r.Status = &s
		} else {
			r.Error = "connector is not active"
		}
		rep.Connectors = append(rep.Connectors, r)
	}
	return rep, nil
}

func (f *fakeOrchestrator) ConnectorStatus(_ context.Context, aud, c string) (contract.Status, error) {
	s, ok := f.status[c]
	if !ok {
		return s, &starter.NotActiveError{AudienceID: aud, ConnectorID: c}
	}
	return s, nil
}

func (f *fakeOrchestrator) op(method, aud, c, arg string) error {
	f.record(call{method: method, audience: aud, connector: c, arg: arg})
	return f.opErr[c]
}

func (f *fakeOrchestrator) Pause(_ context.Context, aud, c string) error {
	return f.op("pause", aud, c, "")
}
func (f *fakeOrchestrator) Resume(_ context.Context, aud, c string) error {
	return f.op("resume", aud, c, "")
}
func (f *fakeOrchestrator) Retarget(_ context.Context, aud, c, l string) error {
	return f.op("retarget", aud, c, l)
}
func (f *fakeOrchestrator) Discard(_ context.Context, aud, c, r string) error {
	return f.op("discard", aud, c, r)
}
func (f *fakeOrchestrator) Stop(_ context.Context, aud, c string) error {
	return f.op("stop", aud, c, "")
}

// Reconcile records "reconcile", "plan" or "activate+reconcile" with the
// reconcile's ID and the snapshot as given.
func (f *fakeOrchestrator) Reconcile(ctx context.Context, aud, c string, members starter.Snapshot, opts starter.ReconcileOptions) (contract.ReconcileStatus, error) {
	method := "reconcile"
	switch {
	case opts.Plan:
		method = "plan"
	case opts.Activate:
		method = "activate+reconcile"
	}
	ids := []string{}
	for id, err := range members {
		if err != nil {
			return contract.ReconcileStatus{}, err
		}
		ids = append(ids, fmt.Sprint(id))
	}
	f.record(call{method: method, audience: aud, connector: c, arg: opts.ID, ids: ids})
	if f.reconcileBlocks {
		<-ctx.Done()
		return contract.ReconcileStatus{}, fmt.Errorf("fake: stopped waiting for reconcile %s: %w", opts.ID, ctx.Err())
	}
	r := f.reconciled
	if r.Phase == "" && f.reconcileErr == nil {
		r.Phase = contract.PhaseDone
	}
	if r.Phase != "" {
		r.ID = opts.ID
	}
	return r, f.reconcileErr
}

// testConfig is a connectors file with a private-app account (acme) and an
// OAuth account (globex) at baseURL; redirect is globex's redirectUrl.
func testConfig(t *testing.T, baseURL, redirect string) string {
	t.Helper()
	dir := t.TempDir()
	yaml := fmt.Sprintf(`
accounts:
  - id: acme
    baseUrl: %[1]s
    auth: {type: private-app, tokenEnv: ACME_TOKEN}
  - id: globex
    baseUrl: %[1]s
    auth:
      type: oauth
      clientId: app-1
      clientSecretEnv: GLOBEX_SECRET
      tokenStore: tokens/globex.json
      authBaseUrl: %[1]s
      redirectUrl: %[2]s
connectors:
  - {id: acme-vip, account: acme, listId: "1"}
  - {id: globex-news, account: globex, listId: "2"}
`, baseURL, redirect)
	p := filepath.Join(dir, "connectors.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// harness runs the CLI in-process against a fake orchestrator.
type harness struct {
	t      *testing.T
	fake   *fakeOrchestrator
	env    map[string]string
	stdin  string
	in     io.Reader // read instead of stdin when set
	stdout bytes.Buffer
	stderr bytes.Buffer
	dials  int
}

func newHarness(t *testing.T) *harness {
	h := &harness{t: t, fake: newFake(), env: map[string]string{}}
	h.env["HUBSYNC_CONFIG"] = testConfig(t, "http://127.0.0.1:1", "http://127.0.0.1:1/callback")
	return h
}

func (h *harness) run(args ...string) int {
	h.t.Helper()
	h.stdout.Reset()
	h.stderr.Reset()
	in := h.in
	if in == nil {
		in = strings.NewReader(h.stdin)
	}
	a := newApp(in, &h.stdout, &h.stderr)
	a.getenv = func(k string) string { return h.env[k] }
	a.dial = func(context.Context, *config.File, *slog.Logger) (orchestrator, func(), error) {
		h.dials++
		return h.fake, func() {}, nil
	}
	a.isTerminal = func(io.Writer) bool { return false }
	// Each reading advances the clock a second; atomic, as a reconcile's
	// status poll reads it from its own goroutine.
	var clock atomic.Int64
	a.now = func() time.Time { return time.Unix(clock.Add(1), 0) }
	a.reconcilePoll = 5 * time.Millisecond
	return a.run(args)
}

// expect runs the CLI and checks the exit code.
func (h *harness) expect(code int, args ...string) {
	h.t.Helper()
	if got := h.run(args...); got != code {
		h.t.Fatalf("hubsync %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), got, code, h.stdout.String(), h.stderr.String())
	}
}
