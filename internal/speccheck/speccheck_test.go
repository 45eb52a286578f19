package speccheck

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestFindSpecDirHonoursEnv(t *testing.T) {
	t.Setenv(EnvSpecDir, t.TempDir())
	if _, err := FindSpecDir(); err == nil || !strings.Contains(err.Error(), EnvSpecDir) {
		t.Fatalf("empty %s: want an error naming the variable, got %v", EnvSpecDir, err)
	}
}

func putAddRemove(path string) *http.Request {
	body := `{"recordIdsToAdd":["1"],"recordIdsToRemove":[]}`
	r := httptest.NewRequest(http.MethodPut, path, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	return r
}

func TestCheckerAcceptsValidAndRejectsInvalid(t *testing.T) {
	c := Load(t)
	body := []byte(`{"recordIdsToAdd":["1"],"recordIdsToRemove":[]}`)
	for _, p := range []string{"/crm/lists/2026-03/7/memberships/add-and-remove", "/crm/v3/lists/7/memberships/add-and-remove"} {
		if err := c.CheckRequest(putAddRemove(p), body); err != nil {
			t.Errorf("valid request to %s rejected: %v", p, err)
		}
		h := http.Header{"Content-Type": {"application/json"}}
		ok := []byte(`{"recordIdsMissing":[],"recordIdsRemoved":[],"recordsIdsAdded":["1"]}`)
		if err := c.CheckResponse(putAddRemove(p), body, 200, h, ok); err != nil {
			t.Errorf("valid response rejected: %v", err)
		}
		// The correctly spelled field is not what HubSpot's spec says.
		bad := []byte(`{"recordIdsMissing":[],"recordIdsRemoved":[],"recordIdsAdded":["1"]}`)
		if err := c.CheckResponse(putAddRemove(p), body, 200, h, bad); err == nil {
			t.Errorf("response without recordsIdsAdded accepted for %s", p)
		}
		errBody := []byte(`{"status":"error","message":"x","correlationId":"not-a-uuid","category":"VALIDATION_ERROR"}`)
		if err := c.CheckResponse(putAddRemove(p), body, 400, h, errBody); err == nil {
			t.Errorf("error with a non-UUID correlationId accepted")
		}
	}
	missing := []byte(`{"recordIdsToAdd":["1"]}`)
	if err := c.CheckRequest(putAddRemove("/crm/lists/2026-03/7/memberships/add-and-remove"), missing); err == nil {
		t.Error("request without recordIdsToRemove accepted")
	}
	if err := c.CheckRequest(httptest.NewRequest(http.MethodGet, "/crm/lists/2026-03/7/nope", nil), nil); err == nil {
		t.Error("undocumented path accepted")
	}
	if err := c.CheckRequest(httptest.NewRequest(http.MethodGet, "/_emulator/", nil), nil); err != ErrNotAPI {
		t.Errorf("admin path: want ErrNotAPI, got %v", err)
	}
}

type recorderTB struct {
	testing.TB
	errors []string
}

func (r *recorderTB) Errorf(format string, args ...any) { r.errors = append(r.errors, format) }

func TestMiddlewareReportsBadResponse(t *testing.T) {
	rec := &recorderTB{TB: t}
	bad := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"list":{"listId":"1"}}`)) // lacks required fields
	})
	srv := httptest.NewServer(Middleware(rec, bad))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/crm/lists/2026-03/1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || len(rec.errors) != 1 {
		t.Fatalf("want the 200 forwarded and one reported violation, got %d and %v", resp.StatusCode, rec.errors)
	}
}

func postForm(path string, form url.Values) (*http.Request, []byte) {
	body := []byte(form.Encode())
	r := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r, body
}

// 2026-03 OAuth traffic is routed to oauth-2026-03.json (and v1 traffic to
// oauth-v1.json), and its fields are checked there: the token answer's
// token_use, introspection's hub_id, the error's correlationId.
func TestOAuth2026TrafficIsCheckedAgainstItsOwnSpec(t *testing.T) {
	c := Load(t)
	for path, version := range map[string]string{"/oauth/2026-03/token": "2026-03", "/oauth/2026-03/token/introspect": "2026-03",
		"/oauth/2026-03/token/revoke": "2026-03", "/oauth/v1/token": "v1"} {
		req, body := postForm(path, url.Values{"client_id": {"c"}, "client_secret": {"s"}})
		m, err := c.route(req, body)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if got := m.input.Route.Spec.Info.Version; got != version {
			t.Errorf("%s was checked against the spec of version %s, want %s", path, got, version)
		}
	}

	json := http.Header{"Content-Type": {"application/json;charset=utf-8"}}
	tokenReq, tokenBody := postForm("/oauth/2026-03/token", url.Values{"grant_type": {"refresh_token"}, "client_id": {"c"},
		"client_secret": {"s"}, "refresh_token": {"r"}})
	if err := c.CheckRequest(tokenReq, tokenBody); err != nil {
		t.Errorf("valid refresh request rejected: %v", err)
	}
	badReq, badBody := postForm("/oauth/2026-03/token", url.Values{"grant_type": {"password"}})
	if err := c.CheckRequest(badReq, badBody); err == nil {
		t.Error("grant_type outside the spec's enum accepted")
	}
	answer := `{"access_token":"a","refresh_token":"r","expires_in":1800,"token_type":"bearer","token_use":"access_token","hub_id":101}`
	if err := c.CheckResponse(tokenReq, tokenBody, 200, json, []byte(answer)); err != nil {
		t.Errorf("valid token answer rejected: %v", err)
	}
	if err := c.CheckResponse(tokenReq, tokenBody, 200, json, []byte(`{"access_token":"a","refresh_token":"r","expires_in":1800,"token_type":"bearer"}`)); err == nil {
		t.Error("token answer without token_use accepted")
	}
	refusal := `{"error":"invalid_grant","error_description":"d","status":"BAD_REFRESH_TOKEN","message":"d","category":"VALIDATION_ERROR","correlationId":"aeb5f871-7f07-4993-9211-075dc63e7cbf"}`
	if err := c.CheckResponse(tokenReq, tokenBody, 400, json, []byte(refusal)); err != nil {
		t.Errorf("valid refusal rejected: %v", err)
	}
	if err := c.CheckResponse(tokenReq, tokenBody, 400, json, []byte(`{"error":"invalid_grant","status":"BAD_REFRESH_TOKEN","message":"d","category":"VALIDATION_ERROR"}`)); err == nil {
		t.Error("refusal without correlationId accepted")
	}

	inReq, inBody := postForm("/oauth/2026-03/token/introspect", url.Values{"client_id": {"c"}, "client_secret": {"s"}, "token": {"r"}})
	info := `{"active":true,"app_id":1,"client_id":"c","hub_id":101,"scopes":["crm.lists.read"],"token":"r","token_type":"refresh","token_use":"refresh_token","user_id":1}`
	if err := c.CheckResponse(inReq, inBody, 200, json, []byte(info)); err != nil {
		t.Errorf("valid introspection rejected: %v", err)
	}
	if err := c.CheckResponse(inReq, inBody, 200, json, []byte(strings.Replace(info, `"hub_id":101,`, "", 1))); err == nil {
		t.Error("introspection without hub_id accepted")
	}

	// The spec documents no success answer of revoke: an empty 2xx passes,
	// a body is still checked against the Error schema.
	revReq, revBody := postForm("/oauth/2026-03/token/revoke", url.Values{"client_id": {"c"}, "client_secret": {"s"}, "token": {"r"}})
	if err := c.CheckResponse(revReq, revBody, 200, http.Header{}, nil); err != nil {
		t.Errorf("empty revoke success rejected: %v", err)
	}
	if err := c.CheckResponse(revReq, revBody, 200, json, []byte(`{"revoked":true}`)); err == nil {
		t.Error("revoke success with an undocumented body accepted")
	}
	if err := c.CheckRequest(httptest.NewRequest(http.MethodGet, "/oauth/2026-03/access-tokens/x", nil), nil); err == nil {
		t.Error("a v1-style path under /oauth/2026-03/ accepted")
	}
}
