package config

import (
	"context"
	"fmt"

	"github.com/audiencesync/hubspot-list-sync/hubspot"
)

// Build returns a HubSpot client for every connector, keyed by connector ID.
// Connectors of one account share one client, hence one credential (an
// OAuth refresh token must not be refreshed by two sources at once) and
// one limiter from limiters, so together they stay under the account's
// budget. ctx must outlive the clients: OAuth refreshes use it.
func Build(ctx context.Context, f *File, limiters *hubspot.Limiters) (map[string]*hubspot.Client, error) {
	if limiters == nil {
		limiters = &hubspot.Limiters{}
	}
	byAccount := map[string]*hubspot.Client{}
	out := make(map[string]*hubspot.Client, len(f.Connectors))
	for _, c := range f.Connectors {
		client, ok := byAccount[c.Account]
		if !ok {
			a, found := f.Account(c.Account)
			if !found {
				return nil, fmt.Errorf("config: connector %q: account %q is not declared", c.ID, c.Account)
			}
			var err error
			if client, err = NewClient(ctx, a, limiters); err != nil {
				return nil, fmt.Errorf("connector %q: %w", c.ID, err)
			}
			byAccount[c.Account] = client
		}
		out[c.ID] = client
	}
	return out, nil
}

// NewClient builds the HubSpot client of one account, drawing on the
// account's limiter in limiters.
func NewClient(ctx context.Context, a Account, limiters *hubspot.Limiters) (*hubspot.Client, error) {
	if limiters == nil {
		limiters = &hubspot.Limiters{}
	}
	hc, err := a.HTTPClient(ctx)
	if err != nil {
		return nil, err
	}
	lim, err := limiters.For(a.ID, a.HubSpotBudget())
	if err != nil {
		return nil, fmt.Errorf("config: account %q: %w", a.ID, err)
	}
	client, err := hubspot.New(hubspot.Config{
		BaseURL:        a.BaseURL,
		APIVersion:     a.APIVersion,
		HTTPClient:     hc,
		Timeout:        a.Timeout,
		Limiter:        lim,
		DailyResetZone: a.Location(),
	})
	if err != nil {
		return nil, fmt.Errorf("config: account %q: %w", a.ID, err)
	}
	return client, nil
}
