package activities_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/audiencesync/hubspot-list-sync/activities"
	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/hubspot/hubspottest"
)

// counter sums the counter name over every series whose labels include want.
func (f *fixture) counter(name string, want map[string]string) int64 {
	var sum int64
	for _, c := range f.metrics.Snapshot().Counters() {
		if c.Name() == name && hasTags(c.Tags(), want) {
			sum += c.Value()
		}
	}
	return sum
}

func (f *fixture) gauge(name, connector string) (float64, bool) {
	for _, g := range f.metrics.Snapshot().Gauges() {
		if g.Name() == name && g.Tags()["connector"] == connector {
			return g.Value(), true
		}
	}
	return 0, false
}

func hasTags(got, want map[string]string) bool {
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

func batches(result string) map[string]string {
	return map[string]string{"connector": "conn", "result": result}
}

func responses(status string) map[string]string {
	return map[string]string{"connector": "conn", "status": status}
}

// Each attempt is counted once under the result Temporal acts on, with
// HubSpot's answer and its remaining budget, whatever the outcome.
func TestMetricsCountEachAttemptByResult(t *testing.T) {
	f := newFixture(t, 5*time.Second, hubspottest.WithRateLimit(50))
	require.NoError(t, f.emu.AddMembers(portal, f.listID, 3))

	_, err := f.apply([]int64{1, 2, 9999}, []int64{3})
	require.NoError(t, err)
	assert.Equal(t, int64(1), f.counter(activities.MetricBatches, batches(activities.ResultApplied)))
	for outcome, n := range map[string]int64{"added": 2, "removed": 1, "missing": 1} {
		assert.Equal(t, n, f.counter(activities.MetricRecordIDs, map[string]string{"connector": "conn", "outcome": outcome}), outcome)
	}
	assert.Equal(t, int64(1), f.counter(activities.MetricResponses, responses(activities.StatusSuccess)))
	remaining, ok := f.gauge(activities.MetricRateLimitRemaining, "conn")
	assert.True(t, ok, "the rate-limit gauge is set from the response headers")
	assert.Equal(t, float64(49), remaining, "one of 50 calls used")

	f.emu.InjectFault(hubspottest.Fault{Kind: hubspottest.FaultStatus, Status: 503})
	_, err = f.apply([]int64{4}, nil)
	require.Error(t, err)
	assert.Equal(t, int64(1), f.counter(activities.MetricBatches, batches(activities.ResultRetryable)))
	assert.Equal(t, int64(1), f.counter(activities.MetricResponses, responses("503")))

	// A real 404: the list is gone, and the sync will be blocked.
	require.True(t, f.emu.DeleteList(portal, f.listID))
	_, err = f.apply([]int64{5}, nil)
	require.Error(t, err)
	assert.Equal(t, int64(1), f.counter(activities.MetricBatches, batches(activities.ResultTerminal)))
	assert.Equal(t, int64(1), f.counter(activities.MetricResponses, responses("404")))
	remaining, _ = f.gauge(activities.MetricRateLimitRemaining, "conn")
	assert.Less(t, remaining, float64(49), "the gauge follows the latest response, error answers too")

	// Refused before sending: counted as invalid, with no HubSpot answer.
	_, err = f.apply([]int64{6}, []int64{6})
	require.Error(t, err)
	assert.Equal(t, int64(1), f.counter(activities.MetricBatches, batches(activities.ResultInvalid)))
	_, err = f.env.ExecuteActivity(contract.ApplyBatchActivity, contract.BatchRequest{ConnectorID: "nope", ListID: "1", Add: []int64{1}})
	require.Error(t, err)
	assert.Equal(t, int64(1), f.counter(activities.MetricBatches, map[string]string{"connector": "nope", "result": activities.ResultTerminal}))

	assert.Equal(t, int64(5), f.counter(activities.MetricBatches, nil), "one count per attempt")
	assert.Equal(t, int64(3), f.counter(activities.MetricResponses, nil), "only sent requests have an answer")
	assertNoIDsInLabels(t, f)
}

func TestMetricsCountNoAnswerAsTransport(t *testing.T) {
	f := newFixture(t, 200*time.Millisecond)
	f.emu.InjectFault(hubspottest.Fault{Kind: hubspottest.FaultHang})
	_, err := f.apply([]int64{1}, nil)
	require.Error(t, err)
	assert.Equal(t, int64(1), f.counter(activities.MetricResponses, responses(activities.StatusTransport)))
	assert.Equal(t, int64(1), f.counter(activities.MetricBatches, batches(activities.ResultRetryable)))
	_, ok := f.gauge(activities.MetricRateLimitRemaining, "conn")
	assert.False(t, ok, "no answer, no budget to report")
}

// Labels are bounded: connector, outcome and status only, never a record
// ID (they would explode the series count and leak audience membership).
func assertNoIDsInLabels(t *testing.T, f *fixture) {
	t.Helper()
	allowed := map[string]bool{"connector": true, "result": true, "outcome": true, "status": true,
		// The SDK's own tags on an activity's handler, all bounded.
		"namespace": true, "task_queue": true, "activity_type": true, "workflow_type": true}
	snap := f.metrics.Snapshot()
	check := func(name string, tags map[string]string) {
		if !strings.HasPrefix(name, "hubsync_") {
			return
		}
		for k, v := range tags {
			if !allowed[k] {
				t.Errorf("%s has an unexpected label %s=%q", name, k, v)
			}
			if v == "9999" || v == "6" {
				t.Errorf("%s carries a record ID in label %s=%q", name, k, v)
			}
		}
	}
	for _, c := range snap.Counters() {
		check(c.Name(), c.Tags())
	}
	for _, g := range snap.Gauges() {
		check(g.Name(), g.Tags())
	}
}
