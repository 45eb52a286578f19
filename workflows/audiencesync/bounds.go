package audiencesync

import (
	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/workflows/internal/payload"
)

// Every payload a workflow emits is bounded here, well under the Temporal
// server's 2 MB blob limit: past it the server fails the workflow task and
// terminates the execution, and whatever it held in memory is gone.
const (

	// maxSinceRuns bounds the arrival-time runs carried with the buffer.
	maxSinceRuns = 256
	// progressDivisor: a sync reports its backlog to the audience each
	// time the audience's estimate is off by MaxBacklog/progressDivisor.
	progressDivisor = 4
)

// worstCarriedBytes is the largest SyncInput a continue-as-new can carry
// at the bounds above, JSON-encoded: the pending buffer at MaxMaxBacklog
// arbitrary IDs, an owed batch of MaxMaxBatchSize 19-digit IDs, and the
// samples and error text at their limits. A unit test builds exactly that
// state and checks the real encoding stays below it.
const worstCarriedBytes = contract.MaxMaxBacklog*maxPackedIDBytes*4/3 + // packed IDs, base64
	contract.MaxMaxBacklog/8*4/3 + // leave bits, base64
	maxSinceRuns*64 + // since runs
	contract.MaxMaxBatchSize*20 + // owed batch as a JSON array
	contract.RecentMissingLimit*20*2 + contract.RecentRejectedLimit*(contract.RejectedSampleChars*6+16) + // missing, overflowed, rejected (escaped)
	2*payload.MaxMessageChars + 16<<10 + // last error, names, counters
	reconcileCarriedBytes

// reconcileCarriedBytes bounds a reconcile's share of the carried state:
// its touched contacts count with the pending buffer above (the hard cap
// covers both); here are the snapshot waiting to be merged (at most two
// chunks), the members read but not merged (at most two pages), the
// differences' and pre-mark bits, and two reconcile statuses with their samples and
// error text.
const reconcileCarriedBytes = 2*contract.MaxSnapshotChunkIDs*maxPackedIDBytes*4/3 +
	2*maxPageIDs*maxPackedIDBytes*4/3 +
	2*contract.MaxMaxBacklog/8*4/3 + // difference and pre-mark bits
	2*(2*contract.ReconcileSampleLimit*20+payload.MaxMessageChars*6+1024)

// Compile-time check: the worst case fits the carried budget.
var _ = [payload.MaxCarriedBytes - worstCarriedBytes]struct{}{}
