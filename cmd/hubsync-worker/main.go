// Command hubsync-worker runs the list sync's Temporal worker: it loads the
// connectors file, checks every connector's HubSpot list, and serves the
// sync workflows and the membership activity until SIGINT or SIGTERM, when
// it stops polling and lets in-flight batches finish.
//
// Usage:
//
//	hubsync-worker -config connectors.yaml [-log-format text|json] [-log-level info] [-metrics-addr 127.0.0.1:9090] [-state-dir DIR]
//
// Every flag may also come from the environment: HUBSYNC_CONFIG,
// HUBSYNC_LOG_FORMAT, HUBSYNC_LOG_LEVEL, HUBSYNC_METRICS_ADDR, HUBSYNC_STATE_DIR (a flag on the
// command line wins). With -metrics-addr the worker serves Prometheus
// metrics on http://ADDR/metrics; without it, it opens no port.
// Secrets come only from the environment variables the connectors file names.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	// The distroless image has no zoneinfo; accounts may name a time zone.
	_ "time/tzdata"

	"github.com/audiencesync/hubspot-list-sync/config"
	"github.com/audiencesync/hubspot-list-sync/worker"
)

// Exit codes.
const (
	exitOK     = 0
	exitFailed = 1 // configuration, connector check or runtime failure
	exitUsage  = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stderr))
}

type flags struct {
	config, logFormat, logLevel, metricsAddr, stateDir string
	workflowCache                                      int
}

func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (flags, error) {
	def := func(env, fallback string) string {
		if v := getenv(env); v != "" {
			return v
		}
		return fallback
	}
	var fl flags
	fs := flag.NewFlagSet("hubsync-worker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&fl.config, "config", def("HUBSYNC_CONFIG", "connectors.yaml"), "connectors file (env HUBSYNC_CONFIG)")
	fs.StringVar(&fl.logFormat, "log-format", def("HUBSYNC_LOG_FORMAT", "text"), "log format: text or json (env HUBSYNC_LOG_FORMAT)")
	fs.StringVar(&fl.logLevel, "log-level", def("HUBSYNC_LOG_LEVEL", "info"), "log level: debug, info, warn or error (env HUBSYNC_LOG_LEVEL)")
	fs.StringVar(&fl.metricsAddr, "metrics-addr", def("HUBSYNC_METRICS_ADDR", ""), "serve Prometheus metrics on http://ADDR/metrics, e.g. 127.0.0.1:9090; empty: off (env HUBSYNC_METRICS_ADDR)")
	fs.StringVar(&fl.stateDir, "state-dir", def("HUBSYNC_STATE_DIR", ""), "folder for what outlives the process on this host (each account's 429 pause); default .state beside the connectors file, - for memory only (env HUBSYNC_STATE_DIR)")
	cache := def("HUBSYNC_WORKFLOW_CACHE", strconv.Itoa(worker.DefaultWorkflowCache))
	fs.StringVar(&cache, "workflow-cache", cache, "workflows kept in memory between their tasks (the SDK's sticky cache); others are rebuilt from history when they next run (env HUBSYNC_WORKFLOW_CACHE)")
	if err := fs.Parse(args); err != nil {
		return fl, err
	}
	if fs.NArg() > 0 {
		return fl, fmt.Errorf("unexpected arguments %q: hubsync-worker takes flags only", fs.Args())
	}
	n, err := strconv.Atoi(cache)
	if err != nil || n < 1 {
		return fl, fmt.Errorf("-workflow-cache %q: use a positive number of workflows, e.g. %d", cache, worker.DefaultWorkflowCache)
	}
	fl.workflowCache = n
	if fl.metricsAddr != "" {
		// Caught here, as a usage error, rather than after the connector
		// checks have already called HubSpot.
		if _, _, err := net.SplitHostPort(fl.metricsAddr); err != nil {
			return fl, fmt.Errorf("-metrics-addr %q: use host:port, e.g. 127.0.0.1:9090 (or :9090 for every interface): %w", fl.metricsAddr, err)
		}
	}
	return fl, nil
}

func newLogger(format, level string, w io.Writer) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("-log-level %q: use debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lvl}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("-log-format %q: use text or json", format)
}

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) int {
	fl, err := parseFlags(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintln(stderr, "hubsync-worker:", err)
		return exitUsage
	}
	log, err := newLogger(fl.logFormat, fl.logLevel, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "hubsync-worker:", err)
		return exitUsage
	}
	slog.SetDefault(log)

	f, err := config.LoadWithEnv(fl.config, getenv)
	if err != nil {
		// Printed plainly as well as logged: a multi-line list of fixes
		// reads better than one escaped log attribute.
		fmt.Fprintf(stderr, "hubsync-worker: invalid configuration:\n%v\n", err)
		return exitFailed
	}
	log.Info("configuration loaded", "file", f.Path, "temporal", f.Temporal.Address, "namespace", f.Temporal.Namespace,
		"taskQueue", f.Temporal.TaskQueue, "accounts", len(f.Accounts), "connectors", f.ConnectorIDs())

	if err := worker.Run(ctx, f, worker.Options{Logger: log, MetricsAddr: fl.metricsAddr, WorkflowCache: fl.workflowCache, StateDir: fl.stateDir}); err != nil {
		if ctx.Err() != nil && errors.Is(err, context.Canceled) {
			log.Info("stopped before serving")
			return exitOK
		}
		fmt.Fprintf(stderr, "hubsync-worker: %v\n", err)
		return exitFailed
	}
	return exitOK
}
