package activities

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// However large HubSpot's answer, the result holds only IDs the batch sent,
// each once: the activity result is bounded by the batch.
func TestResultIsBoundedByTheBatch(t *testing.T) {
	req := contract.BatchRequest{Add: []int64{1, 2, 3}, Remove: []int64{4}}
	junk := make([]int64, 100000)
	for i := range junk {
		junk[i] = int64(1000 + i)
	}
	res, ignored := resultOf(req, append([]int64{1, 2, 2}, junk...), []int64{4, 4}, []int64{3, 1})
	require.Equal(t, []int64{1, 2}, res.Added)
	require.Equal(t, []int64{4}, res.Removed)
	require.Equal(t, []int64{3}, res.Missing)
	require.Equal(t, 100000+3, ignored)
}
