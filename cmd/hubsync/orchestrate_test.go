package main

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/starter"
)

func TestActivate(t *testing.T) {
	h := newHarness(t)
	h.expect(exitOK, "activate", "aud-1", "acme-vip", "globex-news")
	if got := h.fake.callStrings(); !slices.Equal(got, []string{"activate aud-1 acme-vip,globex-news"}) {
		t.Errorf("calls %q", got)
	}
	if !strings.Contains(h.stdout.String(), "hubspot-audience/aud-1") {
		t.Errorf("stdout %q", h.stdout.String())
	}
	// An unknown connector is "not found" and nothing is activated.
	h.expect(exitNotFound, "activate", "aud-1", "acme-vip", "typo")
	if len(h.fake.calls) != 1 || !strings.Contains(h.stderr.String(), `"typo"`) {
		t.Errorf("calls %q stderr %q", h.fake.callStrings(), h.stderr.String())
	}
}

func TestEnterLeave(t *testing.T) {
	h := newHarness(t)
	h.expect(exitOK, "enter", "aud-1", "101", "102")
	h.expect(exitOK, "leave", "aud-1", "103", "-json")
	var out map[string]any
	if err := json.Unmarshal(h.stdout.Bytes(), &out); err != nil || out["sent"] != 1.0 || out["op"] != "leave" {
		t.Errorf("json %s (%v)", h.stdout.String(), err)
	}
	if got := h.fake.callStrings(); !slices.Equal(got, []string{"enter aud-1 [101 102]", "leave aud-1 [103]"}) {
		t.Errorf("calls %q", got)
	}

	// Not record IDs: refused before sending anything.
	h.expect(exitUsage, "enter", "aud-1", "101", "abc", "0")
	if len(h.fake.calls) != 2 || !strings.Contains(h.stderr.String(), `"abc" "0"`) {
		t.Errorf("calls %q stderr %q", h.fake.callStrings(), h.stderr.String())
	}

	// Never activated: exit 3 and the message says to activate.
	h.expect(exitNotFound, "enter", "nope", "101")
	if !strings.Contains(h.stderr.String(), "activate") {
		t.Errorf("stderr %q", h.stderr.String())
	}
}

func TestEnterPartial(t *testing.T) {
	h := newHarness(t)
	h.fake.fail, h.fake.failAfter, h.fake.failErr = 1, 1, errors.New("connection lost")
	h.expect(exitPartial, "enter", "aud-1", "101", "102")
	if !strings.Contains(h.stdout.String(), "sent 1 of 2") || !strings.Contains(h.stderr.String(), "after the first 1") {
		t.Errorf("stdout %q stderr %q", h.stdout.String(), h.stderr.String())
	}
}

func TestOperatorCommands(t *testing.T) {
	h := newHarness(t)
	h.expect(exitOK, "pause", "aud-1", "acme-vip")
	h.expect(exitOK, "resume", "aud-1") // every connector
	h.expect(exitOK, "retarget", "aud-1", "acme-vip", "77", "-check=false")
	h.expect(exitOK, "discard", "aud-1", "globex-news", "-reason", "list deleted")
	h.expect(exitOK, "stop", "aud-1", "globex-news")
	want := []string{
		"pause aud-1 acme-vip",
		"resume aud-1 acme-vip", "resume aud-1 globex-news",
		"retarget aud-1 acme-vip 77",
		"discard aud-1 globex-news list deleted",
		"stop aud-1 globex-news",
	}
	if got := h.fake.callStrings(); !slices.Equal(got, want) {
		t.Errorf("calls\n%q\nwant\n%q", got, want)
	}
}

func TestOperatorOnEveryConnectorReportsEach(t *testing.T) {
	h := newHarness(t)
	h.fake.opErr["acme-vip"] = &starter.NotActiveError{AudienceID: "aud-1", ConnectorID: "acme-vip"}
	h.expect(exitPartial, "pause", "aud-1", "-json")
	var out struct {
		Results []struct {
			ConnectorID string
			OK          bool
		}
	}
	if err := json.Unmarshal(h.stdout.Bytes(), &out); err != nil || len(out.Results) != 2 || out.Results[0].OK || !out.Results[1].OK {
		t.Errorf("json %s (%v)", h.stdout.String(), err)
	}
	// Every one failing as not active is exit 3.
	h.fake.opErr["globex-news"] = &starter.NotActiveError{AudienceID: "aud-1", ConnectorID: "globex-news"}
	h.expect(exitNotFound, "pause", "aud-1")
	h.expect(exitNotFound, "pause", "nope")
}

func TestStatus(t *testing.T) {
	h := newHarness(t)
	h.fake.status = map[string]contract.Status{
		"acme-vip": {State: contract.StateBlocked, AudienceID: "aud-1", ConnectorID: "acme-vip", ListID: "9",
			PendingAdds: 3, Owed: &contract.BatchInfo{BatchID: "b#4", Adds: 2},
			LastError: &contract.HubSpotFailure{Status: 404, Message: "list not found"},
			Counters:  contract.Counters{TotalAdded: 40}},
	}
	// globex-news cannot be read: partial.
	h.expect(exitPartial, "status", "aud-1")
	out := h.stdout.String()
	for _, want := range []string{"2 active connector(s)", "acme-vip", "blocked", "HTTP 404 list not found", "globex-news", "not active"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	h.fake.status["globex-news"] = contract.Status{State: contract.StateActive}
	h.expect(exitOK, "status", "aud-1", "-json")
	var rep starter.AudienceReport
	if err := json.Unmarshal(h.stdout.Bytes(), &rep); err != nil || len(rep.Connectors) != 2 || rep.Connectors[0].Status.TotalAdded != 40 {
		t.Errorf("json %s (%v)", h.stdout.String(), err)
	}
	h.expect(exitOK, "status", "aud-1", "acme-vip")
	if !strings.Contains(h.stdout.String(), "owed") || !strings.Contains(h.stdout.String(), "b#4") {
		t.Errorf("detail:\n%s", h.stdout.String())
	}
	h.expect(exitNotFound, "status", "aud-1", "other")
	h.expect(exitNotFound, "status", "nope")
}
