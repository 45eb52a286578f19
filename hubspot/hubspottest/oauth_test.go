package hubspottest

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

type tokenBody struct {
	AccessToken  string   `json:"access_token"`
	RefreshToken string   `json:"refresh_token"`
	ExpiresIn    int      `json:"expires_in"`
	TokenType    string   `json:"token_type"`
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

func TestOAuthCodeRefreshAndErrors(t *testing.T) {
	for _, tokenPath := range []string{"/oauth/v1/token", "/oauth/2026-03/token"} {
		t.Run(tokenPath, func(t *testing.T) {
			h := newHarness(t, false)
			h.RegisterOAuthApp("cid", "secret")
			redirect := "http://localhost:9/callback"
			code := h.authorize("cid", redirect, "xyz")

			form := url.Values{"grant_type": {"authorization_code"}, "client_id": {"cid"}, "client_secret": {"secret"},
				"redirect_uri": {redirect}, "code": {code}}
			resp, body := h.postForm(tokenPath, form)
			tok := decode[tokenBody](t, body)
			if resp.StatusCode != 200 || tok.TokenType != "bearer" || tok.ExpiresIn != 1800 || tok.HubID != portalA ||
				tok.AccessToken == "" || tok.RefreshToken == "" || len(tok.Scopes) != 3 {
				t.Fatalf("code exchange: %d %s", resp.StatusCode, body)
			}
			if resp, _ := h.do(http.MethodGet, v2026+"/"+h.listID, tok.AccessToken, nil); resp.StatusCode != 200 {
				t.Fatalf("access token rejected: %d", resp.StatusCode)
			}
			// Codes are single-use.
			resp, body = h.postForm(tokenPath, form)
			if e := decode[errBody](t, body); resp.StatusCode != 400 || e.Status != "BAD_AUTH_CODE" {
				t.Fatalf("reused code: %d %s", resp.StatusCode, body)
			}

			h.clock.Advance(31 * time.Minute)
			refresh := url.Values{"grant_type": {"refresh_token"}, "client_id": {"cid"}, "client_secret": {"secret"},
				"refresh_token": {tok.RefreshToken}}
			resp, body = h.postForm(tokenPath, refresh)
			tok2 := decode[tokenBody](t, body)
			if resp.StatusCode != 200 || tok2.AccessToken == tok.AccessToken || tok2.RefreshToken != tok.RefreshToken {
				t.Fatalf("refresh: %d %s", resp.StatusCode, body)
			}
			if resp, _ := h.do(http.MethodGet, v2026+"/"+h.listID, tok2.AccessToken, nil); resp.StatusCode != 200 {
				t.Fatalf("refreshed token rejected: %d", resp.StatusCode)
			}

			bad := map[string]url.Values{
				"BAD_CLIENT_SECRET": {"grant_type": {"refresh_token"}, "client_id": {"cid"}, "client_secret": {"nope"}, "refresh_token": {tok.RefreshToken}},
				"BAD_CLIENT_ID":     {"grant_type": {"refresh_token"}, "client_id": {"other"}, "client_secret": {"secret"}, "refresh_token": {tok.RefreshToken}},
				"BAD_REFRESH_TOKEN": {"grant_type": {"refresh_token"}, "client_id": {"cid"}, "client_secret": {"secret"}, "refresh_token": {"na1-nope"}},
				"BAD_GRANT_TYPE":    {"grant_type": {"client_credentials"}, "client_id": {"cid"}, "client_secret": {"secret"}},
			}
			for want, f := range bad {
				resp, body := h.postForm(tokenPath, f)
				if e := decode[errBody](t, body); resp.StatusCode != 400 || e.Status != want || len(e.CorrelationID) != 36 {
					t.Errorf("%s: %d %s", want, resp.StatusCode, body)
				}
			}
			h.RevokeRefreshToken(tok.RefreshToken)
			resp, body = h.postForm(tokenPath, refresh)
			if e := decode[errBody](t, body); resp.StatusCode != 400 || e.Status != "BAD_REFRESH_TOKEN" {
				t.Fatalf("revoked refresh: %d %s", resp.StatusCode, body)
			}
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
	resp, body := h.postForm("/oauth/v1/token", form(rt1))
	rt2 := decode[tokenBody](t, body).RefreshToken
	if resp.StatusCode != 200 || rt2 == "" || rt2 == rt1 {
		t.Fatalf("rotation: %d %s", resp.StatusCode, body)
	}
	resp, body = h.postForm("/oauth/v1/token", form(rt1))
	if e := decode[errBody](t, body); resp.StatusCode != 400 || e.Status != "BAD_REFRESH_TOKEN" {
		t.Fatalf("old refresh token still works: %d %s", resp.StatusCode, body)
	}
	if resp, body = h.postForm("/oauth/v1/token", form(rt2)); resp.StatusCode != 200 {
		t.Fatalf("new refresh token rejected: %d %s", resp.StatusCode, body)
	}
}

func TestOAuthRejectsJSONAndBasicOnlyCredentials(t *testing.T) {
	h := newHarness(t, true)
	h.RegisterOAuthApp("cid", "secret")
	_, rt := h.IssueTokens(portalA, "cid", ScopesListsReadWrite...)
	req, _ := http.NewRequest(http.MethodPost, h.url+"/oauth/v1/token",
		strings.NewReader(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("cid", "secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if e := decode[errBody](t, body); resp.StatusCode != 400 || e.Status != "BAD_CLIENT_ID" {
		t.Fatalf("basic auth only: %d %s", resp.StatusCode, body)
	}
	resp2, body2 := h.do(http.MethodPost, "/oauth/v1/token", "", `{"grant_type":"refresh_token"}`)
	if resp2.StatusCode != 400 {
		t.Fatalf("JSON body: %d %s", resp2.StatusCode, body2)
	}
}

func TestOAuthIntrospection(t *testing.T) {
	h := newHarness(t, false)
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
	resp, body = h.postForm("/oauth/2026-03/token/introspect",
		url.Values{"client_id": {"cid"}, "client_secret": {"secret"}, "token": {access}})
	in := decode[struct {
		Active   bool   `json:"active"`
		TokenUse string `json:"token_use"`
	}](t, body)
	if resp.StatusCode != 200 || !in.Active || in.TokenUse != "access_token" {
		t.Fatalf("introspect: %d %s", resp.StatusCode, body)
	}
	if resp, _ = h.do(http.MethodDelete, "/oauth/v1/refresh-tokens/"+refresh, "", nil); resp.StatusCode != 204 {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	resp, body = h.postForm("/oauth/2026-03/token/introspect",
		url.Values{"client_id": {"cid"}, "client_secret": {"secret"}, "token": {refresh}})
	if in := decode[struct {
		Active bool `json:"active"`
	}](t, body); resp.StatusCode != 200 || in.Active {
		t.Fatalf("introspect revoked refresh: %d %s", resp.StatusCode, body)
	}
	h.clock.Advance(time.Hour)
	if resp, _ = h.do(http.MethodGet, "/oauth/v1/access-tokens/"+access, "", nil); resp.StatusCode != 404 {
		t.Fatalf("expired token info: %d", resp.StatusCode)
	}
}
