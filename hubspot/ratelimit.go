package hubspot

import (
	"net/http"
	"strconv"
	"time"
)

// RateLimit is what HubSpot's X-HubSpot-RateLimit-* headers said about the
// account's budget on one response. Fields are zero when a header is absent
// (the daily ones are only sent to private apps).
type RateLimit struct {
	Interval       time.Duration // X-HubSpot-RateLimit-Interval-Milliseconds
	Max            int           // X-HubSpot-RateLimit-Max
	Remaining      int           // X-HubSpot-RateLimit-Remaining
	Daily          int           // X-HubSpot-RateLimit-Daily
	DailyRemaining int           // X-HubSpot-RateLimit-Daily-Remaining
	Present        bool          // any of the headers was sent
}

func parseRateLimit(h http.Header) RateLimit {
	var rl RateLimit
	num := func(name string) int {
		v := h.Get(name)
		if v == "" {
			return 0
		}
		rl.Present = true
		n, _ := strconv.Atoi(v)
		return n
	}
	rl.Interval = time.Duration(num("X-HubSpot-RateLimit-Interval-Milliseconds")) * time.Millisecond
	rl.Max = num("X-HubSpot-RateLimit-Max")
	rl.Remaining = num("X-HubSpot-RateLimit-Remaining")
	rl.Daily = num("X-HubSpot-RateLimit-Daily")
	rl.DailyRemaining = num("X-HubSpot-RateLimit-Daily-Remaining")
	return rl
}
