package config

import (
	"strings"
	"testing"
)

// Each case is a whole file; want lists substrings the error must contain
// (the account/connector, the field, and what to do).
func TestValidationErrors(t *testing.T) {
	t.Parallel()
	const acct = "accounts:\n  - id: acme\n    auth: {type: private-app, tokenEnv: HUBSPOT_ACME_TOKEN}\n"
	const conn = "connectors:\n  - {id: acme-vip, account: acme, listId: \"123\"}\n"
	tests := []struct {
		name, file string
		want       []string
	}{
		{"empty file", "", []string{"empty"}},
		{"not yaml", "accounts: [", []string{"not valid YAML"}},
		{"unknown top field", "tempral: {}\n" + acct + conn, []string{"tempral", "not found"}},
		{"unknown account field", "accounts:\n  - id: acme\n    baseURL: https://x\n    auth: {type: private-app, tokenEnv: T}\n" + conn, []string{"baseURL", "not found"}},
		{"unknown connector field", acct + "connectors:\n  - {id: c, account: acme, listId: \"1\", list: 2}\n", []string{"list", "not found"}},
		{"no accounts", conn, []string{"accounts: none declared"}},
		{"no connectors", acct, []string{"connectors: none declared"}},
		{"duplicate account", acct + "  - id: acme\n    auth: {type: private-app, tokenEnv: T}\n" + conn, []string{`account "acme": id is declared twice`}},
		{"duplicate connector", acct + conn + "  - {id: acme-vip, account: acme, listId: \"9\"}\n", []string{`connector "acme-vip": id is declared twice`}},
		{"unknown account ref", acct + "connectors:\n  - {id: c1, account: initech, listId: \"1\"}\n", []string{`connector "c1": account "initech" is not declared`}},
		{"empty account ref", acct + "connectors:\n  - {id: c1, listId: \"1\"}\n", []string{`connector "c1": account is empty`}},
		{"empty listId", acct + "connectors:\n  - {id: acme-vip, account: acme}\n", []string{`connector "acme-vip": listId is empty`}},
		{"non-numeric listId", acct + "connectors:\n  - {id: acme-vip, account: acme, listId: abc}\n", []string{`connector "acme-vip": listId "abc" must be HubSpot's numeric list ID`}},
		{"connector id with slash", acct + "connectors:\n  - {id: a/b, account: acme, listId: \"1\"}\n", []string{`connector "a/b": id`, "workflow IDs"}},
		{"connector without id", acct + "connectors:\n  - {account: acme, listId: \"1\"}\n", []string{`connectors[0]: id ""`}},
		{"batch too big", acct + "connectors:\n  - {id: c, account: acme, listId: \"1\", maxBatchSize: 10001}\n", []string{`connector "c": maxBatchSize 10001: must be between 1 and 10000`}},
		{"batch negative", acct + "connectors:\n  - {id: c, account: acme, listId: \"1\", maxBatchSize: -1}\n", []string{`connector "c": maxBatchSize -1`}},
		{"backlog too big", acct + "connectors:\n  - {id: c, account: acme, listId: \"1\", maxBacklog: 80001}\n", []string{`connector "c": maxBacklog 80001: must be between 1 and 80000`}},
		{"too many in flight", acct + "connectors:\n  - {id: c, account: acme, listId: \"1\", maxInFlight: 11}\n", []string{`connector "c": maxInFlight 11: must be between 1 and 10`}},
		{"in flight past the ID bound", acct + "connectors:\n  - {id: c, account: acme, listId: \"1\", maxBatchSize: 5000, maxInFlight: 3}\n", []string{`connector "c": maxInFlight 3: 3 batches of MaxBatchSize 5000 is over 10000 IDs in flight: use at most 2`}},
		{"backlog under a batch", acct + "connectors:\n  - {id: c, account: acme, listId: \"1\", maxBatchSize: 1000, maxBacklog: 999}\n", []string{`connector "c": maxBacklog 999: must be at least MaxBatchSize (1000)`}},
		{"flush negative", acct + "connectors:\n  - {id: c, account: acme, listId: \"1\", flushInterval: -1s}\n", []string{`connector "c": flushInterval -1s must be positive`}},
		{"flush not a duration", acct + "connectors:\n  - {id: c, account: acme, listId: \"1\", flushInterval: soon}\n", []string{"soon"}},
		{"account without id", "accounts:\n  - auth: {type: private-app, tokenEnv: T}\n" + conn, []string{`accounts[0]: id ""`}},
		{"bad base url", "accounts:\n  - {id: acme, baseUrl: api.hubapi.com, auth: {type: private-app, tokenEnv: T}}\n" + conn, []string{`account "acme": baseUrl "api.hubapi.com" must be an absolute http(s) URL`}},
		{"bad api version", "accounts:\n  - {id: acme, apiVersion: latest, auth: {type: private-app, tokenEnv: T}}\n" + conn, []string{`account "acme": apiVersion "latest"`}},
		{"timeout too long", "accounts:\n  - {id: acme, timeout: 60s, auth: {type: private-app, tokenEnv: T}}\n" + conn, []string{`account "acme": timeout 1m0s must be between 1ms and 12s`}},
		{"timeout negative", "accounts:\n  - {id: acme, timeout: -1s, auth: {type: private-app, tokenEnv: T}}\n" + conn, []string{`account "acme": timeout -1s`}},
		{"bad time zone", "accounts:\n  - {id: acme, timeZone: Mars/Olympus, auth: {type: private-app, tokenEnv: T}}\n" + conn, []string{`account "acme": timeZone "Mars/Olympus"`}},
		{"negative budget", "accounts:\n  - {id: acme, budget: {requests: -5}, auth: {type: private-app, tokenEnv: T}}\n" + conn, []string{`account "acme": budget`, "positive"}},
		{"no auth type", "accounts:\n  - {id: acme}\n" + conn, []string{`account "acme": auth.type is empty`}},
		{"unknown auth type", "accounts:\n  - {id: acme, auth: {type: basic}}\n" + conn, []string{`account "acme": auth.type "basic" is unknown`}},
		{"private app without env", "accounts:\n  - {id: acme, auth: {type: private-app}}\n" + conn, []string{`account "acme": auth.tokenEnv is empty`}},
		{"tokenEnv bad name", "accounts:\n  - {id: acme, auth: {type: private-app, tokenEnv: \"my token\"}}\n" + conn, []string{`account "acme": auth.tokenEnv must be the NAME of an environment variable`}},
		{"private app with oauth field", "accounts:\n  - {id: acme, auth: {type: private-app, tokenEnv: T, clientId: x}}\n" + conn, []string{`account "acme": auth.clientId is only for type "oauth"`}},
		{"oauth missing fields", "accounts:\n  - {id: acme, auth: {type: oauth}}\n" + conn, []string{`account "acme": auth.clientId is empty`, `account "acme": auth.clientSecretEnv is empty`, `account "acme": auth.tokenStore is empty`}},
		{"oauth with tokenEnv", "accounts:\n  - {id: acme, auth: {type: oauth, clientId: c, clientSecretEnv: S, tokenStore: t.json, tokenEnv: T}}\n" + conn, []string{`account "acme": auth.tokenEnv is only for type "private-app"`}},
		{"oauth bad redirect", "accounts:\n  - {id: acme, auth: {type: oauth, clientId: c, clientSecretEnv: S, tokenStore: t.json, redirectUrl: /cb}}\n" + conn, []string{`account "acme": auth.redirectUrl "/cb"`}},
		{"temporal address", "temporal: {address: localhost}\n" + acct + conn, []string{`temporal: address "localhost" must be host:port`}},
		{"temporal half mTLS", "temporal: {tls: {cert: c.pem}}\n" + acct + conn, []string{"temporal: tls.cert and tls.key go together"}},
		// Secrets: the field is refused with what to use instead.
		{"token field", "accounts:\n  - id: acme\n    auth: {type: private-app, token: abc}\n" + conn, []string{"accounts[0].auth.token looks like a secret", "tokenEnv"}},
		{"clientSecret field", "accounts:\n  - id: acme\n    auth: {type: oauth, clientSecret: abc}\n" + conn, []string{"clientSecret looks like a secret", "clientSecretEnv"}},
		{"refresh token field", "accounts:\n  - id: acme\n    auth: {type: oauth, refresh_token: abc}\n" + conn, []string{"refresh_token looks like a secret", "tokenStore"}},
		{"temporal api key field", "temporal: {apiKey: abc}\n" + acct + conn, []string{"temporal.apiKey looks like a secret", "TEMPORAL_API_KEY"}},
		{"token pasted as env name", "accounts:\n  - id: acme\n    auth: {type: private-app, tokenEnv: pat-na1-11111111-2222-3333-4444-555555555555}\n" + conn, []string{"accounts[0].auth.tokenEnv holds what looks like a HubSpot token"}},
		{"bearer value", "accounts:\n  - id: acme\n    auth: {type: private-app, tokenEnv: T}\n    timeZone: \"Bearer abc\"\n" + conn, []string{"accounts[0].timeZone holds what looks like a HubSpot token"}},
		{"collects several errors", acct + "connectors:\n  - {id: c1, account: nope}\n", []string{`connector "c1": account "nope"`, `connector "c1": listId is empty`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := LoadWithEnv(writeFile(t, "c.yaml", tc.file), envMap(nil))
			if err == nil {
				t.Fatalf("loaded without error; want %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "pat-na1-1111") {
				t.Errorf("error echoes the secret: %v", err)
			}
		})
	}
}

// The file accepts exactly what a sync accepts: a bound the workflow
// enforces is refused here too, with the workflow's own check (they
// drifted before: maxSignalsPerRun 20000 was accepted here and refused at
// activation).
func TestConnectorBoundsAreTheWorkflows(t *testing.T) {
	acct := "accounts:\n  - {id: acme, auth: {type: private-app, tokenEnv: T}}\n"
	for field, value := range map[string]string{"maxSignalsPerRun": "20000", "maxBatchesPerRun": "3001"} {
		_, err := Parse([]byte(acct+"connectors:\n  - {id: c, account: acme, listId: \"1\", "+field+": "+value+"}\n"), t.TempDir(), nil)
		if err == nil || !strings.Contains(err.Error(), `connector "c": `+field+" "+value+": must be between 1 and ") {
			t.Errorf("%s %s: %v", field, value, err)
		}
	}
}
