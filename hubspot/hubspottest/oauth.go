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
	e.mux.HandleFunc("POST /oauth/v1/token", e.handleToken)
	e.mux.HandleFunc("POST /oauth/2026-03/token", e.handleToken)
	e.mux.HandleFunc("GET /oauth/v1/access-tokens/{token}", e.handleAccessTokenInfo)
	e.mux.HandleFunc("GET /oauth/v1/refresh-tokens/{token}", e.handleRefreshTokenInfo)
	e.mux.HandleFunc("DELETE /oauth/v1/refresh-tokens/{token}", e.handleRevokeRefresh)
	e.mux.HandleFunc("POST /oauth/2026-03/token/introspect", e.handleIntrospect)
}

// writeOAuthError writes HubSpot's OAuth error: "status" carries the reason
// (BAD_AUTH_CODE, BAD_REFRESH_TOKEN, ...). HubSpot does not document the
// category of these errors; VALIDATION_ERROR keeps the spec's Error schema valid.
func writeOAuthError(w http.ResponseWriter, r *http.Request, status int, reason, message string) {
	writeAPIError(w, status, apiError{Status: reason, Message: message, CorrelationID: correlationID(r),
		Category: CategoryValidation})
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
		writeOAuthError(w, r, http.StatusBadRequest, "BAD_REDIRECT_URI", "redirect_uri is missing or not an absolute URL")
		return
	}
	if len(scopes) == 0 {
		writeOAuthError(w, r, http.StatusBadRequest, "BAD_SCOPE", "scope is required")
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
		writeOAuthError(w, r, http.StatusBadRequest, "BAD_CLIENT_ID", "missing or unknown client_id")
		return
	}
	if perr != "" {
		writeOAuthError(w, r, http.StatusBadRequest, "BAD_PORTAL", perr)
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

// handleToken serves both token endpoints. Client credentials must be in the
// form body (HubSpot's documented style), never only in a Basic header.
func (e *Emulator) handleToken(w http.ResponseWriter, r *http.Request) {
	ct := r.Header.Get("Content-Type")
	if !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		writeOAuthError(w, r, http.StatusBadRequest, "BAD_REQUEST", "the token endpoint takes an application/x-www-form-urlencoded body")
		return
	}
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, r, http.StatusBadRequest, "BAD_REQUEST", "could not parse the form body: "+err.Error())
		return
	}
	f := r.Form
	grant := f.Get("grant_type")
	if grant != "authorization_code" && grant != "refresh_token" {
		writeOAuthError(w, r, http.StatusBadRequest, "BAD_GRANT_TYPE", "grant_type must be authorization_code or refresh_token")
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	app := e.apps[f.Get("client_id")]
	if app == nil {
		writeOAuthError(w, r, http.StatusBadRequest, "BAD_CLIENT_ID", "missing or unknown client id")
		return
	}
	if f.Get("client_secret") != app.secret || app.secret == "" {
		writeOAuthError(w, r, http.StatusBadRequest, "BAD_CLIENT_SECRET", "missing or invalid client secret")
		return
	}
	var rt *refreshToken
	if grant == "authorization_code" {
		code := e.codes[f.Get("code")]
		if code == nil || code.clientID != app.clientID || !e.cfg.now().Before(code.expiresAt) {
			writeOAuthError(w, r, http.StatusBadRequest, "BAD_AUTH_CODE", "missing or unknown auth code")
			return
		}
		if f.Get("redirect_uri") != code.redirectURI {
			writeOAuthError(w, r, http.StatusBadRequest, "BAD_REDIRECT_URI", "redirect_uri does not match the one used to authorize")
			return
		}
		delete(e.codes, f.Get("code")) // codes are single-use
		rt = e.newRefreshLocked(app, code.portalID, code.scopes)
	} else {
		rt = e.refresh[f.Get("refresh_token")]
		if rt == nil || rt.revoked {
			writeOAuthError(w, r, http.StatusBadRequest, "BAD_REFRESH_TOKEN", "missing or invalid refresh token")
			return
		}
		if rt.clientID != app.clientID {
			writeOAuthError(w, r, http.StatusBadRequest, "BAD_REFRESH_TOKEN", "refresh token was not issued to this client")
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
