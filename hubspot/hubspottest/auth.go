package hubspottest

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// ScopesListsReadWrite are the scopes needed to read lists and write memberships.
var ScopesListsReadWrite = []string{"crm.lists.read", "crm.lists.write"}

// Scope alternatives per operation, copied from the security sections of
// lists-2026-03.json: any one inner set suffices.
var (
	scopesRead   = [][]string{{"crm.lists.read"}}
	scopesWrite  = [][]string{{"crm.lists.read", "crm.lists.write"}, {"cms.membership.access_groups.write", "crm.lists.read"}}
	scopesCreate = [][]string{{"crm.lists.write"}, {"cms.membership.access_groups.write"}}
)

type tokenKind int

const (
	kindPrivateApp tokenKind = iota + 1
	kindOAuth
)

type accessToken struct {
	token     string
	kind      tokenKind
	portalID  int64
	scopes    []string
	clientID  string
	appID     int
	userID    int
	expiresAt time.Time // zero for private-app tokens, which do not expire
}

type refreshToken struct {
	token    string
	clientID string
	portalID int64
	scopes   []string
	userID   int
	revoked  bool
}

type oauthApp struct {
	clientID string
	secret   string
	appID    int
}

// randomToken returns an opaque URL-safe token; HubSpot's OAuth tokens are opaque too.
func randomToken(prefix string) string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// RegisterPrivateAppToken makes token a private-app token of the portal with
// the given scopes (creating the portal).
func (e *Emulator) RegisterPrivateAppToken(portalID int64, token string, scopes ...string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.portalLocked(portalID)
	e.tokens[token] = &accessToken{token: token, kind: kindPrivateApp, portalID: portalID,
		scopes: slices.Clone(scopes), userID: 1}
}

// NewPrivateAppToken registers and returns a fresh "pat-na1-<uuid>" token.
func (e *Emulator) NewPrivateAppToken(portalID int64, scopes ...string) string {
	t := "pat-na1-" + uuid.NewString()
	e.RegisterPrivateAppToken(portalID, t, scopes...)
	return t
}

// RegisterOAuthApp registers a public app's credentials.
func (e *Emulator) RegisterOAuthApp(clientID, clientSecret string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.registerAppLocked(clientID, clientSecret)
}

func (e *Emulator) registerAppLocked(clientID, clientSecret string) *oauthApp {
	if a := e.apps[clientID]; a != nil {
		a.secret = clientSecret
		return a
	}
	e.nextApp++
	a := &oauthApp{clientID: clientID, secret: clientSecret, appID: e.nextApp}
	e.apps[clientID] = a
	return a
}

// IssueTokens grants an installed app's tokens without the consent redirect,
// registering the app (with an empty secret) if it is unknown.
func (e *Emulator) IssueTokens(portalID int64, clientID string, scopes ...string) (access, refresh string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.portalLocked(portalID)
	app := e.apps[clientID]
	if app == nil {
		app = e.registerAppLocked(clientID, "")
	}
	rt := e.newRefreshLocked(app, portalID, scopes)
	return e.newAccessLocked(rt).token, rt.token
}

func (e *Emulator) newRefreshLocked(app *oauthApp, portalID int64, scopes []string) *refreshToken {
	// HubSpot refresh tokens look like "na1-xxxx-...": keep the region prefix so logs look familiar.
	rt := &refreshToken{token: "na1-" + uuid.NewString(), clientID: app.clientID, portalID: portalID,
		scopes: slices.Clone(scopes), userID: 1}
	e.refresh[rt.token] = rt
	return rt
}

func (e *Emulator) newAccessLocked(rt *refreshToken) *accessToken {
	at := &accessToken{token: randomToken("C"), kind: kindOAuth, portalID: rt.portalID, scopes: rt.scopes,
		clientID: rt.clientID, appID: e.apps[rt.clientID].appID, userID: rt.userID,
		expiresAt: e.cfg.now().Add(e.cfg.tokenLifetime)}
	e.tokens[at.token] = at
	return at
}

// RevokeRefreshToken makes a refresh token unusable, as an uninstall would.
func (e *Emulator) RevokeRefreshToken(refresh string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if rt := e.refresh[refresh]; rt != nil {
		rt.revoked = true
	}
}

// ExpireAccessTokens makes every OAuth access token expired from now on.
func (e *Emulator) ExpireAccessTokens() {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.cfg.now()
	for _, t := range e.tokens {
		if t.kind == kindOAuth {
			t.expiresAt = now.Add(-time.Second)
		}
	}
}

// authenticate resolves the bearer token or writes HubSpot's 401.
func (e *Emulator) authenticate(w http.ResponseWriter, r *http.Request) *accessToken {
	h := r.Header.Get("Authorization")
	scheme, token, _ := strings.Cut(h, " ")
	if h == "" || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		writeError(w, r, http.StatusUnauthorized, CategoryInvalidAuth,
			"Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview")
		return nil
	}
	e.mu.Lock()
	t := e.tokens[strings.TrimSpace(token)]
	var tok accessToken
	if t != nil {
		tok = *t
	}
	e.mu.Unlock()
	if t == nil {
		writeError(w, r, http.StatusUnauthorized, CategoryInvalidAuth,
			"Authentication credentials are invalid: the access token is not recognised.")
		return nil
	}
	if tok.kind == kindOAuth && !e.cfg.now().Before(tok.expiresAt) {
		ago := e.cfg.now().Sub(tok.expiresAt)
		writeError(w, r, http.StatusUnauthorized, CategoryExpiredAuth,
			fmt.Sprintf("The OAuth token used to make this call expired %d minute(s) ago.", int(math.Ceil(ago.Minutes()))))
		return nil
	}
	return &tok
}

// hasScopes reports whether granted covers one of the alternatives.
func hasScopes(granted []string, alternatives [][]string) bool {
	for _, need := range alternatives {
		ok := true
		for _, s := range need {
			if !slices.Contains(granted, s) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func writeMissingScopes(w http.ResponseWriter, r *http.Request, need [][]string) {
	required := need[0]
	writeAPIError(w, http.StatusForbidden, apiError{
		Status:        "error",
		Message:       "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
		CorrelationID: correlationID(r),
		Category:      CategoryMissingScopes,
		Context:       map[string][]string{"requiredScopes": required},
		Errors: []errorDetail{{Message: "One or more of the following scopes are required.",
			Context: map[string][]string{"requiredGranularScopes": required}}},
		Links: map[string]string{"scopes": "https://developers.hubspot.com/scopes"},
	})
}

// api wraps a /crm/ handler with authentication, rate limiting and scope checks,
// in that order: HubSpot counts a call against the limit once it knows the portal.
func (e *Emulator) api(need [][]string, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := stateOf(r)
		st.rec.ListID = r.PathValue("listId")
		tok := e.authenticate(w, r)
		if tok == nil {
			return
		}
		st.tok = tok
		st.rec.PortalID = tok.portalID
		if !e.admitRate(w, r, tok) {
			return
		}
		if !hasScopes(tok.scopes, need) {
			writeMissingScopes(w, r, need)
			return
		}
		h(w, r)
	})
}
