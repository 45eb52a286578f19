package main

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/audiencesync/hubspot-list-sync/hubspot/hubspottest"
)

func TestFlagsOverrideEnvironment(t *testing.T) {
	t.Setenv("HUBSPOT_EMULATOR_RATE_LIMIT", "7")
	t.Setenv("HUBSPOT_EMULATOR_ADDR", "127.0.0.1:9999")
	o, err := parseFlags([]string{"-addr", "127.0.0.1:1234"})
	if err != nil {
		t.Fatal(err)
	}
	if o.rateLimit != 7 || o.addr != "127.0.0.1:1234" {
		t.Fatalf("options = %+v", o)
	}
	t.Setenv("HUBSPOT_EMULATOR_TOKEN_LIFETIME", "soon")
	if _, err := parseFlags(nil); err == nil || !strings.Contains(err.Error(), "HUBSPOT_EMULATOR_TOKEN_LIFETIME") {
		t.Fatalf("bad env: %v", err)
	}
}

func TestSeedFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	os.WriteFile(good, []byte(`{"portals":[{"portalId":5,"contacts":{"from":1,"to":3},
		"lists":[{"name":"L","members":[2]}],"privateAppTokens":[{"token":"pat-na1-x","scopes":["crm.lists.read"]}]}],
		"oauthApps":[{"clientId":"c","clientSecret":"s"}]}`), 0o600)
	e := hubspottest.New()
	if err := applySeedFile(e, good, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	if got := e.Members(5, "1001"); !slices.Equal(got, []int64{2}) {
		t.Fatalf("members = %v", got)
	}
	for name, body := range map[string]string{
		"typo":      `{"portal":[]}`,
		"duplicate": `{"portals":[{"portalId":5,"lists":[{"name":"L"},{"name":"L"}]}]}`,
		"no token":  `{"portals":[{"portalId":5,"privateAppTokens":[{"scopes":[]}]}]}`,
	} {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".json")
		os.WriteFile(p, []byte(body), 0o600)
		if err := applySeedFile(hubspottest.New(), p, slog.New(slog.DiscardHandler)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestBinaryServesDemoAndShutsDown builds and runs the real binary.
func TestBinaryServesDemoAndShutsDown(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "hubspot-emulator")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-demo", "-demo-contacts", "50", "-addr", "127.0.0.1:0")
	var stdout bytes.Buffer
	logs := &urlWatcher{found: make(chan string, 1)}
	cmd.Stdout, cmd.Stderr = &stdout, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var base string
	select {
	case base = <-logs.found:
	case <-time.After(20 * time.Second):
		t.Fatal("no listen URL logged")
	}
	req, _ := http.NewRequest(http.MethodPost, base+"/crm/lists/2026-03/search", strings.NewReader(`{"query":"Demo"}`))
	req.Header.Set("Authorization", "Bearer "+demoToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"Demo audience"`) {
		t.Fatalf("search: %d %s", resp.StatusCode, body)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no graceful shutdown")
	}
	if out := stdout.String(); !strings.Contains(out, demoToken) || !strings.Contains(out, demoClientSecret) {
		t.Fatalf("demo credentials not printed: %q", out)
	}
}

// urlWatcher is the child's stderr: it reports the logged listen URL once.
type urlWatcher struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	found chan string
	sent  bool
}

var urlRe = regexp.MustCompile(`url=(http://127\.0\.0\.1:\d+)`)

func (w *urlWatcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if m := urlRe.FindStringSubmatch(w.buf.String()); m != nil && !w.sent {
		w.sent = true
		w.found <- m[1]
	}
	return len(p), nil
}
