package main

import (
	"slices"
	"strings"
	"testing"
)

// A stop naming a connector the audience workflow does not know is ignored by
// it, so the CLI must not report it as done.
func TestStopUnknownConnectorIsNotFound(t *testing.T) {
	h := newHarness(t)
	h.expect(exitNotFound, "stop", "aud-1", "typo")
	if !strings.Contains(h.stderr.String(), `"typo"`) || strings.Contains(h.stdout.String(), "stop requested") {
		t.Errorf("stdout %q stderr %q", h.stdout.String(), h.stderr.String())
	}
	h.expect(exitNotFound, "stop", "nope", "typo") // audience not active either
	if got := h.fake.callStrings(); len(got) != 0 {
		t.Errorf("calls %q", got)
	}

	// In the config file: sent without asking the audience (no race with a
	// just-sent activate). Active but no longer in the file: still stoppable.
	h.expect(exitOK, "stop", "aud-1", "globex-news")
	h.fake.active["aud-1"] = append(h.fake.active["aud-1"], "old-conn")
	h.expect(exitOK, "stop", "aud-1", "old-conn")
	if got := h.fake.callStrings(); !slices.Equal(got, []string{"stop aud-1 globex-news", "stop aud-1 old-conn"}) {
		t.Errorf("calls %q", got)
	}
}
