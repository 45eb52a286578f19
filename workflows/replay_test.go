package workflows

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// TestReplayRecordedHistories replays histories recorded on a real Temporal
// dev server (integration.TestRecordedHistoriesReplay with RECORD_HISTORY=1)
// against the current workflow code: a change that breaks determinism for
// running workflows fails here. From the first release on, guard such
// changes with a version and keep the old histories.
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files, "no recorded histories in workflows/testdata")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			r, err := os.Open(f)
			require.NoError(t, err)
			defer r.Close()
			hist, err := client.HistoryFromJSON(r, client.HistoryJSONOptions{})
			require.NoError(t, err)
			id, err := HistoryWorkflowID(hist)
			require.NoError(t, err)
			replayer := worker.NewWorkflowReplayer()
			RegisterSync(replayer)
			RegisterAudience(replayer)
			require.NoError(t, replayer.ReplayWorkflowHistoryWithOptions(nil, hist, worker.ReplayWorkflowHistoryOptions{
				OriginalExecution: workflow.Execution{ID: id, RunID: "replay"}}))
		})
	}
}
