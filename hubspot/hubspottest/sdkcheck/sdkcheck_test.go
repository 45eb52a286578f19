// Package sdkcheck runs HubSpot's official Node SDK against the emulator.
// Install its dependencies with `npm ci --prefix hubspot/hubspottest/sdkcheck`.
package sdkcheck

import (
	"bytes"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/audiencesync/hubspot-list-sync/hubspot/hubspottest"
	"github.com/audiencesync/hubspot-list-sync/internal/speccheck"
)

func TestOfficialNodeSDKAgainstEmulator(t *testing.T) {
	if _, err := os.Stat(filepath.Join("node_modules", "@hubspot", "api-client")); err != nil {
		msg := "node_modules missing: run `npm ci --prefix hubspot/hubspottest/sdkcheck`"
		if os.Getenv("CI") != "" {
			t.Fatal(msg) // in CI a missing SDK means the check silently stopped running
		}
		t.Skip(msg)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node not found: %v", err)
	}
	e := hubspottest.New()
	// The SDK's requests and the emulator's answers are both checked against HubSpot's spec.
	srv := httptest.NewServer(speccheck.Middleware(t, e.Handler()))
	defer func() { e.Close(); srv.Close() }()
	const portal = 42
	e.AddContactRange(portal, 1, 10)
	token := e.NewPrivateAppToken(portal, hubspottest.ScopesListsReadWrite...)
	e.RegisterOAuthApp("sdk-client", "sdk-secret")
	_, refresh := e.IssueTokens(portal, "sdk-client", hubspottest.ScopesListsReadWrite...)

	cmd := exec.Command(node, "check.js")
	cmd.Env = append(os.Environ(),
		"HUBSPOT_EMULATOR_URL="+srv.URL,
		"HUBSPOT_TOKEN="+token,
		"HUBSPOT_CLIENT_ID=sdk-client",
		"HUBSPOT_CLIENT_SECRET=sdk-secret",
		"HUBSPOT_REFRESH_TOKEN="+refresh,
	)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("node check.js: %v\n%s", err, out.String())
	}
	t.Logf("sdk: %s", out.String())

	// The outcome a user cares about: the list holds exactly what the SDK put there.
	var listID string
	for _, r := range e.Requests() {
		if r.ListID != "" && r.Status == 200 && r.Method == "PUT" {
			listID = r.ListID
		}
	}
	if got := e.Members(portal, listID); len(got) != 2 || got[0] != 2 || got[1] != 3 {
		t.Fatalf("members of %s = %v, want [2 3]", listID, got)
	}
}
