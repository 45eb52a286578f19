package workflows

import (
	"encoding/json"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// Every payload a workflow emits is bounded here, well under the Temporal
// server's 2 MB blob limit: past it the server fails the workflow task and
// terminates the execution, and whatever it held in memory is gone.
const (
	// serverPayloadLimit is the server's default blob size limit.
	serverPayloadLimit = 2 << 20
	// maxCarriedBytes bounds a continue-as-new input. A run whose carried
	// state would be larger does not continue as new: it keeps draining
	// (the backlog bound below makes that unreachable in practice).
	maxCarriedBytes = 1536 << 10

	// maxSinceRuns bounds the arrival-time runs carried with the buffer.
	maxSinceRuns = 256
	// maxMessageChars bounds an error message kept in state (HubSpot's
	// message, or a problem's text).
	maxMessageChars = 1024
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
	2*maxMessageChars + 16<<10 + // last error, names, counters
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
	2*(2*contract.ReconcileSampleLimit*20+maxMessageChars*6+1024)

// Compile-time check: the worst case fits the carried budget.
var _ = [maxCarriedBytes - worstCarriedBytes]struct{}{}

// encodedSize is the size of v as the default data converter encodes it.
//
// workflowcheck flags encoding/json (reflection); encoding a struct of
// plain values is deterministic, so the size is the same on replay.
//
//workflowcheck:ignore
func encodedSize(v any) int {
	b, err := json.Marshal(v)
	if err != nil {
		return serverPayloadLimit // unknown: treat as too large
	}
	return len(b)
}

// encodeJSON encodes v for a hand-over payload (see encodedSize for why
// this is deterministic).
//
//workflowcheck:ignore
func encodeJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}

// truncate bounds a message kept in workflow state.
func truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}
