package worker

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/audiencesync/hubspot-list-sync/config"
	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/hubspot"
	"github.com/audiencesync/hubspot-list-sync/internal/testenv"
)

// An OAuth account whose tokens HubSpot revoked blocks its sync with a
// clear 401 and HubSpot's correlationId; once `hubsync connect` has
// written new tokens to the store, `resume` converges with the same
// worker still running (no restart).
func TestRevokedOAuthTokensRecoverWithTheWorkerRunning(t *testing.T) {
	tp, emu := testenv.StartTemporal(t), testenv.StartEmulator(t)
	emu.AddContactRange(1, 1, 20)
	list := emu.CreateList(1, "OAuth", hubspot.ProcessingManual)
	emu.RegisterOAuthApp("app-1", "secret-1")
	store := hubspot.FileTokenStore{Path: filepath.Join(t.TempDir(), "tokens.json")}
	connect := func() string { // what `hubsync connect` leaves in the store
		access, refresh := emu.IssueTokens(1, "app-1", hubspot.Scopes...)
		if err := store.Save(context.Background(), &oauth2.Token{AccessToken: access, RefreshToken: refresh, TokenType: "bearer", Expiry: time.Now().Add(30 * time.Minute)}); err != nil {
			t.Fatal(err)
		}
		return refresh
	}
	refresh := connect()
	env := map[string]string{"CLIENT_SECRET": "secret-1", config.EnvTemporalAddress: tp.Server.FrontendHostPort(), config.EnvTemporalTaskQueue: "oauth-live"}
	file := fmt.Sprintf("accounts:\n  - {id: a, baseUrl: %s, auth: {type: oauth, clientId: app-1, clientSecretEnv: CLIENT_SECRET, tokenStore: %s, authBaseUrl: %s}}\n"+
		"connectors:\n  - {id: c1, account: a, listId: %q, flushInterval: 200ms}\n", emu.URL, store.Path, emu.URL, list)
	f, err := config.Parse([]byte(file), t.TempDir(), func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready, done := make(chan struct{}), make(chan error, 1)
	go func() { done <- Run(ctx, f, Options{Logger: quietLogger(), Ready: ready}) }()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("Run returned before serving: %v", err)
	case <-time.After(time.Minute):
		t.Fatal("worker not ready within a minute")
	}

	c, _, _ := f.Connector("c1")
	audID, syncID := contract.AudienceWorkflowID("aud-oauth"), contract.SyncWorkflowID("aud-oauth", "c1")
	qctx, qcancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer qcancel()
	testenv.Activate(t, qctx, tp.Client, "oauth-live", "aud-oauth", c.SyncInput("aud-oauth"))
	enter := func(ids ...string) {
		t.Helper()
		if err := tp.Client.SignalWorkflow(qctx, audID, "", contract.SignalAudience,
			contract.AudienceCommand{Membership: &contract.MembershipChange{Op: contract.OpEnter, RecordIDs: ids}}); err != nil {
			t.Fatal(err)
		}
	}
	members := func(want ...int64) {
		t.Helper()
		testenv.Eventually(t, 30*time.Second, func() (bool, string) {
			got := emu.Members(1, list)
			return slices.Equal(got, want), fmt.Sprintf("members %v, want %v", got, want)
		})
	}
	status := func() contract.Status {
		v, err := tp.Client.QueryWorkflow(qctx, syncID, "", contract.QueryStatus)
		if err != nil {
			t.Fatal(err)
		}
		var st contract.Status
		if err := v.Get(&st); err != nil {
			t.Fatal(err)
		}
		return st
	}
	enter("1", "2")
	members(1, 2)

	// HubSpot revokes the app's tokens (the access token's own expiry is
	// still half an hour away).
	emu.RevokeRefreshToken(refresh)
	emu.ExpireAccessTokens()
	enter("3")
	resume := func() {
		if err := tp.Client.SignalWorkflow(qctx, syncID, "", contract.SignalResume, nil); err != nil {
			t.Fatal(err)
		}
	}
	blocked := func(category string) contract.Status {
		t.Helper()
		var st contract.Status
		testenv.Eventually(t, 30*time.Second, func() (bool, string) {
			st = status()
			return st.State == contract.StateBlocked && st.LastError != nil && st.LastError.Category == category,
				fmt.Sprintf("state %s, last error %+v", st.State, st.LastError)
		})
		return st
	}
	blocked("EXPIRED_AUTHENTICATION")
	// The 401 dropped the cached access token: resume refreshes, which
	// HubSpot refuses for the revoked refresh token.
	resume()
	st := blocked("OAUTH_REFRESH_FAILED")
	if st.LastError.CorrelationID == "" || st.LastError.SubCategory != "BAD_REFRESH_TOKEN" {
		t.Errorf("refresh failure without HubSpot's details in their fields: %+v", st.LastError)
	}

	connect()
	resume()
	members(1, 2, 3)
	select {
	case err := <-done:
		t.Fatalf("the worker stopped: %v", err)
	default:
	}
}
