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
// With a PauseStore the pause outlives the process: every 429 is saved
// before the request that got it returns, and a lease is saved before
// any request is sent, so a process started after one that died with
// requests in flight holds the account as if their answers were 429s.
type pause struct {
	mu       sync.Mutex
	state    PauseState // Until, Policy and the lease wanted
	inFlight int

	store   PauseStore // nil: this process only
	saveMu  sync.Mutex // one save at a time, each writing the latest state
	saved   time.Time  // the lease the store holds
	onError func(error)
}

// unrecordedPolicy names a hold for answers a dead process may not have
// recorded.
const unrecordedPolicy = "UNRECORDED_ANSWERS"

// unrecordedInterval is how long an answer a dead process may not have
// recorded holds the account: HubSpot's ten-second interval.
const unrecordedInterval = 10 * time.Second

// leaseSlack is how far past a request's own deadline a lease reaches, so
// a busy account writes its lease about once per slack, not per request.
const leaseSlack = 2 * time.Second

// resume restores what a previous process left at now: its pause, and a
// hold for HubSpot's interval from the latest time an answer to its
// requests could have come unrecorded (it died by now, at the latest).
func (p *pause) resume(st PauseState, now time.Time, interval time.Duration) {
	p.state = st
	p.saved = st.Lease
	if st.Lease.IsZero() {
		return
	}
	answered := st.Lease
	if now.Before(answered) {
		answered = now
	}
	if end := answered.Add(interval); end.After(p.state.Until) {
		p.state.Until, p.state.Policy = end, unrecordedPolicy
	}
}

// until extends the pause to t; it says whether it did.
func (p *pause) until(t time.Time, policy string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !t.After(p.state.Until) {
		return false
	}
	p.state.Until, p.state.Policy = t, policy
	return true
}

// extend extends the pause and keeps it in the store.
func (p *pause) extend(t time.Time, policy string) {
	if p.until(t, policy) {
		p.save(func(PauseState) bool { return true })
	}
}

// save writes the current state when need says so of it, one save at a
// time so a later state is never overwritten by an earlier one.
func (p *pause) save(need func(PauseState) bool) {
	if p.store == nil {
		return
	}
	p.saveMu.Lock()
	defer p.saveMu.Unlock()
	p.mu.Lock()
	st := p.state
	p.mu.Unlock()
	if !need(st) {
		return
	}
	if err := p.store.Save(st); err != nil && p.onError != nil {
		p.onError(err)
	}
	// Even after a failed save: the next try is for the next lease, so a
	// store that cannot be written costs one warning per lease, not one
	// per request.
	p.saved = st.Lease
}

// begin counts a request about to be sent whose answer may come until
// deadline, and makes sure the store's lease covers it first.
func (p *pause) begin(deadline time.Time) {
	p.mu.Lock()
	p.inFlight++
	if p.store != nil && p.state.Lease.Before(deadline) {
		p.state.Lease = deadline.Add(leaseSlack)
	}
	p.mu.Unlock()
	p.save(func(st PauseState) bool { return p.saved.Before(deadline) })
}

// end counts a request whose answer has been handled.
func (p *pause) end() {
	p.mu.Lock()
	p.inFlight--
	p.mu.Unlock()
}

// release clears the lease when no request is in flight: every answer
// was recorded, so the next process need not hold the account.
func (p *pause) release() {
	p.mu.Lock()
	idle := p.inFlight == 0 && !p.state.Lease.IsZero()
	if idle {
		p.state.Lease = time.Time{}
	}
	p.mu.Unlock()
	if idle {
		p.save(func(st PauseState) bool { return st.Lease.IsZero() })
	}
}

func (p *pause) check(method, path string, now time.Time) *APIError {
	p.mu.Lock()
	defer p.mu.Unlock()
	wait := p.state.Until.Sub(now)
	if wait <= 0 {
		return nil
	}
	why := fmt.Sprintf("HubSpot answered 429 (%s) to this account", p.state.Policy)
	if p.state.Policy == unrecordedPolicy {
		why = "the previous worker process stopped while HubSpot's answers to this account's requests were due, and any of them may have been a 429"
	}
	return &APIError{Method: method, Path: path, StatusCode: http.StatusTooManyRequests, Category: CategoryPaused,
		PolicyName: p.state.Policy, RetryAfter: wait,
		Message: fmt.Sprintf("not sent: %s; waiting the %s left of HubSpot's interval", why, wait.Round(time.Millisecond))}
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

// Release tells the store that no request of this client awaits an
// answer, if none does, so the next process need not hold the account.
// Call it after a graceful stop; without Config.Pauses it does nothing.
func (c *Client) Release() { c.pause.release() }
