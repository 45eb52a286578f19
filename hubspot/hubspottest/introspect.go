package hubspottest

import (
	"fmt"
	"net/http"
	"net/url"
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

// accessInfoLocked is the spec's PublicAccessTokenInfoResponse of a live token.
func (e *Emulator) accessInfoLocked(t *accessToken) map[string]any {
	left := max(int64(t.expiresAt.Sub(e.cfg.now())/time.Second), 0)
	return map[string]any{
		"token": t.token, "user": "emulator-user@example.com", "hub_domain": hubDomain(t.portalID),
		"scopes": t.scopes, "hub_id": t.portalID, "app_id": t.appID, "client_id": t.clientID,
		"expires_in": left, "user_id": t.userID, "token_type": "access", "token_use": "access_token",
		"active": true, "is_private_distribution": false,
		"signed_access_token": signedAccessToken{AppID: t.appID, AppInstallID: "1", Audience: t.clientID,
			ExpiresAt: t.expiresAt.UnixMilli(), HubID: t.portalID, Hublet: "na1", InstallingUserID: t.userID,
			Scopes: strings.Join(t.scopes, " "), Signature: "emulator", NewSignature: "emulator", UserID: t.userID},
	}
}

// refreshInfoLocked is the spec's PublicRefreshTokenInfoResponse of a live token.
func (e *Emulator) refreshInfoLocked(rt *refreshToken) map[string]any {
	return map[string]any{
		"token": rt.token, "user": "emulator-user@example.com", "hub_domain": hubDomain(rt.portalID),
		"scopes": rt.scopes, "hub_id": rt.portalID, "client_id": rt.clientID, "app_id": e.apps[rt.clientID].appID,
		"user_id": rt.userID, "token_type": "refresh", "token_use": "refresh_token", "active": true,
	}
}

// handleAccessTokenInfo serves the legacy GET /oauth/v1/access-tokens/{token}.
// Expired and unknown tokens are 404s: the v1 endpoint only describes live
// tokens.
func (e *Emulator) handleAccessTokenInfo(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	t := e.tokens[r.PathValue("token")]
	if t == nil || t.kind != kindOAuth || !e.cfg.now().Before(t.expiresAt) {
		writeOAuthError(w, r, http.StatusNotFound, oauthInvalidGrant, "BAD_ACCESS_TOKEN", "access token not found or expired")
		return
	}
	info := e.accessInfoLocked(t)
	delete(info, "active") // v1 has no active/token_use/client_id
	delete(info, "token_use")
	delete(info, "client_id")
	writeJSON(w, http.StatusOK, info)
}

// handleRefreshTokenInfo serves the legacy GET /oauth/v1/refresh-tokens/{token}.
func (e *Emulator) handleRefreshTokenInfo(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	rt := e.refresh[r.PathValue("token")]
	if rt == nil || rt.revoked {
		writeOAuthError(w, r, http.StatusNotFound, oauthInvalidGrant, "BAD_REFRESH_TOKEN", "refresh token not found or revoked")
		return
	}
	info := e.refreshInfoLocked(rt)
	delete(info, "active")
	delete(info, "token_use")
	delete(info, "app_id")
	writeJSON(w, http.StatusOK, info)
}

// handleRevokeRefresh serves the legacy DELETE /oauth/v1/refresh-tokens/{token}.
func (e *Emulator) handleRevokeRefresh(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	rt := e.refresh[r.PathValue("token")]
	if rt != nil {
		rt.revoked = true
	}
	e.mu.Unlock()
	if rt == nil {
		writeOAuthError(w, r, http.StatusNotFound, oauthInvalidGrant, "BAD_REFRESH_TOKEN", "refresh token not found")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleIntrospect serves POST /oauth/2026-03/token/introspect for the
// app's own tokens. Only live tokens are described: an expired access
// token, a revoked refresh token and an unknown one (or another app's) are
// refused with HubSpot's OAuth error, since the spec's answers describe
// live tokens. token_type_hint is not needed: the token says what it is.
func (e *Emulator) handleIntrospect(w http.ResponseWriter, r *http.Request) {
	f, ok := oauthForm(w, r)
	if !ok {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	app, tok, ok := e.tokenRequestLocked(w, r, f)
	if !ok {
		return
	}
	if t := e.tokens[tok]; t != nil && t.kind == kindOAuth && t.clientID == app.clientID {
		stateOf(r).rec.PortalID = t.portalID
		if !e.cfg.now().Before(t.expiresAt) {
			writeOAuthError(w, r, http.StatusBadRequest, oauthInvalidGrant, "EXPIRED_ACCESS_TOKEN", "access token is expired")
			return
		}
		writeJSON(w, http.StatusOK, e.accessInfoLocked(t))
		return
	}
	if rt := e.refresh[tok]; rt != nil && rt.clientID == app.clientID {
		stateOf(r).rec.PortalID = rt.portalID
		if rt.revoked {
			writeOAuthError(w, r, http.StatusBadRequest, oauthInvalidGrant, "BAD_REFRESH_TOKEN", "refresh token is invalid, expired or revoked")
			return
		}
		writeJSON(w, http.StatusOK, e.refreshInfoLocked(rt))
		return
	}
	writeOAuthError(w, r, http.StatusBadRequest, oauthInvalidGrant, "BAD_TOKEN", "token is invalid, expired or revoked, or was not issued to this client")
}

// handleRevoke serves POST /oauth/2026-03/token/revoke, which revokes a
// refresh token of the app (access tokens already issued live out their
// expiry, as HubSpot documents for v1's delete). An access token, an
// unknown token and an already revoked one are refused. The spec documents
// no success answer; the emulator answers 200 with no body, as RFC 7009 does.
func (e *Emulator) handleRevoke(w http.ResponseWriter, r *http.Request) {
	f, ok := oauthForm(w, r)
	if !ok {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	app, tok, ok := e.tokenRequestLocked(w, r, f)
	if !ok {
		return
	}
	if t := e.tokens[tok]; t != nil && t.kind == kindOAuth && t.clientID == app.clientID {
		writeOAuthError(w, r, http.StatusBadRequest, oauthUnsupportedTokenType, "UNSUPPORTED_TOKEN_TYPE",
			"only refresh tokens can be revoked; an access token expires by itself")
		return
	}
	rt := e.refresh[tok]
	if rt == nil || rt.clientID != app.clientID || rt.revoked {
		writeOAuthError(w, r, http.StatusBadRequest, oauthInvalidGrant, "BAD_REFRESH_TOKEN", "refresh token is invalid, expired or revoked")
		return
	}
	rt.revoked = true
	stateOf(r).rec.PortalID = rt.portalID
	w.WriteHeader(http.StatusOK)
}

// tokenRequestLocked reads what introspect and revoke both take: the app's
// credentials and a token. It answers the refusal itself when either is
// missing or wrong. The caller holds e.mu.
func (e *Emulator) tokenRequestLocked(w http.ResponseWriter, r *http.Request, f url.Values) (*oauthApp, string, bool) {
	app := e.appLocked(w, r, f)
	if app == nil {
		return nil, "", false
	}
	tok := f.Get("token")
	if tok == "" {
		writeOAuthError(w, r, http.StatusBadRequest, oauthInvalidRequest, "BAD_REQUEST", "token is required")
		return nil, "", false
	}
	return app, tok, true
}
