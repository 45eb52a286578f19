package activities_test

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uber-go/tally/v4"
	"go.temporal.io/sdk/activity"
	sdktally "go.temporal.io/sdk/contrib/tally"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/audiencesync/hubspot-list-sync/activities"
	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/hubspot"
	"github.com/audiencesync/hubspot-list-sync/hubspot/hubspottest"
	"github.com/audiencesync/hubspot-list-sync/internal/speccheck"
)

const portal = int64(7)

type fixture struct {
	emu     *hubspottest.Emulator
	env     *testsuite.TestActivityEnvironment
	metrics tally.TestScope // what the activity emitted, for metrics_test.go
	listID  string
	client  *hubspot.Client
}

// newFixture runs the activity in Temporal's activity test environment
// against the emulator over real HTTP, every exchange checked against
// HubSpot's spec.
func newFixture(t *testing.T, timeout time.Duration, opts ...hubspottest.Option) *fixture {
	t.Helper()
	emu := hubspottest.New(opts...)
	srv := httptest.NewServer(speccheck.Middleware(t, emu.Handler()))
	t.Cleanup(func() { emu.Close(); srv.Close() })
	emu.AddContactRange(portal, 1, 100)
	token := emu.NewPrivateAppToken(portal, "crm.lists.read", "crm.lists.write")
	client, err := hubspot.New(hubspot.Config{BaseURL: srv.URL, HTTPClient: hubspot.NewPrivateAppHTTPClient(token, nil), Timeout: timeout})
	require.NoError(t, err)
	var suite testsuite.WorkflowTestSuite
	scope := tally.NewTestScope("", nil)
	suite.SetMetricsHandler(sdktally.NewMetricsHandler(scope))
	env := suite.NewTestActivityEnvironment()
	activities.Register(env, &activities.Membership{Connectors: activities.ConnectorMap{"conn": client}})
	return &fixture{emu: emu, env: env, metrics: scope, listID: emu.CreateList(portal, "A", hubspot.ProcessingManual), client: client}
}

func (f *fixture) apply(add, remove []int64) (contract.BatchResult, error) {
	req := contract.BatchRequest{ConnectorID: "conn", ListID: f.listID, BatchID: "wf#1", Add: add, Remove: remove}
	val, err := f.env.ExecuteActivity(contract.ApplyBatchActivity, req)
	if err != nil {
		return contract.BatchResult{}, err
	}
	var out contract.BatchResult
	return out, val.Get(&out)
}

func TestAppliesABatchAndReportsEachContact(t *testing.T) {
	f := newFixture(t, 5*time.Second)
	require.NoError(t, f.emu.AddMembers(portal, f.listID, 3))
	out, err := f.apply([]int64{1, 2, 500}, []int64{3})
	require.NoError(t, err)
	assert.Equal(t, []int64{1, 2}, out.Added)
	assert.Equal(t, []int64{3}, out.Removed)
	assert.Equal(t, []int64{500}, out.Missing, "contacts not in the portal are reported missing")
	assert.Equal(t, []int64{1, 2}, f.emu.Members(portal, f.listID))

	// The same batch again (a retry) converges to the same list.
	_, err = f.apply([]int64{1, 2, 500}, []int64{3})
	require.NoError(t, err)
	assert.Equal(t, []int64{1, 2}, f.emu.Members(portal, f.listID))
}

func appErr(t *testing.T, err error) (*temporal.ApplicationError, contract.HubSpotFailure) {
	t.Helper()
	var ae *temporal.ApplicationError
	require.True(t, errors.As(err, &ae), "want an ApplicationError, got %T: %v", err, err)
	var failure contract.HubSpotFailure
	if ae.HasDetails() {
		require.NoError(t, ae.Details(&failure))
	}
	return ae, failure
}

func TestEachStatusIsClassifiedOnce(t *testing.T) {
	cases := []struct {
		status   int
		errType  string
		terminal bool
	}{
		{408, contract.ErrTypeRetryable, false},
		{429, contract.ErrTypeRetryable, false},
		{503, contract.ErrTypeRetryable, false},
		{502, contract.ErrTypeRetryable, false},
		{504, contract.ErrTypeRetryable, false},
		{400, contract.ErrTypeTerminal, true},
		{401, contract.ErrTypeTerminal, true},
		{403, contract.ErrTypeTerminal, true},
		{404, contract.ErrTypeTerminal, true},
		{500, contract.ErrTypeTerminal, true},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			f := newFixture(t, 5*time.Second)
			f.emu.InjectFault(hubspottest.Fault{Kind: hubspottest.FaultStatus, Status: tc.status})
			_, err := f.apply([]int64{1}, nil)
			ae, failure := appErr(t, err)
			assert.Equal(t, tc.errType, ae.Type())
			assert.Equal(t, tc.terminal, ae.NonRetryable())
			assert.Equal(t, tc.status, failure.Status)
			assert.NotEmpty(t, failure.CorrelationID, "the correlationId reaches the workflow")
			assert.NotEmpty(t, failure.Category)
			assert.NotEmpty(t, failure.Message)
			assert.Empty(t, f.emu.Members(portal, f.listID))
		})
	}
}

// hold mirrors the heartbeat details an attempt answered 429 leaves its
// retry (activities.rateHold), as they travel: JSON.
type hold struct {
	Until  time.Time `json:"until"`
	Policy string    `json:"policy,omitempty"`
}

func TestRateLimitedBatchWaitsHubSpotsInterval(t *testing.T) {
	f := newFixture(t, 5*time.Second, hubspottest.WithRateLimit(1))
	var last hold
	f.env.SetOnActivityHeartbeatListener(func(_ *activity.Info, d converter.EncodedValues) {
		require.NoError(t, d.Get(&last))
	})
	_, err := f.apply([]int64{1}, nil)
	require.NoError(t, err)
	before := time.Now()
	_, err = f.apply([]int64{2}, nil)
	ae, failure := appErr(t, err)
	assert.False(t, ae.NonRetryable())
	assert.Equal(t, 10*time.Second, ae.NextRetryDelay(), "the retry waits X-HubSpot-RateLimit-Interval-Milliseconds")
	assert.Equal(t, "TEN_SECONDLY_ROLLING", failure.PolicyName)
	assert.WithinRange(t, last.Until, before.Add(10*time.Second), time.Now().Add(10*time.Second),
		"the attempt leaves its retry the end of HubSpot's interval")
}

// A retry that reaches a worker process started after the 429 (a server
// restart can fire its timer early) still waits out HubSpot's interval:
// the hold travels in the heartbeat details, not in the process. It waits
// inside the attempt, so the wait costs no failed attempt (which would
// push the retry backoff of later faults up).
func TestRetryOnAFreshWorkerHonoursTheRecordedHold(t *testing.T) {
	f := newFixture(t, 5*time.Second)
	until := time.Now().Add(500 * time.Millisecond)
	f.env.SetHeartbeatDetails(hold{Until: until, Policy: "TEN_SECONDLY_ROLLING"})
	_, err := f.apply([]int64{1}, nil)
	require.NoError(t, err, "the hold ends within the attempt: it waits, then sends")
	reqs := f.emu.Requests()
	require.Len(t, reqs, 1)
	assert.False(t, reqs[0].Time.Before(until), "sent at %s, before the hold ended at %s", reqs[0].Time, until)
	assert.Equal(t, []int64{1}, f.emu.Members(portal, f.listID))

	// A hold longer than the attempt may run fails at once, unsent, and
	// its retry waits the rest.
	f = newFixture(t, 5*time.Second)
	f.env.SetHeartbeatDetails(hold{Until: time.Now().Add(time.Hour), Policy: "DAILY"})
	_, err = f.apply([]int64{1}, nil)
	ae, failure := appErr(t, err)
	assert.False(t, ae.NonRetryable())
	assert.Equal(t, hubspot.CategoryPaused, failure.Category)
	assert.Greater(t, ae.NextRetryDelay(), 59*time.Minute)
	assert.Zero(t, f.emu.Counters().Total, "nothing reached HubSpot before the hold ended")

	// A hold already over holds nothing.
	f = newFixture(t, 5*time.Second)
	f.env.SetHeartbeatDetails(hold{Until: time.Now().Add(-time.Second)})
	_, err = f.apply([]int64{1}, nil)
	require.NoError(t, err)
	assert.Equal(t, []int64{1}, f.emu.Members(portal, f.listID))
}

// A batch of an account that another batch's 429 has paused waits for the
// pause inside its attempt and succeeds: a held batch is not a failed one.
func TestBatchOfAPausedAccountWaitsInsteadOfFailing(t *testing.T) {
	f := newFixture(t, 5*time.Second)
	until := time.Now().Add(300 * time.Millisecond)
	f.client.HoldUntil(until, "TEN_SECONDLY_ROLLING")
	_, err := f.apply([]int64{1, 2}, nil)
	require.NoError(t, err)
	reqs := f.emu.Requests()
	require.Len(t, reqs, 1)
	assert.False(t, reqs[0].Time.Before(until), "sent at %s, inside the pause that ended at %s", reqs[0].Time, until)
}

func TestNoAnswerIsRetryable(t *testing.T) {
	f := newFixture(t, 200*time.Millisecond)
	f.emu.InjectFault(hubspottest.Fault{Kind: hubspottest.FaultHang})
	_, err := f.apply([]int64{1}, nil)
	ae, failure := appErr(t, err)
	assert.Equal(t, contract.ErrTypeRetryable, ae.Type())
	assert.False(t, ae.NonRetryable())
	assert.Equal(t, "TRANSPORT", failure.Category)

	f.emu.InjectFault(hubspottest.Fault{Kind: hubspottest.FaultApplyThenDrop})
	_, err = f.apply([]int64{4}, nil)
	ae, _ = appErr(t, err)
	assert.False(t, ae.NonRetryable())
	assert.Equal(t, []int64{4}, f.emu.Members(portal, f.listID), "the lost answer's change landed")
	_, err = f.apply([]int64{4}, nil)
	require.NoError(t, err, "the retry of an applied batch succeeds")
	assert.Equal(t, []int64{4}, f.emu.Members(portal, f.listID))
}

func TestBadInputAndUnknownConnectorAreTerminal(t *testing.T) {
	f := newFixture(t, 5*time.Second)
	_, err := f.apply([]int64{1}, []int64{1})
	ae, _ := appErr(t, err)
	assert.Equal(t, contract.ErrTypeInvalidBatch, ae.Type())
	assert.True(t, ae.NonRetryable())

	_, err = f.env.ExecuteActivity(contract.ApplyBatchActivity, contract.BatchRequest{ConnectorID: "nope", ListID: f.listID, Add: []int64{1}})
	ae, failure := appErr(t, err)
	assert.Equal(t, contract.ErrTypeTerminal, ae.Type())
	assert.Equal(t, "UNKNOWN_CONNECTOR", failure.Category)
	assert.Contains(t, ae.Error(), "nope")
	assert.Empty(t, f.emu.Requests())
}
