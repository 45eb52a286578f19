package hubspottest

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"
)

// rateState is one portal's rolling window and daily count. The daily count
// resets at midnight UTC (HubSpot uses the account's time zone; tests have none).
type rateState struct {
	window   []time.Time // admitted calls within the last 10 s, oldest first
	day      string
	dayCount int
}

// SetRateLimit changes the limits at run time (0 disables either).
func (e *Emulator) SetRateLimit(perTenSeconds, perDay int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.rateLimit, e.dailyLimit = perTenSeconds, perDay
}

// admitRate counts the call and sets HubSpot's headers, or writes a 429.
// Rejected calls are not counted, so a client that backs off recovers.
func (e *Emulator) admitRate(w http.ResponseWriter, r *http.Request, tok *accessToken) bool {
	e.mu.Lock()
	now := e.cfg.now()
	rs := e.rate[tok.portalID]
	if rs == nil {
		rs = &rateState{}
		e.rate[tok.portalID] = rs
	}
	cutoff := now.Add(-rateWindow)
	i := 0
	for i < len(rs.window) && !rs.window[i].After(cutoff) {
		i++
	}
	rs.window = rs.window[i:]
	if day := now.UTC().Format(time.DateOnly); rs.day != day {
		rs.day, rs.dayCount = day, 0
	}
	limit, daily := e.rateLimit, 0
	if tok.kind == kindPrivateApp { // HubSpot applies daily caps to private apps only.
		daily = e.dailyLimit
	}
	h := w.Header()
	if limit > 0 {
		h.Set("X-HubSpot-RateLimit-Interval-Milliseconds", strconv.Itoa(int(rateWindow/time.Millisecond)))
		h.Set("X-HubSpot-RateLimit-Max", strconv.Itoa(limit))
	}
	if daily > 0 {
		h.Set("X-HubSpot-RateLimit-Daily", strconv.Itoa(daily))
	}
	var policy string
	var wait time.Duration
	switch {
	case daily > 0 && rs.dayCount >= daily:
		policy = "DAILY"
		y, m, d := now.UTC().Date()
		wait = time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC).Sub(now)
	case limit > 0 && len(rs.window) >= limit:
		policy = "TEN_SECONDLY_ROLLING"
		wait = rs.window[len(rs.window)-limit].Add(rateWindow).Sub(now)
	default:
		rs.window = append(rs.window, now)
		rs.dayCount++
	}
	remaining, dailyRemaining := limit-len(rs.window), daily-rs.dayCount
	e.mu.Unlock()

	if limit > 0 {
		h.Set("X-HubSpot-RateLimit-Remaining", strconv.Itoa(max(remaining, 0)))
	}
	if daily > 0 {
		h.Set("X-HubSpot-RateLimit-Daily-Remaining", strconv.Itoa(max(dailyRemaining, 0)))
	}
	if policy == "" {
		return true
	}
	stateOf(r).rec.RateLimited = true
	e.writeRateLimited(w, r, tok.portalID, policy, wait)
	return false
}

func (e *Emulator) writeRateLimited(w http.ResponseWriter, r *http.Request, portalID int64, policy string, wait time.Duration) {
	if e.cfg.retryAfter && wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	}
	msg := "You have reached your ten_secondly_rolling limit."
	if policy == "DAILY" {
		msg = "You have reached your daily limit."
	}
	writeAPIError(w, http.StatusTooManyRequests, apiError{
		Status: "error", Message: msg, ErrorType: "RATE_LIMIT", CorrelationID: correlationID(r),
		PolicyName: policy, GroupName: fmt.Sprintf("publicapi:%d", portalID), Category: CategoryRateLimits,
	})
}
