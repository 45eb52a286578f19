package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/audiencesync/hubspot-list-sync/config"
)

const (
	benchTaskQueue = "hubsync-bench"
	benchAccount   = "bench"
	// benchTokenEnv names the variable carrying the private-app token to
	// the worker, as a real deployment would.
	benchTokenEnv = "HUBSYNC_BENCH_TOKEN"
)

func connectorID(audience int) string { return fmt.Sprintf("bench-%d", audience+1) }

// accountID and tokenEnv name account i (portal i+1); the first keeps the
// names of single-account runs.
func accountID(i int) string {
	if i == 0 {
		return benchAccount
	}
	return fmt.Sprintf("%s-%d", benchAccount, i+1)
}

func tokenEnv(i int) string {
	if i == 0 {
		return benchTokenEnv
	}
	return fmt.Sprintf("%s_%d", benchTokenEnv, i+1)
}

// writeConnectors writes the connectors file the worker and the starter
// read: one account on the emulator, one connector per audience.
func writeConnectors(dir string, o options, temporalAddr string, emu *emulator) (string, error) {
	// -limit 0 means no limit at all, but the account's budget cannot be
	// switched off: make it far larger than the worker can use.
	requests, burst := budgetFor(o.limit)
	var b strings.Builder
	fmt.Fprintf(&b, "temporal: {address: %q, namespace: default, taskQueue: %s}\n", temporalAddr, benchTaskQueue)
	b.WriteString("accounts:\n")
	for i := range emu.tokens {
		fmt.Fprintf(&b, "  - id: %s\n    baseUrl: %s\n    budget: {requests: %d, per: 10s, burst: %d}\n    auth: {type: private-app, tokenEnv: %s}\n",
			accountID(i), emu.url, requests, burst, tokenEnv(i))
	}
	b.WriteString("connectors:\n")
	for i, list := range emu.lists {
		backlog := ""
		if o.backlog > 0 {
			backlog = fmt.Sprintf(", maxBacklog: %d", o.backlog)
		}
		if o.inFlight > 0 {
			backlog += fmt.Sprintf(", maxInFlight: %d", o.inFlight)
		}
		if o.runLimit > 0 {
			// Small runs, so continue-as-new happens (chaos).
			backlog += fmt.Sprintf(", maxSignalsPerRun: %d, maxBatchesPerRun: %d", o.runLimit, max(2, o.runLimit/4))
		}
		fmt.Fprintf(&b, "  - {id: %s, account: %s, listId: %q, flushInterval: %s, maxBatchSize: %d%s}\n",
			connectorID(i), accountID(i%len(emu.tokens)), list, o.flush, o.batch, backlog)
	}
	path := filepath.Join(dir, "connectors.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		return "", fmt.Errorf("writing the connectors file: %w (is the temp dir writable? set TMPDIR)", err)
	}
	return path, nil
}

// budgetFor is the account budget for HubSpot limit -limit per 10 s: a
// token bucket lets at most burst + requests through in any 10 s, kept 2
// under the limit so the skew between our clock and HubSpot's arrival
// times never makes a 429. -limit 0 means no limit, but a budget cannot
// be switched off: make it far larger than the worker can use.
func budgetFor(limit int) (requests, burst int) {
	if limit <= 0 {
		return 1_000_000, 1000
	}
	burst = 1
	return max(1, limit-2-burst), burst
}

// loadConnectors loads the file as the worker does, except that only the
// token variable is read from the environment, so TEMPORAL_* variables of
// the caller cannot point the starter somewhere else.
func loadConnectors(path string, tokens []string) (*config.File, error) {
	f, err := config.LoadWithEnv(path, func(k string) string {
		for i, tok := range tokens {
			if k == tokenEnv(i) {
				return tok
			}
		}
		return ""
	})
	if err != nil {
		return nil, fmt.Errorf("the generated connectors file is invalid (a bug in hubsync-bench or a changed config schema): %w", err)
	}
	return f, nil
}

// workerEnv is the worker's environment: ours without TEMPORAL_* and
// HUBSYNC_* (which would override the file), plus the tokens.
func workerEnv(tokens []string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "TEMPORAL_") || strings.HasPrefix(kv, "HUBSYNC_") {
			continue
		}
		env = append(env, kv)
	}
	for i, tok := range tokens {
		env = append(env, tokenEnv(i)+"="+tok)
	}
	return env
}
