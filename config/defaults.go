package config

import (
	"time"

	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/hubspot"
)

// Defaults for fields left out of the file.
const (
	DefaultTemporalAddress = "127.0.0.1:7233"
	DefaultNamespace       = "default"
	DefaultTaskQueue       = "hubspot-list-sync"
	// DefaultRedirectURL is where `hubsync connect` listens for the OAuth
	// callback; register the same URL in the HubSpot app.
	DefaultRedirectURL = "http://127.0.0.1:8765/callback"
)

// MaxTimeout is the longest per-request timeout an account may set: an
// HTTP request must have ended before Temporal can retry its batch
// elsewhere (after the heartbeat timeout), so it cannot land after its
// retry or after the next batch (see contract.MaxRequestTimeout).
const MaxTimeout = contract.MaxRequestTimeout

// DefaultTimeout is an account's per-request timeout: HubSpot answers a
// membership write in well under a second.
const DefaultTimeout = 10 * time.Second

// Environment variables that override the temporal section.
const (
	EnvTemporalAddress    = "TEMPORAL_ADDRESS"
	EnvTemporalNamespace  = "TEMPORAL_NAMESPACE"
	EnvTemporalTaskQueue  = "TEMPORAL_TASK_QUEUE"
	EnvTemporalTLSCert    = "TEMPORAL_TLS_CERT"
	EnvTemporalTLSKey     = "TEMPORAL_TLS_KEY"
	EnvTemporalTLSCA      = "TEMPORAL_TLS_CA"
	EnvTemporalServerName = "TEMPORAL_TLS_SERVER_NAME"
	EnvTemporalAPIKey     = "TEMPORAL_API_KEY"
)

// applyEnv lets a deployment retarget Temporal without editing the file
// (e.g. TEMPORAL_ADDRESS=temporal:7233 in Docker Compose). Empty variables
// are ignored, so an unset variable never blanks a configured value.
func (t *Temporal) applyEnv(getenv func(string) string) {
	set := func(dst *string, name string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	set(&t.Address, EnvTemporalAddress)
	set(&t.Namespace, EnvTemporalNamespace)
	set(&t.TaskQueue, EnvTemporalTaskQueue)
	set(&t.TLS.Cert, EnvTemporalTLSCert)
	set(&t.TLS.Key, EnvTemporalTLSKey)
	set(&t.TLS.CA, EnvTemporalTLSCA)
	set(&t.TLS.ServerName, EnvTemporalServerName)
	set(&t.apiKey, EnvTemporalAPIKey)
}

// fillDefaults fills the fields left out of the file. A value written in
// it, 0 included, is kept, to be checked (and reported) as written.
func (f *File) fillDefaults(w written) {
	t := &f.Temporal
	if t.Address == "" {
		t.Address = DefaultTemporalAddress
	}
	if t.Namespace == "" {
		t.Namespace = DefaultNamespace
	}
	if t.TaskQueue == "" {
		t.TaskQueue = DefaultTaskQueue
	}
	for i := range f.Accounts {
		a := &f.Accounts[i]
		if a.BaseURL == "" {
			a.BaseURL = hubspot.DefaultBaseURL
		}
		if a.APIVersion == "" {
			a.APIVersion = hubspot.DefaultAPIVersion
		}
		if a.Timeout == 0 && !w.has("accounts", i, "timeout") {
			a.Timeout = DefaultTimeout
		}
		// Each budget field defaults on its own, so "budget: {requests: 50}"
		// keeps HubSpot's 10 s window.
		if a.Budget.Requests == 0 && !w.has("accounts", i, "budget.requests") {
			a.Budget.Requests = hubspot.DefaultBudget.Requests
		}
		if a.Budget.Per == 0 && !w.has("accounts", i, "budget.per") {
			a.Budget.Per = hubspot.DefaultBudget.Per
		}
		if a.Budget.Burst == 0 && !w.has("accounts", i, "budget.burst") {
			a.Budget.Burst = hubspot.DefaultBudget.Burst
		}
		if a.Auth.Type == AuthOAuth {
			if a.Auth.RedirectURL == "" {
				a.Auth.RedirectURL = DefaultRedirectURL
			}
			if a.Auth.AuthBaseURL == "" {
				a.Auth.AuthBaseURL = hubspot.DefaultAuthBaseURL
			}
		}
	}
	for i := range f.Connectors {
		c := &f.Connectors[i]
		if c.FlushInterval == 0 && !w.has("connectors", i, "flushInterval") {
			c.FlushInterval = contract.DefaultFlushInterval
		}
		if c.MaxBacklog == 0 && !w.has("connectors", i, "maxBacklog") {
			c.MaxBacklog = contract.DefaultMaxBacklog
		}
		if c.MaxBatchSize == 0 && !w.has("connectors", i, "maxBatchSize") {
			c.MaxBatchSize = contract.DefaultMaxBatchSize
		}
	}
}
