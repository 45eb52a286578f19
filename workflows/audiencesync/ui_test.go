package audiencesync

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// A blocked sync's current details say what HubSpot answered and what the
// operator runs next; its search attributes say blocked.
func TestSyncCurrentDetailsWhenBlocked(t *testing.T) {
	h := newHarness(t)
	h.hs.fail = func(n int, req contract.BatchRequest) error { return terminal(404, "OBJECT_NOT_FOUND") }
	h.trackSearchAttributes()
	h.at(time.Second, func() { h.enter("1", "2") })
	var details string
	var state string
	h.at(time.Minute, func() {
		details = h.details()
		state = h.searchKeyword(contract.SearchAttrState.GetName())
		h.signal(contract.SignalDiscard, contract.Discard{Reason: "test"})
		h.signal(contract.SignalStop, nil)
	})
	h.run(baseInput())

	assert.Contains(t, details, "**State:** blocked")
	assert.Contains(t, details, "**Blocked by HubSpot:** 404 OBJECT_NOT_FOUND (correlationId corr-404)")
	assert.Contains(t, details, "**Message:** failure 404")
	assert.Contains(t, details, "`hubsync resume aud-1 con-1`")
	assert.Contains(t, details, "`hubsync discard aud-1 con-1 -reason")
	assert.Contains(t, details, "_updated ")
	assert.Equal(t, contract.StateBlocked, state)
}

func TestSyncCurrentDetailsWhenHealthy(t *testing.T) {
	h := newHarness(t)
	h.at(time.Second, func() { h.enter("1", "2", "3"); h.leave("9") })
	var details string
	h.at(time.Minute, func() { details = h.details(); h.signal(contract.SignalStop, nil) })
	h.run(baseInput())
	assert.Contains(t, details, "**State:** active")
	assert.Contains(t, details, "**Pending:** +0 / −0 · **backlog** 0 of 50,000 IDs")
	assert.Contains(t, details, "**Last batch:** #1 at ")
	assert.Contains(t, details, ": +3 / −1 → added 3, removed 0, missing 0")
	assert.NotContains(t, details, "Blocked")
	b, err := json.Marshal(h.result())
	require.NoError(t, err)
	assert.NotContains(t, string(b), "lastErrorAt", "a healthy status has no error time (not year 1)")
}

// A reconcile shows its progress in the current details while it runs,
// and its outcome once it has ended.
func TestSyncCurrentDetailsShowTheReconcile(t *testing.T) {
	h := newHarness(t)
	h.seed(testList, 1, 2, 3)
	h.at(time.Second, func() { h.mark("rec-ui", false) })
	var during, after string
	h.at(2*time.Second, func() { during = h.details() })
	h.at(3*time.Second, func() { h.sendSnapshot("rec-ui", []int64{2, 3, 4}, 2) })
	h.at(time.Minute, func() { after = h.details(); h.signal(contract.SignalStop, nil) })
	h.run(baseInput())
	assert.Contains(t, during, "**Reconcile** rec-ui: **reading** · snapshot 0 · list read 3 of 3 (1 pages)")
	assert.Contains(t, after, "**Last reconcile** rec-ui: **done** · snapshot 3 · list read 3 of 3 (1 pages) · differences +1 / −1, applied 2 · taken over by later changes 0 · superseded 0 · ended ")
}

// The Web UI text is a pure function of the status the queries answer:
// what a person reads is what a script reads.
func TestDetailsArePureFunctionsOfStatus(t *testing.T) {
	at := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	blocked := contract.Status{State: contract.StateBlocked, AudienceID: "aud", ConnectorID: "conn",
		Owed:      &contract.BatchInfo{BatchID: "hubspot-sync/aud/conn#7", ListID: "9", Adds: 3, StartedAt: at},
		LastError: &contract.HubSpotFailure{Status: 404, Category: "OBJECT_NOT_FOUND", CorrelationID: "c-1", Message: "no such list"}}
	d := SyncDetails(blocked)
	require.Contains(t, d, "**State:** blocked")
	require.Contains(t, d, "**Blocked by HubSpot:** 404 OBJECT_NOT_FOUND (correlationId c-1)")
	require.Contains(t, d, "`hubsync resume aud conn`")
	require.Equal(t, d, SyncDetails(blocked), "the same status, the same text")

}
