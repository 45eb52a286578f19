package hubspot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// ErrInvalidInput marks a request the client refused to send because its
// input was wrong; fix the input, a retry cannot help.
var ErrInvalidInput = errors.New("hubspot: invalid input")

// APIError is a non-2xx answer from HubSpot, decoded from HubSpot's error
// body (every field optional) and its rate-limit headers.
type APIError struct {
	Method, Path  string
	StatusCode    int
	Category      string
	SubCategory   string
	Message       string
	CorrelationID string
	PolicyName    string // TEN_SECONDLY_ROLLING, SECONDLY or DAILY on a 429
	Context       map[string][]string
	Details       []ErrorDetail
	// RetryAfter is the delay HubSpot asks for before the next attempt:
	// Retry-After when sent, else X-HubSpot-RateLimit-Interval-Milliseconds,
	// else the window of the policy named in the body. Zero when none applies.
	RetryAfter time.Duration
	RateLimit  RateLimit
}

// ErrorDetail is one entry of an error body's "errors" array.
type ErrorDetail struct {
	Message     string              `json:"message"`
	Code        string              `json:"code,omitempty"`
	SubCategory string              `json:"subCategory,omitempty"`
	In          string              `json:"in,omitempty"`
	Context     map[string][]string `json:"context,omitempty"`
}

type errorBody struct {
	Status        string              `json:"status"`
	Message       string              `json:"message"`
	CorrelationID string              `json:"correlationId"`
	Category      string              `json:"category"`
	SubCategory   json.RawMessage     `json:"subCategory"` // a string, or an object on some endpoints
	PolicyName    string              `json:"policyName"`
	Context       map[string][]string `json:"context"`
	Errors        []ErrorDetail       `json:"errors"`
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "hubspot: %s %s: HTTP %d", e.Method, e.Path, e.StatusCode)
	if e.Category != "" {
		b.WriteString(" " + e.Category)
	}
	if e.SubCategory != "" {
		b.WriteString("/" + e.SubCategory)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.CorrelationID != "" {
		b.WriteString(" (correlationId " + e.CorrelationID + ")")
	}
	if hint := e.hint(); hint != "" {
		b.WriteString("; " + hint)
	}
	return b.String()
}

// hint says what an operator can do about the error.
func (e *APIError) hint() string {
	switch e.StatusCode {
	case http.StatusUnauthorized:
		return "the access token is missing, expired or revoked: reconnect the account or check the private-app token"
	case http.StatusForbidden:
		return "the token lacks a scope: grant " + strings.Join(Scopes, ", ")
	case http.StatusNotFound:
		return "the list does not exist in this account: create it or retarget the connector"
	case http.StatusTooManyRequests:
		return fmt.Sprintf("rate limited, retry after %s", e.RetryAfter)
	}
	return ""
}

// Retryable reports whether the same request may succeed later, following
// the product's table: 408, 429 and 503 are retried, and so are the gateway
// failures 502 and 504; 400, 401, 403, 404 and 500 are terminal.
func (e *APIError) Retryable() bool {
	switch e.StatusCode {
	case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusServiceUnavailable,
		http.StatusBadGateway, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// TransportError is a request that got no HTTP answer: connection refused or
// dropped, DNS, TLS, or the per-request timeout. It is always retryable,
// because HubSpot's membership writes are idempotent.
type TransportError struct {
	Method, Path string
	Timeout      bool
	Err          error
}

func (e *TransportError) Error() string {
	what := "no answer"
	if e.Timeout {
		what = "timed out"
	}
	return fmt.Sprintf("hubspot: %s %s: %s: %v", e.Method, e.Path, what, e.Err)
}

func (e *TransportError) Unwrap() error { return e.Err }

// Retryable reports whether err (from any Client method) may succeed if the
// same request is sent again later.
func Retryable(err error) bool {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.Retryable()
	}
	var tErr *TransportError
	return errors.As(err, &tErr)
}

// RetryDelay is the delay HubSpot asked for before retrying err, if any.
func RetryDelay(err error) (time.Duration, bool) {
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.RetryAfter > 0 {
		return apiErr.RetryAfter, true
	}
	return 0, false
}

func (c *Client) apiError(method, path string, resp *http.Response, payload []byte, limits RateLimit) *APIError {
	e := &APIError{Method: method, Path: path, StatusCode: resp.StatusCode, RateLimit: limits}
	var body errorBody
	if json.Unmarshal(payload, &body) == nil {
		e.Message, e.CorrelationID, e.Category = body.Message, body.CorrelationID, body.Category
		e.PolicyName, e.Context, e.Details = body.PolicyName, body.Context, body.Errors
		e.SubCategory = subCategoryString(body.SubCategory)
	} else if len(payload) > 0 {
		e.Message = fmt.Sprintf("%.300s", payload)
	}
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	if e.Retryable() {
		e.RetryAfter = c.retryAfter(resp.Header, e.PolicyName, limits)
	}
	return e
}

func subCategoryString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return strings.TrimSpace(string(raw))
}

// retryAfter picks the delay HubSpot asks for. A DAILY limit resets at the
// account's midnight, so we wait for that instead of hammering every 10 s.
func (c *Client) retryAfter(h http.Header, policy string, limits RateLimit) time.Duration {
	if v := h.Get("Retry-After"); v != "" {
		if secs, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && secs >= 0 {
			return time.Duration(secs) * time.Second
		}
		if t, err := http.ParseTime(v); err == nil {
			if d := t.Sub(c.cfg.Now()); d > 0 {
				return d
			}
		}
	}
	if strings.EqualFold(policy, "DAILY") {
		return untilMidnight(c.cfg.Now().In(c.cfg.DailyResetZone))
	}
	if limits.Interval > 0 {
		return limits.Interval
	}
	switch strings.ToUpper(policy) {
	case "SECONDLY":
		return time.Second
	case "TEN_SECONDLY_ROLLING":
		return 10 * time.Second
	}
	return 0
}

func untilMidnight(now time.Time) time.Duration {
	y, m, d := now.Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, now.Location()).Sub(now)
}

// transportError classifies a failure to get an answer. A cancelled caller
// is reported as such (not retryable by us); a refused OAuth refresh is a
// credential problem and surfaces as a terminal 401.
func (c *Client) transportError(ctx context.Context, method, path string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("hubspot: %s %s: %w", method, path, ctx.Err())
	}
	var retrieve *oauth2.RetrieveError
	if errors.As(err, &retrieve) && retrieve.Response != nil {
		status := retrieve.Response.StatusCode
		if status < 500 && status != http.StatusTooManyRequests && status != http.StatusRequestTimeout {
			// HubSpot's OAuth errors carry their own status and correlationId.
			var body struct {
				Status        string `json:"status"`
				Message       string `json:"message"`
				CorrelationID string `json:"correlationId"`
			}
			_ = json.Unmarshal(retrieve.Body, &body)
			why := strings.TrimSpace(body.Status + " " + body.Message)
			if why == "" {
				why = strings.TrimSpace(retrieve.ErrorCode + " " + retrieve.ErrorDescription)
			}
			return &APIError{Method: method, Path: path, StatusCode: http.StatusUnauthorized,
				Category: "OAUTH_REFRESH_FAILED", SubCategory: body.Status, CorrelationID: body.CorrelationID,
				Message: fmt.Sprintf("HubSpot refused to refresh the access token (HTTP %d: %s): reconnect the account with `hubsync connect`, then `hubsync resume` (the running worker picks up the new token)",
					status, truncateText(why, 200))}
		}
	}
	return &TransportError{Method: method, Path: path, Timeout: errors.Is(err, context.DeadlineExceeded) || isTimeout(err), Err: err}
}

func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}
