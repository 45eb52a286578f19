package audience

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/workflows/internal/payload"
)

// The audience at every bound at once: the most connectors, each with the
// largest activation, a full queue of changes whose IDs escape to six
// times their length, full problems. Its hand-over still fits.
func TestAudienceHandOverAtItsBoundFits(t *testing.T) {
	a := &audience{id: strings.Repeat("a", 200)}
	for i := range audienceMaxConnectors {
		in := contract.SyncInput{AudienceID: a.id, ConnectorID: fmt.Sprintf("%064d", i), ListID: strings.Repeat("9", 19)}
		in.ListID += strings.Repeat("9", maxActivationBytes-payload.Size(in))
		require.LessOrEqual(t, payload.Size(in), maxActivationBytes)
		a.connectors = append(a.connectors, in)
	}
	a.flows = a.reconcileFlows(nil)
	for i := range contract.AudienceProblemsLimit {
		a.problems = append(a.problems, "2026-01-01T00:00:00Z "+payload.Truncate(strings.Repeat("<", 10*payload.MaxMessageChars), payload.MaxMessageChars/2)+fmt.Sprint(i))
	}
	for k := 0; ; k++ {
		m := contract.MembershipChange{Op: contract.OpEnter, ChangeID: fmt.Sprint(k)}
		for j := 0; j < 500; j++ {
			m.RecordIDs = append(m.RecordIDs, strings.Repeat("<", 20))
		}
		it := queueItem{change: &m, units: len(m.RecordIDs), bytes: changeBytes(&m)}
		if a.queue.bytes+it.bytes > contract.QueueHardBytes {
			break
		}
		a.queue.push(it)
	}
	next := a.next(contract.AudienceInput{AudienceID: a.id})
	size := payload.Size(next)
	t.Logf("audience hand-over at its bounds: %d bytes (queue accounted %d; bound %d)", size, a.queue.bytes, payload.MaxCarriedBytes)
	require.Less(t, size, payload.MaxCarriedBytes)
}
