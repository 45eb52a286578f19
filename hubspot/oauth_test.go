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
)

func oauthConfig(e *env) *oauth2.Config {
	return &oauth2.Config{ClientID: "app-1", ClientSecret: "secret-1", Scopes: hubspot.Scopes,
		Endpoint: hubspot.OAuthEndpoint(e.url, e.url), RedirectURL: "http://127.0.0.1:9/callback"}
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
	conf := oauthConfig(e)

	// The emulator consents at once and redirects with code and state.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(conf.AuthCodeURL("state-123"))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode)
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, "state-123", loc.Query().Get("state"))

	tok, err := conf.Exchange(context.Background(), loc.Query().Get("code"))
	require.NoError(t, err)
	require.NotEmpty(t, tok.RefreshToken)
	assert.WithinDuration(t, time.Now().Add(30*time.Minute), tok.Expiry, time.Minute, "expires_in is honoured")

	store := hubspot.FileTokenStore{Path: filepath.Join(t.TempDir(), "tokens", "acct.json")}
	require.NoError(t, store.Save(context.Background(), tok))
	info, err := os.Stat(store.Path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "tokens are secrets")

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

	conf := oauthConfig(e)
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
	ts, err := hubspot.NewOAuthTokenSource(context.Background(), oauthConfig(e), store)
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
	ts, err := hubspot.NewOAuthTokenSource(context.Background(), oauthConfig(e), store)
	require.NoError(t, err)
	c := e.client(t, func(c *hubspot.Config) { c.HTTPClient = hubspot.NewOAuthHTTPClient(ts, nil) })

	_, err = c.GetList(context.Background(), e.listID)
	apiErr := assertAPIError(t, err, 401, "OAUTH_REFRESH_FAILED")
	assert.Equal(t, "BAD_REFRESH_TOKEN", apiErr.SubCategory)
	assert.NotEmpty(t, apiErr.CorrelationID, "HubSpot's correlationId has its own field")
	assert.Contains(t, apiErr.Message, "hubsync connect")

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
	ts, err := hubspot.NewOAuthTokenSource(context.Background(), oauthConfig(e), store)
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
