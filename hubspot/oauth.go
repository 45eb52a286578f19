package hubspot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// Scopes are the OAuth scopes the product asks for. crm.lists.read and
// crm.lists.write are what membership writes need; the contact scopes are
// listed by the product's setup guide.
var Scopes = []string{"crm.lists.read", "crm.lists.write", "crm.objects.contacts.read", "crm.objects.contacts.write"}

// DefaultAuthBaseURL is where users authorize the app.
const DefaultAuthBaseURL = "https://app.hubspot.com"

// HubSpot's 2026-03 OAuth API. The v1 endpoints (/oauth/v1/token,
// /oauth/v1/access-tokens, /oauth/v1/refresh-tokens) retire on 2027-02-16;
// nothing here calls them.
const (
	oauthTokenPath      = "/oauth/2026-03/token"
	oauthIntrospectPath = "/oauth/2026-03/token/introspect"
)

// Endpoint is HubSpot's OAuth endpoint (tokens at /oauth/2026-03/token).
// HubSpot reads the client secret from the form body, not from basic auth.
var Endpoint = OAuthEndpoint(DefaultAuthBaseURL, DefaultBaseURL)

// OAuthEndpoint builds the endpoint for other hosts, such as the emulator
// (which serves both on one address).
func OAuthEndpoint(authBaseURL, apiBaseURL string) oauth2.Endpoint {
	return oauth2.Endpoint{
		AuthURL:   strings.TrimRight(authBaseURL, "/") + "/oauth/authorize",
		TokenURL:  strings.TrimRight(apiBaseURL, "/") + oauthTokenPath,
		AuthStyle: oauth2.AuthStyleInParams,
	}
}

// ErrNoToken is returned by a TokenStore that holds no token yet.
var ErrNoToken = errors.New("hubspot: no OAuth token stored: run `hubsync connect` to authorize the account")

// TokenStore keeps an account's OAuth token across restarts. Save is called
// whenever a refresh returns a new access or refresh token.
type TokenStore interface {
	Load(ctx context.Context) (*oauth2.Token, error)
	Save(ctx context.Context, tok *oauth2.Token) error
}

// NewOAuthTokenSource returns a token source that refreshes the stored token
// from its expiry (x/oauth2 refreshes shortly before it) and persists every
// new token, so a rotated refresh token is never lost. ctx is used for the
// refresh requests and must outlive the source.
func NewOAuthTokenSource(ctx context.Context, conf *oauth2.Config, store TokenStore) (*OAuthTokenSource, error) {
	tok, err := store.Load(ctx)
	if err != nil {
		return nil, err
	}
	if tok.RefreshToken == "" {
		return nil, fmt.Errorf("hubspot: the stored OAuth token has no refresh token: run `hubsync connect` again")
	}
	return &OAuthTokenSource{ctx: ctx, conf: conf, src: conf.TokenSource(ctx, tok), store: store, last: tok}, nil
}

// OAuthTokenSource is x/oauth2's refreshing source plus the store: it
// saves each token it has not seen before (if saving fails the caller gets
// the error and the next call tries again, so a rotated refresh token is
// never kept only in memory), and it goes back to the store when a
// refresh fails, so tokens written by `hubsync connect` are used by a
// running worker.
type OAuthTokenSource struct {
	ctx   context.Context
	conf  *oauth2.Config
	store TokenStore
	mu    sync.Mutex
	src   oauth2.TokenSource
	last  *oauth2.Token
}

// Token returns a valid access token, refreshing it when due. When the
// refresh fails and the store holds a different token than the one in
// use, it switches to the stored one and tries once more.
func (p *OAuthTokenSource) Token() (*oauth2.Token, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	tok, err := p.src.Token()
	if err != nil {
		stored, lerr := p.store.Load(p.ctx)
		if lerr != nil || stored.RefreshToken == "" || stored.RefreshToken == p.last.RefreshToken {
			return nil, err
		}
		p.last, p.src = stored, p.conf.TokenSource(p.ctx, stored)
		if tok, err = p.src.Token(); err != nil {
			return nil, err
		}
	}
	if tok.AccessToken != p.last.AccessToken || tok.RefreshToken != p.last.RefreshToken {
		if err := p.store.Save(p.ctx, tok); err != nil {
			return nil, fmt.Errorf("hubspot: saving the refreshed OAuth token: %w", err)
		}
		p.last = tok
	}
	return tok, nil
}

// Invalidate drops the access token in use, so the next Token refreshes
// (or takes a newer token from the store). Call it when HubSpot answered
// 401: an access token revoked before its expiry would otherwise keep
// failing until then.
func (p *OAuthTokenSource) Invalidate() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if stored, err := p.store.Load(p.ctx); err == nil && stored.RefreshToken != "" && stored.RefreshToken != p.last.RefreshToken {
		p.last = stored
	}
	expired := *p.last
	expired.AccessToken, expired.Expiry = "", time.Unix(1, 0)
	p.src = p.conf.TokenSource(p.ctx, &expired)
}

// NewOAuthHTTPClient returns an HTTP client that authorizes every request
// with ts. base may be nil (http.DefaultTransport).
func NewOAuthHTTPClient(ts oauth2.TokenSource, base http.RoundTripper) *http.Client {
	return &http.Client{Transport: &oauth2.Transport{Source: ts, Base: base}}
}

// NewPrivateAppHTTPClient returns an HTTP client that sends a private-app
// access token (pat-...) as a bearer token.
func NewPrivateAppHTTPClient(token string, base http.RoundTripper) *http.Client {
	return NewOAuthHTTPClient(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: token, TokenType: "Bearer"}), base)
}
