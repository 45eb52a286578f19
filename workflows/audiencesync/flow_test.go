package audiencesync

import (
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// A sync fed by its audience tells the audience how much it still owes,
// once the audience's estimate is stale by a quarter of MaxBacklog, and
// with the numbers the audience needs (last Seq received, backlog now).
func TestSyncReportsItsBacklogToItsAudience(t *testing.T) {
	h := newHarness(t)
	in := baseInput()
	in.MaxBacklog, in.MaxBatchSize = 1000, 100
	var reports []contract.SyncProgress
	h.env.OnSignalExternalWorkflow(mock.Anything, contract.AudienceWorkflowID(testAudience), "", contract.SignalSyncProgress, mock.Anything).
		Return(func(_, _, _, _ string, arg any) error {
			reports = append(reports, arg.(contract.SyncProgress))
			return nil
		})
	h.at(time.Second, func() {
		h.signal(contract.SignalMembership, contract.MembershipChange{Op: contract.OpEnter, RecordIDs: strs(1, 600), Seq: 600})
		h.signal(contract.SignalMembership, contract.MembershipChange{Op: contract.OpEnter, RecordIDs: strs(601, 1000), Seq: 1000})
	})
	h.at(time.Hour, func() { h.signal(contract.SignalStop, nil) })
	h.run(in)

	require.NotEmpty(t, reports)
	// The test environment may run the mocked signals out of order.
	sort.Slice(reports, func(i, j int) bool { return reports[i].Report < reports[j].Report })
	for i, r := range reports {
		assert.Equal(t, testConnector, r.ConnectorID)
		assert.EqualValues(t, i+1, r.Report)
		if i > 0 {
			assert.GreaterOrEqual(t, r.Seq, reports[i-1].Seq)
			assert.Less(t, r.Backlog, reports[i-1].Backlog+int(r.Seq-reports[i-1].Seq)+1)
		}
	}
	last := reports[len(reports)-1]
	assert.EqualValues(t, 1000, last.Seq)
	// Stale by less than a step at the end: the audience's estimate
	// (1000 - Seq + Backlog) is within 250 of the truth (0).
	assert.Less(t, last.Backlog, 250)
	assert.Len(t, h.hs.members(testList), 1000)
}
