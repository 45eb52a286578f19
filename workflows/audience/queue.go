package audience

import (
	"encoding/json"
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/workflows/internal/payload"
)

// The audience's queue holds commands accepted but not yet carried out, in
// order. Membership changes leave it only as fast as every connector has
// room (flow.go), so this queue is where a backlog waits. It is
// bounded: admits wait while it is above its soft bounds, and a signal that
// would take it past contract.QueueHardBytes is refused and counted (signals cannot
// wait). Its hand-over at continue-as-new is therefore at most
// contract.QueueHardBytes.
const (
	// maxForwardsPerPump bounds one forwarding pass.
	maxForwardsPerPump = 20
	// forwardChunkBytes bounds the ID text of one forwarded signal, as
	// forwardChunkIDs bounds its IDs (IDs are not validated until the
	// sync, so a change of long junk strings must not add up past 2 MB).
	forwardChunkBytes = 256 << 10
)

type queueItem struct {
	activate, deactivate json.RawMessage
	// reconcile is a ReconcileRequest: its mark goes to one connector.
	reconcile json.RawMessage
	// change is a well-formed change, consumed from the front as room
	// allows; raw is a membership payload that is not, forwarded whole for
	// the sync to count what is wrong with it.
	change *contract.MembershipChange
	raw    json.RawMessage
	units  int // record IDs it adds to a sync's backlog at most
	bytes  int
	// ticket names an activate or deactivate update waiting for this
	// command's outcome (0: none).
	ticket int64
}

type queue struct {
	items      []queueItem
	ids, bytes int
}

func (q *queue) push(it queueItem) {
	q.items = append(q.items, it)
	q.ids += it.units
	q.bytes += it.bytes
}

func (q *queue) pop() queueItem {
	it := q.items[0]
	q.items[0] = queueItem{}
	q.items = q.items[1:]
	q.ids -= it.units
	q.bytes -= it.bytes
	return it
}

// changeBytes bounds a change's JSON size from above.
func changeBytes(m *contract.MembershipChange) int {
	n := 64 + jsonLen(m.ChangeID)
	for _, id := range m.RecordIDs {
		n += jsonLen(id) + 3
	}
	return n
}

// jsonLen bounds the length of s as a JSON string's contents: escaping
// (quotes, control characters, HTML characters, invalid UTF-8) can make
// it up to six times longer than s, and the bounds must hold for any
// input, not just decimal IDs.
func jsonLen(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			n += 2
		case c < 0x20 || c == '<' || c == '>' || c == '&' || c >= 0x80:
			n += 6
		default:
			n++
		}
	}
	return n
}

// rawChange forwards a membership payload that is not a well-formed change
// with its parts untouched, so the sync counts exactly what it would have,
// plus the audience's Seq.
type rawChange struct {
	Op        json.RawMessage `json:"op,omitempty"`
	RecordIDs json.RawMessage `json:"recordIds,omitempty"`
	ChangeID  json.RawMessage `json:"changeId,omitempty"`
	Seq       int64           `json:"seq"`
}

func membershipItem(raw json.RawMessage) queueItem {
	var m contract.MembershipChange
	if payload.Decode(raw, &m) == nil && (m.Op == contract.OpEnter || m.Op == contract.OpLeave) {
		m.Seq, m.Runs = 0, nil // the audience numbers and packs what it forwards
		return queueItem{change: &m, units: len(m.RecordIDs), bytes: changeBytes(&m)}
	}
	it := queueItem{raw: raw, bytes: payload.Size(raw)} // re-encoding may escape more
	var w rawChange
	var elems []json.RawMessage
	if payload.IsObject(raw) && payload.Decode(raw, &w) == nil && payload.Decode(w.RecordIDs, &elems) == nil {
		it.units = len(elems)
	}
	return it
}

// take queues one command. fromSignal: the signal carries changes only
// (every other command has its update, which answers), and a change past
// the hard bounds is refused; both are counted. Commands handed over by
// the previous run are always taken.
func (a *audience) take(ctx workflow.Context, raw json.RawMessage, fromSignal bool) {
	cmd, err := decodeCommand(raw)
	switch {
	case err != nil:
		if fromSignal {
			a.counters.RefusedSignals++
		}
		a.problem(ctx, "command ignored: not an AudienceCommand", err)
	case fromSignal && cmd.Membership == nil:
		a.counters.RefusedSignals++
		a.problem(ctx, fmt.Sprintf("%s signal refused: it carries membership changes only; send %s with the %q update, which answers with the outcome",
			contract.SignalAudience, cmd.intent(), cmd.update()), nil)
	case cmd.Membership != nil:
		it := membershipItem(cmd.Membership)
		if fromSignal && (it.bytes > contract.MaxSignalBytes || (len(a.queue.items) > 0 && a.queue.bytes+it.bytes > contract.QueueHardBytes)) {
			a.counters.Overflowed += int64(max(it.units, 1))
			a.counters.OverflowedSignals++
			a.problem(ctx, fmt.Sprintf("membership signal of %d bytes (%d record IDs) refused: the audience's queue is full (%d of %d bytes) or the signal is over %d bytes; send changes with the %q update, which waits for room",
				it.bytes, it.units, a.queue.bytes, contract.QueueHardBytes, contract.MaxSignalBytes, contract.UpdateAdmit), nil)
			return
		}
		a.queue.push(it)
	case cmd.Activate != nil:
		a.queue.push(queueItem{activate: cmd.Activate, bytes: payload.Size(cmd.Activate)})
	case cmd.Deactivate != nil:
		a.queue.push(queueItem{deactivate: cmd.Deactivate, bytes: payload.Size(cmd.Deactivate)})
	case cmd.Reconcile != nil:
		a.queue.push(queueItem{reconcile: cmd.Reconcile, bytes: payload.Size(cmd.Reconcile)})
	}
}

// command: an item carried out on its own, not forwarded as a change.
func (it *queueItem) command() bool {
	return it.activate != nil || it.deactivate != nil || it.reconcile != nil
}

// handOver encodes the queue, in order, for the next run.
func (q *queue) handOver() []json.RawMessage {
	out := make([]json.RawMessage, 0, len(q.items))
	for _, it := range q.items {
		var w commandWire
		switch {
		case it.activate != nil:
			w.Activate = it.activate
		case it.deactivate != nil:
			w.Deactivate = it.deactivate
		case it.reconcile != nil:
			w.Reconcile = it.reconcile
		case it.change != nil:
			w.Membership = payload.Encode(it.change)
		default:
			w.Membership = it.raw
		}
		out = append(out, payload.Encode(w))
	}
	return out
}

// pump carries out queued commands in order until the queue is empty or
// the next change has no room. It reports whether it forwarded anything
// (so the caller looks again before waiting).
func (a *audience) pump(ctx workflow.Context) bool {
	for len(a.queue.items) > 0 {
		head := a.queue.items[0]
		switch {
		case head.activate != nil:
			a.queue.pop()
			problems := len(a.problems)
			id := a.runActivation(ctx, head.activate)
			a.settle(head.ticket, problems, id, true)
		case head.deactivate != nil:
			a.queue.pop()
			problems := len(a.problems)
			id := a.runDeactivation(ctx, head.deactivate)
			a.settle(head.ticket, problems, id, false)
		case head.reconcile != nil:
			a.queue.pop()
			a.runReconcile(ctx, head.reconcile, head.ticket)
		case len(a.connectors) == 0:
			n := 0
			for len(a.queue.items) > 0 && !a.queue.items[0].command() {
				n += a.queue.pop().units
			}
			a.counters.Unrouted += int64(n)
			a.problem(ctx, fmt.Sprintf("%d record IDs accepted while no connector is active: there is no list to send them to; activate a connector, then send them again", n), nil)
		default:
			msgs := a.queue.takeChanges(a.room())
			if len(msgs) == 0 {
				return false // no room: wait for a sync's progress
			}
			a.forwardFlow(ctx, msgs)
			return true
		}
	}
	return false
}

// outMsg is one forwarded signal before its per-connector Seq is set.
type outMsg struct {
	// runs are the changes, in order, both ops.
	runs     []contract.ChangeRun
	changeID string
	raw      json.RawMessage // a malformed payload, forwarded whole
	units    int
	bytes    int // ID text of runs
}

// payload is what connector gets, numbered with its running total seq.
func (m outMsg) payload(seq int64) any {
	switch {
	case m.runs != nil:
		return contract.MembershipChange{Runs: m.runs, ChangeID: m.changeID, Seq: seq}
	}
	var w rawChange
	if payload.IsObject(m.raw) && payload.Decode(m.raw, &w) == nil {
		w.Seq = seq
		return w
	}
	return m.raw // not an object: adds nothing to a backlog
}

// takeChanges takes leading changes worth at most room record IDs for
// forwarding, at most maxForwardsPerPump signals of at most forwardChunkIDs
// IDs and forwardChunkBytes of ID text each. A signal holds consecutive
// changes of both ops in order, as runs, so a pass costs one signal per
// chunk whatever the mix. A change
// larger than the room is split; a malformed payload cannot be, so it goes
// whole, alone, when it is first and there is any room.
func (q *queue) takeChanges(room int64) []outMsg {
	var out []outMsg
	for len(q.items) > 0 && room > 0 {
		it := &q.items[0]
		if it.command() {
			break
		}
		if it.raw != nil {
			if int64(it.units) > room && len(out) > 0 || len(out) >= maxForwardsPerPump {
				break
			}
			taken := q.pop()
			out = append(out, outMsg{raw: taken.raw, units: taken.units})
			room -= int64(taken.units)
			continue
		}
		op, ids := it.change.Op, it.change.RecordIDs
		last := len(out) - 1
		if last < 0 || out[last].runs == nil || out[last].units >= forwardChunkIDs ||
			out[last].bytes+jsonLen(ids[0]) > forwardChunkBytes {
			if len(out) >= maxForwardsPerPump {
				break
			}
			out = append(out, outMsg{runs: []contract.ChangeRun{}, changeID: it.change.ChangeID})
			last++
		}
		m := &out[last]
		n := int(min(room, int64(forwardChunkIDs-m.units), int64(len(ids))))
		for k, id := range ids[:n] {
			// A single ID is never split; one longer than the chunk (only
			// possible in a raw signal) goes alone.
			if m.bytes+jsonLen(id) > forwardChunkBytes && (k > 0 || m.units > 0) {
				n = k
				break
			}
			m.bytes += jsonLen(id)
		}
		if r := len(m.runs) - 1; r >= 0 && m.runs[r].Op == op {
			m.runs[r].RecordIDs = append(m.runs[r].RecordIDs, ids[:n]...)
		} else {
			m.runs = append(m.runs, contract.ChangeRun{Op: op, RecordIDs: append([]string(nil), ids[:n]...)})
		}
		m.units += n
		room -= int64(n)
		if n == len(ids) {
			q.pop()
			continue
		}
		it.change.RecordIDs = ids[n:]
		q.ids -= n
		q.bytes -= it.bytes
		it.units -= n
		it.bytes = changeBytes(it.change)
		q.bytes += it.bytes
	}
	return out
}

// forwardFlow sends msgs to every active connector: in order, one signal at
// a time per connector (so none overtakes another), connectors in
// parallel. Each connector's Seq advances by the IDs it is sent.
func (a *audience) forwardFlow(ctx workflow.Context, msgs []outMsg) {
	failed := make([]error, len(a.connectors))
	wg := workflow.NewWaitGroup(ctx)
	for i, c := range a.connectors {
		payloads := make([]any, len(msgs))
		seq := a.flows[i].Sent
		for j, m := range msgs {
			seq += int64(m.units)
			payloads[j] = m.payload(seq)
		}
		a.flows[i].Sent = seq
		wg.Add(1)
		workflow.Go(ctx, func(gctx workflow.Context) {
			defer wg.Done()
			for _, p := range payloads {
				err := workflow.SignalExternalWorkflow(gctx, contract.SyncWorkflowID(a.id, c.ConnectorID), "", contract.SignalMembership, p).Get(gctx, nil)
				if err != nil {
					failed[i] = err
					return
				}
			}
		})
	}
	wg.Wait(ctx)
	a.dropFailed(ctx, failed, int64(len(msgs)))
	a.forwardsThisRun += len(msgs) * len(failed)
}
