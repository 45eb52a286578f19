// Package accounts turns the HubSpot accounts of a connectors file into
// working HubSpot clients: credentials (a private-app token, or an OAuth
// token source that refreshes and saves its tokens), the account's rate
// limiter, and the client. The worker and the CLI use it; config only
// reads and validates the file.
package accounts

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"

	"golang.org/x/oauth2"

	"github.com/audiencesync/hubspot-list-sync/config"
	"github.com/audiencesync/hubspot-list-sync/hubspot"
)

// Shared is what the HubSpot clients of one process share.
type Shared struct {
	// Limiters hands out each account's request budget; nil: a new one.
	Limiters *hubspot.Limiters
	// StateDir, when set, keeps each account's 429 pause in
	// StateDir/pauses/ACCOUNT.json, so a worker started while an account
	// is paused waits out the rest. Empty: pauses live in memory only.
	StateDir string
	// Logger receives what a client cannot return (see hubspot.Config).
	Logger *slog.Logger
}

// PausePath is where an account's 429 pause is kept under stateDir.
func PausePath(stateDir, accountID string) string {
	return filepath.Join(stateDir, "pauses", accountID+".json")
}

// Build returns a HubSpot client for every connector, keyed by connector ID.
// Connectors of one account share one client, hence one credential (an
// OAuth refresh token must not be refreshed by two sources at once), one
// limiter and one pause, so together they stay under the account's
// budget. ctx must outlive the clients: OAuth refreshes use it.
func Build(ctx context.Context, f *config.File, sh Shared) (map[string]*hubspot.Client, error) {
	if sh.Limiters == nil {
		sh.Limiters = &hubspot.Limiters{}
	}
	byAccount := map[string]*hubspot.Client{}
	out := make(map[string]*hubspot.Client, len(f.Connectors))
	for _, c := range f.Connectors {
		client, ok := byAccount[c.Account]
		if !ok {
			a, found := f.Account(c.Account)
			if !found {
				return nil, fmt.Errorf("accounts: connector %q: account %q is not declared", c.ID, c.Account)
			}
			var err error
			if client, err = NewClient(ctx, a, sh); err != nil {
				return nil, fmt.Errorf("connector %q: %w", c.ID, err)
			}
			byAccount[c.Account] = client
		}
		out[c.ID] = client
	}
	return out, nil
}

// NewClient builds the HubSpot client of one account, drawing on the
// account's limiter in sh.Limiters.
func NewClient(ctx context.Context, a config.Account, sh Shared) (*hubspot.Client, error) {
	limiters := sh.Limiters
	if limiters == nil {
		limiters = &hubspot.Limiters{}
	}
	hc, invalidate, err := httpClient(ctx, a)
	if err != nil {
		return nil, err
	}
	lim, err := limiters.For(a.ID, a.HubSpotBudget())
	if err != nil {
		return nil, fmt.Errorf("accounts: account %q: %w", a.ID, err)
	}
	var pauses hubspot.PauseStore
	if sh.StateDir != "" {
		pauses = hubspot.FilePauseStore{Path: PausePath(sh.StateDir, a.ID)}
	}
	client, err := hubspot.New(hubspot.Config{
		BaseURL:        a.BaseURL,
		APIVersion:     a.APIVersion,
		HTTPClient:     hc,
		Timeout:        a.Timeout,
		Limiter:        lim,
		DailyResetZone: a.Location(),
		OnUnauthorized: invalidate,
		Pauses:         pauses,
		Logger:         sh.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("accounts: account %q: %w", a.ID, err)
	}
	return client, nil
}

// OAuthConfig is the OAuth app configuration of an oauth account, with the
// client secret read from the environment. `hubsync connect` uses it to
// authorize; the worker uses it to refresh tokens.
func OAuthConfig(a config.Account) (*oauth2.Config, error) {
	secret, err := a.ClientSecret()
	if err != nil {
		return nil, err
	}
	return &oauth2.Config{
		ClientID:     a.Auth.ClientID,
		ClientSecret: secret,
		Endpoint:     hubspot.OAuthEndpoint(a.Auth.AuthBaseURL, a.BaseURL),
		RedirectURL:  a.Auth.RedirectURL,
		Scopes:       hubspot.Scopes,
	}, nil
}

// TokenStore is an oauth account's token store.
func TokenStore(a config.Account) hubspot.FileTokenStore {
	return hubspot.FileTokenStore{Path: a.Auth.TokenStore}
}

// HTTPClient returns an HTTP client that authorizes requests to the
// account. For oauth accounts, ctx is used by token refreshes and must
// outlive the client (pass the worker's lifetime context, not a request's).
func HTTPClient(ctx context.Context, a config.Account) (*http.Client, error) {
	hc, _, err := httpClient(ctx, a)
	return hc, err
}

// httpClient also returns what to call on a 401: an OAuth account drops
// its access token (nil for private apps, whose token cannot refresh).
func httpClient(ctx context.Context, a config.Account) (*http.Client, func(), error) {
	switch a.Auth.Type {
	case config.AuthPrivateApp:
		tok, err := a.PrivateAppToken()
		if err != nil {
			return nil, nil, err
		}
		return hubspot.NewPrivateAppHTTPClient(tok, nil), nil, nil
	case config.AuthOAuth:
		conf, err := OAuthConfig(a)
		if err != nil {
			return nil, nil, err
		}
		ts, err := hubspot.NewOAuthTokenSource(ctx, conf, TokenStore(a))
		if err != nil {
			return nil, nil, fmt.Errorf("accounts: account %q: loading OAuth token from %s: %w", a.ID, a.Auth.TokenStore, err)
		}
		return hubspot.NewOAuthHTTPClient(ts, nil), ts.Invalidate, nil
	default:
		return nil, nil, fmt.Errorf("accounts: account %q: auth type %q is unknown: use %q or %q", a.ID, a.Auth.Type, config.AuthPrivateApp, config.AuthOAuth)
	}
}
