package starter

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// Chunking bounds. A signal's payload is limited to 2 MB by the Temporal
// server, which warns above 512 KB. A HubSpot record ID is at most 19 digits,
// about 22 bytes as a JSON string with its comma, so MaxIDsPerSignal valid
// IDs are about 44 KB. Because IDs are not validated here (the workflow
// counts rejects), a chunk is also closed at MaxBytesPerSignal of ID text,
// and a single ID longer than MaxIDBytes is refused before anything is
// sent; together they keep every payload under about 260 KB, half the
// warning threshold, whatever the input.
//
// Fewer, larger signals matter too: a run takes at most 10,000 signals and
// the audience workflow forwards each one to every connector.
const (
	MaxIDsPerSignal   = 2000
	MaxBytesPerSignal = 256 << 10
	MaxIDBytes        = 1024
)

// Accepted says how much of an Enter or Leave call was delivered.
type Accepted struct {
	// IDs is the number of leading record IDs delivered: on error, resend
	// recordIDs[IDs:]. Resending is safe because a change is idempotent
	// (the same op again converges to the same list).
	IDs int `json:"ids"`
	// Signals is the number of chunks delivered (one admit update each).
	Signals int `json:"signals"`
	// ChangeIDs are the delivered signals' ChangeIDs, in order; the
	// workflows log them.
	ChangeIDs []string `json:"changeIds,omitempty"`
}

// Enter signals that the profiles entered the audience: every active
// connector adds them to its list. See send for chunking and errors.
func (s *Starter) Enter(ctx context.Context, audienceID string, recordIDs []string) (Accepted, error) {
	return s.send(ctx, audienceID, contract.OpEnter, recordIDs)
}

// Leave signals that the profiles left the audience: every active connector
// removes them from its list.
func (s *Starter) Leave(ctx context.Context, audienceID string, recordIDs []string) (Accepted, error) {
	return s.send(ctx, audienceID, contract.OpLeave, recordIDs)
}

// send delivers recordIDs to the audience workflow in order, in chunks of at
// most MaxIDsPerSignal IDs and MaxBytesPerSignal bytes, each through the
// workflow's admit update (contract.UpdateAdmit): a chunk returns once
// the audience has queued it, so while a connector's sync owes its
// maximum backlog the call waits (back-pressure; WithWaitReporter shows
// what it waits on) and ctx bounds the wait: a chunk still held when ctx
// ends fails with a *SendTimeoutError whose Cause says why (back-pressure,
// no worker, the server unreachable). It never starts the workflow (see
// the package doc); a missing or closed audience workflow is
// ErrAudienceNotActive. It stops at the first failed chunk and reports
// what was delivered before it, so nothing is lost silently.
//
// Record IDs are sent as given: the workflow accepts the canonical decimal
// form of a positive int64 and counts anything else in its status
// (totalRejected, recentRejected) instead of failing the whole change.
func (s *Starter) send(ctx context.Context, audienceID string, op contract.Op, recordIDs []string) (Accepted, error) {
	var acc Accepted
	if err := checkAudience(audienceID); err != nil {
		return acc, err
	}
	for i, id := range recordIDs {
		if len(id) > MaxIDBytes {
			return acc, fmt.Errorf("starter: %s audience %q: record ID #%d (%.20q...) is %d bytes, more than %d: HubSpot record IDs are decimal numbers; nothing was sent",
				op, audienceID, i+1, id, len(id), MaxIDBytes)
		}
	}
	for _, chunk := range chunks(recordIDs) {
		change := contract.MembershipChange{Op: op, RecordIDs: chunk, ChangeID: uuid.NewString()}
		if err := s.admit(ctx, audienceID, change); err != nil {
			mapped := audienceErr(audienceID, "sending "+string(op)+" to", err)
			if acc.Signals == 0 {
				return acc, mapped
			}
			return acc, fmt.Errorf("%w (delivered %d of %d IDs in %d calls; resend from ID #%d)",
				mapped, acc.IDs, len(recordIDs), acc.Signals, acc.IDs+1)
		}
		acc.IDs += len(chunk)
		acc.Signals++
		acc.ChangeIDs = append(acc.ChangeIDs, change.ChangeID)
		s.log().Debug("sent membership change", "audience", audienceID, "op", op,
			"ids", len(chunk), "changeId", change.ChangeID)
	}
	return acc, nil
}

// chunks splits ids, in order, into slices of at most MaxIDsPerSignal IDs
// whose lengths sum to at most MaxBytesPerSignal (a single ID is never
// split). The chunks alias ids.
func chunks(ids []string) [][]string {
	var out [][]string
	start, size := 0, 0
	for i, id := range ids {
		if i > start && (i-start == MaxIDsPerSignal || size+len(id) > MaxBytesPerSignal) {
			out = append(out, ids[start:i:i])
			start, size = i, 0
		}
		size += len(id)
	}
	if start < len(ids) {
		out = append(out, ids[start:])
	}
	return out
}
