package audiencesync

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

func TestParseRecordID(t *testing.T) {
	valid := map[string]int64{"1": 1, "42": 42, "9223372036854775807": 9223372036854775807}
	for s, want := range valid {
		got, ok := contract.ParseRecordID(s)
		require.True(t, ok, s)
		require.Equal(t, want, got)
	}
	for _, s := range []string{"", "0", "-1", "+1", "abc", "1.5", " 7", "7 ", "007", "1e3", "0x10",
		"9223372036854775808", "99999999999999999999", "１２"} {
		_, ok := contract.ParseRecordID(s)
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
		h.signal(contract.SignalMembership, map[string]any{
			"op":        "enter",
			"recordIds": []any{"42", "0", "-1", "abc", "1.5", " 7", "007", "", 99, nil, "9223372036854775807"},
			"changeId":  "c-1",
		})
		h.signal(contract.SignalMembership, contract.MembershipChange{Op: "join", RecordIDs: []string{"5", "6"}})
		h.signal(contract.SignalMembership, contract.MembershipChange{Op: contract.OpLeave, RecordIDs: []string{"43", long}})
		h.signal(contract.SignalMembership, contract.MembershipChange{Op: contract.OpEnter, RecordIDs: bad})
		h.signal(contract.SignalMembership, "not a change")
		h.signal(contract.SignalMembership, map[string]any{"op": "enter", "recordIds": "24"})
	})
	h.at(time.Hour, func() { h.signal(contract.SignalStop, nil) })
	h.run(baseInput())

	calls := h.hs.snapshotCalls()
	require.Len(t, calls, 1)
	require.Equal(t, ids(42, 9223372036854775807), calls[0].Req.Add)
	require.Equal(t, ids(43), calls[0].Req.Remove)
	st := h.result()
	require.EqualValues(t, 9+2+1+30, st.TotalRejected)
	require.EqualValues(t, 2, st.MalformedSignals, "a payload that is not a change, and recordIds that is not an array")
	require.EqualValues(t, 6, st.MembershipSignals)
	require.Len(t, st.RecentRejected, contract.RecentRejectedLimit, "sample is bounded")
	n := len(st.RecentRejected)
	require.Contains(t, st.RecentRejected[n-2], "not a change", "malformed payloads are sampled too")
	require.Contains(t, st.RecentRejected[n-1], "recordIds is a JSON string, not an array")
	for _, r := range st.RecentRejected {
		require.LessOrEqual(t, len(r), contract.RejectedSampleChars+len("…"))
	}
	require.Contains(t, st.RecentRejected, "bad-29")
	require.NotContains(t, st.RecentRejected, "bad-9", "oldest samples rotate out")
}

// A record ID sent as a JSON number is sampled with its type, so the
// sample does not look like a valid ID.
func TestRejectedNumbersAreSampledWithTheirType(t *testing.T) {
	h := newHarness(t)
	h.at(time.Second, func() {
		h.signal(contract.SignalMembership, map[string]any{"op": "enter", "recordIds": []any{42, map[string]any{"id": "7"}}})
	})
	h.at(time.Hour, func() { h.signal(contract.SignalStop, nil) })
	h.run(baseInput())
	st := h.result()
	require.EqualValues(t, 2, st.TotalRejected)
	require.Equal(t, []string{"42 (a JSON number, not a string)", `{"id":"7"} (a JSON object, not a string)`}, st.RecentRejected)
}

func TestInputValidation(t *testing.T) {
	cases := map[string]func(*contract.SyncInput){
		"AudienceID":       func(in *contract.SyncInput) { in.AudienceID = "" },
		"ConnectorID":      func(in *contract.SyncInput) { in.ConnectorID = "a/b" },
		"ListID":           func(in *contract.SyncInput) { in.ListID = "  " },
		"FlushInterval":    func(in *contract.SyncInput) { in.FlushInterval = -time.Second },
		"MaxBatchSize":     func(in *contract.SyncInput) { in.MaxBatchSize = contract.MaxMaxBatchSize + 1 },
		"MaxSignalsPerRun": func(in *contract.SyncInput) { in.MaxSignalsPerRun = -1 },
		"MaxBatchesPerRun": func(in *contract.SyncInput) { in.MaxBatchesPerRun = contract.MaxBatchesPerRunLimit + 1 },
		"Carried.Pending": func(in *contract.SyncInput) {
			in.Carried = &contract.CarriedState{Pending: contract.PendingSnapshot{Count: 2, Packed: []byte{2}, Leaves: []byte{0}}}
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
			require.Equal(t, contract.ErrTypeInvalidInput, app.Type())
			require.True(t, app.NonRetryable())
			require.Contains(t, err.Error(), "SyncInput."+field)
		})
	}
}

func TestInputDefaults(t *testing.T) {
	in, err := contract.Normalize(contract.SyncInput{AudienceID: "a", ConnectorID: "c", ListID: "1"})
	require.NoError(t, err)
	require.Equal(t, contract.DefaultFlushInterval, in.FlushInterval)
	require.Equal(t, contract.DefaultMaxBatchSize, in.MaxBatchSize)
	require.Equal(t, contract.DefaultMaxSignalsPerRun, in.MaxSignalsPerRun)
	require.Equal(t, contract.DefaultMaxBatchesPerRun, in.MaxBatchesPerRun)
}

func TestRetryPolicyAndOptions(t *testing.T) {
	p := MembershipRetryPolicy()
	require.Zero(t, p.MaximumAttempts, "unlimited: recovery is automatic")
	require.ElementsMatch(t, []string{contract.ErrTypeTerminal, contract.ErrTypeInvalidBatch}, p.NonRetryableErrorTypes)
	o := ActivityOptions()
	require.Equal(t, contract.ActivityStartToClose, o.StartToCloseTimeout)
	require.Zero(t, o.ScheduleToCloseTimeout)
	require.Equal(t, "hubspot-sync/a/c", contract.SyncWorkflowID("a", "c"))
}
