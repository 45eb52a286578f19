package hubspottest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

const addOne = `{"recordIdsToAdd":["1"],"recordIdsToRemove":[]}`

func TestScriptedStatusFaultsInOrderWithoutState(t *testing.T) {
	h := newHarness(t, false)
	h.InjectFault(
		Fault{Method: "PUT", PathContains: "add-and-remove", Kind: FaultStatus, Status: 503, Times: 2},
		Fault{Method: "PUT", PathContains: "add-and-remove", Kind: FaultStatus, Status: 429},
	)
	if resp, _ := h.do(http.MethodGet, v2026+"/"+h.listID, h.token, nil); resp.StatusCode != 200 {
		t.Fatalf("GET should not match the PUT fault: %d", resp.StatusCode)
	}
	for i, want := range []int{503, 503, 429} {
		resp, body := h.do(http.MethodPut, addRemovePath(h.listID), h.token, addOne)
		e := wantError(t, resp, body, want, categoryForStatus(want))
		if want == 429 && e.PolicyName != "TEN_SECONDLY_ROLLING" {
			t.Errorf("injected 429 body = %s", body)
		}
		wantMembers(t, h.Emulator, portalA, h.listID) // a faulted request applies nothing
		_ = i
	}
	if h.PendingFaults() != 0 {
		t.Fatalf("pending = %d", h.PendingFaults())
	}
	if resp, _ := h.do(http.MethodPut, addRemovePath(h.listID), h.token, addOne); resp.StatusCode != 200 {
		t.Fatalf("after faults: %d", resp.StatusCode)
	}
	wantMembers(t, h.Emulator, portalA, h.listID, 1)
	c := h.Counters()
	if c.Faults != 3 || c.ByStatus[503] != 2 || c.ByStatus[429] != 1 || c.RateLimited != 0 || c.Total != 5 {
		t.Fatalf("counters = %+v", c)
	}
}

func TestEveryFaultStatusHasHubSpotBody(t *testing.T) {
	h := newHarness(t, false)
	for _, status := range []int{400, 401, 403, 404, 408, 429, 500, 502, 503, 504} {
		h.InjectFault(Fault{Kind: FaultStatus, Status: status})
		resp, body := h.do(http.MethodGet, v2026+"/"+h.listID, h.token, nil)
		wantError(t, resp, body, status, categoryForStatus(status))
	}
}

func TestApplyThenStatusChangesState(t *testing.T) {
	h := newHarness(t, false)
	h.InjectFault(Fault{PathContains: "add-and-remove", Kind: FaultApplyThenStatus, Status: 503})
	resp, body := h.do(http.MethodPut, addRemovePath(h.listID), h.token, addOne)
	wantError(t, resp, body, 503, CategoryServiceUnavailable)
	wantMembers(t, h.Emulator, portalA, h.listID, 1)
	last := h.Requests()[len(h.Requests())-1]
	if !last.Applied || last.Fault != FaultApplyThenStatus || last.Status != 503 {
		t.Fatalf("log = %+v", last)
	}
}

// rawPut sends a PUT with its own client so that connection reuse and the
// transport's retry rules do not blur what the server did.
func rawPut(t *testing.T, url, token, body string, timeout time.Duration) error {
	t.Helper()
	c := &http.Client{Timeout: timeout, Transport: &http.Transport{DisableKeepAlives: true}}
	req, _ := http.NewRequest(http.MethodPut, url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err == nil {
		resp.Body.Close()
		return errors.New("got a response: " + resp.Status)
	}
	return err
}

func TestDropFaults(t *testing.T) {
	h := newHarness(t, false)
	h.InjectFault(Fault{Kind: FaultDrop}, Fault{Kind: FaultApplyThenDrop})
	if err := rawPut(t, h.url+addRemovePath(h.listID), h.token, addOne, 5*time.Second); err == nil || strings.Contains(err.Error(), "got a response") {
		t.Fatalf("drop: %v", err)
	}
	wantMembers(t, h.Emulator, portalA, h.listID)
	if err := rawPut(t, h.url+addRemovePath(h.listID), h.token, addOne, 5*time.Second); err == nil || strings.Contains(err.Error(), "got a response") {
		t.Fatalf("apply-then-drop: %v", err)
	}
	wantMembers(t, h.Emulator, portalA, h.listID, 1)
	// A drop is logged before the connection closes, so the count is
	// there as soon as the client has seen the drop.
	if c := h.Counters(); c.ByStatus[0] != 2 {
		t.Fatalf("counters = %+v", c)
	}
}

// waitForLog polls until n requests are logged, i.e. their handlers returned.
func waitForLog(t *testing.T, e *Emulator, n int) []RequestRecord {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if r := e.Requests(); len(r) >= n {
			return r
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("handler did not return: %d requests logged", len(e.Requests()))
	return nil
}

func TestHangEndsWhenClientGivesUp(t *testing.T) {
	h := newHarness(t, false)
	h.InjectFault(Fault{Kind: FaultHang}, Fault{Kind: FaultApplyThenHang})
	err := rawPut(t, h.url+addRemovePath(h.listID), h.token, addOne, 200*time.Millisecond)
	if !errors.Is(err, context.DeadlineExceeded) && !strings.Contains(err.Error(), "Timeout") {
		t.Fatalf("hang: %v", err)
	}
	recs := waitForLog(t, h.Emulator, 1)
	if recs[0].Fault != FaultHang || recs[0].Status != 0 {
		t.Fatalf("log = %+v", recs[0])
	}
	wantMembers(t, h.Emulator, portalA, h.listID)
	_ = rawPut(t, h.url+addRemovePath(h.listID), h.token, addOne, 200*time.Millisecond)
	waitForLog(t, h.Emulator, 2)
	wantMembers(t, h.Emulator, portalA, h.listID, 1) // applied, answer never came
}

func TestDelayFaultAbortsWithTheClient(t *testing.T) {
	h := newHarness(t, false)
	h.InjectFault(Fault{Kind: FaultDelay, Latency: time.Minute})
	err := rawPut(t, h.url+addRemovePath(h.listID), h.token, addOne, 200*time.Millisecond)
	if err == nil || strings.Contains(err.Error(), "got a response") {
		t.Fatalf("delay: %v", err)
	}
	if r := waitForLog(t, h.Emulator, 1)[0]; r.Fault != FaultDelay || r.Applied {
		t.Fatalf("log = %+v", r)
	}
	wantMembers(t, h.Emulator, portalA, h.listID)
	h.InjectFault(Fault{Kind: FaultDelay, Latency: time.Millisecond})
	if resp, _ := h.do(http.MethodPut, addRemovePath(h.listID), h.token, addOne); resp.StatusCode != 200 {
		t.Fatalf("short delay: %d", resp.StatusCode)
	}
	wantMembers(t, h.Emulator, portalA, h.listID, 1)
}

func TestServerCloseReleasesHangingRequests(t *testing.T) {
	s := NewServer()
	s.AddContacts(1, 1)
	list := s.CreateList(1, "L", ProcessingManual)
	tok := s.NewPrivateAppToken(1, ScopesListsReadWrite...)
	s.InjectFault(Fault{Kind: FaultHang})
	done := make(chan error, 1)
	go func() { done <- rawPut(t, s.URL+addRemovePath(list), tok, addOne, 0) }()
	for s.PendingFaults() != 0 { // the request has reached the fault
		time.Sleep(5 * time.Millisecond)
	}
	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close blocked on a hanging request")
	}
	if err := <-done; err == nil || strings.Contains(err.Error(), "got a response") {
		t.Fatalf("client: %v", err)
	}
}

func TestRandomFaultsAreSeededAndMatched(t *testing.T) {
	run := func() []int {
		h := newHarness(t, false, WithFaultSeed(42))
		h.SetRandomFaults(RandomFaults{Probability: 0.5, PathContains: "/memberships", Statuses: []int{500, 503}})
		var got []int
		for range 20 {
			resp, _ := h.do(http.MethodGet, v2026+"/"+h.listID+"/memberships", h.token, nil)
			got = append(got, resp.StatusCode)
		}
		if resp, _ := h.do(http.MethodGet, v2026+"/"+h.listID, h.token, nil); resp.StatusCode != 200 {
			t.Fatalf("unmatched path faulted: %d", resp.StatusCode)
		}
		h.ClearFaults()
		if resp, _ := h.do(http.MethodGet, v2026+"/"+h.listID+"/memberships", h.token, nil); resp.StatusCode != 200 {
			t.Fatalf("after ClearFaults: %d", resp.StatusCode)
		}
		return got
	}
	a, b := run(), run()
	ok, failed := 0, 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed, different outcomes: %v vs %v", a, b)
		}
		if a[i] == 200 {
			ok++
		} else if a[i] == 500 || a[i] == 503 {
			failed++
		}
	}
	if ok == 0 || failed == 0 || ok+failed != 20 {
		t.Fatalf("outcomes = %v", a)
	}
}

// A request answered by an injected fault is logged with its portal, list
// and record IDs, like any other, so filtering the log by list misses none.
func TestFaultedRequestsAreLoggedWithListAndIDs(t *testing.T) {
	e := New()
	e.AddContactRange(1, 1, 10)
	tok := e.NewPrivateAppToken(1, ScopesListsReadWrite...)
	list := e.CreateList(1, "L", ProcessingManual)
	srv := httptest.NewServer(e.Handler())
	defer srv.Close()
	for _, kind := range []FaultKind{FaultStatus, FaultDrop, FaultApplyThenStatus} {
		e.InjectFault(Fault{Kind: kind, Status: 503, PathContains: "add-and-remove"})
		req, _ := http.NewRequest(http.MethodPut, srv.URL+"/crm/lists/2026-03/"+list+"/memberships/add-and-remove",
			strings.NewReader(`{"recordIdsToAdd":["1",2],"recordIdsToRemove":["3"]}`))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		if resp, err := srv.Client().Do(req); err == nil {
			resp.Body.Close()
		}
	}
	reqs := waitForLog(t, e, 3)
	for _, r := range reqs {
		if r.PortalID != 1 || r.ListID != list || !slices.Equal(r.AddIDs, []int64{1, 2}) || !slices.Equal(r.RemoveIDs, []int64{3}) {
			t.Errorf("%s fault logged as portal %d list %q add %v remove %v", r.Fault, r.PortalID, r.ListID, r.AddIDs, r.RemoveIDs)
		}
	}
	if got := e.Members(1, list); !slices.Equal(got, []int64{1, 2}) {
		t.Errorf("apply-then-status applied %v, want [1 2]", got)
	}
}

// The overlap analysis: requests open at once, and a contact in two of
// them on one list (another list, or a later request, does not count).
func TestOverlapAnalysis(t *testing.T) {
	at := func(s int) time.Time { return time.Unix(int64(s), 0) }
	reqs := []RequestRecord{
		{ListID: "1", Time: at(0), End: at(10), AddIDs: []int64{1, 2}},
		{ListID: "1", Time: at(5), End: at(15), RemoveIDs: []int64{2}},
		{ListID: "2", Time: at(5), End: at(15), AddIDs: []int64{1}},
		{ListID: "1", Time: at(10), End: at(20), AddIDs: []int64{1}},
	}
	if got := MaxOpen(reqs); got != 3 {
		t.Errorf("MaxOpen = %d, want 3", got)
	}
	got := ContactOverlaps(reqs)
	if len(got) != 1 || got[0].Contact != 2 || !got[0].A.Time.Equal(at(0)) || !got[0].B.Time.Equal(at(5)) {
		t.Errorf("ContactOverlaps = %+v, want contact 2 in the first two requests", got)
	}
}
