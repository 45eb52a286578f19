package hubspottest

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// signedAccessToken fills the spec's SignedAccessToken with plausible fakes;
// nothing in the product reads it, but the 2026-03 schema requires it.
type signedAccessToken struct {
	AppID                     int    `json:"appId"`
	AppInstallID              string `json:"appInstallId"`
	Audience                  string `json:"audience"`
	ExpiresAt                 int64  `json:"expiresAt"`
	HubID                     int64  `json:"hubId"`
	Hublet                    string `json:"hublet"`
	InstallingUserID          int    `json:"installingUserId"`
	IsPrivateDistribution     bool   `json:"isPrivateDistribution"`
	IsServiceAccount          bool   `json:"isServiceAccount"`
	IsUserLevel               bool   `json:"isUserLevel"`
	NewSignature              string `json:"newSignature"`
	ScopeToScopeGroupPks      string `json:"scopeToScopeGroupPks"`
	Scopes                    string `json:"scopes"`
	Signature                 string `json:"signature"`
	TrialScopeToScopeGroupPks string `json:"trialScopeToScopeGroupPks"`
	TrialScopes               string `json:"trialScopes"`
	UserID                    int    `json:"userId"`
}

func hubDomain(portalID int64) string {
	return fmt.Sprintf("portal-%d.hubspot-emulator.local", portalID)
}

func (e *Emulator) accessInfoLocked(t *accessToken, active bool) map[string]any {
	left := max(int64(t.expiresAt.Sub(e.cfg.now())/time.Second), 0)
	return map[string]any{
		"token": t.token, "user": "emulator-user@example.com", "hub_domain": hubDomain(t.portalID),
		"scopes": t.scopes, "hub_id": t.portalID, "app_id": t.appID, "client_id": t.clientID,
		"expires_in": left, "user_id": t.userID, "token_type": "access", "token_use": "access_token",
		"active": active, "is_private_distribution": false,
		"signed_access_token": signedAccessToken{AppID: t.appID, AppInstallID: "1", Audience: t.clientID,
			ExpiresAt: t.expiresAt.UnixMilli(), HubID: t.portalID, Hublet: "na1", InstallingUserID: t.userID,
			Scopes: strings.Join(t.scopes, " "), Signature: "emulator", NewSignature: "emulator", UserID: t.userID},
	}
}

func (e *Emulator) refreshInfoLocked(rt *refreshToken) map[string]any {
	return map[string]any{
		"token": rt.token, "user": "emulator-user@example.com", "hub_domain": hubDomain(rt.portalID),
		"scopes": rt.scopes, "hub_id": rt.portalID, "client_id": rt.clientID, "app_id": e.apps[rt.clientID].appID,
		"user_id": rt.userID, "token_type": "refresh", "token_use": "refresh_token", "active": !rt.revoked,
	}
}

// handleAccessTokenInfo serves GET /oauth/v1/access-tokens/{token}. Expired
// and unknown tokens are 404s: the v1 endpoint only describes live tokens.
func (e *Emulator) handleAccessTokenInfo(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	t := e.tokens[r.PathValue("token")]
	if t == nil || t.kind != kindOAuth || !e.cfg.now().Before(t.expiresAt) {
		writeOAuthError(w, r, http.StatusNotFound, "BAD_ACCESS_TOKEN", "access token not found or expired")
		return
	}
	info := e.accessInfoLocked(t, true)
	delete(info, "active") // v1 has no active/token_use/client_id
	delete(info, "token_use")
	delete(info, "client_id")
	writeJSON(w, http.StatusOK, info)
}

func (e *Emulator) handleRefreshTokenInfo(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	rt := e.refresh[r.PathValue("token")]
	if rt == nil || rt.revoked {
		writeOAuthError(w, r, http.StatusNotFound, "BAD_REFRESH_TOKEN", "refresh token not found or revoked")
		return
	}
	info := e.refreshInfoLocked(rt)
	delete(info, "active")
	delete(info, "token_use")
	delete(info, "app_id")
	writeJSON(w, http.StatusOK, info)
}

func (e *Emulator) handleRevokeRefresh(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	rt := e.refresh[r.PathValue("token")]
	if rt != nil {
		rt.revoked = true
	}
	e.mu.Unlock()
	if rt == nil {
		writeOAuthError(w, r, http.StatusNotFound, "BAD_REFRESH_TOKEN", "refresh token not found")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleIntrospect serves POST /oauth/2026-03/token/introspect for the
// app's own tokens. Expired access and revoked refresh tokens come back with
// active=false; unknown tokens are 404s.
func (e *Emulator) handleIntrospect(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, r, http.StatusBadRequest, "BAD_REQUEST", "could not parse the form body")
		return
	}
	f := r.PostForm
	e.mu.Lock()
	defer e.mu.Unlock()
	app := e.apps[f.Get("client_id")]
	if app == nil || app.secret == "" || app.secret != f.Get("client_secret") {
		writeOAuthError(w, r, http.StatusBadRequest, "BAD_CLIENT_ID", "missing or invalid client credentials")
		return
	}
	tok := f.Get("token")
	if t := e.tokens[tok]; t != nil && t.kind == kindOAuth && t.clientID == app.clientID {
		writeJSON(w, http.StatusOK, e.accessInfoLocked(t, e.cfg.now().Before(t.expiresAt)))
		return
	}
	if rt := e.refresh[tok]; rt != nil && rt.clientID == app.clientID {
		writeJSON(w, http.StatusOK, e.refreshInfoLocked(rt))
		return
	}
	writeOAuthError(w, r, http.StatusNotFound, "BAD_TOKEN", "token not found for this client")
}
