package hubspottest

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

const (
	tokenPath      = "/oauth/2026-03/token"
	introspectPath = "/oauth/2026-03/token/introspect"
	revokePath     = "/oauth/2026-03/token/revoke"
)

type tokenBody struct {
	AccessToken  string   `json:"access_token"`
	RefreshToken string   `json:"refresh_token"`
	ExpiresIn    int      `json:"expires_in"`
	TokenType    string   `json:"token_type"`
	TokenUse     string   `json:"token_use"`
	HubID        int64    `json:"hub_id"`
	Scopes       []string `json:"scopes"`
}

func (h *harness) postForm(path string, form url.Values) (*http.Response, []byte) {
	h.t.Helper()
	resp, err := http.PostForm(h.url+path, form)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// authorize runs the consent redirect and returns the code.
func (h *harness) authorize(clientID, redirect, state string) string {
	h.t.Helper()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	q := url.Values{"client_id": {clientID}, "redirect_uri": {redirect}, "state": {state},
		"scope": {"crm.lists.read crm.lists.write"}, "optional_scope": {"crm.objects.contacts.read"}}
	resp, err := noRedirect.Get(h.url + "/oauth/authorize?" + q.Encode())
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		h.t.Fatalf("authorize: status %d", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), redirect) || loc.Query().Get("state") != state {
		h.t.Fatalf("authorize redirect = %q", resp.Header.Get("Location"))
	}
	return loc.Query().Get("code")
}

// wantOAuthError asserts one of HubSpot's OAuth refusals: HTTP 400, its
// status (reason), a correlationId and, on the 2026-03 endpoints, the RFC
// 6749 code with a description.
func wantOAuthError(t *testing.T, what string, resp *http.Response, body []byte, reason, rfcCode string) {
	t.Helper()
	e := decode[errBody](t, body)
	if resp.StatusCode != http.StatusBadRequest || e.Status != reason || e.Message == "" || len(e.CorrelationID) != 36 ||
		e.OAuthError != rfcCode || (rfcCode != "" && e.OAuthDesc == "") {
		t.Errorf("%s: HTTP %d %s; want 400 with status %s and error %q", what, resp.StatusCode, body, reason, rfcCode)
	}
}

func TestOAuthCodeRefreshAndErrors(t *testing.T) {
	// v1 answers as before, without the RFC 6749 fields.
	for path, rfc := range map[string]bool{tokenPath: true, "/oauth/v1/token": false} {
		code := func(c string) string {
			if rfc {
				return c
			}
			return ""
		}
		t.Run(path, func(t *testing.T) {
			h := newHarness(t, false)
			h.RegisterOAuthApp("cid", "secret")
			redirect := "http://localhost:9/callback"
			authCode := h.authorize("cid", redirect, "xyz")

			form := url.Values{"grant_type": {"authorization_code"}, "client_id": {"cid"}, "client_secret": {"secret"},
				"redirect_uri": {redirect}, "code": {authCode}}
			resp, body := h.postForm(path, form)
			tok := decode[tokenBody](t, body)
			if resp.StatusCode != 200 || tok.TokenType != "bearer" || tok.TokenUse != "access_token" || tok.ExpiresIn != 1800 ||
				tok.HubID != portalA || tok.AccessToken == "" || tok.RefreshToken == "" || len(tok.Scopes) != 3 {
				t.Fatalf("code exchange: %d %s", resp.StatusCode, body)
			}
			if resp, _ := h.do(http.MethodGet, v2026+"/"+h.listID, tok.AccessToken, nil); resp.StatusCode != 200 {
				t.Fatalf("access token rejected: %d", resp.StatusCode)
			}
			// Codes are single-use.
			resp, body = h.postForm(path, form)
			wantOAuthError(t, "reused code", resp, body, "BAD_AUTH_CODE", code("invalid_grant"))

			h.clock.Advance(31 * time.Minute)
			refresh := url.Values{"grant_type": {"refresh_token"}, "client_id": {"cid"}, "client_secret": {"secret"},
				"refresh_token": {tok.RefreshToken}}
			resp, body = h.postForm(path, refresh)
			tok2 := decode[tokenBody](t, body)
			if resp.StatusCode != 200 || tok2.AccessToken == tok.AccessToken || tok2.RefreshToken != tok.RefreshToken || tok2.HubID != portalA {
				t.Fatalf("refresh: %d %s", resp.StatusCode, body)
			}
			if resp, _ := h.do(http.MethodGet, v2026+"/"+h.listID, tok2.AccessToken, nil); resp.StatusCode != 200 {
				t.Fatalf("refreshed token rejected: %d", resp.StatusCode)
			}

			bad := map[string]struct {
				form url.Values
				rfc  string
			}{
				"BAD_CLIENT_SECRET": {url.Values{"grant_type": {"refresh_token"}, "client_id": {"cid"}, "client_secret": {"nope"}, "refresh_token": {tok.RefreshToken}}, "invalid_client"},
				"BAD_CLIENT_ID":     {url.Values{"grant_type": {"refresh_token"}, "client_id": {"other"}, "client_secret": {"secret"}, "refresh_token": {tok.RefreshToken}}, "invalid_client"},
				"BAD_REFRESH_TOKEN": {url.Values{"grant_type": {"refresh_token"}, "client_id": {"cid"}, "client_secret": {"secret"}, "refresh_token": {"na1-nope"}}, "invalid_grant"},
				"BAD_GRANT_TYPE":    {url.Values{"grant_type": {"client_credentials"}, "client_id": {"cid"}, "client_secret": {"secret"}}, "unsupported_grant_type"},
			}
			for want, c := range bad {
				resp, body := h.postForm(path, c.form)
				wantOAuthError(t, want, resp, body, want, code(c.rfc))
				if strings.Contains(string(body), "nope") || strings.Contains(string(body), tok.RefreshToken) {
					t.Errorf("%s: the refusal repeats a secret: %s", want, body)
				}
			}
			h.RevokeRefreshToken(tok.RefreshToken)
			resp, body = h.postForm(path, refresh)
			wantOAuthError(t, "revoked refresh", resp, body, "BAD_REFRESH_TOKEN", code("invalid_grant"))
		})
	}
}

func TestOAuthRefreshRotation(t *testing.T) {
	h := newHarness(t, false, WithRefreshTokenRotation(true))
	h.RegisterOAuthApp("cid", "secret")
	_, rt1 := h.IssueTokens(portalA, "cid", ScopesListsReadWrite...)
	form := func(rt string) url.Values {
		return url.Values{"grant_type": {"refresh_token"}, "client_id": {"cid"}, "client_secret": {"secret"}, "refresh_token": {rt}}
	}
	resp, body := h.postForm(tokenPath, form(rt1))
	rt2 := decode[tokenBody](t, body).RefreshToken
	if resp.StatusCode != 200 || rt2 == "" || rt2 == rt1 {
		t.Fatalf("rotation: %d %s", resp.StatusCode, body)
	}
	resp, body = h.postForm(tokenPath, form(rt1))
	wantOAuthError(t, "old refresh token", resp, body, "BAD_REFRESH_TOKEN", "invalid_grant")
	if resp, body = h.postForm(tokenPath, form(rt2)); resp.StatusCode != 200 {
		t.Fatalf("new refresh token rejected: %d %s", resp.StatusCode, body)
	}
}

func TestOAuthRejectsJSONAndBasicOnlyCredentials(t *testing.T) {
	h := newHarness(t, true)
	h.RegisterOAuthApp("cid", "secret")
	_, rt := h.IssueTokens(portalA, "cid", ScopesListsReadWrite...)
	for _, path := range []string{tokenPath, introspectPath, revokePath, "/oauth/v1/token"} {
		req, _ := http.NewRequest(http.MethodPost, h.url+path,
			strings.NewReader(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "token": {rt}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("cid", "secret")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if e := decode[errBody](t, body); resp.StatusCode != 400 || e.Status != "BAD_CLIENT_ID" {
			t.Errorf("%s with basic auth only: %d %s", path, resp.StatusCode, body)
		}
		resp2, body2 := h.do(http.MethodPost, path, "", `{"grant_type":"refresh_token","client_id":"cid","client_secret":"secret"}`)
		if e := decode[errBody](t, body2); resp2.StatusCode != 400 || e.Status != "BAD_REQUEST" {
			t.Errorf("%s with a JSON body: %d %s", path, resp2.StatusCode, body2)
		}
	}
	if _, body := h.postForm(introspectPath, url.Values{"client_id": {"cid"}, "client_secret": {"secret"}, "token": {rt}}); !strings.Contains(string(body), `"active":true`) {
		t.Errorf("the refresh token was spent by the refused calls: %s", body)
	}
}

// The 2026-03 endpoints exist to keep secrets out of URLs: parameters in the
// query string are refused, even when the body is right.
func TestOAuth2026RefusesParametersInTheURL(t *testing.T) {
	h := newHarness(t, true)
	h.RegisterOAuthApp("cid", "secret")
	_, rt := h.IssueTokens(portalA, "cid", ScopesListsReadWrite...)
	body := url.Values{"grant_type": {"refresh_token"}, "client_id": {"cid"}, "client_secret": {"secret"}, "refresh_token": {rt}, "token": {rt}}
	for _, path := range []string{tokenPath, introspectPath, revokePath} {
		resp, b := h.postForm(path+"?client_secret=secret", body)
		wantOAuthError(t, path, resp, b, "BAD_REQUEST", "invalid_request")
	}
	// v1 read its parameters from the query string too, and still does.
	resp, b := h.postForm("/oauth/v1/token?"+url.Values{"client_secret": {"secret"}, "refresh_token": {rt}}.Encode(),
		url.Values{"grant_type": {"refresh_token"}, "client_id": {"cid"}})
	if resp.StatusCode != 200 {
		t.Fatalf("v1 with query parameters: %d %s", resp.StatusCode, b)
	}
	for _, r := range h.Requests() {
		if r.Query != "" {
			t.Errorf("the request log kept the query of %s %s: %q", r.Method, r.Path, r.Query)
		}
	}
}

func TestOAuthIntrospection(t *testing.T) {
	h := newHarness(t, false)
	h.RegisterOAuthApp("cid", "secret")
	h.RegisterOAuthApp("other", "secret-2")
	access, refresh := h.IssueTokens(portalA, "cid", ScopesListsReadWrite...)
	h.clock.Advance(10 * time.Minute)
	creds := func(token string) url.Values {
		return url.Values{"client_id": {"cid"}, "client_secret": {"secret"}, "token": {token}}
	}

	// Every answer passes the spec's checks (the harness validates them):
	// the access token's answer is PublicAccessTokenInfoResponse, the
	// refresh token's PublicRefreshTokenInfoResponse, both with hub_id.
	resp, body := h.postForm(introspectPath, creds(access))
	in := decode[struct {
		Active    bool     `json:"active"`
		TokenUse  string   `json:"token_use"`
		HubID     int64    `json:"hub_id"`
		AppID     int      `json:"app_id"`
		ClientID  string   `json:"client_id"`
		ExpiresIn int      `json:"expires_in"`
		Scopes    []string `json:"scopes"`
		Signed    struct {
			HubID int64 `json:"hubId"`
		} `json:"signed_access_token"`
	}](t, body)
	if resp.StatusCode != 200 || !in.Active || in.TokenUse != "access_token" || in.HubID != portalA || in.AppID == 0 ||
		in.ClientID != "cid" || in.ExpiresIn != 1200 || len(in.Scopes) != 2 || in.Signed.HubID != portalA {
		t.Fatalf("introspect access token: %d %s", resp.StatusCode, body)
	}
	resp, body = h.postForm(introspectPath, url.Values{"client_id": {"cid"}, "client_secret": {"secret"}, "token": {refresh},
		"token_type_hint": {"refresh_token"}})
	rin := decode[struct {
		Active   bool   `json:"active"`
		TokenUse string `json:"token_use"`
		HubID    int64  `json:"hub_id"`
	}](t, body)
	if resp.StatusCode != 200 || !rin.Active || rin.TokenUse != "refresh_token" || rin.HubID != portalA {
		t.Fatalf("introspect refresh token: %d %s", resp.StatusCode, body)
	}

	// Refusals, each with the spec's Error shape.
	resp, body = h.postForm(introspectPath, url.Values{"client_id": {"cid"}, "client_secret": {"wrong"}, "token": {access}})
	wantOAuthError(t, "wrong secret", resp, body, "BAD_CLIENT_SECRET", "invalid_client")
	resp, body = h.postForm(introspectPath, url.Values{"client_id": {"other"}, "client_secret": {"secret-2"}, "token": {access}})
	wantOAuthError(t, "another app's token", resp, body, "BAD_TOKEN", "invalid_grant")
	resp, body = h.postForm(introspectPath, creds("C-unknown"))
	wantOAuthError(t, "unknown token", resp, body, "BAD_TOKEN", "invalid_grant")
	resp, body = h.postForm(introspectPath, url.Values{"client_id": {"cid"}, "client_secret": {"secret"}})
	wantOAuthError(t, "no token", resp, body, "BAD_REQUEST", "invalid_request")
	h.RevokeRefreshToken(refresh)
	resp, body = h.postForm(introspectPath, creds(refresh))
	wantOAuthError(t, "revoked refresh token", resp, body, "BAD_REFRESH_TOKEN", "invalid_grant")
	h.clock.Advance(time.Hour)
	resp, body = h.postForm(introspectPath, creds(access))
	wantOAuthError(t, "expired access token", resp, body, "EXPIRED_ACCESS_TOKEN", "invalid_grant")
	if strings.Contains(string(body), access) {
		t.Errorf("the refusal repeats the token: %s", body)
	}
}

func TestOAuthRevoke(t *testing.T) {
	h := newHarness(t, false)
	h.RegisterOAuthApp("cid", "secret")
	h.RegisterOAuthApp("other", "secret-2")
	access, refresh := h.IssueTokens(portalA, "cid", ScopesListsReadWrite...)
	creds := func(token string) url.Values {
		return url.Values{"client_id": {"cid"}, "client_secret": {"secret"}, "token": {token}, "token_type_hint": {"refresh_token"}}
	}
	resp, body := h.postForm(revokePath, creds(access))
	wantOAuthError(t, "revoking an access token", resp, body, "UNSUPPORTED_TOKEN_TYPE", "unsupported_token_type")
	resp, body = h.postForm(revokePath, url.Values{"client_id": {"other"}, "client_secret": {"secret-2"}, "token": {refresh}})
	wantOAuthError(t, "revoking another app's token", resp, body, "BAD_REFRESH_TOKEN", "invalid_grant")

	resp, body = h.postForm(revokePath, creds(refresh))
	if resp.StatusCode != 200 || len(body) != 0 {
		t.Fatalf("revoke: %d %s", resp.StatusCode, body)
	}
	resp, body = h.postForm(tokenPath, url.Values{"grant_type": {"refresh_token"}, "client_id": {"cid"}, "client_secret": {"secret"}, "refresh_token": {refresh}})
	wantOAuthError(t, "refresh with a revoked token", resp, body, "BAD_REFRESH_TOKEN", "invalid_grant")
	resp, body = h.postForm(revokePath, creds(refresh))
	wantOAuthError(t, "revoking twice", resp, body, "BAD_REFRESH_TOKEN", "invalid_grant")
	// As HubSpot documents, access tokens already issued live out their expiry.
	if resp, _ := h.do(http.MethodGet, v2026+"/"+h.listID, access, nil); resp.StatusCode != 200 {
		t.Errorf("access token after revoking its refresh token: %d", resp.StatusCode)
	}
}

// The v1 endpoints stay for old clients: they answer as before, each call
// is warned about, and the token in their paths stays out of the logs.
func TestOAuthV1StillServedForOldClients(t *testing.T) {
	var logs bytes.Buffer
	h := newHarness(t, false, WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	h.RegisterOAuthApp("cid", "secret")
	access, refresh := h.IssueTokens(portalA, "cid", ScopesListsReadWrite...)
	h.clock.Advance(10 * time.Minute)
	resp, body := h.do(http.MethodGet, "/oauth/v1/access-tokens/"+access, "", nil)
	info := decode[struct {
		HubID     int64    `json:"hub_id"`
		ExpiresIn int      `json:"expires_in"`
		Scopes    []string `json:"scopes"`
		AppID     int      `json:"app_id"`
	}](t, body)
	if resp.StatusCode != 200 || info.HubID != portalA || info.ExpiresIn != 1200 || len(info.Scopes) != 2 || info.AppID == 0 {
		t.Fatalf("v1 access token info: %d %s", resp.StatusCode, body)
	}
	if resp, body = h.do(http.MethodGet, "/oauth/v1/refresh-tokens/"+refresh, "", nil); resp.StatusCode != 200 {
		t.Fatalf("v1 refresh token info: %d %s", resp.StatusCode, body)
	}
	if resp, _ = h.do(http.MethodDelete, "/oauth/v1/refresh-tokens/"+refresh, "", nil); resp.StatusCode != 204 {
		t.Fatalf("v1 revoke: %d", resp.StatusCode)
	}
	resp, body = h.postForm(introspectPath, url.Values{"client_id": {"cid"}, "client_secret": {"secret"}, "token": {refresh}})
	wantOAuthError(t, "introspecting a token revoked through v1", resp, body, "BAD_REFRESH_TOKEN", "invalid_grant")
	h.clock.Advance(time.Hour)
	if resp, _ = h.do(http.MethodGet, "/oauth/v1/access-tokens/"+access, "", nil); resp.StatusCode != 404 {
		t.Fatalf("expired token info: %d", resp.StatusCode)
	}

	if n := strings.Count(logs.String(), "v1 OAuth endpoint called"); n != 4 {
		t.Errorf("%d deprecation warnings for 4 v1 calls:\n%s", n, logs.String())
	}
	for _, r := range h.Requests() {
		if strings.Contains(r.Path, access) || strings.Contains(r.Path, refresh) {
			t.Errorf("the request log holds a token: %s %s", r.Method, r.Path)
		}
	}
	if strings.Contains(logs.String(), access) || strings.Contains(logs.String(), refresh) {
		t.Errorf("the emulator logged a token:\n%s", logs.String())
	}
}
