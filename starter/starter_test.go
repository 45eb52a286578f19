package starter

import (
	"context"
	"strings"
	"testing"
)

func TestActivateResolvesEveryConnectorBeforeSending(t *testing.T) {
	s, _ := newTestStarter(t) // the mock fails the test on any call
	err := s.Activate(context.Background(), "aud-1", "acme-vip", "nope")
	if err == nil || !strings.Contains(err.Error(), "unknown connector nope") {
		t.Fatalf("err = %v", err)
	}
}

func TestValidation(t *testing.T) {
	s, _ := newTestStarter(t) // no Temporal call may happen
	ctx := context.Background()
	bad := []string{"", "a/b", "a b", "tab\there", "nul\x00", strings.Repeat("x", MaxNameLength+1), "\xff"}
	for _, id := range bad {
		if err := s.Activate(ctx, id, "acme-vip"); err == nil {
			t.Errorf("Activate(%q) accepted", id)
		}
		if err := s.Activate(ctx, "aud", id); err == nil {
			t.Errorf("Activate connector %q accepted", id)
		}
		if _, err := s.Enter(ctx, id, []string{"1"}); err == nil {
			t.Errorf("Enter(%q) accepted", id)
		}
		if id != "" { // empty connector means "all"
			if err := s.Pause(ctx, "aud", id); err == nil {
				t.Errorf("Pause connector %q accepted", id)
			}
		}
	}
	if err := s.Activate(ctx, "aud"); err == nil {
		t.Error("Activate without connectors accepted")
	}
	if err := checkAudience("Audience_42.v2:é"); err != nil {
		t.Errorf("a reasonable ID was refused: %v", err)
	}
}
