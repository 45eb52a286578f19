package config

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/hubspot"
)

var envNamePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// validate reports every problem at once, each naming its account or
// connector and field, so one edit fixes the file. w tells a 0 written in
// the file from a field left out, where 0 means the workflow's default.
func (f *File) validate(w written) error {
	var errs []error
	errs = append(errs, f.Temporal.validate()...)
	if len(f.Accounts) == 0 {
		errs = append(errs, errors.New("accounts: none declared: add at least one HubSpot account"))
	}
	seen := map[string]bool{}
	for i := range f.Accounts {
		a := &f.Accounts[i]
		if a.ID != "" && seen[a.ID] {
			errs = append(errs, fmt.Errorf("account %q: id is declared twice: account IDs must be unique", a.ID))
		}
		seen[a.ID] = true
		errs = append(errs, a.validate(i)...)
	}
	if len(f.Connectors) == 0 {
		errs = append(errs, errors.New("connectors: none declared: add at least one connector (account + listId)"))
	}
	seenC := map[string]bool{}
	for i, c := range f.Connectors {
		if c.ID != "" && seenC[c.ID] {
			errs = append(errs, fmt.Errorf("connector %q: id is declared twice: connector IDs must be unique", c.ID))
		}
		seenC[c.ID] = true
		errs = append(errs, c.validate(i, seen, w)...)
	}
	return errors.Join(errs...)
}

func (t Temporal) validate() []error {
	var errs []error
	if _, port, err := net.SplitHostPort(t.Address); err != nil || port == "" {
		errs = append(errs, fmt.Errorf("temporal: address %q must be host:port, e.g. %s (or set %s)", t.Address, DefaultTemporalAddress, EnvTemporalAddress))
	}
	if (t.TLS.Cert == "") != (t.TLS.Key == "") {
		errs = append(errs, fmt.Errorf("temporal: tls.cert and tls.key go together (mutual TLS): set both or neither (%s, %s)", EnvTemporalTLSCert, EnvTemporalTLSKey))
	}
	return errs
}

// name is how errors refer to an account: by ID, or by position if it has none.
func (a Account) name(i int) string {
	if a.ID == "" {
		return fmt.Sprintf("accounts[%d]", i)
	}
	return fmt.Sprintf("account %q", a.ID)
}

func (a *Account) validate(i int) []error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf(a.name(i)+": "+format, args...))
	}
	if err := contract.CheckAccountID(a.ID); err != nil {
		bad("id %q is invalid: %v", a.ID, err)
	}
	if err := checkHTTPURL(a.BaseURL); err != nil {
		bad("baseUrl %v (default %s)", err, hubspot.DefaultBaseURL)
	}
	// The client owns the version rules; ask it rather than duplicate them.
	if _, err := hubspot.New(hubspot.Config{HTTPClient: http.DefaultClient, APIVersion: a.APIVersion}); err != nil {
		bad("apiVersion %q must be a date version such as %q or \"v3\"", a.APIVersion, hubspot.DefaultAPIVersion)
	}
	if a.Timeout <= 0 || a.Timeout > MaxTimeout {
		bad("timeout %s must be between 1ms and %s, so each HTTP request ends before Temporal may retry its batch on another worker (heartbeat timeout %s)", a.Timeout, MaxTimeout, contract.ActivityHeartbeatTimeout)
	}
	if a.TimeZone != "" {
		loc, err := time.LoadLocation(a.TimeZone)
		if err != nil {
			bad("timeZone %q is not an IANA time zone such as \"America/New_York\": %v", a.TimeZone, err)
		}
		a.location = loc
	}
	// Each field on its own and as written: a field left out has its
	// default by now, so a 0 here was written.
	def := hubspot.DefaultBudget
	if a.Budget.Requests <= 0 {
		bad("budget.requests %d must be positive (omit it for %d)", a.Budget.Requests, def.Requests)
	}
	if a.Budget.Per <= 0 {
		bad("budget.per %s must be positive (omit it for %s)", a.Budget.Per, def.Per)
	}
	if a.Budget.Burst <= 0 {
		bad("budget.burst %d must be positive (omit it for %d)", a.Budget.Burst, def.Burst)
	}
	errs = append(errs, a.Auth.validate(a.name(i))...)
	return errs
}

func (au Auth) validate(owner string) []error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf(owner+": auth."+format, args...))
	}
	envName := func(field, v string) {
		switch {
		case v == "":
			bad("%s is empty: name the environment variable that holds the secret", field)
		case looksLikeToken(v) || !envNamePattern.MatchString(v):
			// Don't echo v: it may be the secret itself, pasted by mistake.
			bad("%s must be the NAME of an environment variable (like HUBSPOT_ACME_TOKEN), not the secret itself", field)
		}
	}
	switch au.Type {
	case AuthPrivateApp:
		envName("tokenEnv", au.TokenEnv)
		for _, f := range []struct{ field, v string }{
			{"clientId", au.ClientID}, {"clientSecretEnv", au.ClientSecretEnv}, {"tokenStore", au.TokenStore},
			{"redirectUrl", au.RedirectURL}, {"authBaseUrl", au.AuthBaseURL},
		} {
			if f.v != "" {
				bad("%s is only for type %q; remove it from a %q account", f.field, AuthOAuth, AuthPrivateApp)
			}
		}
	case AuthOAuth:
		if au.ClientID == "" {
			bad("clientId is empty: copy the client ID from the HubSpot app's Auth settings")
		}
		envName("clientSecretEnv", au.ClientSecretEnv)
		if au.TokenStore == "" {
			bad("tokenStore is empty: name the file where `hubsync connect` keeps this account's tokens, e.g. .tokens/acme.json")
		}
		if au.TokenEnv != "" {
			bad("tokenEnv is only for type %q; an %q account uses clientSecretEnv and tokenStore", AuthPrivateApp, AuthOAuth)
		}
		if err := checkHTTPURL(au.RedirectURL); err != nil {
			bad("redirectUrl %v", err)
		}
		if err := checkHTTPURL(au.AuthBaseURL); err != nil {
			bad("authBaseUrl %v (default %s)", err, hubspot.DefaultAuthBaseURL)
		}
	case "":
		bad("type is empty: use %q (token from tokenEnv) or %q", AuthPrivateApp, AuthOAuth)
	default:
		bad("type %q is unknown: use %q or %q", au.Type, AuthPrivateApp, AuthOAuth)
	}
	return errs
}

func (c Connector) validate(i int, accounts map[string]bool, w written) []error {
	var errs []error
	name := fmt.Sprintf("connector %q", c.ID)
	if c.ID == "" {
		name = fmt.Sprintf("connectors[%d]", i)
	}
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf(name+": "+format, args...))
	}
	if err := contract.CheckConnectorID(c.ID); err != nil {
		bad("id %q is invalid: %v", c.ID, err)
	}
	switch {
	case c.Account == "":
		bad("account is empty: name one of the accounts declared under accounts")
	case !accounts[c.Account]:
		bad("account %q is not declared under accounts", c.Account)
	}
	switch {
	case strings.TrimSpace(c.ListID) == "":
		bad("listId is empty: use the HubSpot list's ID (create one with `hubsync create-list`)")
	case contract.CheckListID(c.ListID) != nil:
		bad("listId %q must be HubSpot's numeric list ID, e.g. \"123\"", c.ListID)
	}
	// A written 0 is the file's own rule (left out means default); the
	// ranges are the workflow's, checked by the same function a sync runs.
	written0 := func(v int, field string) bool { return v == 0 && w.has("connectors", i, field) }
	before := len(errs)
	if c.FlushInterval <= 0 {
		bad("flushInterval %s must be positive (omit it for %s)", c.FlushInterval, contract.DefaultFlushInterval)
	}
	if c.MaxBatchSize < 1 {
		bad("maxBatchSize %d must be positive (omit it for %d)", c.MaxBatchSize, contract.DefaultMaxBatchSize)
	}
	if c.MaxBacklog < 1 {
		bad("maxBacklog %d must be positive (omit it for %d)", c.MaxBacklog, contract.DefaultMaxBacklog)
	}
	for _, f := range []struct {
		v    int
		name string
		def  int
	}{{c.MaxSignalsPerRun, "maxSignalsPerRun", contract.DefaultMaxSignalsPerRun},
		{c.MaxBatchesPerRun, "maxBatchesPerRun", contract.DefaultMaxBatchesPerRun},
		{c.MaxInFlight, "maxInFlight", contract.DefaultMaxInFlight}} {
		if f.v < 0 || written0(f.v, f.name) {
			bad("%s %d must be positive (omit it for %d)", f.name, f.v, f.def)
		}
	}
	if len(errs) == before {
		var se *contract.SettingsError
		if err := contract.CheckSettings(c.SyncInput("")); errors.As(err, &se) && se.Field != "ConnectorID" && se.Field != "ListID" {
			bad("%s %v: %s", yamlName(se.Field), settingValue(c, se.Field), se.Why)
		}
	}
	return errs
}

// settingValue is the value the file gave a SyncInput field.
func settingValue(c Connector, field string) any {
	switch field {
	case "FlushInterval":
		return c.FlushInterval
	case "MaxBatchSize":
		return c.MaxBatchSize
	case "MaxBacklog":
		return c.MaxBacklog
	case "MaxInFlight":
		return c.MaxInFlight
	case "MaxSignalsPerRun":
		return c.MaxSignalsPerRun
	case "MaxBatchesPerRun":
		return c.MaxBatchesPerRun
	}
	return "?"
}

// yamlName is a SyncInput field's name in the connectors file.
func yamlName(field string) string {
	if field == "" {
		return field
	}
	return strings.ToLower(field[:1]) + field[1:]
}

func checkHTTPURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q must be an absolute http(s) URL", s)
	}
	return nil
}
