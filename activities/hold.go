package activities

import (
	"context"
	"errors"
	"net/http"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/audiencesync/hubspot-list-sync/hubspot"
)

// rateHold is what an attempt answered 429 leaves its retry, as heartbeat
// details: Temporal keeps them across attempts on the server, so the hold
// survives the worker process that saw the 429. A server restart can fire
// the retry timer early, onto a worker started after the 429; without this
// memo that retry went up to a second before HubSpot's interval ended.
type rateHold struct {
	Until  time.Time `json:"until"`
	Policy string    `json:"policy,omitempty"`
}

// accountHolder is a writer that can hold its account's requests; the
// hubspot.Client is one.
type accountHolder interface {
	HoldUntil(t time.Time, policy string)
}

// previousHold returns the hold an earlier attempt of this batch recorded,
// or the zero hold.
func previousHold(ctx context.Context) rateHold {
	var h rateHold
	if !activity.HasHeartbeatDetails(ctx) {
		return h
	}
	if err := activity.GetHeartbeatDetails(ctx, &h); err != nil {
		// Details from an older worker carry no hold; nothing to wait for.
		return rateHold{}
	}
	return h
}

// holdAfter is the hold a failed request asks for: HubSpot's interval from
// now for a 429 (or what is left of an account's pause), else none.
func holdAfter(err error, now time.Time) (rateHold, bool) {
	var apiErr *hubspot.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusTooManyRequests || apiErr.RetryAfter <= 0 {
		return rateHold{}, false
	}
	return rateHold{Until: now.Add(apiErr.RetryAfter), Policy: apiErr.PolicyName}, true
}

// sendOnce runs an attempt's one HubSpot request: it ends the request
// ahead of the activity's deadline, honours the hold an earlier attempt
// recorded, heartbeats while the request waits and runs, and leaves a
// 429's hold to the next attempt. client is the connector's client.
func sendOnce(ctx context.Context, client any, request func(ctx context.Context) error) error {
	if dl, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, dl.Add(-deadlineMargin))
		defer cancel()
	}
	hold := previousHold(ctx)
	if holder, ok := client.(accountHolder); ok && time.Now().Before(hold.Until) {
		holder.HoldUntil(hold.Until, hold.Policy)
	}
	stop := keepHeartbeating(ctx, time.Second, hold)
	err := request(ctx)
	stop()
	if next, ok := holdAfter(err, time.Now()); ok {
		// Flushed with the failure, before Temporal schedules the retry.
		activity.RecordHeartbeat(ctx, next)
	}
	return err
}
