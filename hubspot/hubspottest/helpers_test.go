package hubspottest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/audiencesync/hubspot-list-sync/internal/speccheck"
)

const (
	portalA = int64(101)
	portalB = int64(202)
	v2026   = "/crm/lists/2026-03"
)

// harness is an emulator behind the spec-checking middleware, with portal A
// holding contacts 1..10, a MANUAL list and a read/write private-app token.
type harness struct {
	*Emulator
	t      *testing.T
	url    string
	clock  *FakeClock
	token  string
	listID string
}

func newHarness(t *testing.T, lenient bool, opts ...Option) *harness {
	t.Helper()
	clock := NewFakeClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	e := New(append([]Option{WithClock(clock.Now)}, opts...)...)
	var sopts []speccheck.Option
	if lenient {
		sopts = append(sopts, speccheck.LenientRequests())
	}
	ts := httptest.NewServer(speccheck.Middleware(t, e.Handler(), sopts...))
	t.Cleanup(func() { e.Close(); ts.Close() })
	e.AddContactRange(portalA, 1, 10)
	h := &harness{Emulator: e, t: t, url: ts.URL, clock: clock,
		token: e.NewPrivateAppToken(portalA, ScopesListsReadWrite...), listID: e.CreateList(portalA, "Audience", ProcessingManual)}
	return h
}

// do sends a request; body may be nil, a string (sent verbatim) or a value to marshal.
func (h *harness) do(method, path, token string, body any) (*http.Response, []byte) {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, h.url+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp, out
}

type membershipResp struct {
	Missing []string `json:"recordIdsMissing"`
	Removed []string `json:"recordIdsRemoved"`
	Added   []string `json:"recordsIdsAdded"`
}

type errBody struct {
	Status        string              `json:"status"`
	Message       string              `json:"message"`
	CorrelationID string              `json:"correlationId"`
	Category      string              `json:"category"`
	Context       map[string][]string `json:"context"`
	ErrorType     string              `json:"errorType"`
	PolicyName    string              `json:"policyName"`
	OAuthError    string              `json:"error"`             // RFC 6749, 2026-03 OAuth only
	OAuthDesc     string              `json:"error_description"` // RFC 6749, 2026-03 OAuth only
}

func decode[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
	return v
}

// wantError asserts a HubSpot error of the given status and category.
func wantError(t *testing.T, resp *http.Response, body []byte, status int, category string) errBody {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, status, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	e := decode[errBody](t, body)
	if e.Category != category || e.Message == "" || len(e.CorrelationID) != 36 {
		t.Errorf("error body = %+v, want category %s with message and correlationId", e, category)
	}
	return e
}

func addRemovePath(listID string) string { return v2026 + "/" + listID + "/memberships/add-and-remove" }

func wantMembers(t *testing.T, e *Emulator, portal int64, listID string, want ...int64) {
	t.Helper()
	if got := e.Members(portal, listID); !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
		t.Fatalf("members = %v, want %v", got, want)
	}
}
