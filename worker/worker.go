// Package worker runs the Temporal worker of list sync: it holds the
// HubSpot credentials of every configured connector, refuses to start when a
// connector's list cannot be written or the namespace lacks the workflows'
// search attributes, and serves the sync and audience workflows and the
// membership activity on the configured task queue.
//
// It is importable so that integration tests and other binaries run exactly
// what cmd/hubsync-worker runs.
package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/audiencesync/hubspot-list-sync/accounts"
	"github.com/audiencesync/hubspot-list-sync/activities"
	"github.com/audiencesync/hubspot-list-sync/config"
	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/hubspot"
	"github.com/audiencesync/hubspot-list-sync/workflows"
)

// Options tune Run. The zero value is ready to use.
type Options struct {
	// Client is an already connected Temporal client (tests point one at a
	// dev server). Run does not close it. When nil, Run dials Temporal with
	// the file's temporal section and closes the connection on return.
	Client client.Client
	// Logger receives the worker's and the SDK's logs; default slog.Default().
	Logger *slog.Logger
	// Limiters hands out the per-account request budgets; pass the one
	// other HubSpot callers in the same process use. Default: a new one.
	Limiters *hubspot.Limiters
	// Ready, when set, is closed once the worker polls its task queue.
	Ready chan<- struct{}
	// StopTimeout is how long a stop waits for running activities (an
	// in-flight batch) to finish. Default contract.ActivityStartToClose.
	StopTimeout time.Duration
	// Worker is passed to the SDK worker; WorkerStopTimeout and
	// OnFatalError are set by Run.
	Worker sdkworker.Options
	// MetricsAddr, when set (host:port, e.g. 127.0.0.1:9090), serves
	// Prometheus metrics on http://MetricsAddr/metrics while Run runs: the
	// Temporal SDK's and the membership activity's (see internal/metrics
	// and activities.MetricBatches). Temporal metrics belong to the client,
	// so Run creates the exporter and puts its handler in the
	// client.Options it dials with; MetricsAddr together with Client is
	// therefore refused: give that client a handler from metrics.New and
	// serve its HTTPHandler yourself. Empty: no metrics, no listener.
	MetricsAddr string
	// StateDir keeps what must outlive the worker process on this host:
	// each account's 429 pause (accounts.Shared.StateDir), so a worker
	// started while an account is paused waits out the rest. Default: a
	// .state folder beside the connectors file; "-" keeps it in memory.
	StateDir string
	// WorkflowCache is how many workflows the process keeps in memory
	// between their tasks (the SDK's sticky cache, one per process);
	// the others are rebuilt from history when they next run. Zero keeps
	// the SDK's setting. See DefaultWorkflowCache.
	WorkflowCache int
}

// DefaultWorkflowCache is the worker binary's sticky cache size. Each
// audience is two workflows; an idle one holds no timer and is only
// rebuilt when a change arrives, so a few thousand cached workflows keep a
// worker with 10,000 audiences within a few hundred MB (docs/limits.md).
const DefaultWorkflowCache = 2000

// DefaultWorkflowTaskPollers is the worker's workflow-task pollers (the
// SDK's default is 2); see Run.
const DefaultWorkflowTaskPollers = 8

// Run checks the connectors and the namespace's search attributes (see
// CheckSearchAttributes), then serves until ctx is cancelled, and then
// stops gracefully: it stops polling and waits up to StopTimeout for
// in-flight activities. It returns nil after a stop caused by ctx, and an
// error when start-up fails or the worker dies (e.g. the namespace does not
// exist).
func Run(ctx context.Context, f *config.File, opts Options) error {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	if opts.MetricsAddr != "" && opts.Client != nil {
		return errors.New("worker.Options: MetricsAddr needs Run to dial its own Temporal client; with Options.Client, set that client's MetricsHandler (internal/metrics) and serve /metrics yourself")
	}
	limiters := opts.Limiters
	if limiters == nil {
		limiters = &hubspot.Limiters{}
	}
	// Credentials and lists are checked before Temporal is dialed: they are
	// the likelier mistakes, and reporting them needs no server.
	// OAuth refreshes use this context; it must outlive ctx so that batches
	// still in flight while stopping can refresh a token.
	clients, err := accounts.Build(context.WithoutCancel(ctx), f, accounts.Shared{Limiters: limiters, StateDir: stateDir(opts.StateDir, f), Logger: log})
	if err != nil {
		return fmt.Errorf("building HubSpot clients: %w", err)
	}
	if err := CheckLists(ctx, f, clients, log); err != nil {
		return err
	}

	c := opts.Client
	if c == nil {
		handler, stop, err := serveMetrics(opts.MetricsAddr, log)
		if err != nil {
			return err
		}
		defer stop()
		if c, err = dial(ctx, f.Temporal, handler, log); err != nil {
			return err
		}
		defer c.Close()
	}
	// Workflows that upsert an unregistered search attribute fail: refuse
	// to serve them, saying what to run.
	if err := CheckSearchAttributes(ctx, c, f.Temporal.Namespace, log); err != nil {
		return err
	}

	if opts.WorkflowCache > 0 {
		sdkworker.SetStickyWorkflowCacheSize(opts.WorkflowCache)
	}
	fatal := make(chan error, 1)
	wo := opts.Worker
	wo.WorkerStopTimeout = opts.StopTimeout
	if wo.WorkerStopTimeout <= 0 {
		wo.WorkerStopTimeout = contract.ActivityStartToClose
	}
	// With the SDK's default of 2 workflow-task pollers, both can sit on
	// the sticky queue for a whole 60 s long poll while new audiences'
	// first tasks wait on the normal queue: measured as ten idle minutes
	// (60 s each) while activating 10,000 audiences. More pollers keep
	// some on the normal queue.
	if wo.MaxConcurrentWorkflowTaskPollers == 0 && wo.WorkflowTaskPollerBehavior == nil {
		wo.MaxConcurrentWorkflowTaskPollers = DefaultWorkflowTaskPollers
	}
	// Heartbeats reach the server at least this often, which the request
	// timeout bound relies on (see contract.ActivityHeartbeatTimeout).
	wo.MaxHeartbeatThrottleInterval = contract.HeartbeatThrottle
	wo.DefaultHeartbeatThrottleInterval = contract.HeartbeatThrottle
	wo.OnFatalError = func(err error) {
		select {
		case fatal <- err:
		default:
		}
	}
	conns := make(activities.ConnectorMap, len(clients))
	for id, c := range clients {
		conns[id] = c
	}
	w := sdkworker.New(c, f.Temporal.TaskQueue, wo)
	register(w, conns, f)
	aws, aqs := accountWorkers(c, f, conns, wo, log)
	ws, queues := append([]sdkworker.Worker{w}, aws...), append([]string{f.Temporal.TaskQueue}, aqs...)
	if err := startAll(ws, queues); err != nil {
		return fmt.Errorf("in namespace %q: %w", f.Temporal.Namespace, err)
	}
	stopAll := func() {
		for _, w := range ws {
			w.Stop()
		}
	}
	log.Info("worker serving", "taskQueue", f.Temporal.TaskQueue, "namespace", f.Temporal.Namespace,
		"accountTaskQueues", queues[1:], "connectors", sortedIDs(clients))
	if opts.Ready != nil {
		close(opts.Ready)
	}

	select {
	case <-ctx.Done():
		log.Info("stopping worker: waiting for in-flight batches", "timeout", wo.WorkerStopTimeout)
		stopAll()
		// Every answer was handled: the next worker need not hold the
		// accounts for answers this one might have missed.
		for _, c := range clients {
			c.Release()
		}
		log.Info("worker stopped")
		return nil
	case err := <-fatal:
		stopAll()
		return fmt.Errorf("the Temporal worker stopped on a fatal error (check the namespace %q and the server): %w", f.Temporal.Namespace, err)
	}
}

// stateDir resolves Options.StateDir.
func stateDir(dir string, f *config.File) string {
	switch {
	case dir == "-":
		return ""
	case dir != "":
		return dir
	case f.Path != "":
		return filepath.Join(filepath.Dir(f.Path), DefaultStateDir)
	}
	return ""
}

// DefaultStateDir is the state folder's name beside the connectors file.
const DefaultStateDir = ".state"

// register puts the workflows and the activities on w. The membership
// activity resolves connector IDs from workflow history to the clients
// holding credentials; the resolver answers a connector's settings.
// The membership activity is served here too, for runs recorded before
// account task queues and syncs started without an account.
func register(w sdkworker.Worker, conns activities.ConnectorMap, f *config.File) {
	workflows.RegisterSync(w)
	workflows.RegisterAudience(w)
	activities.Register(w, &activities.Membership{Connectors: conns})
	// Activations that name only a connector get its settings from the
	// same file the credentials come from.
	settings := make(map[string]contract.SyncInput, len(f.Connectors))
	for _, c := range f.Connectors {
		settings[c.ID] = c.SyncInput("")
	}
	activities.RegisterResolver(w, &activities.Resolver{Connectors: settings})
}

// dial connects to Temporal, retrying while the server is unreachable: in a
// Compose or Kubernetes deployment the worker often starts before Temporal
// is ready. Options that can never work (bad TLS files) fail at once.
func dial(ctx context.Context, t config.Temporal, metrics client.MetricsHandler, log *slog.Logger) (client.Client, error) {
	copts, err := t.ClientOptions(log)
	if err != nil {
		return nil, err
	}
	copts.MetricsHandler = metrics
	delay := time.Second
	for {
		c, err := client.DialContext(ctx, copts)
		if err == nil {
			log.Info("connected to Temporal", "address", t.Address, "namespace", t.Namespace, "tls", t.TLSEnabled())
			return c, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("connecting to Temporal at %s: %w", t.Address, errors.Join(ctx.Err(), err))
		}
		log.Warn("cannot reach Temporal yet; retrying (check TEMPORAL_ADDRESS if this persists)",
			"address", t.Address, "retryIn", delay.String(), "error", err)
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("connecting to Temporal at %s: %w", t.Address, ctx.Err())
		case <-time.After(delay):
		}
		delay = min(2*delay, 30*time.Second)
	}
}
