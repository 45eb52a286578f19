package hubspot

import (
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Budget is a client-side request budget for one HubSpot account.
type Budget struct {
	Requests int           // requests allowed per Per
	Per      time.Duration // the window, HubSpot's is 10 s
	Burst    int           // requests that may go at once
}

// DefaultBudget stays under every HubSpot limit, the lowest being 100
// requests per rolling 10 s (private apps on Free and Starter): any 10 s
// window sees at most Requests + Burst = 98. The 2 spare requests absorb
// the skew between our clock and HubSpot's arrival times. For other app
// types and tiers see docs/configuration.md ("Rate budget").
var DefaultBudget = Budget{Requests: 97, Per: 10 * time.Second, Burst: 1}

func (b Budget) validate() error {
	if b.Requests <= 0 || b.Per <= 0 || b.Burst <= 0 {
		return fmt.Errorf("request budget %d per %s with burst %d: all three must be positive", b.Requests, b.Per, b.Burst)
	}
	return nil
}

// Limiters hands out one limiter per HubSpot account, so every connector on
// that account draws from the same budget and requests wait instead of
// drawing 429s. The zero value is ready to use.
type Limiters struct {
	mu     sync.Mutex
	byAcct map[string]limiterEntry
}

type limiterEntry struct {
	budget  Budget
	limiter *rate.Limiter
}

// For returns the account's limiter, creating it with budget on first use.
// Asking again with a different budget is a configuration mistake and fails.
func (l *Limiters) For(account string, budget Budget) (*rate.Limiter, error) {
	if account == "" {
		return nil, fmt.Errorf("hubspot: limiter needs an account ID")
	}
	if err := budget.validate(); err != nil {
		return nil, fmt.Errorf("hubspot: account %s: %w", account, err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, ok := l.byAcct[account]; ok {
		if e.budget != budget {
			return nil, fmt.Errorf("hubspot: account %s already has request budget %d/%s (burst %d); every connector on one account must declare the same budget, got %d/%s (burst %d)",
				account, e.budget.Requests, e.budget.Per, e.budget.Burst, budget.Requests, budget.Per, budget.Burst)
		}
		return e.limiter, nil
	}
	if l.byAcct == nil {
		l.byAcct = map[string]limiterEntry{}
	}
	every := budget.Per / time.Duration(budget.Requests)
	lim := rate.NewLimiter(rate.Every(every), budget.Burst)
	l.byAcct[account] = limiterEntry{budget: budget, limiter: lim}
	return lim, nil
}
