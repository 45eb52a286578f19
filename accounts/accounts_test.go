package accounts

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/audiencesync/hubspot-list-sync/config"
	"github.com/audiencesync/hubspot-list-sync/hubspot"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const twoAccounts = `
accounts:
  - id: acme
    baseUrl: BASE
    auth: {type: private-app, tokenEnv: HUBSPOT_ACME_TOKEN}
  - id: globex
    baseUrl: BASE
    budget: {requests: 10, per: 1s, burst: 1}
    auth:
      type: oauth
      clientId: app-1
      clientSecretEnv: GLOBEX_SECRET
      tokenStore: tokens/globex.json
      authBaseUrl: BASE
connectors:
  - {id: a1, account: acme, listId: "1"}
  - {id: a2, account: acme, listId: "2"}
  - {id: g1, account: globex, listId: "3"}
`

func loadTwo(t *testing.T, env map[string]string) *config.File {
	t.Helper()
	f, err := config.LoadWithEnv(writeFile(t, "c.yaml", strings.ReplaceAll(twoAccounts, "BASE", "http://127.0.0.1:1")), func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestHTTPClientMissingSecrets(t *testing.T) {
	t.Parallel()
	f := loadTwo(t, nil)
	_, acme, _ := f.Connector("a1")
	if _, err := HTTPClient(context.Background(), acme); err == nil || !strings.Contains(err.Error(), "HUBSPOT_ACME_TOKEN") {
		t.Errorf("private-app without env: %v, want an error naming HUBSPOT_ACME_TOKEN", err)
	}
	_, globex, _ := f.Connector("g1")
	if _, err := OAuthConfig(globex); err == nil || !strings.Contains(err.Error(), "GLOBEX_SECRET") {
		t.Errorf("oauth without secret: %v, want an error naming GLOBEX_SECRET", err)
	}
	if _, err := OAuthConfig(acme); err == nil {
		t.Error("OAuthConfig of a private-app account succeeded")
	}
}

func TestOAuthConfig(t *testing.T) {
	t.Parallel()
	f := loadTwo(t, map[string]string{"GLOBEX_SECRET": "s3cret"})
	_, a, _ := f.Connector("g1")
	conf, err := OAuthConfig(a)
	if err != nil {
		t.Fatal(err)
	}
	if conf.ClientID != "app-1" || conf.ClientSecret != "s3cret" || conf.RedirectURL != config.DefaultRedirectURL {
		t.Errorf("conf = %+v", conf)
	}
	if conf.Endpoint.TokenURL != "http://127.0.0.1:1/oauth/2026-03/token" || conf.Endpoint.AuthURL != "http://127.0.0.1:1/oauth/authorize" {
		t.Errorf("endpoint = %+v", conf.Endpoint)
	}
	if strings.Join(conf.Scopes, " ") != strings.Join(hubspot.Scopes, " ") {
		t.Errorf("scopes = %v", conf.Scopes)
	}
	// No token stored yet: the error says to run hubsync connect.
	if _, err := HTTPClient(context.Background(), a); err == nil || !strings.Contains(err.Error(), "hubsync connect") {
		t.Errorf("HTTPClient without a stored token: %v", err)
	}
}

func TestBuildSharesPerAccount(t *testing.T) {
	t.Parallel()
	f := loadTwo(t, map[string]string{"HUBSPOT_ACME_TOKEN": "pat-test", "GLOBEX_SECRET": "s"})
	_, g, _ := f.Connector("g1")
	tok := hubspot.FileTokenStore{Path: g.Auth.TokenStore}
	if err := tok.Save(context.Background(), oauthToken()); err != nil {
		t.Fatal(err)
	}
	var lims hubspot.Limiters
	clients, err := Build(context.Background(), f, Shared{Limiters: &lims})
	if err != nil {
		t.Fatal(err)
	}
	if len(clients) != 3 {
		t.Fatalf("got %d clients, want 3", len(clients))
	}
	if clients["a1"] != clients["a2"] {
		t.Error("connectors of one account got different clients (and so different credentials/limiters)")
	}
	if clients["a1"] == clients["g1"] {
		t.Error("connectors of different accounts share a client")
	}
	// The account's limiter was registered with its own budget: asking
	// again with another budget fails, with the same one succeeds.
	if _, err := lims.For("globex", hubspot.Budget{Requests: 10, Per: time.Second, Burst: 1}); err != nil {
		t.Errorf("globex limiter: %v", err)
	}
	if _, err := lims.For("acme", hubspot.Budget{Requests: 1, Per: time.Second, Burst: 1}); err == nil {
		t.Error("acme limiter was not registered with the account's budget")
	}
}

func TestBuildFailsWithoutSecret(t *testing.T) {
	t.Parallel()
	f := loadTwo(t, map[string]string{"GLOBEX_SECRET": "s"})
	_, err := Build(context.Background(), f, Shared{})
	if err == nil || !strings.Contains(err.Error(), `connector "a1"`) || !strings.Contains(err.Error(), "HUBSPOT_ACME_TOKEN") {
		t.Fatalf("Build = %v, want an error naming the connector and the variable", err)
	}
}

func oauthToken() *oauth2.Token {
	return &oauth2.Token{AccessToken: "at", RefreshToken: "rt", TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)}
}
