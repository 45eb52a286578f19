package audience

import (
	"fmt"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// registerAdmit installs UpdateAdmit, the back-pressured way to send
// changes: the handler returns once the change is queued, which waits
// while the queue is above its soft bounds. Calls are served first come,
// first served, so one sender's changes keep their order.
func (a *audience) registerAdmit(ctx workflow.Context) error {
	return workflow.SetUpdateHandlerWithOptions(ctx, contract.UpdateAdmit, a.admit,
		workflow.UpdateHandlerOptions{Validator: a.validateAdmit})
}

// validateAdmit refuses, before anything is written to history, a change
// the audience could not use. It must not change state.
func (a *audience) validateAdmit(_ workflow.Context, m contract.MembershipChange) error {
	bad := func(format string, args ...any) error {
		return temporal.NewApplicationError("invalid admit: "+fmt.Sprintf(format, args...), contract.ErrTypeInvalidInput)
	}
	switch {
	case a.draining:
		return temporal.NewApplicationError(fmt.Sprintf(
			"audience %s is continuing as new: send the same change again", a.id), contract.ErrTypeRetryAdmit)
	case m.Op != contract.OpEnter && m.Op != contract.OpLeave:
		return bad("op %q: must be %q or %q", m.Op, contract.OpEnter, contract.OpLeave)
	case len(m.RecordIDs) == 0:
		return bad("recordIds is empty")
	case len(m.RecordIDs) > contract.MaxAdmitIDs:
		return bad("%d recordIds: send at most %d per call", len(m.RecordIDs), contract.MaxAdmitIDs)
	case m.Seq != 0:
		return bad("seq is set by the audience workflow when it forwards; leave it empty")
	case len(m.Runs) > 0:
		return bad("runs is set by the audience workflow when it forwards; send op and recordIds")
	}
	size := 0
	for _, id := range m.RecordIDs {
		size += jsonLen(id)
	}
	if size > contract.MaxAdmitBytes {
		return bad("%d bytes of record IDs (as JSON): send at most %d per call; record IDs are decimal numbers", size, contract.MaxAdmitBytes)
	}
	return nil
}

// admit waits for its turn and for room, then queues the change.
func (a *audience) admit(ctx workflow.Context, m contract.MembershipChange) (contract.AdmitResult, error) {
	a.tickets++
	ticket := a.tickets
	a.waiters = append(a.waiters, ticket)
	bytes := changeBytes(&m)
	ready := func() bool {
		return a.waiters[0] == ticket && (len(a.queue.items) == 0 ||
			a.queue.ids+len(m.RecordIDs) <= contract.QueueSoftIDs && a.queue.bytes+bytes <= contract.QueueSoftBytes)
	}
	err := workflow.Await(ctx, func() bool { return ready() || a.draining })
	ok := err == nil && ready()
	for i, t := range a.waiters {
		if t == ticket {
			a.waiters = append(a.waiters[:i:i], a.waiters[i+1:]...)
			break
		}
	}
	if !ok {
		return contract.AdmitResult{}, temporal.NewApplicationError(fmt.Sprintf(
			"audience %s is continuing as new: send the same change again", a.id), contract.ErrTypeRetryAdmit)
	}
	// Changes signalled before this call may still sit in the channel:
	// they go first.
	a.receive(ctx, a.commands, a.progress)
	a.queue.push(queueItem{change: &m, units: len(m.RecordIDs), bytes: bytes})
	a.counters.Admitted += int64(len(m.RecordIDs))
	a.admitsThisRun++
	a.woken = true
	return contract.AdmitResult{Accepted: len(m.RecordIDs), Queued: a.queue.ids}, nil
}
