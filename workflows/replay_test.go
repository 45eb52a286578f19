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

// TestReplayRecordedHistories replays the histories of every release
// (testdata/vX.Y.Z, and testdata/next before a release: recorded on a real Temporal dev server by
// integration.TestRecordedHistoriesReplay with RECORD_HISTORY=1) against
// the current workflow code: a change that breaks determinism for
// workflows still running from any release fails here. Such a change is
// versioned (docs/architecture.md#versioning) and these files stay.
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*", "*.json"))
	require.NoError(t, err)
	require.FileExists(t, filepath.Join("testdata", "v0.1.0", "sync-lifecycle.json"), "the first release's histories")
	releases := map[string]int{}
	for _, f := range files {
		releases[filepath.Base(filepath.Dir(f))]++
	}
	t.Logf("replaying %d histories of %d releases: %v", len(files), len(releases), releases)
	for _, f := range files {
		t.Run(filepath.Join(filepath.Base(filepath.Dir(f)), filepath.Base(f)), func(t *testing.T) {
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
