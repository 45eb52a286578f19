package audiencesync

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// Record IDs: whatever ParseRecordID accepts is a positive int64 that
// prints back as the same text, so no ID ever changes on its way.
func FuzzParseRecordID(f *testing.F) {
	for _, s := range []string{"42", "0", "-1", "007", "", "abc", "9223372036854775807", "9223372036854775808", "+5", " 5", "1e3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, ok := contract.ParseRecordID(s)
		if !ok {
			return
		}
		if id <= 0 || strconv.FormatInt(id, 10) != s {
			t.Fatalf("ParseRecordID(%q) = %d, true: not the same positive number", s, id)
		}
	})
}

// Membership signals of any shape sent straight to a sync: the workflow
// never fails, counts the signal, and every record ID it was given ends up
// pending, rejected or malformed, never lost without a count.
func FuzzSyncMembershipSignal(f *testing.F) {
	for _, s := range []string{`{"op":"enter","recordIds":["1","2"]}`, `{"op":"leave","recordIds":["1",2,null,{}]}`, `{"op":7}`,
		`{"op":"enter","recordIds":"1"}`, `"just a string"`, `[1,2]`, `null`, `{"op":"enter","recordIds":["1"],"runs":[{"op":"leave","recordIds":["1","x"]}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if !json.Valid(raw) {
			return // a Temporal client cannot send invalid JSON as a JSON payload
		}
		var ts testsuite.WorkflowTestSuite
		env := ts.NewTestWorkflowEnvironment()
		env.SetTestTimeout(10 * time.Second)
		Register(env)
		var st contract.Status
		env.RegisterDelayedCallback(func() {
			env.SignalWorkflow(contract.SignalMembership, json.RawMessage(raw))
		}, time.Millisecond)
		env.RegisterDelayedCallback(func() {
			v, err := env.QueryWorkflow(contract.QueryStatus)
			if err == nil {
				_ = v.Get(&st)
			}
			env.SignalWorkflow(contract.SignalPause, nil)
			env.SignalWorkflow(contract.SignalStop, nil)
		}, 2*time.Millisecond)
		env.RegisterActivityWithOptions(func(context.Context, contract.BatchRequest) (contract.BatchResult, error) {
			return contract.BatchResult{}, nil
		},
			activity.RegisterOptions{Name: contract.ApplyBatchActivity})
		env.ExecuteWorkflow(AudienceSync, contract.SyncInput{AudienceID: "aud", ConnectorID: "con", ListID: "1"})
		if err := env.GetWorkflowError(); err != nil {
			t.Fatalf("signal %s failed the workflow: %v", raw, err)
		}
		if st.MembershipSignals != 1 {
			t.Fatalf("signal %s counted %d times", raw, st.MembershipSignals)
		}
		if st.PendingAdds+st.PendingRemoves == 0 && st.TotalRejected == 0 && st.MalformedSignals == 0 && hasRecordIDs(raw) {
			t.Fatalf("signal %s with record IDs left no trace: %+v", raw, st)
		}
	})
}

// hasRecordIDs: the payload is an object with a non-empty recordIds array.
func hasRecordIDs(raw []byte) bool {
	var m struct {
		RecordIDs []json.RawMessage `json:"recordIds"`
	}
	return json.Unmarshal(raw, &m) == nil && len(m.RecordIDs) > 0
}
