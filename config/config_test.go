package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/hubspot"
)

// envMap returns a getenv backed by m, so tests never touch the process
// environment (they run in parallel).
func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const minimal = `
accounts:
  - id: acme
    auth: {type: private-app, tokenEnv: HUBSPOT_ACME_TOKEN}
connectors:
  - id: acme-vip
    account: acme
    listId: "123"
`

func TestLoadFillsDefaults(t *testing.T) {
	t.Parallel()
	f, err := LoadWithEnv(writeFile(t, "c.yaml", minimal), envMap(nil))
	if err != nil {
		t.Fatal(err)
	}
	if f.Temporal.Address != DefaultTemporalAddress || f.Temporal.Namespace != DefaultNamespace || f.Temporal.TaskQueue != DefaultTaskQueue {
		t.Errorf("temporal defaults: %+v", f.Temporal)
	}
	a := f.Accounts[0]
	if a.BaseURL != hubspot.DefaultBaseURL || a.APIVersion != hubspot.DefaultAPIVersion || a.Timeout != DefaultTimeout {
		t.Errorf("account defaults: %+v", a)
	}
	if a.HubSpotBudget() != hubspot.DefaultBudget {
		t.Errorf("budget = %+v, want %+v", a.HubSpotBudget(), hubspot.DefaultBudget)
	}
	if a.Location() != time.UTC {
		t.Errorf("location = %v, want UTC", a.Location())
	}
	c := f.Connectors[0]
	if c.FlushInterval != contract.DefaultFlushInterval || c.MaxBatchSize != contract.DefaultMaxBatchSize {
		t.Errorf("connector defaults: %+v", c)
	}
	if !filepath.IsAbs(f.Path) {
		t.Errorf("Path %q is not absolute", f.Path)
	}
}

func TestExampleFileLoads(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"connectors.yaml", "connectors.demo.yaml"} {
		f, err := LoadWithEnv(filepath.Join("..", "examples", name), envMap(nil))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(f.Connectors) == 0 {
			t.Fatalf("%s: no connectors", name)
		}
	}
	f, err := LoadWithEnv(filepath.Join("..", "examples", "connectors.yaml"), envMap(nil))
	if err != nil {
		t.Fatal(err)
	}
	_, g, err := f.Connector("globex-newsletter")
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(filepath.Dir(f.Path), ".tokens", "globex.json")
	if g.Auth.TokenStore != want {
		t.Errorf("tokenStore = %q, want %q (relative to the file)", g.Auth.TokenStore, want)
	}
}

func TestJSONIsAccepted(t *testing.T) {
	t.Parallel()
	const js = `{"accounts":[{"id":"acme","budget":{"requests":50},"auth":{"type":"private-app","tokenEnv":"T"}}],
	"connectors":[{"id":"c1","account":"acme","listId":"7","flushInterval":"2s","maxBatchSize":100}]}`
	f, err := LoadWithEnv(writeFile(t, "c.json", js), envMap(nil))
	if err != nil {
		t.Fatal(err)
	}
	b := f.Accounts[0].HubSpotBudget()
	if b.Requests != 50 || b.Per != 10*time.Second || b.Burst != hubspot.DefaultBudget.Burst {
		t.Errorf("partial budget = %+v, want 50 per 10s, the default burst", b)
	}
	in := f.Connectors[0].SyncInput("aud-1")
	want := contract.SyncInput{AudienceID: "aud-1", ConnectorID: "c1", ListID: "7", Account: "acme", FlushInterval: 2 * time.Second, MaxBatchSize: 100,
		MaxBacklog: contract.DefaultMaxBacklog}
	if in != (want) {
		t.Errorf("SyncInput = %+v, want %+v", in, want)
	}
}

func TestTemporalEnvOverrides(t *testing.T) {
	t.Parallel()
	content := "temporal: {address: a:1, namespace: n, taskQueue: q, tls: {ca: ca.pem}}\n" + minimal
	env := map[string]string{
		EnvTemporalAddress: "temporal:7233", EnvTemporalNamespace: "prod", EnvTemporalTaskQueue: "tq",
		EnvTemporalTLSCert: "/c.pem", EnvTemporalTLSKey: "/k.pem", EnvTemporalServerName: "srv", EnvTemporalAPIKey: "k",
	}
	p := writeFile(t, "c.yaml", content)
	f, err := LoadWithEnv(p, envMap(env))
	if err != nil {
		t.Fatal(err)
	}
	tm := f.Temporal
	if tm.Address != "temporal:7233" || tm.Namespace != "prod" || tm.TaskQueue != "tq" {
		t.Errorf("overrides not applied: %+v", tm)
	}
	// The file's CA stays (resolved against the file's dir); env wins elsewhere.
	if tm.TLS.CA != filepath.Join(filepath.Dir(p), "ca.pem") || tm.TLS.Cert != "/c.pem" || tm.TLS.Key != "/k.pem" || tm.TLS.ServerName != "srv" {
		t.Errorf("tls = %+v", tm.TLS)
	}
	if !tm.HasAPIKey() || !tm.TLSEnabled() {
		t.Errorf("API key not picked up from %s", EnvTemporalAPIKey)
	}
}

func TestConnectorLookup(t *testing.T) {
	t.Parallel()
	f, err := LoadWithEnv(writeFile(t, "c.yaml", minimal), envMap(nil))
	if err != nil {
		t.Fatal(err)
	}
	c, a, err := f.Connector("acme-vip")
	if err != nil || c.ListID != "123" || a.ID != "acme" {
		t.Fatalf("Connector = %+v, %+v, %v", c, a, err)
	}
	if _, _, err := f.Connector("nope"); err == nil || !strings.Contains(err.Error(), `connector "nope"`) || !strings.Contains(err.Error(), "acme-vip") {
		t.Errorf("unknown connector error = %v", err)
	}
}

// IDs that merely start with "pat-" are not mistaken for tokens.
func TestPatLikeIDIsNotASecret(t *testing.T) {
	t.Parallel()
	content := strings.ReplaceAll(minimal, "acme", "pat-marketing")
	if _, err := LoadWithEnv(writeFile(t, "c.yaml", content), envMap(nil)); err != nil {
		t.Fatal(err)
	}
}

func TestLoadMissingFile(t *testing.T) {
	t.Parallel()
	_, err := LoadWithEnv(filepath.Join(t.TempDir(), "absent.yaml"), envMap(nil))
	if err == nil || !strings.Contains(err.Error(), "HUBSYNC_CONFIG") {
		t.Fatalf("err = %v, want a hint about HUBSYNC_CONFIG", err)
	}
}

// A File parsed from content has no path: the lookup error says where to
// add the connector without an empty file name.
func TestConnectorLookupWithoutPath(t *testing.T) {
	t.Parallel()
	f, err := Parse([]byte(minimal), t.TempDir(), envMap(nil))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = f.Connector("nope")
	if err == nil || !strings.Contains(err.Error(), `connector "nope" is not in the connectors file: add it under connectors`) || strings.Contains(err.Error(), "in :") {
		t.Errorf("unknown connector error = %v", err)
	}
}

// A value written in the file is checked as written, 0 included: only a
// field left out (or null) gets its default. Every error is reported, each
// naming its account or connector and field.
func TestExplicitZerosAreReportedAsWritten(t *testing.T) {
	t.Parallel()
	const file = `
accounts:
  - id: acme
    timeout: 0s
    budget: {requests: -5, per: 0s, burst: 0}
    auth: {type: private-app, tokenEnv: T}
connectors:
  - {id: c1, account: acme, listId: "1", maxBatchSize: 0}
  - {id: c2, account: acme, listId: "2", flushInterval: 0s, maxBacklog: 0, maxInFlight: 0, maxSignalsPerRun: 0, maxBatchesPerRun: 0}
`
	_, err := Parse([]byte(file), t.TempDir(), envMap(nil))
	if err == nil {
		t.Fatal("parsed without error")
	}
	for _, w := range []string{
		`account "acme": timeout 0s must be between 1ms and 12s`,
		`account "acme": budget.requests -5 must be positive (omit it for 97)`,
		`account "acme": budget.per 0s must be positive (omit it for 10s)`,
		`account "acme": budget.burst 0 must be positive (omit it for 1)`,
		`connector "c1": maxBatchSize 0 must be positive (omit it for 500)`,
		`connector "c2": flushInterval 0s must be positive (omit it for 10s)`,
		`connector "c2": maxBacklog 0 must be positive (omit it for 50000)`,
		`connector "c2": maxInFlight 0 must be positive (omit it for 5)`,
		`connector "c2": maxSignalsPerRun 0 must be positive (omit it for 5000)`,
		`connector "c2": maxBatchesPerRun 0 must be positive (omit it for 1000)`,
	} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q:\n%v", w, err)
		}
	}
	if n := strings.Count(err.Error(), "\n") + 1; n != 10 {
		t.Errorf("%d errors, want 10:\n%v", n, err)
	}
	if strings.Contains(err.Error(), "per: 10s") {
		t.Errorf("error claims a value the file does not write:\n%v", err)
	}
}

// Null is left out; a 0 brought by a merge key is written; a value a
// mapping writes wins over the merged one.
func TestNullGetsTheDefaultAndMergedZerosAreWritten(t *testing.T) {
	t.Parallel()
	const acct = "accounts:\n  - id: acme\n    auth: {type: private-app, tokenEnv: T}\n"
	f, err := Parse([]byte(acct+"    timeout: ~\n    budget: {per: null}\n"+
		"connectors:\n  - {id: c, account: acme, listId: \"1\", maxBatchSize: null, maxInFlight: ~, flushInterval: }\n"), t.TempDir(), envMap(nil))
	if err != nil {
		t.Fatal(err)
	}
	if a, c := f.Accounts[0], f.Connectors[0]; a.Timeout != DefaultTimeout || a.HubSpotBudget() != hubspot.DefaultBudget ||
		c.MaxBatchSize != contract.DefaultMaxBatchSize || c.MaxInFlight != 0 || c.FlushInterval != contract.DefaultFlushInterval {
		t.Errorf("nulls did not get the defaults: %+v %+v", a, c)
	}

	_, err = Parse([]byte(acct+"connectors:\n"+
		"  - &base {id: a, account: acme, listId: \"1\", maxBatchSize: 0}\n"+
		"  - {<<: *base, id: b}\n"+
		"  - {<<: *base, id: c, maxBatchSize: 100}\n"), t.TempDir(), envMap(nil))
	if err == nil || !strings.Contains(err.Error(), `connector "a": maxBatchSize 0`) || !strings.Contains(err.Error(), `connector "b": maxBatchSize 0`) ||
		strings.Contains(err.Error(), `connector "c"`) {
		t.Errorf("err = %v, want maxBatchSize 0 reported for a and b only", err)
	}
}

// A value that is not a duration is reported with its line and its
// field, every one of them.
func TestBadDurationsNameTheirField(t *testing.T) {
	t.Parallel()
	const file = `accounts:
  - id: acme
    timeout: [1s]
    budget:
      per: ten
    auth: {type: private-app, tokenEnv: T}
connectors:
  - id: c
    account: acme
    listId: "1"
    flushInterval: 10
  - {id: d, account: acme, listId: "2", flushInterval: "10"}
`
	_, err := Parse([]byte(file), t.TempDir(), envMap(nil))
	if err == nil {
		t.Fatal("parsed without error")
	}
	for _, w := range []string{
		`line 3: accounts[0].timeout: a list is not a duration (use a unit, e.g. 10s)`,
		`line 5: accounts[0].budget.per: "ten" is not a duration (use a unit, e.g. 10s)`,
		`line 11: connectors[0].flushInterval: "10" is not a duration (use a unit, e.g. 10s)`,
		`line 12: connectors[1].flushInterval: "10" is not a duration (use a unit, e.g. 10s)`,
	} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q:\n%v", w, err)
		}
	}
}
