package hubspottest

import (
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"
)

// RequestRecord is one API request as the emulator saw it.
type RequestRecord struct {
	Time          time.Time `json:"time"`
	End           time.Time `json:"end"` // when the answer was decided (or the connection dropped)
	Method        string    `json:"method"`
	Path          string    `json:"path"`             // a token in a v1 OAuth path is logged as {token}
	Query         string    `json:"query,omitempty"`  // raw query string (a page's cursor and limit); never kept for /oauth/
	PortalID      int64     `json:"portalId"`         // 0 when the token was not resolved
	ListID        string    `json:"listId,omitempty"` // from the path, if any
	AddIDs        []int64   `json:"addIds,omitempty"`
	RemoveIDs     []int64   `json:"removeIds,omitempty"`
	Status        int       `json:"status"`          // 0 when the connection was dropped or the request hung
	Fault         FaultKind `json:"fault,omitempty"` // "" when no fault was injected
	Applied       bool      `json:"applied"`         // the request reached the API logic (it may have changed state)
	RateLimited   bool      `json:"rateLimited"`     // rejected by the rate limiter (not by an injected 429)
	CorrelationID string    `json:"correlationId"`

	logged bool // by logOnce: one entry per request
}

// logPath is a request's path and query as the request log keeps them.
// The legacy v1 token-info paths carry the token itself, and v1's token
// endpoint reads secrets from the query string: neither belongs in a log
// (or in the admin API's copy of it), so the token becomes "{token}" and
// no /oauth/ query is kept.
func logPath(u *url.URL) (path, query string) {
	for _, prefix := range []string{"/oauth/v1/access-tokens/", "/oauth/v1/refresh-tokens/"} {
		if strings.HasPrefix(u.Path, prefix) {
			return prefix + "{token}", ""
		}
	}
	if strings.HasPrefix(u.Path, "/oauth/") {
		return u.Path, ""
	}
	return u.Path, u.RawQuery
}

// Counters summarise the request log.
type Counters struct {
	Total       int         `json:"total"`
	ByStatus    map[int]int `json:"byStatus"` // status 0 = dropped or hung
	Faults      int         `json:"faults"`
	RateLimited int         `json:"rateLimited"`
}

// logOnce logs rec the first time it is called for it.
func (e *Emulator) logOnce(rec *RequestRecord, status int) {
	if rec.logged {
		return
	}
	rec.logged = true
	e.logRequest(rec, status)
}

func (e *Emulator) logRequest(rec *RequestRecord, status int) {
	rec.Status = status
	rec.End = e.cfg.now()
	e.logMu.Lock()
	e.reqs = append(e.reqs, *rec)
	e.counters.Total++
	e.counters.ByStatus[status]++
	if rec.Fault != "" {
		e.counters.Faults++
	}
	if rec.RateLimited {
		e.counters.RateLimited++
	}
	e.logMu.Unlock()
	e.log.Debug("hubspot emulator request", "method", rec.Method, "path", rec.Path, "portal", rec.PortalID,
		"status", status, "fault", string(rec.Fault), "correlationId", rec.CorrelationID)
}

// Requests returns a copy of the request log, oldest first.
func (e *Emulator) Requests() []RequestRecord {
	e.logMu.Lock()
	defer e.logMu.Unlock()
	return slices.Clone(e.reqs)
}

// Counters returns a copy of the counters.
func (e *Emulator) Counters() Counters {
	e.logMu.Lock()
	defer e.logMu.Unlock()
	c := e.counters
	c.ByStatus = maps.Clone(c.ByStatus)
	return c
}

// ResetLog clears the request log and counters.
func (e *Emulator) ResetLog() {
	e.logMu.Lock()
	defer e.logMu.Unlock()
	e.reqs = nil
	e.counters = Counters{ByStatus: map[int]int{}}
}
