package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"go.temporal.io/sdk/client"

	"github.com/audiencesync/hubspot-list-sync/config"
	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/starter"
)

// orchestrator is the part of *starter.Starter the CLI uses; tests supply a
// fake.
type orchestrator interface {
	Activate(ctx context.Context, audienceID string, connectorIDs ...string) error
	Enter(ctx context.Context, audienceID string, recordIDs []string) (starter.Accepted, error)
	Leave(ctx context.Context, audienceID string, recordIDs []string) (starter.Accepted, error)
	Connectors(ctx context.Context, audienceID string) (contract.AudienceStatus, error)
	Status(ctx context.Context, audienceID string) (starter.AudienceReport, error)
	ConnectorStatus(ctx context.Context, audienceID, connectorID string) (contract.Status, error)
	Pause(ctx context.Context, audienceID, connectorID string) error
	Resume(ctx context.Context, audienceID, connectorID string) error
	Retarget(ctx context.Context, audienceID, connectorID, listID string) error
	Discard(ctx context.Context, audienceID, connectorID, reason string) error
	Stop(ctx context.Context, audienceID, connectorID string) error
	Reconcile(ctx context.Context, audienceID, connectorID string, members starter.Snapshot, opts starter.ReconcileOptions) (contract.ReconcileStatus, error)
}

var _ orchestrator = (*starter.Starter)(nil)

// dialFunc connects to Temporal as the config file says; close releases it.
type dialFunc func(ctx context.Context, f *config.File, logger *slog.Logger) (o orchestrator, close func(), err error)

func dialTemporal(ctx context.Context, f *config.File, logger *slog.Logger) (orchestrator, func(), error) {
	opts, err := f.Temporal.ClientOptions(logger)
	if err != nil {
		return nil, nil, err
	}
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		return nil, nil, fmt.Errorf("connecting to Temporal at %s (namespace %s): %w: is the server up? Set temporal.address in %s or TEMPORAL_ADDRESS",
			f.Temporal.Address, f.Temporal.Namespace, err, f.Path)
	}
	s := starter.New(c, f.Temporal.TaskQueue, f)
	s.Logger = logger
	s.ServerAddress = opts.HostPort // named when a held send finds the server down
	return s, c.Close, nil
}

func (a *app) loadConfig() (*config.File, error) {
	return config.LoadWithEnv(a.configPath, a.getenv)
}

// withStarter loads the config, dials Temporal and runs fn.
func (a *app) withStarter(ctx context.Context, fn func(f *config.File, o orchestrator) error) error {
	f, err := a.loadConfig()
	if err != nil {
		return err
	}
	dctx, cancel := a.callCtx(ctx)
	defer cancel()
	o, closeFn, err := a.dial(dctx, f, a.logger())
	if err != nil {
		return err
	}
	defer closeFn()
	return fn(f, o)
}

// printJSON writes v as indented JSON on stdout.
func (a *app) printJSON(v any) error {
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// wantArgs checks the positional argument count.
func wantArgs(args []string, min, max int) error {
	switch {
	case len(args) < min:
		return usagef("missing arguments: got %d, want at least %d", len(args), min)
	case max >= 0 && len(args) > max:
		return usagef("too many arguments: got %d (%q), want at most %d", len(args), args, max)
	}
	return nil
}
