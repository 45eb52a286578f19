package hubspot_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/audiencesync/hubspot-list-sync/hubspot"
	"github.com/audiencesync/hubspot-list-sync/hubspot/hubspottest"
	"github.com/audiencesync/hubspot-list-sync/internal/speccheck"
)

// oauthConfig is app-1's configuration against the emulator. The test then
// fails if the client called any v1 OAuth endpoint, which HubSpot retires
// on 2027-02-16.
func oauthConfig(t *testing.T, e *env) *oauth2.Config {
	t.Cleanup(func() { assertNoV1OAuth(t, e) })
	return &oauth2.Config{ClientID: "app-1", ClientSecret: "secret-1", Scopes: hubspot.Scopes,
		Endpoint: hubspot.OAuthEndpoint(e.url, e.url), RedirectURL: "http://127.0.0.1:9/callback"}
}

func assertNoV1OAuth(t *testing.T, e *env) {
	t.Helper()
	for _, r := range e.emu.Requests() {
		if strings.HasPrefix(r.Path, "/oauth/") && !strings.HasPrefix(r.Path, "/oauth/2026-03/") && r.Path != "/oauth/authorize" {
			t.Errorf("the client called %s %s; it must use HubSpot's 2026-03 OAuth API only", r.Method, r.Path)
		}
	}
}

// specCtx makes x/oauth2's and the introspection's requests go through
// the spec check on the client's side too.
func specCtx(t *testing.T) context.Context {
	return context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Transport: speccheck.Transport(t, nil)})
}

func requestsTo(e *env, path string) int {
	n := 0
	for _, r := range e.emu.Requests() {
		if r.Path == path {
			n++
		}
	}
	return n
}

func tokenCalls(e *env) int {
	n := 0
	for _, r := range e.emu.Requests() {
		if strings.HasSuffix(r.Path, "/token") {
			n++
		}
	}
	return n
}

func TestAuthorizationCodeFlowAndStoredTokens(t *testing.T) {
	e := newEnv(t)
	e.emu.RegisterOAuthApp("app-1", "secret-1")
	conf := oauthConfig(t, e)

	// The emulator consents at once and redirects with code and state.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(conf.AuthCodeURL("state-123"))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode)
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, "state-123", loc.Query().Get("state"))

	tok, err := conf.Exchange(specCtx(t), loc.Query().Get("code"))
	require.NoError(t, err)
	require.NotEmpty(t, tok.RefreshToken)
	assert.WithinDuration(t, time.Now().Add(30*time.Minute), tok.Expiry, time.Minute, "expires_in is honoured")
	assert.Equal(t, 1, requestsTo(e, "/oauth/2026-03/token"))
	hub, ok := hubspot.TokenHubID(tok)
	assert.True(t, ok, "the 2026-03 token answer carries hub_id")
	assert.Equal(t, portal, hub)

	store := hubspot.FileTokenStore{Path: filepath.Join(t.TempDir(), "tokens", "acct.json")}
	require.NoError(t, store.Save(context.Background(), tok))
	info, err := os.Stat(store.Path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "tokens are secrets")

	// The store keeps no hub_id: HubID asks HubSpot's introspection instead.
	loaded, err := store.Load(context.Background())
	require.NoError(t, err)
	_, ok = hubspot.TokenHubID(loaded)
	assert.False(t, ok)
	hub, err = hubspot.HubID(specCtx(t), conf, loaded)
	require.NoError(t, err)
	assert.Equal(t, portal, hub)
	assert.Equal(t, 1, requestsTo(e, "/oauth/2026-03/token/introspect"))

	ts, err := hubspot.NewOAuthTokenSource(context.Background(), conf, store)
	require.NoError(t, err)
	c := e.client(t, func(c *hubspot.Config) { c.HTTPClient = hubspot.NewOAuthHTTPClient(ts, nil) })
	_, err = c.UpdateMemberships(context.Background(), e.listID, []int64{1}, nil)
	require.NoError(t, err)
	assert.Equal(t, []int64{1}, e.emu.Members(portal, e.listID))
}

func TestTokenRefreshesFromExpiryAndPersistsRotatedRefreshToken(t *testing.T) {
	e := newEnv(t, hubspottest.WithRefreshTokenRotation(true), hubspottest.WithTokenLifetime(time.Hour))
	e.emu.RegisterOAuthApp("app-1", "secret-1")
	access, refresh := e.emu.IssueTokens(portal, "app-1", hubspot.Scopes...)
	store := hubspot.FileTokenStore{Path: filepath.Join(t.TempDir(), "acct.json")}
	// The stored access token has expired by its expiry: the source must
	// refresh before sending, not wait for a 401.
	require.NoError(t, store.Save(context.Background(), &oauth2.Token{AccessToken: access, RefreshToken: refresh, TokenType: "bearer", Expiry: time.Now().Add(-time.Minute)}))

	conf := oauthConfig(t, e)
	ts, err := hubspot.NewOAuthTokenSource(context.Background(), conf, store)
	require.NoError(t, err)
	c := e.client(t, func(c *hubspot.Config) { c.HTTPClient = hubspot.NewOAuthHTTPClient(ts, nil) })
	for i := 0; i < 3; i++ {
		_, err = c.GetList(context.Background(), e.listID)
		require.NoError(t, err)
	}
	assert.Equal(t, 1, tokenCalls(e), "one refresh, then the fresh token is reused")

	saved, err := store.Load(context.Background())
	require.NoError(t, err)
	assert.NotEqual(t, refresh, saved.RefreshToken, "the rotated refresh token was persisted")
	assert.NotEqual(t, access, saved.AccessToken)

	// A restart (new source from the store) works with the rotated token,
	// and the old refresh token is dead.
	saved.Expiry = time.Now().Add(-time.Minute)
	require.NoError(t, store.Save(context.Background(), saved))
	ts2, err := hubspot.NewOAuthTokenSource(context.Background(), conf, store)
	require.NoError(t, err)
	c2 := e.client(t, func(c *hubspot.Config) { c.HTTPClient = hubspot.NewOAuthHTTPClient(ts2, nil) })
	_, err = c2.GetList(context.Background(), e.listID)
	require.NoError(t, err)

	stale := hubspot.FileTokenStore{Path: filepath.Join(t.TempDir(), "stale.json")}
	require.NoError(t, stale.Save(context.Background(), &oauth2.Token{AccessToken: access, RefreshToken: refresh, Expiry: time.Now().Add(-time.Minute)}))
	ts3, err := hubspot.NewOAuthTokenSource(context.Background(), conf, stale)
	require.NoError(t, err)
	c3 := e.client(t, func(c *hubspot.Config) { c.HTTPClient = hubspot.NewOAuthHTTPClient(ts3, nil) })
	_, err = c3.GetList(context.Background(), e.listID)
	apiErr := assertAPIError(t, err, 401, "OAUTH_REFRESH_FAILED")
	assert.Contains(t, apiErr.Message, "connect")
}

func TestShortLivedTokensRefreshWhileRunning(t *testing.T) {
	// x/oauth2 refreshes 10 s before expiry, so an 11 s token is stale 1 s
	// after it was issued.
	e := newEnv(t, hubspottest.WithTokenLifetime(11*time.Second))
	e.emu.RegisterOAuthApp("app-1", "secret-1")
	access, refresh := e.emu.IssueTokens(portal, "app-1", hubspot.Scopes...)
	store := hubspot.FileTokenStore{Path: filepath.Join(t.TempDir(), "acct.json")}
	require.NoError(t, store.Save(context.Background(), &oauth2.Token{AccessToken: access, RefreshToken: refresh, Expiry: time.Now().Add(11 * time.Second)}))
	ts, err := hubspot.NewOAuthTokenSource(context.Background(), oauthConfig(t, e), store)
	require.NoError(t, err)
	c := e.client(t, func(c *hubspot.Config) { c.HTTPClient = hubspot.NewOAuthHTTPClient(ts, nil) })
	_, err = c.GetList(context.Background(), e.listID)
	require.NoError(t, err)
	before := tokenCalls(e)
	time.Sleep(1200 * time.Millisecond)
	_, err = c.GetList(context.Background(), e.listID)
	require.NoError(t, err)
	assert.Greater(t, tokenCalls(e), before, "the token was refreshed from its expiry")
	saved, err := store.Load(context.Background())
	require.NoError(t, err)
	assert.NotEqual(t, access, saved.AccessToken)
}

func TestTokenStoreErrors(t *testing.T) {
	_, err := hubspot.FileTokenStore{Path: filepath.Join(t.TempDir(), "none.json")}.Load(context.Background())
	assert.ErrorIs(t, err, hubspot.ErrNoToken)
	p := filepath.Join(t.TempDir(), "bad.json")
	require.NoError(t, os.WriteFile(p, []byte("{"), 0o600))
	_, err = hubspot.FileTokenStore{Path: p}.Load(context.Background())
	assert.ErrorContains(t, err, "not valid JSON")
}

func TestLimitersShareOneBudgetPerAccount(t *testing.T) {
	var l hubspot.Limiters
	a, err := l.For("portal-1", hubspot.DefaultBudget)
	require.NoError(t, err)
	b, err := l.For("portal-1", hubspot.DefaultBudget)
	require.NoError(t, err)
	assert.Same(t, a, b)
	c, err := l.For("portal-2", hubspot.DefaultBudget)
	require.NoError(t, err)
	assert.NotSame(t, a, c)
	_, err = l.For("portal-1", hubspot.Budget{Requests: 50, Per: 10 * time.Second, Burst: 5})
	assert.ErrorContains(t, err, "same budget")
	_, err = l.For("portal-3", hubspot.Budget{})
	assert.ErrorContains(t, err, "positive")
}

func TestLimiterKeepsClientsUnderHubSpotsLimit(t *testing.T) {
	// Two clients of one account share a limiter of 5 per second (burst 1)
	// against an emulator allowing 6 per 10 s: no request draws a 429 because
	// requests wait their turn.
	e := newEnv(t, hubspottest.WithRateLimit(6))
	var l hubspot.Limiters
	lim, err := l.For("acct", hubspot.Budget{Requests: 5, Per: time.Second, Burst: 1})
	require.NoError(t, err)
	c1 := e.client(t, func(c *hubspot.Config) { c.Limiter = lim })
	c2 := e.client(t, func(c *hubspot.Config) { c.Limiter = lim })
	for i := 0; i < 3; i++ {
		_, err := c1.GetList(context.Background(), e.listID)
		require.NoError(t, err)
		_, err = c2.GetList(context.Background(), e.listID)
		require.NoError(t, err)
	}
	assert.Zero(t, e.emu.Counters().ByStatus[429])
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	_, err = c1.GetList(ctx, e.listID)
	assert.ErrorContains(t, err, "request budget", "a caller that cannot wait for the budget is told why")
}

// A running client whose refresh token was revoked recovers once new
// tokens are in the store (what `hubsync connect` writes): the failed
// refresh sends it back to the store. The failure names HubSpot's status
// and correlationId in their own fields.
func TestRefreshFailureTakesNewTokensFromTheStore(t *testing.T) {
	e := newEnv(t)
	e.emu.RegisterOAuthApp("app-1", "secret-1")
	access, refresh := e.emu.IssueTokens(portal, "app-1", hubspot.Scopes...)
	store := hubspot.FileTokenStore{Path: filepath.Join(t.TempDir(), "acct.json")}
	require.NoError(t, store.Save(context.Background(), &oauth2.Token{AccessToken: access, RefreshToken: refresh, Expiry: time.Now().Add(-time.Minute)}))
	e.emu.RevokeRefreshToken(refresh)
	ts, err := hubspot.NewOAuthTokenSource(context.Background(), oauthConfig(t, e), store)
	require.NoError(t, err)
	c := e.client(t, func(c *hubspot.Config) { c.HTTPClient = hubspot.NewOAuthHTTPClient(ts, nil) })

	_, err = c.GetList(context.Background(), e.listID)
	apiErr := assertAPIError(t, err, 401, "OAUTH_REFRESH_FAILED")
	assert.Equal(t, "BAD_REFRESH_TOKEN", apiErr.SubCategory)
	assert.NotEmpty(t, apiErr.CorrelationID, "HubSpot's correlationId has its own field")
	assert.Contains(t, apiErr.Message, "hubsync connect")
	for _, secret := range []string{refresh, access, "secret-1"} {
		assert.NotContains(t, err.Error(), secret, "a secret in the error")
	}
	assert.Equal(t, 1, requestsTo(e, "/oauth/2026-03/token"), "the refresh went to the 2026-03 token endpoint")

	access2, refresh2 := e.emu.IssueTokens(portal, "app-1", hubspot.Scopes...)
	require.NoError(t, store.Save(context.Background(), &oauth2.Token{AccessToken: access2, RefreshToken: refresh2, Expiry: time.Now().Add(time.Hour)}))
	_, err = c.GetList(context.Background(), e.listID)
	require.NoError(t, err, "the same client uses the store's new tokens")
}

// A 401 from HubSpot drops the cached access token, so the next request
// refreshes instead of failing until the token's own expiry.
func TestUnauthorizedAnswerForcesARefresh(t *testing.T) {
	e := newEnv(t)
	e.emu.RegisterOAuthApp("app-1", "secret-1")
	access, refresh := e.emu.IssueTokens(portal, "app-1", hubspot.Scopes...)
	store := hubspot.FileTokenStore{Path: filepath.Join(t.TempDir(), "acct.json")}
	require.NoError(t, store.Save(context.Background(), &oauth2.Token{AccessToken: access, RefreshToken: refresh, Expiry: time.Now().Add(time.Hour)}))
	ts, err := hubspot.NewOAuthTokenSource(context.Background(), oauthConfig(t, e), store)
	require.NoError(t, err)
	c := e.client(t, func(c *hubspot.Config) {
		c.HTTPClient = hubspot.NewOAuthHTTPClient(ts, nil)
		c.OnUnauthorized = ts.Invalidate
	})
	_, err = c.GetList(context.Background(), e.listID)
	require.NoError(t, err)

	e.emu.ExpireAccessTokens() // HubSpot no longer takes it, though its expiry says an hour
	_, err = c.GetList(context.Background(), e.listID)
	assertAPIError(t, err, 401, "")
	before := tokenCalls(e)
	_, err = c.GetList(context.Background(), e.listID)
	require.NoError(t, err, "the next request refreshed first")
	assert.Equal(t, before+1, tokenCalls(e))
}

// Introspection answers hub_id, scopes and lifetime of the app's live
// tokens, and HubSpot's refusals come back as *OAuthError with HubSpot's
// status, the RFC 6749 code, the correlationId and advice, never with a
// secret in them.
func TestIntrospectToken(t *testing.T) {
	clock := hubspottest.NewFakeClock(time.Now())
	e := newEnv(t, hubspottest.WithClock(clock.Now))
	e.emu.RegisterOAuthApp("app-1", "secret-1")
	access, refresh := e.emu.IssueTokens(portal, "app-1", hubspot.Scopes...)
	conf := oauthConfig(t, e)
	ctx := specCtx(t)

	info, err := hubspot.IntrospectToken(ctx, conf, access)
	require.NoError(t, err)
	assert.Equal(t, "access_token", info.TokenUse)
	assert.Equal(t, portal, info.HubID)
	assert.Equal(t, "app-1", info.ClientID)
	assert.ElementsMatch(t, hubspot.Scopes, info.Scopes)
	assert.Equal(t, 30*time.Minute, info.ExpiresIn)
	info, err = hubspot.IntrospectToken(ctx, conf, refresh)
	require.NoError(t, err)
	assert.Equal(t, "refresh_token", info.TokenUse)
	assert.Equal(t, portal, info.HubID)

	refusal := func(conf *oauth2.Config, token, status, code, advice string) {
		t.Helper()
		_, err := hubspot.IntrospectToken(ctx, conf, token)
		var oe *hubspot.OAuthError
		require.ErrorAs(t, err, &oe)
		assert.Equal(t, http.StatusBadRequest, oe.StatusCode)
		assert.Equal(t, status, oe.Status)
		assert.Equal(t, code, oe.Code)
		assert.Len(t, oe.CorrelationID, 36)
		assert.Contains(t, err.Error(), advice)
		for _, secret := range []string{access, refresh, conf.ClientSecret} {
			assert.NotContains(t, err.Error(), secret, "a secret in the error")
		}
	}
	wrong := *conf
	wrong.ClientSecret = "not-the-secret"
	refusal(&wrong, access, "BAD_CLIENT_SECRET", "invalid_client", "auth.clientSecretEnv")
	refusal(conf, "C-unknown", "BAD_TOKEN", "invalid_grant", "hubsync connect")
	e.emu.RevokeRefreshToken(refresh)
	refusal(conf, refresh, "BAD_REFRESH_TOKEN", "invalid_grant", "hubsync connect")
	clock.Advance(31 * time.Minute)
	refusal(conf, access, "EXPIRED_ACCESS_TOKEN", "invalid_grant", "hubsync connect")

	// An endpoint that is not HubSpot's 2026-03 one is refused before any call.
	v1 := *conf
	v1.Endpoint.TokenURL = e.url + "/oauth/v1/token"
	before := len(e.emu.Requests())
	_, err = hubspot.IntrospectToken(ctx, &v1, access)
	assert.ErrorContains(t, err, "hubspot.OAuthEndpoint")
	assert.Len(t, e.emu.Requests(), before)
}

func TestEndpointIsTheDatedOAuthAPI(t *testing.T) {
	assert.Equal(t, "https://api.hubapi.com/oauth/2026-03/token", hubspot.Endpoint.TokenURL)
	assert.Equal(t, "https://app.hubspot.com/oauth/authorize", hubspot.Endpoint.AuthURL)
	assert.Equal(t, oauth2.AuthStyleInParams, hubspot.Endpoint.AuthStyle, "HubSpot reads the client secret from the form body")
}
