// Package config loads the connectors file: which Temporal server to use,
// which HubSpot accounts (portals) the worker may write to, and which
// connectors (account + list) serve audiences.
//
// Secrets never live in the file. A private-app token or an OAuth client
// secret is read from the environment variable the file names (tokenEnv,
// clientSecretEnv); OAuth tokens live in a token store file written by
// `hubsync connect`; the Temporal API key comes only from TEMPORAL_API_KEY.
// A file holding a secret-looking field is rejected, so a token pasted into
// it fails loudly instead of ending up in version control.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"go.yaml.in/yaml/v3"
)

// File is a loaded, validated connectors file with defaults filled and
// environment overrides applied.
type File struct {
	Temporal   Temporal    `yaml:"temporal"`
	Accounts   []Account   `yaml:"accounts"`
	Connectors []Connector `yaml:"connectors"`

	// Path is the file the configuration was loaded from (absolute).
	Path string `yaml:"-"`
}

// Temporal says how to reach the Temporal server.
type Temporal struct {
	Address   string `yaml:"address"`
	Namespace string `yaml:"namespace"`
	TaskQueue string `yaml:"taskQueue"`
	TLS       TLS    `yaml:"tls"`

	// apiKey comes from TEMPORAL_API_KEY only: it is a secret.
	apiKey string
}

// TLS configures the connection to Temporal. Setting any field turns TLS on;
// Cert and Key together turn on mutual TLS. Relative paths in the file are
// relative to the file's directory.
type TLS struct {
	Cert       string `yaml:"cert"`
	Key        string `yaml:"key"`
	CA         string `yaml:"ca"`
	ServerName string `yaml:"serverName"`
}

// Account is one HubSpot account (portal). Its request budget is shared by
// every connector on it, because HubSpot limits requests per account.
type Account struct {
	ID         string        `yaml:"id"`
	BaseURL    string        `yaml:"baseUrl"`
	APIVersion string        `yaml:"apiVersion"`
	Timeout    time.Duration `yaml:"timeout"`
	// TimeZone is the account's time zone (IANA name), where HubSpot resets
	// daily limits at midnight. Default UTC.
	TimeZone string `yaml:"timeZone"`
	Budget   Budget `yaml:"budget"`
	Auth     Auth   `yaml:"auth"`

	getenv   func(string) string
	location *time.Location
}

// Budget is the client-side request budget of an account; see hubspot.Budget.
type Budget struct {
	Requests int           `yaml:"requests"`
	Per      time.Duration `yaml:"per"`
	Burst    int           `yaml:"burst"`
}

// Auth types.
const (
	AuthPrivateApp = "private-app"
	AuthOAuth      = "oauth"
)

// Auth says where an account's credentials come from. It holds names and
// paths only, never a secret.
type Auth struct {
	Type string `yaml:"type"`
	// TokenEnv names the environment variable holding the private-app token.
	TokenEnv string `yaml:"tokenEnv"`
	// ClientID is the OAuth app's client ID (public, not a secret).
	ClientID string `yaml:"clientId"`
	// ClientSecretEnv names the environment variable holding the OAuth
	// app's client secret.
	ClientSecretEnv string `yaml:"clientSecretEnv"`
	// TokenStore is the OAuth token file (see hubspot.FileTokenStore).
	TokenStore  string `yaml:"tokenStore"`
	RedirectURL string `yaml:"redirectUrl"`
	AuthBaseURL string `yaml:"authBaseUrl"`
}

// Connector is one destination: a list in an account.
type Connector struct {
	ID            string        `yaml:"id"`
	Account       string        `yaml:"account"`
	ListID        string        `yaml:"listId"`
	FlushInterval time.Duration `yaml:"flushInterval"`
	MaxBatchSize  int           `yaml:"maxBatchSize"`
	// MaxBacklog bounds the record IDs the connector's sync may owe before
	// senders are held (back-pressure).
	MaxBacklog int `yaml:"maxBacklog"`
	// MaxInFlight bounds the connector's batches in flight at once (0, left
	// out of the file: the workflow's default, see
	// contract.DefaultMaxInFlight).
	MaxInFlight int `yaml:"maxInFlight"`
	// MaxSignalsPerRun and MaxBatchesPerRun bound one sync run's history
	// before it continues as new (0, left out of the file: the workflow's
	// defaults, 5,000 and 1,000). Lower them only to exercise
	// continue-as-new.
	MaxSignalsPerRun int `yaml:"maxSignalsPerRun"`
	MaxBatchesPerRun int `yaml:"maxBatchesPerRun"`
}

// Load reads the connectors file at path, with overrides from the process
// environment. See LoadWithEnv.
func Load(path string) (*File, error) {
	return LoadWithEnv(path, os.Getenv)
}

// LoadWithEnv reads and validates the connectors file at path. getenv
// supplies TEMPORAL_* overrides and, later, the secrets the file names, so
// tests can pass a map's lookup instead of touching the process environment.
func LoadWithEnv(path string, getenv func(string) string) (*File, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("config: resolving %s: %w", path, err)
	}
	b, err := os.ReadFile(abs)
	if err != nil {
		return nil, fmt.Errorf("config: reading connectors file: %w (set -config or HUBSYNC_CONFIG to the file's path)", err)
	}
	f, err := Parse(b, filepath.Dir(abs), getenv)
	if err != nil {
		return nil, fmt.Errorf("config: %s: %w", abs, err)
	}
	f.Path = abs
	return f, nil
}

// Parse decodes and validates a connectors file's content. Relative paths
// in it are resolved against dir.
func Parse(content []byte, dir string, getenv func(string) string) (*File, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	var root yaml.Node
	if err := yaml.Unmarshal(content, &root); err != nil {
		return nil, fmt.Errorf("not valid YAML or JSON: %w", err)
	}
	// Look for secrets before strict decoding, so that a pasted token gets
	// "use tokenEnv" rather than a bare "unknown field".
	if err := checkNoSecrets(&root); err != nil {
		return nil, err
	}
	// Durations are checked on the tree, where the field's name is known:
	// the decoder's error names only the line.
	fields := writtenFields(&root)
	if err := checkDurations(fields); err != nil {
		return nil, err
	}
	var f File
	dec := yaml.NewDecoder(bytes.NewReader(content))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("the file is empty: declare accounts and connectors (see examples/connectors.yaml)")
		}
		return nil, fmt.Errorf("%w (field names are case-sensitive and durations need a unit, e.g. 10s; see examples/connectors.yaml)", err)
	}
	f.resolvePaths(dir)
	f.Temporal.applyEnv(getenv)
	set := fields.set()
	f.fillDefaults(set)
	for i := range f.Accounts {
		f.Accounts[i].getenv = getenv
	}
	if err := f.validate(set); err != nil {
		return nil, err
	}
	return &f, nil
}

// resolvePaths makes file-relative paths absolute, so the worker finds the
// token store wherever it is started from.
func (f *File) resolvePaths(dir string) {
	abs := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	f.Temporal.TLS.Cert = abs(f.Temporal.TLS.Cert)
	f.Temporal.TLS.Key = abs(f.Temporal.TLS.Key)
	f.Temporal.TLS.CA = abs(f.Temporal.TLS.CA)
	for i := range f.Accounts {
		f.Accounts[i].Auth.TokenStore = abs(f.Accounts[i].Auth.TokenStore)
	}
}

// Account returns the account with the given ID.
func (f *File) Account(id string) (Account, bool) {
	for _, a := range f.Accounts {
		if a.ID == id {
			return a, true
		}
	}
	return Account{}, false
}

// Connector returns the connector with the given ID and its account.
func (f *File) Connector(id string) (Connector, Account, error) {
	for _, c := range f.Connectors {
		if c.ID != id {
			continue
		}
		a, ok := f.Account(c.Account)
		if !ok { // validate prevents this; kept for hand-built Files
			return Connector{}, Account{}, fmt.Errorf("config: connector %q: account %q is not declared", id, c.Account)
		}
		return c, a, nil
	}
	where := f.Path
	if where == "" { // parsed from content, not loaded from a file
		where = "the connectors file"
	}
	return Connector{}, Account{}, fmt.Errorf("config: connector %q is not in %s: add it under connectors, or use one of %v", id, where, f.ConnectorIDs())
}

// ConnectorIDs lists the connector IDs in file order.
func (f *File) ConnectorIDs() []string {
	ids := make([]string, len(f.Connectors))
	for i, c := range f.Connectors {
		ids[i] = c.ID
	}
	return ids
}
