// Command hubsync-bench measures the list sync end to end on real parts: it
// starts the pinned Temporal dev server, the HubSpot emulator (in process)
// and the worker (as its own process, built from ./cmd/hubsync-worker), runs
// one scenario through the starter API, waits until every list equals the
// scenario's expected membership, and prints a table of figures (also
// written as JSON with -json). It exits 0 only if every list ends exactly
// equal to its expected set.
//
// Usage:
//
//	go run ./cmd/hubsync-bench [-scenario burst] [-changes 1000000] [-contacts 800000] [-json FILE] ...
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"os/signal"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// Exit codes.
const (
	exitOK     = 0
	exitFailed = 1 // a list did not converge, or the run failed
	exitUsage  = 2
)

type options struct {
	scenario  string
	changes   int
	contacts  int
	audiences int
	latency   time.Duration
	limit     int
	batch     int
	backlog   int
	paused    time.Duration
	flush     time.Duration
	senders   int
	perCall   int
	timeout   time.Duration
	seed      uint64
	jsonFile  string
	keep      bool
	workerBin string
	cli       string
	metrics   string
	rate      float64
	idle      time.Duration
	naive     int
	inFlight  int
	accounts  int
	runLimit  int
	kills     int
	restarts  int
	faults    float64
	attempts  int
	// reconcile scenario
	members   int
	drift     float64
	backfill  bool
	planFirst bool
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("hubsync-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.scenario, "scenario", "burst", "scenario to run: "+strings.Join(scenarioNames(), ", "))
	fs.IntVar(&o.changes, "changes", 1_000_000, "membership changes sent to each audience")
	fs.IntVar(&o.contacts, "contacts", 800_000, "distinct contacts changed in each audience (the portal holds contacts 1..N)")
	fs.IntVar(&o.audiences, "audiences", 1, "audiences, each with its own connector and MANUAL list")
	fs.DurationVar(&o.latency, "latency", 0, "latency the emulator adds to each membership request")
	fs.IntVar(&o.limit, "limit", 0, "HubSpot requests per 10 s (emulator limit and the account's budget); 0 = off")
	fs.IntVar(&o.batch, "batch", 500, "connector maxBatchSize (IDs per HubSpot request)")
	fs.DurationVar(&o.paused, "paused", 0, "pause every sync before sending and resume it after this long (senders are held meanwhile); 0 = never paused")
	fs.IntVar(&o.backlog, "max-backlog", 0, "connector maxBacklog (IDs a sync may owe before senders are held); 0 = the default")
	fs.DurationVar(&o.flush, "flush", 10*time.Second, "connector flushInterval")
	fs.IntVar(&o.senders, "senders", 4, "concurrent callers of the starter API (each contact always goes through the same one)")
	fs.IntVar(&o.perCall, "per-call", 2000, "record IDs per Enter or Leave call")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Minute, "overall time limit")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the scenario's random choices")
	fs.StringVar(&o.jsonFile, "json", "", "write the figures as JSON to this file")
	fs.BoolVar(&o.keep, "keep", false, "keep the data dir (dev server db, worker log, connectors file)")
	fs.StringVar(&o.workerBin, "worker-bin", "", "use this hubsync-worker binary instead of building ./cmd/hubsync-worker")
	fs.StringVar(&o.cli, "temporal", "", "Temporal CLI (default $TEMPORAL_CLI, else .bin/temporal at the repository root)")
	fs.StringVar(&o.metrics, "metrics-addr", "", "let the worker serve Prometheus metrics on this host:port")
	fs.Float64Var(&o.rate, "rate", 0, "send at most this many changes per second over all senders; 0 = as fast as accepted")
	fs.DurationVar(&o.idle, "idle", 0, "after converging, measure the worker's and dev server's CPU for this long")
	fs.IntVar(&o.inFlight, "in-flight", 0, "connector maxInFlight (batches in flight per list); 0 = the default")
	fs.IntVar(&o.accounts, "accounts", 1, "HubSpot accounts; audience a writes to account a % accounts")
	fs.IntVar(&o.runLimit, "run-limit", 0, "signals per workflow run before continue-as-new (audience and sync; the sync also continues after a quarter as many batches); 0 = the defaults")
	fs.IntVar(&o.kills, "kills", 0, "SIGKILL and restart the worker this many times while the scenario runs")
	fs.IntVar(&o.restarts, "server-restarts", 0, "restart the Temporal dev server on its database file this many times while the scenario runs")
	fs.Float64Var(&o.faults, "faults", 0, "share of membership requests the emulator fails with a transient fault of any kind (0..1)")
	fs.IntVar(&o.attempts, "send-attempts", 8, "attempts of one starter call before its sender gives up (counted as undelivered)")
	fs.IntVar(&o.naive, "naive-workers", 4, "per-event: concurrent requests of the naive one-request-per-change client")
	fs.IntVar(&o.members, "members", 1_000_000, "reconcile: members in the snapshot")
	fs.Float64Var(&o.drift, "drift", 0.01, "reconcile: share of -members missing from the live list, and as many extra members in it that the snapshot lacks")
	fs.BoolVar(&o.backfill, "backfill", false, "reconcile: the live list starts empty (every snapshot member is an add; -drift is ignored)")
	fs.BoolVar(&o.planFirst, "plan", false, "reconcile: run a plan (dry run) first and report its time and that it wrote nothing")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q: hubsync-bench takes flags only", fs.Args())
	}
	// Flags set on the command line, before the scenario's defaults are
	// set (fs.Set marks a flag as set too).
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	if err := applyScenarioDefaults(fs, o.scenario, given); err != nil {
		return o, err
	}
	if sc, ok := scenarios[o.scenario]; ok && sc.derive != nil {
		sc.derive(&o, given)
	}
	return o, o.validate()
}

func (o options) validate() error {
	if _, ok := scenarios[o.scenario]; !ok {
		return fmt.Errorf("-scenario %q: use one of %s", o.scenario, strings.Join(scenarioNames(), ", "))
	}
	switch {
	case o.changes < 1 || o.contacts < 1 || o.audiences < 1:
		return errors.New("-changes, -contacts and -audiences must be at least 1")
	case o.backlog != 0 && (o.backlog < o.batch || o.backlog > contract.MaxMaxBacklog):
		return fmt.Errorf("-max-backlog %d: use -batch..%d, or 0 for the default", o.backlog, contract.MaxMaxBacklog)
	case o.batch < 1 || o.batch > 10_000:
		return fmt.Errorf("-batch %d: use 1..10000 (the connector's maxBatchSize)", o.batch)
	case o.flush <= 0:
		return errors.New("-flush must be positive, e.g. 10s")
	case o.senders < 1 || o.perCall < 1:
		return errors.New("-senders and -per-call must be at least 1")
	case o.limit < 0 || o.latency < 0:
		return errors.New("-limit and -latency must not be negative")
	case o.accounts < 1 || o.accounts > 50:
		return errors.New("-accounts: use 1..50")
	case o.kills < 0 || o.restarts < 0 || o.runLimit < 0 || o.attempts < 1:
		return errors.New("-kills, -server-restarts and -run-limit must not be negative, -send-attempts at least 1")
	case o.faults < 0 || o.faults >= 1:
		return fmt.Errorf("-faults %g: use a share from 0 up to (not including) 1", o.faults)
	case o.inFlight < 0 || o.inFlight > contract.MaxMaxInFlight:
		return fmt.Errorf("-in-flight %d: use 1..%d, or 0 for the default", o.inFlight, contract.MaxMaxInFlight)
	case o.rate < 0 || o.idle < 0 || o.naive < 1:
		return errors.New("-rate and -idle must not be negative, -naive-workers at least 1")
	case o.timeout <= 0:
		return errors.New("-timeout must be positive, e.g. 30m")
	case o.members < 1 || o.drift < 0 || o.drift > 1:
		return errors.New("-members must be at least 1, -drift a share from 0 to 1")
	}
	if sc := scenarios[o.scenario]; sc.check != nil {
		return sc.check(o)
	}
	return nil
}

// applyScenarioDefaults sets the scenario's designed values on the flags
// the command line did not set.
func applyScenarioDefaults(fs *flag.FlagSet, name string, given map[string]bool) error {
	sc, ok := scenarios[name]
	if !ok {
		return nil // validate names the valid scenarios
	}
	for _, k := range slices.Sorted(maps.Keys(sc.defaults)) {
		if given[k] {
			continue
		}
		if err := fs.Set(k, sc.defaults[k]); err != nil {
			return fmt.Errorf("scenario %s: default -%s=%s: %w", name, k, sc.defaults[k], err)
		}
	}
	return nil
}

func scenarioNames() []string {
	names := make([]string, 0, len(scenarios))
	for n := range scenarios {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintln(stderr, "hubsync-bench:", err)
		return exitUsage
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	rep, err := bench(ctx, o, stdout, log)
	code := exitOK
	if rep != nil && rep.ListsTotal > 0 {
		if err != nil {
			rep.Error = err.Error()
		}
		rep.print(stdout)
		if o.jsonFile != "" {
			if werr := rep.writeJSON(o.jsonFile); werr != nil {
				fmt.Fprintln(stderr, "hubsync-bench:", werr)
				code = exitFailed
			}
		}
		if !rep.Converged {
			fmt.Fprintln(stderr, "hubsync-bench:", rep.mismatch())
			code = exitFailed
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "hubsync-bench:", err)
		code = exitFailed
	}
	return code
}
