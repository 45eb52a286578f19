package audiencesync

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	sdkpb "go.temporal.io/api/sdk/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

const (
	testAudience  = "aud-1"
	testConnector = "con-1"
	testList      = "100"
)

// call is one activity attempt as the fake HubSpot saw it.
type call struct {
	Req     contract.BatchRequest
	At      time.Time // simulated time
	Attempt int32
}

// fakeHubSpot is the fake ApplyBatchActivity: it records every attempt,
// keeps list membership per list (so tests assert the outcome a user cares
// about), measures concurrency, and fails on demand.
type fakeHubSpot struct {
	t   *testing.T
	env *testsuite.TestWorkflowEnvironment

	mu          sync.Mutex
	calls       []call
	inFlight    int
	maxInFlight int
	busy        map[int64]bool // contacts in a request now
	overlaps    int            // a contact in two requests at once
	lists       map[string]map[int64]bool
	missing     map[int64]bool // contacts that do not exist in the portal
	// fail, when set, may return an error for an attempt (n counts attempts from 0).
	fail func(n int, req contract.BatchRequest) error
	// during, when set, runs inside the activity (e.g. to send a signal
	// while a batch is in flight).
	during func(n int, req contract.BatchRequest)
	// hang, when it says so of a request, holds it until its attempt is
	// cancelled and then fails it retryably, as an attempt does whose
	// worker died after the cancel was asked (it ends in a timeout).
	hang  func(req contract.BatchRequest) bool
	reads int       // pages read (reconcile_test.go)
	pages [][]int64 // what each page read answered, in order
}

func (f *fakeHubSpot) apply(ctx context.Context, req contract.BatchRequest) (contract.BatchResult, error) {
	f.mu.Lock()
	n := len(f.calls)
	f.calls = append(f.calls, call{Req: req, At: f.env.Now(), Attempt: activity.GetInfo(ctx).Attempt})
	f.inFlight++
	if f.inFlight > f.maxInFlight {
		f.maxInFlight = f.inFlight
	}
	if f.busy == nil {
		f.busy = map[int64]bool{}
	}
	contacts := append(append([]int64(nil), req.Add...), req.Remove...)
	for _, id := range contacts {
		if f.busy[id] {
			f.overlaps++
		}
		f.busy[id] = true
	}
	fail, during, hang := f.fail, f.during, f.hang
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.inFlight--
		for _, id := range contacts {
			delete(f.busy, id)
		}
		f.mu.Unlock()
	}()

	if hang != nil && hang(req) {
		<-ctx.Done()
		return contract.BatchResult{}, temporal.NewApplicationError("no answer before the attempt ended", contract.ErrTypeRetryable)
	}
	if during != nil {
		during(n, req)
		time.Sleep(5 * time.Millisecond) // widen the window for overlap
	}
	if fail != nil {
		if err := fail(n, req); err != nil {
			return contract.BatchResult{}, err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	members := f.lists[req.ListID]
	if members == nil {
		members = map[int64]bool{}
		f.lists[req.ListID] = members
	}
	var res contract.BatchResult
	for _, id := range req.Add {
		if f.missing[id] {
			res.Missing = append(res.Missing, id)
			continue
		}
		if !members[id] {
			members[id] = true
			res.Added = append(res.Added, id)
		}
	}
	for _, id := range req.Remove {
		if f.missing[id] {
			res.Missing = append(res.Missing, id)
			continue
		}
		if members[id] {
			delete(members, id)
			res.Removed = append(res.Removed, id)
		}
	}
	return res, nil
}

func (f *fakeHubSpot) snapshotCalls() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]call(nil), f.calls...)
}

// members returns a list's membership, sorted (test output only).
func (f *fakeHubSpot) members(list string) []int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := []int64{}
	for id := range f.lists[list] {
		out = append(out, id)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// harness bundles a test environment with the fake and timer accounting.
type harness struct {
	t      *testing.T
	env    *testsuite.TestWorkflowEnvironment
	hs     *fakeHubSpot
	timers []time.Time // simulated time of each workflow timer scheduled
	// keywords are the latest search attribute values (trackSearchAttributes).
	keywords map[string]string
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.SetTestTimeout(30 * time.Second)
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: contract.SyncWorkflowID(testAudience, testConnector)})
	h := &harness{t: t, env: env, keywords: map[string]string{}}
	h.hs = &fakeHubSpot{t: t, env: env, lists: map[string]map[int64]bool{}, missing: map[int64]bool{}}
	Register(env)
	env.RegisterActivityWithOptions(h.hs.apply, activity.RegisterOptions{Name: contract.ApplyBatchActivity})
	env.RegisterActivityWithOptions(h.hs.readPage, activity.RegisterOptions{Name: contract.ReadListPageActivity})
	env.SetOnTimerScheduledListener(func(timerID string, d time.Duration) {
		h.timers = append(h.timers, env.Now())
	})
	return h
}

func baseInput() contract.SyncInput {
	return contract.SyncInput{AudienceID: testAudience, ConnectorID: testConnector, ListID: testList,
		FlushInterval: 10 * time.Second, MaxBatchSize: 500}
}

// at schedules fn at simulated offset d from the start.
func (h *harness) at(d time.Duration, fn func()) { h.env.RegisterDelayedCallback(fn, d) }

func (h *harness) signal(name string, arg any) { h.env.SignalWorkflow(name, arg) }

func (h *harness) enter(ids ...string) {
	h.signal(contract.SignalMembership, contract.MembershipChange{Op: contract.OpEnter, RecordIDs: ids})
}

func (h *harness) leave(ids ...string) {
	h.signal(contract.SignalMembership, contract.MembershipChange{Op: contract.OpLeave, RecordIDs: ids})
}

func (h *harness) status() contract.Status {
	h.t.Helper()
	v, err := h.env.QueryWorkflow(contract.QueryStatus)
	require.NoError(h.t, err)
	var st contract.Status
	require.NoError(h.t, v.Get(&st))
	return st
}

// run executes the workflow to its end.
func (h *harness) run(in contract.SyncInput) {
	h.env.ExecuteWorkflow(contract.SyncWorkflowName, in)
	require.True(h.t, h.env.IsWorkflowCompleted(), "workflow did not complete")
}

// result returns the final Status of a workflow that stopped.
func (h *harness) result() contract.Status {
	h.t.Helper()
	require.NoError(h.t, h.env.GetWorkflowError())
	var st contract.Status
	require.NoError(h.t, h.env.GetWorkflowResult(&st))
	return st
}

// continuedInput decodes the input carried by a ContinueAsNewError.
func (h *harness) continuedInput() contract.SyncInput {
	h.t.Helper()
	err := h.env.GetWorkflowError()
	var can *workflow.ContinueAsNewError
	require.True(h.t, errors.As(err, &can), "want ContinueAsNewError, got %v", err)
	require.Equal(h.t, contract.SyncWorkflowName, can.WorkflowType.Name)
	var in contract.SyncInput
	require.NoError(h.t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &in))
	require.NotNil(h.t, in.Carried)
	return in
}

func ids(n ...int64) []int64 { return n }

func strs(from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, fmt.Sprint(i))
	}
	return out
}

func terminal(status int, category string) error {
	return temporal.NewApplicationErrorWithOptions(fmt.Sprintf("HubSpot %d", status), contract.ErrTypeTerminal,
		temporal.ApplicationErrorOptions{NonRetryable: true, Details: []interface{}{contract.HubSpotFailure{
			Status: status, Category: category, CorrelationID: fmt.Sprintf("corr-%d", status),
			Message: fmt.Sprintf("failure %d", status)}}})
}

// requireDisjoint asserts the rule that no ID is in both arrays of a request.
func requireDisjoint(t *testing.T, calls []call) {
	t.Helper()
	for _, c := range calls {
		seen := map[int64]bool{}
		for _, id := range c.Req.Add {
			seen[id] = true
		}
		for _, id := range c.Req.Remove {
			require.False(t, seen[id], "id %d in both arrays of %s", id, c.Req.BatchID)
		}
	}
}

// pendingOf decodes a carried buffer into its IDs and ops ('+' enter,
// '-' leave), in order.
func pendingOf(t *testing.T, s contract.PendingSnapshot) ([]int64, string) {
	t.Helper()
	got, ops, ok := snapshotEntries(s)
	require.True(t, ok, "malformed snapshot %+v", s)
	var o []byte
	for _, op := range ops {
		if op == contract.OpEnter {
			o = append(o, '+')
		} else {
			o = append(o, '-')
		}
	}
	return got, string(o)
}

func pendingIDs(t *testing.T, s contract.PendingSnapshot) []int64 {
	t.Helper()
	got, _ := pendingOf(t, s)
	return got
}

// details reads the workflow's current details, as the Web UI does.
func (h *harness) details() string {
	h.t.Helper()
	v, err := h.env.QueryWorkflow("__temporal_workflow_metadata")
	require.NoError(h.t, err)
	var md sdkpb.WorkflowMetadata
	require.NoError(h.t, v.Get(&md))
	return md.GetCurrentDetails()
}

// trackSearchAttributes records every upsert; searchKeyword reads the
// latest value of a Keyword attribute.
func (h *harness) trackSearchAttributes() {
	h.env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		sa := args.Get(0).(temporal.SearchAttributes)
		for k, v := range sa.GetUntypedValues() {
			if s, ok := v.(string); ok {
				h.keywords[k.GetName()] = s
			}
		}
	}).Return(nil)
}

func (h *harness) searchKeyword(name string) string { return h.keywords[name] }
