package hubspottest

import (
	"net/http"
	"slices"
	"testing"
	"time"
)

func TestAuthFailures(t *testing.T) {
	h := newHarness(t, false)
	path := v2026 + "/" + h.listID

	resp, body := h.do(http.MethodGet, path, "", nil)
	wantError(t, resp, body, 401, CategoryInvalidAuth)
	resp, body = h.do(http.MethodGet, path, "pat-na1-unknown", nil)
	wantError(t, resp, body, 401, CategoryInvalidAuth)

	readOnly := h.NewPrivateAppToken(portalA, "crm.lists.read")
	if resp, body = h.do(http.MethodGet, path, readOnly, nil); resp.StatusCode != 200 {
		t.Fatalf("read with crm.lists.read: %d %s", resp.StatusCode, body)
	}
	resp, body = h.do(http.MethodPut, addRemovePath(h.listID), readOnly, `{"recordIdsToAdd":["1"],"recordIdsToRemove":[]}`)
	e := wantError(t, resp, body, 403, CategoryMissingScopes)
	if !slices.Equal(e.Context["requiredScopes"], []string{"crm.lists.read", "crm.lists.write"}) {
		t.Errorf("requiredScopes = %v", e.Context["requiredScopes"])
	}
	wantMembers(t, h.Emulator, portalA, h.listID)

	writeOnly := h.NewPrivateAppToken(portalA, "crm.lists.write")
	resp, body = h.do(http.MethodGet, path, writeOnly, nil)
	wantError(t, resp, body, 403, CategoryMissingScopes)
}

func TestExpiredOAuthToken(t *testing.T) {
	h := newHarness(t, false, WithTokenLifetime(30*time.Minute))
	access, _ := h.IssueTokens(portalA, "client-1", ScopesListsReadWrite...)
	path := v2026 + "/" + h.listID
	if resp, body := h.do(http.MethodGet, path, access, nil); resp.StatusCode != 200 {
		t.Fatalf("fresh token: %d %s", resp.StatusCode, body)
	}
	h.clock.Advance(29 * time.Minute)
	if resp, _ := h.do(http.MethodGet, path, access, nil); resp.StatusCode != 200 {
		t.Fatalf("token rejected before expiry: %d", resp.StatusCode)
	}
	h.clock.Advance(2 * time.Minute)
	resp, body := h.do(http.MethodGet, path, access, nil)
	wantError(t, resp, body, 401, CategoryExpiredAuth)

	access2, _ := h.IssueTokens(portalA, "client-1", ScopesListsReadWrite...)
	h.ExpireAccessTokens()
	resp, body = h.do(http.MethodGet, path, access2, nil)
	wantError(t, resp, body, 401, CategoryExpiredAuth)
	// Private-app tokens do not expire.
	if resp, _ := h.do(http.MethodGet, path, h.token, nil); resp.StatusCode != 200 {
		t.Fatalf("private-app token expired: %d", resp.StatusCode)
	}
}
