package workflows

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
)

func TestParseRecordID(t *testing.T) {
	valid := map[string]int64{"1": 1, "42": 42, "9223372036854775807": 9223372036854775807}
	for s, want := range valid {
		got, ok := ParseRecordID(s)
		require.True(t, ok, s)
		require.Equal(t, want, got)
	}
	for _, s := range []string{"", "0", "-1", "+1", "abc", "1.5", " 7", "7 ", "007", "1e3", "0x10",
		"9223372036854775808", "99999999999999999999", "１２"} {
		_, ok := ParseRecordID(s)
		require.False(t, ok, "%q must be rejected", s)
	}
}

// Invalid IDs are rejected and counted (with a bounded sample); the valid
// IDs of the same signal are kept; an invalid op rejects its IDs; a payload
// that is not a MembershipChange at all is counted as malformed.
func TestRejectedIDs(t *testing.T) {
	h := newHarness(t)
	long := strings.Repeat("9", 500)
	var bad []string
	for i := 0; i < 30; i++ {
		bad = append(bad, fmt.Sprintf("bad-%d", i))
	}
	h.at(time.Second, func() {
		h.signal(SignalMembership, map[string]any{
			"op":        "enter",
			"recordIds": []any{"42", "0", "-1", "abc", "1.5", " 7", "007", "", 99, nil, "9223372036854775807"},
			"changeId":  "c-1",
		})
		h.signal(SignalMembership, MembershipChange{Op: "join", RecordIDs: []string{"5", "6"}})
		h.signal(SignalMembership, MembershipChange{Op: OpLeave, RecordIDs: []string{"43", long}})
		h.signal(SignalMembership, MembershipChange{Op: OpEnter, RecordIDs: bad})
		h.signal(SignalMembership, "not a change")
		h.signal(SignalMembership, map[string]any{"op": "enter", "recordIds": "24"})
	})
	h.at(time.Hour, func() { h.signal(SignalStop, nil) })
	h.run(baseInput())

	calls := h.hs.snapshotCalls()
	require.Len(t, calls, 1)
	require.Equal(t, ids(42, 9223372036854775807), calls[0].Req.Add)
	require.Equal(t, ids(43), calls[0].Req.Remove)
	st := h.result()
	require.EqualValues(t, 9+2+1+30, st.TotalRejected)
	require.EqualValues(t, 2, st.MalformedSignals, "a payload that is not a change, and recordIds that is not an array")
	require.EqualValues(t, 6, st.MembershipSignals)
	require.Len(t, st.RecentRejected, RecentRejectedLimit, "sample is bounded")
	n := len(st.RecentRejected)
	require.Contains(t, st.RecentRejected[n-2], "not a change", "malformed payloads are sampled too")
	require.Contains(t, st.RecentRejected[n-1], "recordIds is a JSON string, not an array")
	for _, r := range st.RecentRejected {
		require.LessOrEqual(t, len(r), rejectedSampleChars+len("…"))
	}
	require.Contains(t, st.RecentRejected, "bad-29")
	require.NotContains(t, st.RecentRejected, "bad-9", "oldest samples rotate out")
}

// A record ID sent as a JSON number is sampled with its type, so the
// sample does not look like a valid ID.
func TestRejectedNumbersAreSampledWithTheirType(t *testing.T) {
	h := newHarness(t)
	h.at(time.Second, func() {
		h.signal(SignalMembership, map[string]any{"op": "enter", "recordIds": []any{42, map[string]any{"id": "7"}}})
	})
	h.at(time.Hour, func() { h.signal(SignalStop, nil) })
	h.run(baseInput())
	st := h.result()
	require.EqualValues(t, 2, st.TotalRejected)
	require.Equal(t, []string{"42 (a JSON number, not a string)", `{"id":"7"} (a JSON object, not a string)`}, st.RecentRejected)
}

func TestInputValidation(t *testing.T) {
	cases := map[string]func(*SyncInput){
		"AudienceID":       func(in *SyncInput) { in.AudienceID = "" },
		"ConnectorID":      func(in *SyncInput) { in.ConnectorID = "a/b" },
		"ListID":           func(in *SyncInput) { in.ListID = "  " },
		"FlushInterval":    func(in *SyncInput) { in.FlushInterval = -time.Second },
		"MaxBatchSize":     func(in *SyncInput) { in.MaxBatchSize = MaxMaxBatchSize + 1 },
		"MaxSignalsPerRun": func(in *SyncInput) { in.MaxSignalsPerRun = -1 },
		"MaxBatchesPerRun": func(in *SyncInput) { in.MaxBatchesPerRun = maxBatchesPerRunLimit + 1 },
		"Carried.Pending": func(in *SyncInput) {
			in.Carried = &CarriedState{Pending: PendingSnapshot{Count: 2, Packed: []byte{2}, Leaves: []byte{0}}}
		},
	}
	for field, mutate := range cases {
		t.Run(field, func(t *testing.T) {
			h := newHarness(t)
			in := baseInput()
			mutate(&in)
			h.run(in)
			err := h.env.GetWorkflowError()
			require.Error(t, err)
			var app *temporal.ApplicationError
			require.True(t, errors.As(err, &app))
			require.Equal(t, ErrTypeInvalidInput, app.Type())
			require.True(t, app.NonRetryable())
			require.Contains(t, err.Error(), "SyncInput."+field)
		})
	}
}

func TestInputDefaults(t *testing.T) {
	in, err := normalize(SyncInput{AudienceID: "a", ConnectorID: "c", ListID: "1"})
	require.NoError(t, err)
	require.Equal(t, DefaultFlushInterval, in.FlushInterval)
	require.Equal(t, DefaultMaxBatchSize, in.MaxBatchSize)
	require.Equal(t, DefaultMaxSignalsPerRun, in.MaxSignalsPerRun)
	require.Equal(t, DefaultMaxBatchesPerRun, in.MaxBatchesPerRun)
}

func TestRetryPolicyAndOptions(t *testing.T) {
	p := MembershipRetryPolicy()
	require.Zero(t, p.MaximumAttempts, "unlimited: recovery is automatic")
	require.ElementsMatch(t, []string{ErrTypeTerminal, ErrTypeInvalidBatch}, p.NonRetryableErrorTypes)
	o := ActivityOptions()
	require.Equal(t, ActivityStartToClose, o.StartToCloseTimeout)
	require.Zero(t, o.ScheduleToCloseTimeout)
	require.Equal(t, "hubspot-sync/a/c", SyncWorkflowID("a", "c"))
}
