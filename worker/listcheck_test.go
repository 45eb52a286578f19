package worker

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/audiencesync/hubspot-list-sync/accounts"
	"github.com/audiencesync/hubspot-list-sync/config"
	"github.com/audiencesync/hubspot-list-sync/hubspot"
	"github.com/audiencesync/hubspot-list-sync/hubspot/hubspottest"
)

// fixture is an emulator with one portal, a few lists of each kind and
// tokens with and without the list scopes.
type fixture struct {
	srv                              *hubspottest.Server
	manual, snapshot, dynamic, other string
	foreign                          string // a list of another portal
	env                              map[string]string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	srv := hubspottest.NewServer(hubspottest.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	t.Cleanup(srv.Close)
	srv.AddContactRange(1, 1, 50)
	srv.AddPortal(2)
	fx := &fixture{srv: srv,
		manual:   srv.CreateList(1, "Manual", hubspot.ProcessingManual),
		snapshot: srv.CreateList(1, "Snapshot", hubspot.ProcessingSnapshot),
		dynamic:  srv.CreateList(1, "Dynamic", hubspot.ProcessingDynamic),
		foreign:  srv.CreateList(2, "Elsewhere", hubspot.ProcessingManual),
	}
	good := srv.NewPrivateAppToken(1, hubspottest.ScopesListsReadWrite...)
	fx.other = createCompanyList(t, srv.URL, good)
	fx.env = map[string]string{
		"GOOD":     good,
		"NOSCOPES": srv.NewPrivateAppToken(1, "crm.objects.contacts.read"),
		"REVOKED":  "pat-na1-00000000-0000-0000-0000-00000000dead",
	}
	return fx
}

// createCompanyList makes a list of companies (0-2) through the API, the
// only way the emulator offers to create a non-contact list.
func createCompanyList(t *testing.T, base, token string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"name": "Companies", "objectTypeId": "0-2", "processingType": "MANUAL"})
	req, _ := http.NewRequest(http.MethodPost, base+"/crm/lists/2026-03", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		List struct {
			ListID string `json:"listId"`
		} `json:"list"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.List.ListID == "" {
		t.Fatalf("creating a company list: HTTP %d, %v", resp.StatusCode, err)
	}
	return out.List.ListID
}

type conn struct{ id, account, list string }

// load builds a config whose accounts all point at the emulator, one per
// token variable, plus the given connectors.
func (fx *fixture) load(t *testing.T, conns ...conn) *config.File {
	t.Helper()
	var b strings.Builder
	b.WriteString("accounts:\n")
	for _, acct := range []string{"GOOD", "NOSCOPES", "REVOKED"} {
		b.WriteString("  - {id: " + strings.ToLower(acct) + ", baseUrl: " + fx.srv.URL + ", timeout: 5s, auth: {type: private-app, tokenEnv: " + acct + "}}\n")
	}
	b.WriteString("connectors:\n")
	for _, c := range conns {
		b.WriteString("  - {id: " + c.id + ", account: " + c.account + ", listId: \"" + c.list + "\"}\n")
	}
	f, err := config.Parse([]byte(b.String()), t.TempDir(), func(k string) string { return fx.env[k] })
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func check(t *testing.T, f *config.File) (string, error) {
	t.Helper()
	clients, err := accounts.Build(context.Background(), f, accounts.Shared{})
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	err = CheckLists(context.Background(), f, clients, slog.New(slog.NewTextHandler(&logs, nil)))
	return logs.String(), err
}

func TestCheckListsAcceptsWritableLists(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	f := fx.load(t, conn{"m", "good", fx.manual}, conn{"s", "good", fx.snapshot})
	logs, err := check(t, f)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs, "connector=m") || !strings.Contains(logs, "connector=s") {
		t.Errorf("logs do not report each checked connector:\n%s", logs)
	}
	if strings.Contains(logs, fx.env["GOOD"]) {
		t.Error("a token was logged")
	}
}

func TestCheckListsRefusesDefiniteProblems(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	f := fx.load(t,
		conn{"ok", "good", fx.manual},
		conn{"dyn", "good", fx.dynamic},
		conn{"companies", "good", fx.other},
		conn{"missing", "good", fx.foreign}, // another portal's list: 404
		conn{"scopes", "noscopes", fx.manual},
		conn{"revoked", "revoked", fx.manual},
	)
	_, err := check(t, f)
	if err == nil {
		t.Fatal("CheckLists accepted broken connectors")
	}
	msg := err.Error()
	for _, want := range []string{
		"refusing to start",
		`connector "dyn" (account "good", list ` + fx.dynamic + `)`, "DYNAMIC", "create a manual list",
		`connector "companies"`, "not contacts",
		`connector "missing"`, "HTTP 404",
		`connector "scopes"`, "HTTP 403", "crm.lists.read",
		`connector "revoked"`, "HTTP 401",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not mention %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, `connector "ok"`) {
		t.Errorf("the healthy connector is blamed:\n%s", msg)
	}
}

func TestCheckListsServesThroughRetryableErrors(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	// Every GET of the list answers 503, then the connection drops: both
	// are worth retrying, so the worker serves and warns.
	fx.srv.InjectFault(
		hubspottest.Fault{Method: http.MethodGet, PathContains: "/" + fx.manual, Kind: hubspottest.FaultStatus, Status: http.StatusServiceUnavailable},
		hubspottest.Fault{Method: http.MethodGet, PathContains: "/" + fx.snapshot, Kind: hubspottest.FaultDrop},
	)
	f := fx.load(t, conn{"flaky", "good", fx.manual}, conn{"dropped", "good", fx.snapshot})
	logs, err := check(t, f)
	if err != nil {
		t.Fatalf("a retryable failure refused start: %v", err)
	}
	for _, want := range []string{"level=WARN", "connector=flaky", "connector=dropped"} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
}
