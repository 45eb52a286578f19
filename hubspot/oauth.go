package hubspot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"golang.org/x/oauth2"
)

// Scopes are the OAuth scopes the product asks for. crm.lists.read and
// crm.lists.write are what membership writes need; the contact scopes are
// listed by the product's setup guide.
var Scopes = []string{"crm.lists.read", "crm.lists.write", "crm.objects.contacts.read", "crm.objects.contacts.write"}

// Default OAuth hosts.
const (
	DefaultAuthBaseURL = "https://app.hubspot.com"
	oauthTokenPath     = "/oauth/v1/token"
)

// Endpoint is HubSpot's OAuth endpoint. HubSpot reads the client secret from
// the form body, not from basic auth.
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
func NewOAuthTokenSource(ctx context.Context, conf *oauth2.Config, store TokenStore) (oauth2.TokenSource, error) {
	tok, err := store.Load(ctx)
	if err != nil {
		return nil, err
	}
	if tok.RefreshToken == "" {
		return nil, fmt.Errorf("hubspot: the stored OAuth token has no refresh token: run `hubsync connect` again")
	}
	return &persistingSource{ctx: ctx, src: conf.TokenSource(ctx, tok), store: store, last: tok}, nil
}

// persistingSource saves each token it has not seen before. If saving fails
// the caller gets the error and the next call tries again, so a rotated
// refresh token is retried rather than silently kept only in memory.
type persistingSource struct {
	ctx   context.Context
	src   oauth2.TokenSource
	store TokenStore
	mu    sync.Mutex
	last  *oauth2.Token
}

func (p *persistingSource) Token() (*oauth2.Token, error) {
	tok, err := p.src.Token()
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if tok.AccessToken != p.last.AccessToken || tok.RefreshToken != p.last.RefreshToken {
		if err := p.store.Save(p.ctx, tok); err != nil {
			return nil, fmt.Errorf("hubspot: saving the refreshed OAuth token: %w", err)
		}
		p.last = tok
	}
	return tok, nil
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
