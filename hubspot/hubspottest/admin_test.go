package hubspottest

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

func TestAdminSeedAndInspect(t *testing.T) {
	s := NewServer()
	defer s.Close()
	h := &harness{Emulator: s.Emulator, t: t, url: s.URL}

	resp, body := h.do(http.MethodPost, "/_emulator/portals", "", `{"portalId":7,"contacts":{"from":1,"to":1000},"contactIds":[5000]}`)
	if resp.StatusCode != 200 {
		t.Fatalf("portal: %d %s", resp.StatusCode, body)
	}
	resp, body = h.do(http.MethodPost, "/_emulator/lists", "", `{"portalId":7,"name":"Demo","processingType":"MANUAL"}`)
	listID := decode[struct {
		ListID string `json:"listId"`
	}](t, body).ListID
	if resp.StatusCode != 200 || listID == "" {
		t.Fatalf("list: %d %s", resp.StatusCode, body)
	}
	resp, body = h.do(http.MethodPost, "/_emulator/private-app-tokens", "", `{"portalId":7,"scopes":["crm.lists.read","crm.lists.write"]}`)
	tok := decode[struct {
		Token string `json:"token"`
	}](t, body).Token
	if resp.StatusCode != 200 || !strings.HasPrefix(tok, "pat-na1-") {
		t.Fatalf("token: %d %s", resp.StatusCode, body)
	}
	resp, body = h.do(http.MethodPut, addRemovePath(listID), tok, `{"recordIdsToAdd":["1000","5000","5001"],"recordIdsToRemove":[]}`)
	if got := decode[membershipResp](t, body); resp.StatusCode != 200 || !slices.Equal(got.Added, []string{"1000", "5000"}) {
		t.Fatalf("write: %d %s", resp.StatusCode, body)
	}
	resp, body = h.do(http.MethodGet, "/_emulator/portals/7/lists/"+listID+"/members", "", nil)
	members := decode[struct {
		Size    int     `json:"size"`
		Members []int64 `json:"members"`
	}](t, body)
	if resp.StatusCode != 200 || members.Size != 2 || !slices.Equal(members.Members, []int64{1000, 5000}) {
		t.Fatalf("members: %d %s", resp.StatusCode, body)
	}

	// Faults and rate limits through the admin API.
	if resp, body = h.do(http.MethodPost, "/_emulator/faults", "", `{"faults":[{"kind":"status","status":502,"pathContains":"add-and-remove"}]}`); resp.StatusCode != 204 {
		t.Fatalf("faults: %d %s", resp.StatusCode, body)
	}
	if resp, _ = h.do(http.MethodPut, addRemovePath(listID), tok, addOne); resp.StatusCode != 502 {
		t.Fatalf("injected fault: %d", resp.StatusCode)
	}
	if resp, body = h.do(http.MethodPut, "/_emulator/rate-limit", "", `{"perTenSeconds":1}`); resp.StatusCode != 204 {
		t.Fatalf("rate limit: %d %s", resp.StatusCode, body)
	}
	// The successful write above already used the one call of this 10 s window.
	if resp, _ = h.do(http.MethodGet, v2026+"/"+listID, tok, nil); resp.StatusCode != 429 {
		t.Fatalf("admin rate limit not applied: %d", resp.StatusCode)
	}
	resp, body = h.do(http.MethodGet, "/_emulator/counters", "", nil)
	c := decode[Counters](t, body)
	if c.ByStatus[502] != 1 || c.RateLimited != 1 || c.Total != 3 {
		t.Fatalf("counters: %s", body)
	}
	resp, body = h.do(http.MethodGet, "/_emulator/requests", "", nil)
	if log := decode[struct {
		Requests []RequestRecord `json:"requests"`
	}](t, body); len(log.Requests) != 3 || log.Requests[0].PortalID != 7 {
		t.Fatalf("requests: %s", body)
	}
	if resp, _ = h.do(http.MethodDelete, "/_emulator/requests", "", nil); resp.StatusCode != 204 || s.Counters().Total != 0 {
		t.Fatal("log not reset")
	}
}

func TestAdminOAuthHelpers(t *testing.T) {
	s := NewServer()
	defer s.Close()
	h := &harness{Emulator: s.Emulator, t: t, url: s.URL}
	s.AddContacts(3, 1)
	_, body := h.do(http.MethodPost, "/_emulator/oauth-apps", "", `{}`)
	app := decode[struct{ ClientID, ClientSecret string }](t, body)
	if app.ClientID == "" || app.ClientSecret == "" {
		t.Fatalf("app: %s", body)
	}
	_, body = h.do(http.MethodPost, "/_emulator/oauth-tokens", "", `{"portalId":3,"clientId":"`+app.ClientID+`","scopes":["crm.lists.read"]}`)
	toks := decode[struct{ AccessToken, RefreshToken string }](t, body)
	if resp, _ := h.do(http.MethodPost, "/crm/lists/2026-03/search", toks.AccessToken, `{}`); resp.StatusCode != 200 {
		t.Fatalf("issued token rejected: %d", resp.StatusCode)
	}
	h.do(http.MethodPost, "/_emulator/oauth-tokens/expire", "", nil)
	if resp, _ := h.do(http.MethodPost, "/crm/lists/2026-03/search", toks.AccessToken, `{}`); resp.StatusCode != 401 {
		t.Fatalf("expired token accepted: %d", resp.StatusCode)
	}
}

func TestAdminErrorsNameTheField(t *testing.T) {
	s := NewServer()
	defer s.Close()
	h := &harness{Emulator: s.Emulator, t: t, url: s.URL}
	cases := []struct{ path, body, field string }{
		{"/_emulator/portals", `{"portalId":1,"contacts":{"from":5,"to":1}}`, "contacts"},
		{"/_emulator/portals", `{"portalId":"one"}`, "portalId"},
		{"/_emulator/portals", `{"portalId":1,"contacs":{}}`, "contacs"},
		{"/_emulator/lists", `{"portalId":1,"name":"x","processingType":"ACTIVE"}`, "processingType"},
		{"/_emulator/faults", `{"faults":[{"kind":"status","status":200}]}`, "faults[0]"},
	}
	for _, c := range cases {
		resp, body := h.do(http.MethodPost, c.path, "", c.body)
		e := decode[struct{ Error, Field string }](t, body)
		if resp.StatusCode != 400 || e.Field != c.field || e.Error == "" {
			t.Errorf("%s %s: %d %s, want field %q", c.path, c.body, resp.StatusCode, body, c.field)
		}
	}
}

func TestAdminRefusesNonLoopback(t *testing.T) {
	e := New()
	req := httptest.NewRequest(http.MethodGet, "/_emulator/counters", nil)
	req.RemoteAddr = "10.1.2.3:4567"
	rec := httptest.NewRecorder()
	e.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden {
		t.Fatalf("status = %d", rec.Code)
	}
	req.RemoteAddr = "127.0.0.1:4567"
	rec = httptest.NewRecorder()
	e.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("loopback status = %d", rec.Code)
	}
}
