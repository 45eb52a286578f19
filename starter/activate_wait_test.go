package starter

import "testing"

func TestRefusalFindsOnlyNewProblemsAboutTheConnector(t *testing.T) {
	old := "2026-01-01T00:00:00Z activation of connector c1 refused: invalid SyncInput.ListID: required"
	fresh := "2026-01-02T00:00:00Z activation of connector c1 refused: invalid SyncInput.MaxBacklog: must be between 1 and 80000"
	other := "2026-01-02T00:00:00Z activation of connector c2 refused: whatever"
	if got := refusal([]string{old, other}, []string{old}, "c1"); got != "" {
		t.Errorf("an old refusal counted: %q", got)
	}
	if got := refusal([]string{old, other, fresh}, []string{old}, "c1"); got != fresh {
		t.Errorf("refusal = %q, want the new one", got)
	}
}
