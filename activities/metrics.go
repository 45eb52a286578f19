package activities

import (
	"context"
	"errors"
	"strconv"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/hubspot"
)

// Product metrics. They go through activity.GetMetricsHandler, so they reach
// whatever exporter the worker's Temporal client has (internal/metrics on
// hubsync-worker) next to the SDK's own metrics, with its tags (namespace,
// task_queue, activity_type, workflow_type). Labels carry connector IDs,
// outcomes and status codes only: never a token, a list member or a message.
const (
	// MetricBatches counts batch attempts by result: one per activity
	// attempt, so a batch retried three times counts three.
	MetricBatches = "hubsync_batches_total"
	// MetricRecordIDs counts the IDs of applied batches by HubSpot's outcome.
	MetricRecordIDs = "hubsync_record_ids_total"
	// MetricResponses counts HubSpot's answers to membership requests by
	// status: the HTTP code of an error, StatusSuccess or StatusTransport.
	MetricResponses = "hubsync_hubspot_responses_total"
	// MetricRateLimitRemaining is X-HubSpot-RateLimit-Remaining of the
	// connector's last response: its account's budget in the current window.
	MetricRateLimitRemaining = "hubsync_hubspot_ratelimit_remaining"
)

// Values of the result label of MetricBatches.
const (
	ResultApplied   = "applied"
	ResultRetryable = "retryable_error"
	ResultTerminal  = "terminal_error" // the sync is blocked until an operator acts
	ResultInvalid   = "invalid"        // refused before sending; terminal too
)

// Values of the status label of MetricResponses besides an error's HTTP
// status code.
const (
	StatusSuccess = "2xx"
	// StatusTransport is an attempt without a usable answer: connection
	// failure, timeout, cancellation, or a success body we could not read.
	StatusTransport = "transport"
	// StatusPaused is an attempt held back, unsent, by an earlier 429 of
	// the same account (hubspot.CategoryPaused).
	StatusPaused = "paused"
)

// batchMetrics records one activity attempt for one connector.
type batchMetrics struct {
	h client.MetricsHandler
}

func newBatchMetrics(ctx context.Context, connectorID string) batchMetrics {
	return batchMetrics{h: activity.GetMetricsHandler(ctx).WithTags(map[string]string{"connector": connectorID})}
}

func (m batchMetrics) batch(result string) {
	m.h.WithTags(map[string]string{"result": result}).Counter(MetricBatches).Inc(1)
}

// applied counts the IDs of a batch HubSpot applied.
func (m batchMetrics) applied(out hubspot.MembershipUpdate) {
	m.batch(ResultApplied)
	for outcome, ids := range map[string][]int64{"added": out.Added, "removed": out.Removed, "missing": out.Missing} {
		m.h.WithTags(map[string]string{"outcome": outcome}).Counter(MetricRecordIDs).Inc(int64(len(ids)))
	}
}

// failed counts a failed attempt under the result Temporal will act on.
func (m batchMetrics) failed(mapped error) {
	var ae *temporal.ApplicationError
	switch {
	case errors.As(mapped, &ae) && ae.Type() == contract.ErrTypeInvalidBatch:
		m.batch(ResultInvalid)
	case errors.As(mapped, &ae) && ae.NonRetryable():
		m.batch(ResultTerminal)
	default:
		// Retryable errors, and a cancelled attempt, which Temporal
		// retries unless the workflow itself is gone.
		m.batch(ResultRetryable)
	}
}

// response counts HubSpot's answer to the attempt and keeps the budget it
// reported. A batch refused before sending (ErrInvalidInput) got no answer
// and counts nothing.
func (m batchMetrics) response(out hubspot.MembershipUpdate, err error) {
	if errors.Is(err, hubspot.ErrInvalidInput) {
		return
	}
	// The client does not say which 2xx a success was.
	status := StatusSuccess
	var apiErr *hubspot.APIError
	if errors.As(err, &apiErr) {
		status = strconv.Itoa(apiErr.StatusCode)
		if apiErr.Category == hubspot.CategoryPaused {
			status = StatusPaused
		}
	} else if err != nil {
		status = StatusTransport
	}
	m.h.WithTags(map[string]string{"status": status}).Counter(MetricResponses).Inc(1)
	if out.RateLimit.Present {
		m.h.Gauge(MetricRateLimitRemaining).Update(float64(out.RateLimit.Remaining))
	}
}
