package config

import (
	"fmt"
	"os"
	"time"

	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/hubspot"
)

// SyncInput is the workflow input for this connector serving audienceID.
// It carries names and tuning only; credentials stay in the worker.
func (c Connector) SyncInput(audienceID string) contract.SyncInput {
	return contract.SyncInput{
		AudienceID:    audienceID,
		ConnectorID:   c.ID,
		ListID:        c.ListID,
		Account:       c.Account,
		FlushInterval: c.FlushInterval,
		MaxBatchSize:  c.MaxBatchSize,
		MaxBacklog:    c.MaxBacklog,
		MaxInFlight:   c.MaxInFlight,

		MaxSignalsPerRun: c.MaxSignalsPerRun,
		MaxBatchesPerRun: c.MaxBatchesPerRun,
	}
}

// HubSpotBudget is the account's request budget in the client's terms.
func (a Account) HubSpotBudget() hubspot.Budget {
	return hubspot.Budget{Requests: a.Budget.Requests, Per: a.Budget.Per, Burst: a.Budget.Burst}
}

// Location is the time zone HubSpot resets the account's daily limit in.
func (a Account) Location() *time.Location {
	if a.location != nil {
		return a.location
	}
	return time.UTC
}

// env reads a variable through the loader's getenv (the process
// environment for Load), falling back to os.Getenv for hand-built values.
func (a Account) env(name string) string {
	if a.getenv != nil {
		return a.getenv(name)
	}
	return os.Getenv(name)
}

// secret reads the environment variable a *Env field names.
func (a Account) secret(field, name, what string) (string, error) {
	v := a.env(name)
	if v == "" {
		return "", fmt.Errorf("config: account %q: environment variable %s (auth.%s) is not set: export the %s in it", a.ID, name, field, what)
	}
	return v, nil
}

// PrivateAppToken is a private-app account's token, read from the
// environment variable its auth.tokenEnv names.
func (a Account) PrivateAppToken() (string, error) {
	if a.Auth.Type != AuthPrivateApp {
		return "", fmt.Errorf("config: account %q uses auth type %q, not %q: it has no private-app token", a.ID, a.Auth.Type, AuthPrivateApp)
	}
	return a.secret("tokenEnv", a.Auth.TokenEnv, "HubSpot private-app access token (pat-...)")
}

// ClientSecret is an oauth account's OAuth app client secret, read from the
// environment variable its auth.clientSecretEnv names.
func (a Account) ClientSecret() (string, error) {
	if a.Auth.Type != AuthOAuth {
		return "", fmt.Errorf("config: account %q uses auth type %q, not %q: it has no OAuth app", a.ID, a.Auth.Type, AuthOAuth)
	}
	return a.secret("clientSecretEnv", a.Auth.ClientSecretEnv, "OAuth app's client secret")
}

// ConnectorInput is the connector's sync input for audienceID, so a loaded
// File serves as the starter's Catalog (starter.New(c, queue, f)).
func (f *File) ConnectorInput(connectorID, audienceID string) (contract.SyncInput, error) {
	c, _, err := f.Connector(connectorID)
	if err != nil {
		return contract.SyncInput{}, err
	}
	return c.SyncInput(audienceID), nil
}
