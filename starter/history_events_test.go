package starter

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// recorded reads a history recorded on a real dev server
// (workflows/testdata/v0.1.0, see integration/history_test.go).
func recorded(t *testing.T, name string) *historypb.History {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "workflows", "testdata", "v0.1.0", name+".json"))
	require.NoError(t, err)
	defer f.Close()
	h, err := client.HistoryFromJSON(f, client.HistoryJSONOptions{})
	require.NoError(t, err)
	return h
}

func buildLog(t *testing.T, opts LogOptions, names ...string) SyncLog {
	t.Helper()
	out := SyncLog{Contact: opts.Contact}
	b := newLogBuilder(&out, opts)
	for _, n := range names {
		b.run(runHistory{id: n, events: recorded(t, n).GetEvents()})
	}
	return out
}

// The recorded life cycle (integration/history_test.go): 30 contacts enter
// (batches of 20 and 10), 2 leaves, a 404 blocks contact 40's batch, resume, pause, retarget, 50
// enters on the new list, stop.
func TestLogOfARecordedLifeCycle(t *testing.T) {
	all := buildLog(t, LogOptions{}, "sync-lifecycle")
	require.Len(t, all.Runs, 1)
	require.NotNil(t, all.Runs[0].CloseTime, "the run completed")
	require.Len(t, all.Batches, 7)
	assert.Empty(t, all.Changes, "changes are listed for one contact only")
	for _, b := range all.Batches {
		assert.Equal(t, 1, b.Attempts)
		assert.Nil(t, b.Contact)
	}
	failed := all.Batches[3]
	assert.Equal(t, OutcomeFailed, failed.Outcome)
	assert.Equal(t, contract.ErrTypeTerminal, failed.ErrorType)
	require.NotNil(t, failed.Failure)
	assert.Equal(t, 404, failed.Failure.Status)
	assert.Equal(t, "OBJECT_NOT_FOUND", failed.Failure.Category)
	assert.NotEmpty(t, failed.Failure.CorrelationID)
	assert.Equal(t, OutcomeApplied, all.Batches[4].Outcome, "resume retried it as a new batch")
	assert.Equal(t, 1, all.Batches[4].Added)
	assert.NotEqual(t, all.Batches[0].ListID, all.Batches[6].ListID, "retargeted")
	var notes []string
	for _, n := range all.Notes {
		notes = append(notes, n.What)
	}
	assert.Equal(t, []string{"operator: resume", "operator: pause", "operator: resume", "operator: retarget to list " + all.Batches[6].ListID, "operator: stop"}, notes)

	c40 := buildLog(t, LogOptions{Contact: 40}, "sync-lifecycle")
	require.Len(t, c40.Changes, 1)
	assert.Equal(t, contract.OpEnter, c40.Changes[0].Op)
	require.Len(t, c40.Batches, 2)
	assert.Equal(t, ContactResult{Op: "add", Result: OutcomeFailed}, *c40.Batches[0].Contact)
	assert.Equal(t, failed.Failure.CorrelationID, c40.Batches[0].Failure.CorrelationID)
	assert.Equal(t, ContactResult{Op: "add", Result: ResultAdded}, *c40.Batches[1].Contact)

	c2 := buildLog(t, LogOptions{Contact: 2}, "sync-lifecycle")
	require.Len(t, c2.Changes, 2)
	assert.Equal(t, []contract.Op{contract.OpEnter, contract.OpLeave}, []contract.Op{c2.Changes[0].Op, c2.Changes[1].Op})
	require.Len(t, c2.Batches, 2)
	assert.Equal(t, ResultAdded, c2.Batches[0].Contact.Result)
	assert.Equal(t, ContactResult{Op: "remove", Result: ResultRemoved}, *c2.Batches[1].Contact)

	since := buildLog(t, LogOptions{Since: all.Batches[4].Time}, "sync-lifecycle")
	require.Len(t, since.Batches, 3)
	assert.Equal(t, all.Batches[4].BatchID, since.Batches[0].BatchID)
	assert.Len(t, since.Notes, 4, "the first resume came before")
}
