package audiencesync

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/workflows/internal/payload"
)

// signalChannels are the run's signal channels in a fixed order, so that
// draining them before continue-as-new is deterministic.
type signalChannels struct {
	membership, pause, resume, stop, retarget, discard, reactivate workflow.ReceiveChannel
}

func getSignalChannels(ctx workflow.Context) signalChannels {
	return signalChannels{
		membership: workflow.GetSignalChannel(ctx, contract.SignalMembership),
		pause:      workflow.GetSignalChannel(ctx, contract.SignalPause),
		resume:     workflow.GetSignalChannel(ctx, contract.SignalResume),
		stop:       workflow.GetSignalChannel(ctx, contract.SignalStop),
		retarget:   workflow.GetSignalChannel(ctx, contract.SignalRetarget),
		discard:    workflow.GetSignalChannel(ctx, contract.SignalDiscard),
		reactivate: workflow.GetSignalChannel(ctx, contract.SignalReactivate),
	}
}

// signalHandler pairs a channel with the function that applies one signal.
// Every signal is received as raw JSON and decoded here: a payload the SDK
// cannot decode into the target type would otherwise be dropped by the SDK
// with only a log line, and "never silently dropped" is the promise.
type signalHandler struct {
	ch    workflow.ReceiveChannel
	apply func(raw json.RawMessage)
}

func (s *syncState) handlers(ctx workflow.Context, ch signalChannels) []signalHandler {
	return []signalHandler{
		{ch.membership, func(raw json.RawMessage) { s.onMembership(ctx, raw) }},
		{ch.pause, func(json.RawMessage) { s.onPause(ctx) }},
		{ch.resume, func(json.RawMessage) { s.onResume(ctx) }},
		{ch.stop, func(json.RawMessage) { s.onStop(ctx) }},
		{ch.retarget, func(raw json.RawMessage) {
			var r contract.Retarget
			if err := payload.Decode(raw, &r); err != nil {
				s.signalsThisRun++
				s.carry.Counters.MalformedSignals++
				workflow.GetLogger(ctx).Warn("Retarget ignored: malformed payload", "Error", err.Error())
				return
			}
			s.onRetarget(ctx, r)
		}},
		{ch.reactivate, func(json.RawMessage) { s.onReactivate(ctx) }},
		{ch.discard, func(raw json.RawMessage) {
			var d contract.Discard
			if len(raw) > 0 && string(raw) != "null" {
				if err := payload.Decode(raw, &d); err != nil {
					// Discard is destructive: act only on an unambiguous request.
					s.signalsThisRun++
					s.carry.Counters.MalformedSignals++
					workflow.GetLogger(ctx).Warn("Discard ignored: malformed payload", "Error", err.Error())
					return
				}
			}
			s.onDiscard(ctx, d)
		}},
	}
}

// onReceive is the selector callback: block-free since the selector only
// calls it when a value is ready.
func (h signalHandler) onReceive(ctx workflow.Context) func(workflow.ReceiveChannel, bool) {
	return func(c workflow.ReceiveChannel, _ bool) {
		var raw json.RawMessage
		c.Receive(ctx, &raw)
		h.apply(raw)
	}
}

// tryReceive applies one already-delivered signal, if any.
func (h signalHandler) tryReceive() bool {
	var raw json.RawMessage
	if !h.ch.ReceiveAsync(&raw) {
		return false
	}
	h.apply(raw)
	return true
}

// membershipWire decodes leniently: each ID stays raw so that one bad
// element (a number, null, an object) rejects that element only.
type membershipWire struct {
	Op        contract.Op       `json:"op"`
	RecordIDs []json.RawMessage `json:"recordIds"`
	ChangeID  string            `json:"changeId"`
	Seq       int64             `json:"seq"`
	Runs      []runWire         `json:"runs"`
	// Reconcile is a reconcile's mark, forwarded by the audience at the
	// snapshot's place in the stream.
	Reconcile *contract.ReconcileMark `json:"reconcile"`
}

// runWire is one run of a forwarded change (see ChangeRun), decoded
// leniently like a change.
type runWire struct {
	Op        contract.Op       `json:"op"`
	RecordIDs []json.RawMessage `json:"recordIds"`
}

// recordIDString returns the string inside a JSON string element, or the
// element's raw text (for the rejected sample) with ok=false.
func recordIDString(raw json.RawMessage) (string, bool) {
	var v string
	if len(raw) == 0 || raw[0] != '"' || payload.Decode(raw, &v) != nil {
		return string(raw), false
	}
	return v, true
}

// tally counts what one signal's IDs became.
type tally struct {
	accepted, rejected int
	overflowed         []int64
}

// takeIDs validates and buffers one op's IDs. Invalid IDs (or any ID of an
// invalid op) are counted and sampled; past the hard cap new contacts are
// refused.
func (s *syncState) takeIDs(op contract.Op, elems []json.RawMessage, now time.Time, t *tally) {
	validOp := op == contract.OpEnter || op == contract.OpLeave
	for _, el := range elems {
		str, isString := recordIDString(el)
		id, ok := contract.ParseRecordID(str)
		if !isString || !ok || !validOp {
			t.rejected++
			if !isString {
				// Sampled with its type: a bare 42 would look valid.
				str = fmt.Sprintf("%s (a JSON %s, not a string)", str, jsonKind(el))
			}
			s.noteRejected(str)
			continue
		}
		if !s.buf.has(id) && s.hardCapUsed() >= contract.MaxMaxBacklog {
			t.overflowed = append(t.overflowed, id)
			continue
		}
		s.buf.put(id, op, now)
		t.accepted++
	}
}

// jsonKind names the JSON type of a raw value, for samples.
func jsonKind(raw json.RawMessage) string {
	t := bytes.TrimLeft(raw, " \t\r\n")
	if len(t) == 0 {
		return "nothing"
	}
	switch t[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	default:
		return "number"
	}
}

// onMembership validates and buffers one signal's IDs. Invalid IDs are
// counted and sampled; the valid IDs of the same signal are kept. A payload
// that is not even a JSON object is counted as a malformed signal.
func (s *syncState) onMembership(ctx workflow.Context, raw json.RawMessage) {
	s.signalsThisRun++
	s.carry.Counters.MembershipSignals++
	var m membershipWire
	// A type error (e.g. op is a number) still decodes the other fields.
	err := payload.Decode(raw, &m)
	var typeErr *json.UnmarshalTypeError
	if err != nil && (!errors.As(err, &typeErr) || !payload.IsObject(raw)) {
		s.carry.Counters.MalformedSignals++
		s.noteRejected(string(raw))
		workflow.GetLogger(ctx).Warn("Malformed membership signal", "Error", err.Error())
		return
	}
	if err != nil && typeErr.Field == "recordIds" {
		// recordIds is there but not an array: nothing can be taken from it,
		// and that is counted, not silently ignored.
		s.carry.Counters.MalformedSignals++
		s.noteRejected(fmt.Sprintf("recordIds is a JSON %s, not an array: %s", typeErr.Value, raw))
		workflow.GetLogger(ctx).Warn("Malformed membership signal: recordIds is not an array", "ChangeID", m.ChangeID, "Type", typeErr.Value)
	}
	if m.Reconcile != nil {
		if m.Seq > s.carry.Flow.LastSeq {
			s.carry.Flow.LastSeq = m.Seq
		}
		s.onReconcileMark(ctx, *m.Reconcile)
		return
	}
	now := workflow.Now(ctx)
	validOp := m.Op == contract.OpEnter || m.Op == contract.OpLeave
	var t tally
	s.takeIDs(m.Op, m.RecordIDs, now, &t)
	// A forwarded change may carry ordered runs of enters and leaves: the
	// same as that many changes, in order, in one signal.
	for _, r := range m.Runs {
		s.takeIDs(r.Op, r.RecordIDs, now, &t)
	}
	accepted, rejected, overflowed := t.accepted, t.rejected, t.overflowed
	if m.Seq > s.carry.Flow.LastSeq {
		s.carry.Flow.LastSeq = m.Seq
	}
	if len(overflowed) > 0 {
		s.noteOverflowed(ctx, m.ChangeID, overflowed)
	}
	s.carry.Counters.TotalRejected += int64(rejected)
	if rejected > 0 || err != nil {
		workflow.GetLogger(ctx).Warn("Rejected record IDs in membership signal",
			"ChangeID", m.ChangeID, "Op", string(m.Op), "ValidOp", validOp,
			"Rejected", rejected, "Accepted", accepted)
	}
	if s.carry.Owed != nil {
		s.supersedeOwed()
	}
	if s.rec != nil {
		s.noteOverridden()
	}
}

// hardCapUsed is what counts against MaxMaxBacklog for a new contact: its
// pending contacts, and while a reconcile runs what it holds too.
func (s *syncState) hardCapUsed() int {
	if s.rec != nil {
		return s.reconcileHardCapUsed()
	}
	return s.buf.Len()
}

func (s *syncState) onPause(ctx workflow.Context) {
	s.signalsThisRun++
	if s.carry.StopRequested {
		// Stop promises to flush everything; pausing now would break it.
		workflow.GetLogger(ctx).Warn("Pause ignored: stop already requested")
		return
	}
	s.carry.Paused = true
	workflow.GetLogger(ctx).Info("Sync paused")
}

// onResume clears a pause and, when blocked, retries the owed batch.
func (s *syncState) onResume(ctx workflow.Context) {
	s.signalsThisRun++
	s.carry.Paused = false
	if s.carry.Owed != nil {
		s.carry.RetryOwed = true
	}
	if r := s.rec; r != nil && r.st.Phase == contract.PhaseBlocked {
		r.st.Phase, r.st.Error = contract.PhaseReading, ""
	}
	workflow.GetLogger(ctx).Info("Sync resumed", "RetryOwed", s.carry.RetryOwed)
}

// onStop: flush everything (stop wins over pause), then complete. While
// blocked the workflow stays blocked: it completes only when nothing is
// owed, so a stop can never turn an owed batch into a lost one.
func (s *syncState) onStop(ctx workflow.Context) {
	s.signalsThisRun++
	s.carry.StopRequested = true
	s.carry.Paused = false
	if r := s.rec; r != nil {
		s.endReconcile(ctx, contract.PhaseAborted, "the connector was stopped before the reconcile finished")
	}
	workflow.GetLogger(ctx).Info("Stop requested", "Blocked", s.carry.Owed != nil)
}

// onReactivate calls off a stop: the audience activated the connector
// again while this sync was still finishing it.
func (s *syncState) onReactivate(ctx workflow.Context) {
	s.signalsThisRun++
	if !s.carry.StopRequested {
		return
	}
	s.carry.StopRequested = false
	workflow.GetLogger(ctx).Info("Stop called off: the connector was activated again")
}

// onRetarget switches the list for every batch from now on; when blocked it
// also retries the owed batch on the new list (even if paused: the operator
// asked for it explicitly). A batch already in flight finishes on the old
// list.
func (s *syncState) onRetarget(ctx workflow.Context, r contract.Retarget) {
	s.signalsThisRun++
	list := strings.TrimSpace(r.ListID)
	if list == "" {
		workflow.GetLogger(ctx).Warn("Retarget ignored: empty ListID")
		return
	}
	workflow.GetLogger(ctx).Info("Retargeted", "From", s.in.ListID, "To", list)
	if r := s.rec; r != nil && r.st.ListID != list {
		s.endReconcile(ctx, contract.PhaseAborted, "the sync was retargeted to list "+list+" during the reconcile: run it again against the new list")
	}
	s.in.ListID = list
	if s.carry.Owed != nil {
		s.carry.RetryOwed = true
	}
}

// onDiscard drops the owed batch: the only way changes are ever given up,
// and only by explicit operator choice, so it is counted and logged.
func (s *syncState) onDiscard(ctx workflow.Context, d contract.Discard) {
	s.signalsThisRun++
	if s.carry.Owed == nil {
		workflow.GetLogger(ctx).Warn("Discard ignored: nothing owed", "Reason", d.Reason)
		return
	}
	n := len(s.carry.Owed.Add) + len(s.carry.Owed.Remove)
	s.carry.Counters.BatchesDiscarded++
	s.carry.Counters.IDsDiscarded += int64(n)
	workflow.GetLogger(ctx).Warn("Owed batch discarded by operator",
		"BatchID", s.carry.Owed.BatchID, "ListID", s.carry.Owed.ListID,
		"Adds", len(s.carry.Owed.Add), "Removes", len(s.carry.Owed.Remove), "Reason", d.Reason)
	s.carry.Owed = nil
	s.carry.RetryOwed = false
}
