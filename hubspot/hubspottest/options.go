package hubspottest

import (
	"log/slog"
	"time"
)

// Defaults mirror HubSpot's documented figures where there are any.
const (
	DefaultTokenLifetime    = 30 * time.Minute // OAuth access tokens live 30 minutes.
	DefaultRateLimit        = 110              // public apps: 110 requests per 10 s per account.
	DefaultMaxIDsPerRequest = 100000           // HubSpot documents no maximum; keep it generous but finite.
	rateWindow              = 10 * time.Second
)

// Option configures an Emulator.
type Option func(*config)

type config struct {
	tokenLifetime time.Duration
	rateLimit     int
	dailyLimit    int
	maxIDs        int
	now           func() time.Time
	rotateRefresh bool
	retryAfter    bool
	logger        *slog.Logger
	faultSeed     int64
}

func defaultConfig() config {
	return config{
		tokenLifetime: DefaultTokenLifetime,
		rateLimit:     DefaultRateLimit,
		maxIDs:        DefaultMaxIDsPerRequest,
		now:           time.Now,
		logger:        slog.Default(),
		faultSeed:     1,
	}
}

// WithTokenLifetime sets the lifetime of OAuth access tokens (default 30m).
func WithTokenLifetime(d time.Duration) Option { return func(c *config) { c.tokenLifetime = d } }

// WithRateLimit sets requests per portal per rolling 10 s (default 110; 0 disables).
func WithRateLimit(perTenSeconds int) Option { return func(c *config) { c.rateLimit = perTenSeconds } }

// WithDailyLimit sets a per-portal daily cap for private-app tokens (default 0 = off),
// as HubSpot applies daily caps to private apps only.
func WithDailyLimit(perDay int) Option { return func(c *config) { c.dailyLimit = perDay } }

// WithMaxIDsPerRequest caps recordIdsToAdd+recordIdsToRemove per request.
func WithMaxIDsPerRequest(n int) Option { return func(c *config) { c.maxIDs = n } }

// WithClock replaces time.Now, so tests can expire tokens and rate windows without sleeping.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithRefreshTokenRotation makes every refresh return a new refresh token and
// revoke the old one, the strictest reading of "HubSpot may return a new one":
// a client that does not persist it breaks on the next refresh.
func WithRefreshTokenRotation(on bool) Option { return func(c *config) { c.rotateRefresh = on } }

// WithRetryAfter adds a Retry-After header to 429s (HubSpot documents none).
func WithRetryAfter(on bool) Option { return func(c *config) { c.retryAfter = on } }

// WithLogger sets the slog logger.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithFaultSeed seeds the RNG of probabilistic faults, so a failing run can be replayed.
func WithFaultSeed(seed int64) Option { return func(c *config) { c.faultSeed = seed } }
