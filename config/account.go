package config

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"time"

	"golang.org/x/oauth2"

	"github.com/audiencesync/hubspot-list-sync/hubspot"
	"github.com/audiencesync/hubspot-list-sync/workflows"
)

// SyncInput is the workflow input for this connector serving audienceID.
// It carries names and tuning only; credentials stay in the worker.
func (c Connector) SyncInput(audienceID string) workflows.SyncInput {
	return workflows.SyncInput{
		AudienceID:    audienceID,
		ConnectorID:   c.ID,
		ListID:        c.ListID,
		Account:       c.Account,
		FlushInterval: c.FlushInterval,
		MaxBatchSize:  c.MaxBatchSize,
		MaxBacklog:    c.MaxBacklog,
	}
}

// HubSpotBudget is the account's request budget in the client's terms.
func (a Account) HubSpotBudget() hubspot.Budget {
	return hubspot.Budget{Requests: a.Budget.Requests, Per: a.Budget.Per, Burst: a.Budget.Burst}
}

// Location is the time zone HubSpot resets the account's daily limit in.
func (a Account) Location() *time.Location {
	if a.location != nil {
		return a.location
	}
	return time.UTC
}

// env reads a variable through the loader's getenv (the process
// environment for Load), falling back to os.Getenv for hand-built values.
func (a Account) env(name string) string {
	if a.getenv != nil {
		return a.getenv(name)
	}
	return os.Getenv(name)
}

// secret reads the environment variable a *Env field names.
func (a Account) secret(field, name, what string) (string, error) {
	v := a.env(name)
	if v == "" {
		return "", fmt.Errorf("config: account %q: environment variable %s (auth.%s) is not set: export the %s in it", a.ID, name, field, what)
	}
	return v, nil
}

// OAuthConfig is the OAuth app configuration of an oauth account, with the
// client secret read from the environment. `hubsync connect` uses it to
// authorize; the worker uses it to refresh tokens.
func (a Account) OAuthConfig() (*oauth2.Config, error) {
	if a.Auth.Type != AuthOAuth {
		return nil, fmt.Errorf("config: account %q uses auth type %q, not %q: it has no OAuth app", a.ID, a.Auth.Type, AuthOAuth)
	}
	secret, err := a.secret("clientSecretEnv", a.Auth.ClientSecretEnv, "OAuth app's client secret")
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

// TokenStore is the oauth account's token store.
func (a Account) TokenStore() hubspot.FileTokenStore {
	return hubspot.FileTokenStore{Path: a.Auth.TokenStore}
}

// HTTPClient returns an HTTP client that authorizes requests to the
// account. For oauth accounts, ctx is used by token refreshes and must
// outlive the client (pass the worker's lifetime context, not a request's).
func (a Account) HTTPClient(ctx context.Context) (*http.Client, error) {
	switch a.Auth.Type {
	case AuthPrivateApp:
		tok, err := a.secret("tokenEnv", a.Auth.TokenEnv, "HubSpot private-app access token (pat-...)")
		if err != nil {
			return nil, err
		}
		return hubspot.NewPrivateAppHTTPClient(tok, nil), nil
	case AuthOAuth:
		conf, err := a.OAuthConfig()
		if err != nil {
			return nil, err
		}
		ts, err := hubspot.NewOAuthTokenSource(ctx, conf, a.TokenStore())
		if err != nil {
			return nil, fmt.Errorf("config: account %q: loading OAuth token from %s: %w", a.ID, a.Auth.TokenStore, err)
		}
		return hubspot.NewOAuthHTTPClient(ts, nil), nil
	default:
		return nil, fmt.Errorf("config: account %q: auth type %q is unknown: use %q or %q", a.ID, a.Auth.Type, AuthPrivateApp, AuthOAuth)
	}
}

// ConnectorInput is the connector's sync input for audienceID, so a loaded
// File serves as the starter's Catalog (starter.New(c, queue, f)).
func (f *File) ConnectorInput(connectorID, audienceID string) (workflows.SyncInput, error) {
	c, _, err := f.Connector(connectorID)
	if err != nil {
		return workflows.SyncInput{}, err
	}
	return c.SyncInput(audienceID), nil
}
