package hubspot

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// pause holds back every request of the client (one account) after
// HubSpot answered 429, for the interval it named: the account is over
// its limit whichever request asks next. A held request waits in place
// when the pause ends in time for it (so a held attempt is not a failed
// attempt that pushes its retry backoff up); otherwise it fails at once,
// unsent, as a 429 with the remaining wait.
//
// With a PauseStore the pause outlives the process: a worker started
// right after another one was answered 429 must not send early either.
type pause struct {
	mu     sync.Mutex
	end    time.Time
	policy string

	store   PauseStore // nil: this process only
	saveMu  sync.Mutex // one save at a time, each writing the latest end
	onError func(error)
}

// until extends the pause to t; it says whether it did.
func (p *pause) until(t time.Time, policy string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !t.After(p.end) {
		return false
	}
	p.end, p.policy = t, policy
	return true
}

// extend extends the pause and keeps it in the store.
func (p *pause) extend(t time.Time, policy string) {
	if !p.until(t, policy) || p.store == nil {
		return
	}
	p.saveMu.Lock()
	defer p.saveMu.Unlock()
	p.mu.Lock()
	end, pol := p.end, p.policy
	p.mu.Unlock()
	if err := p.store.Save(end, pol); err != nil && p.onError != nil {
		p.onError(err)
	}
}

func (p *pause) check(method, path string, now time.Time) *APIError {
	p.mu.Lock()
	defer p.mu.Unlock()
	wait := p.end.Sub(now)
	if wait <= 0 {
		return nil
	}
	return &APIError{Method: method, Path: path, StatusCode: http.StatusTooManyRequests, Category: CategoryPaused,
		PolicyName: p.policy, RetryAfter: wait,
		Message: fmt.Sprintf("not sent: HubSpot answered 429 (%s) to this account; waiting the %s left of its interval", p.policy, wait.Round(time.Millisecond))}
}

// await returns once the account is not paused. It waits when the pause
// ends at least room before ctx's deadline (room is what the request
// itself may take); otherwise it returns the pause's 429 at once, so the
// caller's retry waits the rest.
func (p *pause) await(ctx context.Context, method, path string, now func() time.Time, room time.Duration) error {
	for {
		held := p.check(method, path, now())
		if held == nil {
			return nil
		}
		if dl, ok := ctx.Deadline(); ok && now().Add(held.RetryAfter+room).After(dl) {
			return held
		}
		t := time.NewTimer(held.RetryAfter)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("hubspot: waiting out the account's 429 pause (%s): %w", held.PolicyName, ctx.Err())
		case <-t.C:
		}
	}
}

// CategoryPaused marks a request held back by an earlier 429 of the same
// account; it never reached HubSpot.
const CategoryPaused = "RATE_LIMIT_PAUSE"

// HoldUntil holds back every request of this client until t, as a 429
// naming policy would. The membership activity calls it with the hold a
// previous attempt recorded, so a worker process that never saw the 429
// (it started after it) still waits out HubSpot's interval.
func (c *Client) HoldUntil(t time.Time, policy string) { c.pause.extend(t, policy) }
