package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/audiencesync/hubspot-list-sync/hubspot/hubspottest"
)

// emulatorHarness is a harness whose config points at a live emulator.
func emulatorHarness(t *testing.T, redirect string) (*harness, *hubspottest.Server) {
	t.Helper()
	srv := hubspottest.NewServer(hubspottest.WithRateLimit(0))
	t.Cleanup(srv.Close)
	srv.AddPortal(1)
	h := newHarness(t)
	h.env["HUBSYNC_CONFIG"] = testConfig(t, srv.URL, redirect)
	h.env["ACME_TOKEN"] = srv.NewPrivateAppToken(1, hubspottest.ScopesListsReadWrite...)
	return h, srv
}

func TestListsAndCreateList(t *testing.T) {
	h, srv := emulatorHarness(t, "http://127.0.0.1:1/callback")
	dyn := srv.CreateList(1, "Dynamic one", "DYNAMIC")
	srv.CreateList(1, "VIP", "MANUAL")

	h.expect(exitOK, "create-list", "-account", "acme", "Audience 42")
	m := regexp.MustCompile(`created list (\d+)`).FindStringSubmatch(h.stdout.String())
	if m == nil {
		t.Fatalf("stdout %q", h.stdout.String())
	}
	if info, ok := srv.ListInfo(1, m[1]); !ok || info.ProcessingType != "MANUAL" {
		t.Errorf("created list %+v %t", info, ok)
	}
	// HubSpot refuses a duplicate name.
	h.expect(exitFailed, "create-list", "-account", "acme", "Audience 42")

	h.expect(exitOK, "lists", "-account", "acme")
	out := h.stdout.String()
	for _, want := range []string{"Audience 42", "VIP", dyn + "  ", "DYNAMIC", "no"} {
		if !strings.Contains(out, want) {
			t.Errorf("lists lacks %q:\n%s", want, out)
		}
	}
	h.expect(exitOK, "lists", "-account", "acme", "-query", "VIP", "-json")
	if !strings.Contains(h.stdout.String(), `"name": "VIP"`) || strings.Contains(h.stdout.String(), "Dynamic") {
		t.Errorf("query:\n%s", h.stdout.String())
	}

	h.expect(exitUsage, "lists") // two accounts: -account is needed
	h.expect(exitNotFound, "lists", "-account", "nope")
	delete(h.env, "ACME_TOKEN")
	h.expect(exitFailed, "lists", "-account", "acme")
	if !strings.Contains(h.stderr.String(), "ACME_TOKEN") {
		t.Errorf("stderr %q", h.stderr.String())
	}
}

func TestRetargetChecksTheList(t *testing.T) {
	h, srv := emulatorHarness(t, "http://127.0.0.1:1/callback")
	manual := srv.CreateList(1, "Manual", "MANUAL")
	dyn := srv.CreateList(1, "Dynamic", "DYNAMIC")

	h.expect(exitFailed, "retarget", "aud-1", "acme-vip", dyn)
	if !strings.Contains(h.stderr.String(), "DYNAMIC") {
		t.Errorf("stderr %q", h.stderr.String())
	}
	h.expect(exitNotFound, "retarget", "aud-1", "acme-vip", "987654")
	h.expect(exitNotFound, "retarget", "aud-1", "no-such-connector", manual)
	if len(h.fake.calls) != 0 {
		t.Errorf("retargeted despite a bad list: %q", h.fake.callStrings())
	}
	h.expect(exitOK, "retarget", "aud-1", "acme-vip", manual)
	if got := h.fake.callStrings(); len(got) != 1 || got[0] != "retarget aud-1 acme-vip "+manual {
		t.Errorf("calls %q", got)
	}
}

// syncBuffer is a goroutine-safe stdout/stderr for a command run in the
// background.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startConnect runs `hubsync connect` in the background and returns the
// authorize URL it prints.
func startConnect(t *testing.T, h *harness, args ...string) (authURL string, stdout, stderr *syncBuffer, done chan int) {
	t.Helper()
	stdout, stderr, done = &syncBuffer{}, &syncBuffer{}, make(chan int, 1)
	a := newApp(strings.NewReader(""), stdout, stderr)
	a.getenv = func(k string) string { return h.env[k] }
	go func() { done <- a.run(append([]string{"connect", "-account", "globex", "-wait", "20s"}, args...)) }()
	re := regexp.MustCompile(`(?m)^  (http\S+/oauth/authorize\S+)$`)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(stderr.String()); m != nil {
			return m[1], stdout, stderr, done
		}
		select {
		case code := <-done:
			t.Fatalf("connect exited %d before printing the URL:\n%s", code, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("no authorize URL printed:\n%s", stderr.String())
	return
}

func get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func waitExit(t *testing.T, done chan int) int {
	t.Helper()
	select {
	case code := <-done:
		return code
	case <-time.After(15 * time.Second):
		t.Fatal("connect did not finish")
		return -1
	}
}

func TestConnect(t *testing.T) {
	addr := freePort(t)
	h, srv := emulatorHarness(t, "http://"+addr+"/callback")
	srv.RegisterOAuthApp("app-1", "app-secret")
	h.env["GLOBEX_SECRET"] = "app-secret"

	authURL, stdout, stderr, done := startConnect(t, h)
	u, err := url.Parse(authURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if q.Get("client_id") != "app-1" || q.Get("redirect_uri") != "http://"+addr+"/callback" ||
		len(q.Get("state")) < 32 || !strings.Contains(q.Get("scope"), "crm.lists.write") {
		t.Errorf("authorize URL %s", authURL)
	}

	// A forged or stale callback is refused and the flow keeps waiting.
	if code, _ := get(t, "http://"+addr+"/callback?code=forged&state=wrong"); code != http.StatusBadRequest {
		t.Errorf("wrong state: HTTP %d", code)
	}
	if code, _ := get(t, "http://"+addr+"/elsewhere?state="+q.Get("state")); code != http.StatusNotFound {
		t.Errorf("other path: HTTP %d", code)
	}

	// The "browser": the emulator consents at once and redirects back.
	code, body := get(t, authURL)
	if code != http.StatusOK || !strings.Contains(body, "connected") {
		t.Fatalf("callback: HTTP %d %s", code, body)
	}
	if exit := waitExit(t, done); exit != exitOK {
		t.Fatalf("exit %d:\n%s", exit, stderr.String())
	}
	if !strings.Contains(stderr.String(), "wrong state") {
		t.Errorf("no warning about the wrong state:\n%s", stderr.String())
	}
	// The token answer's hub_id names the portal that was authorized.
	if !strings.Contains(stdout.String(), "connected account globex (HubSpot portal 1): tokens saved to") {
		t.Errorf("stdout does not name the portal:\n%s", stdout.String())
	}
	assertOAuth2026Only(t, srv, "/oauth/2026-03/token")

	store := filepath.Join(filepath.Dir(h.env["HUBSYNC_CONFIG"]), "tokens", "globex.json")
	st, err := os.Stat(store)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("token store: %v %v", st, err)
	}
	raw, _ := os.ReadFile(store)
	for _, tok := range regexp.MustCompile(`"(?:access|refresh)_token":"([^"]+)"`).FindAllStringSubmatch(string(raw), -1) {
		if strings.Contains(stdout.String()+stderr.String(), tok[1]) {
			t.Error("a token was printed")
		}
	}
	// The saved tokens work.
	h.expect(exitOK, "lists", "-account", "globex")
}

func TestConnectRefusedByUser(t *testing.T) {
	addr := freePort(t)
	h, srv := emulatorHarness(t, "http://"+addr+"/callback")
	srv.RegisterOAuthApp("app-1", "app-secret")
	h.env["GLOBEX_SECRET"] = "app-secret"
	authURL, _, stderr, done := startConnect(t, h)
	u, _ := url.Parse(authURL)
	state := u.Query().Get("state")
	code, _ := get(t, "http://"+addr+"/callback?error=access_denied&error_description=nope&state="+url.QueryEscape(state))
	if code != http.StatusBadGateway {
		t.Errorf("HTTP %d", code)
	}
	if exit := waitExit(t, done); exit != exitFailed || !strings.Contains(stderr.String(), "access_denied") {
		t.Fatalf("exit %d:\n%s", exit, stderr.String())
	}
}

func TestConnectWrongSecretAndTimeout(t *testing.T) {
	addr := freePort(t)
	h, srv := emulatorHarness(t, "http://"+addr+"/callback")
	srv.RegisterOAuthApp("app-1", "app-secret")
	h.env["GLOBEX_SECRET"] = "wrong"
	authURL, _, stderr, done := startConnect(t, h)
	if code, _ := get(t, authURL); code != http.StatusBadGateway {
		t.Errorf("HTTP %d", code)
	}
	if exit := waitExit(t, done); exit != exitFailed || !strings.Contains(stderr.String(), "exchanging the authorization code") {
		t.Fatalf("exit %d:\n%s", exit, stderr.String())
	}

	// Nobody comes back: the wait ends with advice.
	_, _, stderr, done = startConnect(t, h, "-wait", "100ms")
	if exit := waitExit(t, done); exit != exitFailed || !strings.Contains(stderr.String(), "no authorization within") {
		t.Fatalf("exit %d:\n%s", exit, stderr.String())
	}

	// A private-app account has nothing to connect.
	h.expect(exitUsage, "connect", "-account", "acme")
}

// assertOAuth2026Only fails if anything called a v1 OAuth endpoint, and
// checks that want was called.
func assertOAuth2026Only(t *testing.T, srv *hubspottest.Server, want string) {
	t.Helper()
	seen := false
	for _, r := range srv.Requests() {
		if strings.HasPrefix(r.Path, "/oauth/v1/") {
			t.Errorf("%s %s: hubsync must use HubSpot's 2026-03 OAuth API only", r.Method, r.Path)
		}
		seen = seen || r.Path == want
	}
	if !seen {
		t.Errorf("no call to %s", want)
	}
}

func TestConnectJSONNamesThePortal(t *testing.T) {
	addr := freePort(t)
	h, srv := emulatorHarness(t, "http://"+addr+"/callback")
	srv.AddPortal(7)
	srv.RegisterOAuthApp("app-1", "app-secret")
	h.env["GLOBEX_SECRET"] = "app-secret"
	authURL, stdout, stderr, done := startConnect(t, h, "-json")
	// The emulator's consent page installs the app in the portal asked for.
	if code, body := get(t, authURL+"&portalId=7"); code != http.StatusOK {
		t.Fatalf("callback: HTTP %d %s", code, body)
	}
	if exit := waitExit(t, done); exit != exitOK {
		t.Fatalf("exit %d:\n%s", exit, stderr.String())
	}
	var out struct {
		Account   string `json:"account"`
		Connected bool   `json:"connected"`
		HubID     int64  `json:"hubId"`
	}
	if err := json.Unmarshal([]byte(stdout.String()), &out); err != nil || out.Account != "globex" || !out.Connected || out.HubID != 7 {
		t.Fatalf("connect -json: %s (%v)", stdout.String(), err)
	}
	if strings.Contains(stderr.String(), "app-secret") {
		t.Errorf("the client secret was printed:\n%s", stderr.String())
	}
	assertOAuth2026Only(t, srv, "/oauth/2026-03/token")
}

// A reload of the success tab must not exchange the (single-use) code again.
func TestCallbackHandlesOneOutcome(t *testing.T) {
	a := newApp(strings.NewReader(""), io.Discard, io.Discard)
	cb := &callback{a: a, ctx: context.Background(), state: "s", path: "/cb", result: make(chan error, 1)}
	rec := httptest.NewRecorder()
	cb.ServeHTTP(rec, httptest.NewRequest("GET", "/cb?state=s", nil)) // no code: the outcome is an error
	if rec.Code != http.StatusBadGateway || (<-cb.result) == nil {
		t.Fatalf("first callback: HTTP %d", rec.Code)
	}
	rec = httptest.NewRecorder()
	cb.ServeHTTP(rec, httptest.NewRequest("GET", "/cb?state=s&code=c", nil))
	if rec.Code != http.StatusConflict || len(cb.result) != 0 {
		t.Fatalf("second callback: HTTP %d", rec.Code)
	}
}
