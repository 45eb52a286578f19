package hubspottest

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// authCodeLifetime bounds how long a consent code can be exchanged.
const authCodeLifetime = 10 * time.Minute

type authCode struct {
	clientID    string
	portalID    int64
	scopes      []string
	redirectURI string
	expiresAt   time.Time
}

func (e *Emulator) routeOAuth() {
	e.mux.HandleFunc("GET /oauth/authorize", e.handleAuthorize)
	// HubSpot's 2026-03 OAuth API: credentials and tokens in the form body.
	e.mux.HandleFunc("POST /oauth/2026-03/token", e.handleToken)
	e.mux.HandleFunc("POST /oauth/2026-03/token/introspect", e.handleIntrospect)
	e.mux.HandleFunc("POST /oauth/2026-03/token/revoke", e.handleRevoke)
	// The v1 API, which HubSpot retires on 2027-02-16, stays for old
	// clients: HubSpot's own Node SDK (sdkcheck) still posts to
	// /oauth/v1/token. The project's client does not call it.
	e.mux.Handle("POST /oauth/v1/token", e.legacyOAuth(e.handleToken))
	e.mux.Handle("GET /oauth/v1/access-tokens/{token}", e.legacyOAuth(e.handleAccessTokenInfo))
	e.mux.Handle("GET /oauth/v1/refresh-tokens/{token}", e.legacyOAuth(e.handleRefreshTokenInfo))
	e.mux.Handle("DELETE /oauth/v1/refresh-tokens/{token}", e.legacyOAuth(e.handleRevokeRefresh))
}

// legacyOAuth warns of each call to a v1 OAuth endpoint, so that whoever
// runs an old client against the emulator learns it before HubSpot's
// retirement date does it for them.
func (e *Emulator) legacyOAuth(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path, _ := logPath(r.URL)
		e.log.Warn("hubspot emulator: v1 OAuth endpoint called; HubSpot retires it on 2027-02-16, use /oauth/2026-03/",
			"method", r.Method, "path", path)
		h(w, r)
	})
}

func isV1OAuth(path string) bool { return strings.HasPrefix(path, "/oauth/v1/") }

// RFC 6749 (and, for revocation, RFC 7009) error codes of the 2026-03 endpoints.
const (
	oauthInvalidRequest       = "invalid_request"
	oauthInvalidClient        = "invalid_client"
	oauthInvalidGrant         = "invalid_grant"
	oauthUnsupportedGrantType = "unsupported_grant_type"
	oauthUnsupportedTokenType = "unsupported_token_type"
)

// writeOAuthError writes HubSpot's OAuth refusal: "status" carries HubSpot's
// reason (BAD_AUTH_CODE, BAD_REFRESH_TOKEN, ...) and "message" its text; the
// 2026-03 endpoints add RFC 6749's "error" and "error_description", the v1
// ones do not. HubSpot does not document the category of these errors;
// VALIDATION_ERROR keeps the spec's Error schema valid.
func writeOAuthError(w http.ResponseWriter, r *http.Request, status int, code, reason, message string) {
	e := apiError{Status: reason, Message: message, CorrelationID: correlationID(r), Category: CategoryValidation}
	if !isV1OAuth(r.URL.Path) {
		e.OAuthError, e.OAuthErrorDescription = code, message
	}
	writeAPIError(w, status, e)
}

// oauthForm reads the form body of a token, introspection or revocation
// call. The 2026-03 endpoints take nothing from the URL: keeping secrets
// and tokens out of URLs, and so out of logs, is why HubSpot replaced v1,
// whose token endpoint also read the query string.
func oauthForm(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		writeOAuthError(w, r, http.StatusBadRequest, oauthInvalidRequest, "BAD_REQUEST",
			"this endpoint takes an application/x-www-form-urlencoded body")
		return nil, false
	}
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, r, http.StatusBadRequest, oauthInvalidRequest, "BAD_REQUEST", "could not parse the form body: "+err.Error())
		return nil, false
	}
	if isV1OAuth(r.URL.Path) {
		return r.Form, true
	}
	if r.URL.RawQuery != "" {
		writeOAuthError(w, r, http.StatusBadRequest, oauthInvalidRequest, "BAD_REQUEST",
			"the 2026-03 OAuth endpoints take client credentials and tokens in the form body, never in the URL")
		return nil, false
	}
	return r.PostForm, true
}

// appLocked checks the client credentials of the form. HubSpot reads them
// from the body only: a Basic header alone counts as no client id.
func (e *Emulator) appLocked(w http.ResponseWriter, r *http.Request, f url.Values) *oauthApp {
	app := e.apps[f.Get("client_id")]
	if app == nil {
		writeOAuthError(w, r, http.StatusBadRequest, oauthInvalidClient, "BAD_CLIENT_ID", "missing or unknown client id")
		return nil
	}
	if app.secret == "" || f.Get("client_secret") != app.secret {
		writeOAuthError(w, r, http.StatusBadRequest, oauthInvalidClient, "BAD_CLIENT_SECRET", "missing or invalid client secret")
		return nil
	}
	return app
}

// splitScopes accepts HubSpot's space-separated scope lists ("+" decodes to space).
func splitScopes(s string) []string { return strings.Fields(s) }

// handleAuthorize stands in for app.hubspot.com/oauth/authorize: the "user"
// consents at once. The portal comes from the emulator-only portalId query
// parameter, else the lowest portal ID.
func (e *Emulator) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	clientID, redirect := q.Get("client_id"), q.Get("redirect_uri")
	scopes := append(splitScopes(q.Get("scope")), splitScopes(q.Get("optional_scope"))...)
	target, err := url.Parse(redirect)
	if redirect == "" || err != nil || !target.IsAbs() {
		writeOAuthError(w, r, http.StatusBadRequest, oauthInvalidRequest, "BAD_REDIRECT_URI", "redirect_uri is missing or not an absolute URL")
		return
	}
	if len(scopes) == 0 {
		writeOAuthError(w, r, http.StatusBadRequest, "invalid_scope", "BAD_SCOPE", "scope is required")
		return
	}
	e.mu.Lock()
	app := e.apps[clientID]
	portalID, perr := e.consentPortalLocked(q.Get("portalId"))
	var code string
	if app != nil && perr == "" {
		code = randomToken("code-")
		e.codes[code] = &authCode{clientID: clientID, portalID: portalID, scopes: scopes, redirectURI: redirect,
			expiresAt: e.cfg.now().Add(authCodeLifetime)}
	}
	e.mu.Unlock()
	if app == nil {
		writeOAuthError(w, r, http.StatusBadRequest, oauthInvalidClient, "BAD_CLIENT_ID", "missing or unknown client_id")
		return
	}
	if perr != "" {
		writeOAuthError(w, r, http.StatusBadRequest, oauthInvalidRequest, "BAD_PORTAL", perr)
		return
	}
	v := target.Query()
	v.Set("code", code)
	if s := q.Get("state"); s != "" {
		v.Set("state", s)
	}
	target.RawQuery = v.Encode()
	http.Redirect(w, r, target.String(), http.StatusFound)
}

func (e *Emulator) consentPortalLocked(param string) (int64, string) {
	if param != "" {
		id, err := strconv.ParseInt(param, 10, 64)
		if err != nil || e.portals[id] == nil {
			return 0, "portalId " + param + " is not a portal of this emulator"
		}
		return id, ""
	}
	if len(e.portals) == 0 {
		return 0, "the emulator has no portal to install the app in"
	}
	ids := make([]int64, 0, len(e.portals))
	for id := range e.portals {
		ids = append(ids, id)
	}
	return slices.Min(ids), ""
}

// tokenResponse is the spec's AccessTokenResponse (one branch of TokenResponseIF).
type tokenResponse struct {
	AccessToken  string   `json:"access_token"`
	RefreshToken string   `json:"refresh_token"`
	ExpiresIn    int64    `json:"expires_in"`
	TokenType    string   `json:"token_type"`
	TokenUse     string   `json:"token_use"`
	HubID        int64    `json:"hub_id"`
	UserID       int      `json:"user_id"`
	Scopes       []string `json:"scopes"`
}

// handleToken serves both token endpoints (2026-03 and v1). Client
// credentials must be in the form body (HubSpot's documented style), never
// only in a Basic header.
func (e *Emulator) handleToken(w http.ResponseWriter, r *http.Request) {
	f, ok := oauthForm(w, r)
	if !ok {
		return
	}
	grant := f.Get("grant_type")
	if grant == "" {
		writeOAuthError(w, r, http.StatusBadRequest, oauthInvalidRequest, "BAD_GRANT_TYPE", "grant_type is required")
		return
	}
	if grant != "authorization_code" && grant != "refresh_token" {
		writeOAuthError(w, r, http.StatusBadRequest, oauthUnsupportedGrantType, "BAD_GRANT_TYPE", "grant_type must be authorization_code or refresh_token")
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	app := e.appLocked(w, r, f)
	if app == nil {
		return
	}
	var rt *refreshToken
	if grant == "authorization_code" {
		code := e.codes[f.Get("code")]
		if code == nil || code.clientID != app.clientID || !e.cfg.now().Before(code.expiresAt) {
			writeOAuthError(w, r, http.StatusBadRequest, oauthInvalidGrant, "BAD_AUTH_CODE", "missing or unknown auth code")
			return
		}
		if f.Get("redirect_uri") != code.redirectURI {
			writeOAuthError(w, r, http.StatusBadRequest, oauthInvalidGrant, "BAD_REDIRECT_URI", "redirect_uri does not match the one used to authorize")
			return
		}
		delete(e.codes, f.Get("code")) // codes are single-use
		rt = e.newRefreshLocked(app, code.portalID, code.scopes)
	} else {
		rt = e.refresh[f.Get("refresh_token")]
		if rt == nil || rt.revoked {
			writeOAuthError(w, r, http.StatusBadRequest, oauthInvalidGrant, "BAD_REFRESH_TOKEN", "refresh token is invalid, expired or revoked")
			return
		}
		if rt.clientID != app.clientID {
			writeOAuthError(w, r, http.StatusBadRequest, oauthInvalidGrant, "BAD_REFRESH_TOKEN", "refresh token was not issued to this client")
			return
		}
		if e.cfg.rotateRefresh {
			rt.revoked = true
			rt = e.newRefreshLocked(app, rt.portalID, rt.scopes)
		}
	}
	at := e.newAccessLocked(rt)
	stateOf(r).rec.PortalID = rt.portalID
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, tokenResponse{AccessToken: at.token, RefreshToken: rt.token,
		ExpiresIn: int64(e.cfg.tokenLifetime / time.Second), TokenType: "bearer", TokenUse: "access_token",
		HubID: rt.portalID, UserID: rt.userID, Scopes: rt.scopes})
}
