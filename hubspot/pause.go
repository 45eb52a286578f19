package hubspot

import (
	"fmt"
	"net/http"
	"sync"
	"time"
)

// pause holds back every request of the client (one account) after
// HubSpot answered 429, for the interval it named: the account is over
// its limit whichever request asks next, and a retry whose 429 answer was
// lost on its way to Temporal (a worker or server restart) must not go
// early either. A held request fails at once as a 429 with the remaining
// wait, without reaching HubSpot.
type pause struct {
	mu     sync.Mutex
	end    time.Time
	policy string
}

func (p *pause) until(t time.Time, policy string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if t.After(p.end) {
		p.end, p.policy = t, policy
	}
}

func (p *pause) check(method, path string, now time.Time) error {
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

// CategoryPaused marks a request held back by an earlier 429 of the same
// account; it never reached HubSpot.
const CategoryPaused = "RATE_LIMIT_PAUSE"

// HoldUntil holds back every request of this client until t, as a 429
// naming policy would. The membership activity calls it with the hold a
// previous attempt recorded, so a worker process that never saw the 429
// (it started after it) still waits out HubSpot's interval.
func (c *Client) HoldUntil(t time.Time, policy string) { c.pause.until(t, policy) }
