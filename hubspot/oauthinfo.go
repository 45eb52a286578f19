package hubspot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// ErrInactiveToken is HubSpot's introspection saying a token is no longer
// active.
var ErrInactiveToken = errors.New("hubspot: HubSpot says the OAuth token is not active (expired or revoked): run `hubsync connect` to authorize the account again")

// OAuthError is a refusal from one of HubSpot's 2026-03 OAuth endpoints:
// HubSpot's status (BAD_REFRESH_TOKEN, ...) and message, the RFC 6749 code
// and the correlationId. It never holds the token or the client secret.
type OAuthError struct {
	Path          string // the endpoint, e.g. /oauth/2026-03/token/introspect
	StatusCode    int
	Code          string // RFC 6749 "error": invalid_grant, invalid_client, ...
	Status        string // HubSpot's reason
	Message       string
	CorrelationID string
}

func (e *OAuthError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "hubspot: POST %s: HTTP %d", e.Path, e.StatusCode)
	if e.Status != "" {
		b.WriteString(" " + e.Status)
	}
	if e.Code != "" {
		b.WriteString(" (" + e.Code + ")")
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.CorrelationID != "" {
		b.WriteString(" (correlationId " + e.CorrelationID + ")")
	}
	switch e.Code {
	case "invalid_client":
		b.WriteString("; check the app's client ID and the client secret in the variable auth.clientSecretEnv names")
	case "invalid_grant":
		b.WriteString("; the token is expired, revoked or not the app's: run `hubsync connect` to authorize the account again")
	}
	return b.String()
}

// TokenInfo is what HubSpot's introspection says about a live token (the
// spec's PublicAccessTokenInfoResponse or PublicRefreshTokenInfoResponse),
// without the token itself.
type TokenInfo struct {
	TokenUse  string // "access_token" or "refresh_token"
	HubID     int64  // the portal (account) the token works for
	AppID     int64
	ClientID  string
	UserID    int64
	User      string
	HubDomain string
	Scopes    []string
	ExpiresIn time.Duration // access tokens only
}

// IntrospectToken asks HubSpot about an access or refresh token of conf's
// app (POST /oauth/2026-03/token/introspect, with the credentials and the
// token in the form body, never in the URL). conf.Endpoint must come from
// OAuthEndpoint (or be Endpoint). Requests use the *http.Client in ctx under
// oauth2.HTTPClient, as x/oauth2 does, else http.DefaultClient. A refusal is
// an *OAuthError; a token answered as inactive is ErrInactiveToken.
func IntrospectToken(ctx context.Context, conf *oauth2.Config, token string) (*TokenInfo, error) {
	base, ok := strings.CutSuffix(conf.Endpoint.TokenURL, oauthTokenPath)
	if !ok {
		return nil, fmt.Errorf("hubspot: the OAuth token URL %s is not HubSpot's %s: build the endpoint with hubspot.OAuthEndpoint", conf.Endpoint.TokenURL, oauthTokenPath)
	}
	form := url.Values{"client_id": {conf.ClientID}, "client_secret": {conf.ClientSecret}, "token": {token}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+oauthIntrospectPath, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("hubspot: building the introspection request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	hc, _ := ctx.Value(oauth2.HTTPClient).(*http.Client)
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("hubspot: introspecting the OAuth token at %s: %w (is the API base URL right and HubSpot reachable?)", oauthIntrospectPath, err)
	}
	defer resp.Body.Close()
	payload, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("hubspot: reading HubSpot's introspection answer: %w", err)
	}
	secrets := []string{token, conf.ClientSecret}
	if resp.StatusCode != http.StatusOK {
		return nil, oauthError(oauthIntrospectPath, resp.StatusCode, payload, secrets)
	}
	var body struct {
		Active    bool     `json:"active"`
		TokenUse  string   `json:"token_use"`
		HubID     int64    `json:"hub_id"`
		AppID     int64    `json:"app_id"`
		ClientID  string   `json:"client_id"`
		UserID    int64    `json:"user_id"`
		User      string   `json:"user"`
		HubDomain string   `json:"hub_domain"`
		Scopes    []string `json:"scopes"`
		ExpiresIn int64    `json:"expires_in"`
	}
	if err := json.Unmarshal(payload, &body); err != nil {
		// The answer echoes the token: never quote it.
		return nil, fmt.Errorf("hubspot: HubSpot's introspection answer (HTTP %d) is not the documented JSON: %v", resp.StatusCode, err)
	}
	if !body.Active {
		return nil, ErrInactiveToken
	}
	return &TokenInfo{TokenUse: body.TokenUse, HubID: body.HubID, AppID: body.AppID, ClientID: body.ClientID,
		UserID: body.UserID, User: body.User, HubDomain: body.HubDomain, Scopes: body.Scopes,
		ExpiresIn: time.Duration(body.ExpiresIn) * time.Second}, nil
}

// oauthError decodes a refusal, with any secret the request carried taken
// out of HubSpot's text in case HubSpot ever quotes it.
func oauthError(path string, status int, payload []byte, secrets []string) *OAuthError {
	var body struct {
		Error            string `json:"error"`
		ErrorDescription string `json:"error_description"`
		Status           string `json:"status"`
		Message          string `json:"message"`
		CorrelationID    string `json:"correlationId"`
	}
	e := &OAuthError{Path: path, StatusCode: status}
	if json.Unmarshal(payload, &body) == nil {
		e.Code, e.Status, e.CorrelationID = body.Error, body.Status, body.CorrelationID
		e.Message = body.Message
		if e.Message == "" {
			e.Message = body.ErrorDescription
		}
	}
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	e.Message = truncateText(redact(e.Message, secrets), 300)
	return e
}

func redact(s string, secrets []string) string {
	for _, v := range secrets {
		if v != "" {
			s = strings.ReplaceAll(s, v, "[redacted]")
		}
	}
	return s
}

// TokenHubID returns the hub_id of HubSpot's token answer that produced
// tok. A token read back from a TokenStore has none: x/oauth2 keeps an
// answer's extra fields in memory only.
func TokenHubID(tok *oauth2.Token) (int64, bool) {
	switch v := tok.Extra("hub_id").(type) {
	case float64:
		if v > 0 && v == math.Trunc(v) && v < math.MaxInt64 {
			return int64(v), true
		}
	case json.Number:
		if n, err := v.Int64(); err == nil && n > 0 {
			return n, true
		}
	case string:
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
			return n, true
		}
	}
	return 0, false
}

// HubID returns the hub (portal) ID tok works for: the token answer's
// hub_id when tok carries it, else what HubSpot's introspection says of its
// refresh token (which, unlike the access token, does not expire).
func HubID(ctx context.Context, conf *oauth2.Config, tok *oauth2.Token) (int64, error) {
	if id, ok := TokenHubID(tok); ok {
		return id, nil
	}
	t := tok.RefreshToken
	if t == "" {
		t = tok.AccessToken
	}
	info, err := IntrospectToken(ctx, conf, t)
	if err != nil {
		return 0, err
	}
	if info.HubID <= 0 {
		return 0, fmt.Errorf("hubspot: HubSpot's introspection of the OAuth token carries no hub_id")
	}
	return info.HubID, nil
}
