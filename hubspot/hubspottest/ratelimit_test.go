package hubspottest

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

func TestTenSecondRollingLimit(t *testing.T) {
	h := newHarness(t, false, WithRateLimit(5), WithRetryAfter(true))
	path := v2026 + "/" + h.listID
	for i := range 5 {
		resp, _ := h.do(http.MethodGet, path, h.token, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("call %d: %d", i, resp.StatusCode)
		}
		if got := resp.Header.Get("X-HubSpot-RateLimit-Remaining"); got != strconv.Itoa(4-i) {
			t.Errorf("call %d: Remaining = %q", i, got)
		}
		if resp.Header.Get("X-HubSpot-RateLimit-Max") != "5" || resp.Header.Get("X-HubSpot-RateLimit-Interval-Milliseconds") != "10000" {
			t.Errorf("headers = %v", resp.Header)
		}
		if resp.Header.Get("X-HubSpot-RateLimit-Daily") != "" {
			t.Error("daily header without a daily limit")
		}
		h.clock.Advance(time.Second)
	}
	resp, body := h.do(http.MethodGet, path, h.token, nil)
	e := wantError(t, resp, body, 429, CategoryRateLimits)
	if e.PolicyName != "TEN_SECONDLY_ROLLING" || e.ErrorType != "RATE_LIMIT" || e.Message != "You have reached your ten_secondly_rolling limit." {
		t.Errorf("429 body = %s", body)
	}
	if resp.Header.Get("Retry-After") != "5" || resp.Header.Get("X-HubSpot-RateLimit-Remaining") != "0" {
		t.Errorf("Retry-After = %q, Remaining = %q", resp.Header.Get("Retry-After"), resp.Header.Get("X-HubSpot-RateLimit-Remaining"))
	}
	// Another portal has its own budget.
	tokB := h.NewPrivateAppToken(portalB, ScopesListsReadWrite...)
	if resp, _ := h.do(http.MethodGet, path, tokB, nil); resp.StatusCode != 404 {
		t.Fatalf("portal B: %d", resp.StatusCode)
	}
	h.clock.Advance(5 * time.Second) // the oldest call leaves the window
	if resp, _ := h.do(http.MethodGet, path, h.token, nil); resp.StatusCode != 200 {
		t.Fatalf("after the window slid: %d", resp.StatusCode)
	}
	if c := h.Counters(); c.RateLimited != 1 || c.ByStatus[429] != 1 {
		t.Errorf("counters = %+v", c)
	}
}

func TestDailyLimitForPrivateApps(t *testing.T) {
	h := newHarness(t, false, WithDailyLimit(2))
	path := v2026 + "/" + h.listID
	for i := range 2 {
		resp, _ := h.do(http.MethodGet, path, h.token, nil)
		if resp.StatusCode != 200 || resp.Header.Get("X-HubSpot-RateLimit-Daily") != "2" ||
			resp.Header.Get("X-HubSpot-RateLimit-Daily-Remaining") != strconv.Itoa(1-i) {
			t.Fatalf("call %d: %d %v", i, resp.StatusCode, resp.Header)
		}
	}
	resp, body := h.do(http.MethodGet, path, h.token, nil)
	if e := wantError(t, resp, body, 429, CategoryRateLimits); e.PolicyName != "DAILY" {
		t.Fatalf("policy = %s", e.PolicyName)
	}
	// OAuth (public app) tokens have no daily cap.
	access, _ := h.IssueTokens(portalA, "cid", ScopesListsReadWrite...)
	if resp, _ := h.do(http.MethodGet, path, access, nil); resp.StatusCode != 200 || resp.Header.Get("X-HubSpot-RateLimit-Daily") != "" {
		t.Fatalf("oauth token: %d %v", resp.StatusCode, resp.Header)
	}
	h.clock.Advance(24 * time.Hour)
	if resp, _ := h.do(http.MethodGet, path, h.token, nil); resp.StatusCode != 200 {
		t.Fatalf("next day: %d", resp.StatusCode)
	}
}
