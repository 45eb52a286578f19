// Package hubspot is a small client for the parts of HubSpot's CRM Lists API
// that list sync needs: membership writes, list lookup and creation, list
// search and member paging. It speaks the API exactly as HubSpot publishes it
// (date-versioned paths such as /crm/lists/2026-03, or the older /crm/v3/lists)
// and reports every failure as a typed error that says whether a retry can help.
package hubspot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// Defaults for Config fields left zero.
const (
	DefaultBaseURL    = "https://api.hubapi.com"
	DefaultAPIVersion = "2026-03"
	DefaultTimeout    = 30 * time.Second
	DefaultUserAgent  = "hubspot-list-sync/1"
)

// Config configures a Client. Only HTTPClient is required: it carries the
// credentials (see NewPrivateAppHTTPClient and NewOAuthHTTPClient).
type Config struct {
	// BaseURL is HubSpot's API root; point it at the emulator in tests.
	BaseURL string
	// APIVersion is the path's version segment: a date version such as
	// "2026-03" (→ /crm/lists/2026-03/...) or "v3" (→ /crm/v3/lists/...).
	APIVersion string
	// HTTPClient sends the requests and adds the Authorization header.
	HTTPClient *http.Client
	// Timeout bounds each HTTP request, retries of it excluded. Keep it
	// shorter than the activity's start-to-close timeout so a timed-out
	// attempt can never land after its retry.
	Timeout time.Duration
	// UserAgent is sent on every request.
	UserAgent string
	// Limiter, when set, is waited on before every request; share one per
	// HubSpot account (see Limiters) so all callers stay under its budget.
	Limiter *rate.Limiter
	// DailyResetZone is the account's time zone, where HubSpot resets daily
	// limits at midnight. Default UTC.
	DailyResetZone *time.Location
	// Now is the clock used to compute daily reset delays; default time.Now.
	Now func() time.Time
	// OnUnauthorized, when set, is called when HubSpot answers 401 (an
	// OAuth source's Invalidate, so the next attempt refreshes).
	OnUnauthorized func()
	// Pauses, when set, keeps the account's 429 pause beyond this process:
	// New resumes a pause a previous process left, and every new pause is
	// saved (see FilePauseStore). Nil: the pause lives in this client only.
	Pauses PauseStore
	// Logger receives what the client cannot return to a caller (a pause
	// it could not save). Default slog.Default().
	Logger *slog.Logger
}

// Client calls HubSpot's Lists API. It is safe for concurrent use.
type Client struct {
	cfg      Config
	base     *url.URL
	listsURL string // e.g. https://api.hubapi.com/crm/lists/2026-03
	pause    pause
}

// New checks cfg, fills defaults and returns a Client.
func New(cfg Config) (*Client, error) {
	if cfg.HTTPClient == nil {
		return nil, errors.New("hubspot: Config.HTTPClient is required: build one with NewPrivateAppHTTPClient or NewOAuthHTTPClient")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if cfg.APIVersion == "" {
		cfg.APIVersion = DefaultAPIVersion
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = DefaultUserAgent
	}
	if cfg.DailyResetZone == nil {
		cfg.DailyResetZone = time.UTC
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("hubspot: base URL %q must be an absolute http(s) URL such as %s", cfg.BaseURL, DefaultBaseURL)
	}
	listsPath, err := listsPathFor(cfg.APIVersion)
	if err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg, base: base, listsURL: base.String() + listsPath}
	if cfg.Pauses != nil {
		st, err := cfg.Pauses.Load()
		if err != nil {
			return nil, err
		}
		c.pause.resume(st, cfg.Now(), unrecordedInterval)
		c.pause.store = cfg.Pauses
		c.pause.onError = func(err error) {
			cfg.Logger.Warn("HubSpot answered 429 and the pause could not be kept for the next worker process; a worker started within the interval may send early", "error", err)
		}
	}
	return c, nil
}

// listsPathFor maps the version segment to HubSpot's path layout: date
// versions sit after "lists", the older vN versions before it.
func listsPathFor(version string) (string, error) {
	switch {
	case isDateVersion(version):
		return "/crm/lists/" + version, nil
	case len(version) >= 2 && version[0] == 'v' && isDigits(version[1:]):
		return "/crm/" + version + "/lists", nil
	default:
		return "", fmt.Errorf("hubspot: API version %q is neither a date version like %q nor a numbered one like \"v3\"", version, DefaultAPIVersion)
	}
}

func isDateVersion(v string) bool {
	return len(v) == 7 && v[4] == '-' && isDigits(v[:4]) && isDigits(v[5:])
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// do sends one request and decodes a 2xx JSON body into out (when non-nil).
// Every non-2xx answer becomes an *APIError; every failure to get an answer
// becomes a *TransportError.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body, out any) (RateLimit, error) {
	if err := c.pause.await(ctx, method, path, c.cfg.Now, c.cfg.Timeout); err != nil {
		return RateLimit{}, err
	}
	if c.cfg.Limiter != nil {
		if err := c.cfg.Limiter.Wait(ctx); err != nil {
			return RateLimit{}, fmt.Errorf("hubspot: waiting for the account's request budget: %w", err)
		}
		// A 429 may have come while this request waited for its turn.
		if err := c.pause.await(ctx, method, path, c.cfg.Now, c.cfg.Timeout); err != nil {
			return RateLimit{}, err
		}
	}
	reqCtx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()

	u := c.listsURL + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var reader io.Reader
	if body != nil {
		buf, err := json.Marshal(body)
		if err != nil {
			return RateLimit{}, fmt.Errorf("hubspot: encoding %s %s body: %w", method, path, err)
		}
		reader = bytes.NewReader(buf)
	}
	req, err := http.NewRequestWithContext(reqCtx, method, u, reader)
	if err != nil {
		return RateLimit{}, fmt.Errorf("hubspot: building %s %s: %w", method, path, err)
	}
	// The lease is kept before the request goes: if this process dies
	// before it has the answer, the next one knows an answer was due.
	answerBy, _ := reqCtx.Deadline()
	c.pause.begin(answerBy)
	defer c.pause.end()
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}

	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		return RateLimit{}, c.transportError(ctx, method, path, err)
	}
	defer resp.Body.Close()
	limits := parseRateLimit(resp.Header)
	payload, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes))
	if err != nil {
		return limits, c.transportError(ctx, method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		if resp.StatusCode == http.StatusUnauthorized && c.cfg.OnUnauthorized != nil {
			c.cfg.OnUnauthorized()
		}
		apiErr := c.apiError(method, path, resp, payload, limits)
		if apiErr.StatusCode == http.StatusTooManyRequests && apiErr.RetryAfter > 0 {
			c.pause.extend(c.cfg.Now().Add(apiErr.RetryAfter), apiErr.PolicyName)
		}
		return limits, apiErr
	}
	if out != nil {
		if err := json.Unmarshal(payload, out); err != nil {
			return limits, fmt.Errorf("hubspot: %s %s answered %d with a body that is not the documented JSON (%.200q): %w", method, path, resp.StatusCode, payload, err)
		}
	}
	return limits, nil
}

// maxBodyBytes caps what we read of any answer; list pages are far smaller.
const maxBodyBytes = 16 << 20
