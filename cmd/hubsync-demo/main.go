// Command hubsync-demo runs the whole product locally on embedded defaults:
// a Temporal dev server with its Web UI (state kept in a local file), the
// HubSpot emulator seeded with a demo portal and a MANUAL list, the worker,
// and a demo audience fed a stream of enters and leaves through the starter
// API. It prints progress, the final list size against the expected one and
// the Web UI link, and stops everything on Ctrl-C.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/audiencesync/hubspot-list-sync/config"
	"github.com/audiencesync/hubspot-list-sync/hubspot/hubspottest"
	"github.com/audiencesync/hubspot-list-sync/internal/devserver"
	"github.com/audiencesync/hubspot-list-sync/starter"
	"github.com/audiencesync/hubspot-list-sync/worker"
)

type options struct {
	temporalCLI  string
	dataDir      string
	temporalPort int
	uiPort       int
	emulatorAddr string
	contacts     int
	changes      int
	perSignal    int
	rate         int
	seed         uint64
	exit         bool
	// converged, when set, is called while everything still runs (tests
	// look at the Web UI then).
	converged func()
}

func main() {
	var o options
	flag.StringVar(&o.temporalCLI, "temporal", "", "the pinned Temporal CLI (default $TEMPORAL_CLI, else .bin/temporal at the repository root; scripts/temporal-cli.sh builds it)")
	flag.StringVar(&o.dataDir, "data", ".data", "where the dev server keeps its state and logs")
	flag.IntVar(&o.temporalPort, "temporal-port", 7233, "Temporal frontend port (the Web UI is on -ui-port)")
	flag.IntVar(&o.uiPort, "ui-port", 8233, "Temporal Web UI port")
	flag.StringVar(&o.emulatorAddr, "emulator", "127.0.0.1:8090", "address of the HubSpot emulator")
	flag.IntVar(&o.contacts, "contacts", 5000, "contacts in the demo portal")
	flag.IntVar(&o.changes, "changes", 20000, "membership changes in the demo stream")
	flag.IntVar(&o.perSignal, "per-signal", 250, "record IDs per enter or leave call")
	flag.IntVar(&o.rate, "rate", 20, "enter or leave calls per second")
	flag.Uint64Var(&o.seed, "seed", uint64(time.Now().UnixNano()), "seed of the demo stream")
	flag.BoolVar(&o.exit, "exit", false, "exit once the list has converged instead of waiting for Ctrl-C")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// Library logs (the starter's) go to the worker log, not the progress.
	if err := os.MkdirAll(o.dataDir, 0o755); err == nil {
		if f, err := os.OpenFile(filepath.Join(o.dataDir, "demo.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); err == nil {
			defer f.Close()
			slog.SetDefault(slog.New(slog.NewTextHandler(f, nil)))
		}
	}
	if err := run(ctx, o, os.Stdout); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, "hubsync-demo:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options, out io.Writer) error {
	if err := os.MkdirAll(o.dataDir, 0o755); err != nil {
		return err
	}
	serverLog, err := os.Create(filepath.Join(o.dataDir, "temporal.log"))
	if err != nil {
		return err
	}
	defer serverLog.Close()
	fmt.Fprintf(out, "starting the Temporal dev server (state in %s) ...\n", filepath.Join(o.dataDir, "temporal.db"))
	dev, err := devserver.Start(ctx, devserver.Options{CLI: o.temporalCLI, Port: o.temporalPort, UIPort: o.uiPort,
		DBFile: filepath.Join(o.dataDir, "temporal.db"), Log: serverLog})
	if err != nil {
		return err
	}
	defer dev.Stop() // closes tc, then stops the server's process group
	tc := dev.Client

	emu, token, listID, stopEmu, err := startEmulator(o)
	if err != nil {
		return err
	}
	defer stopEmu()
	fmt.Fprintf(out, "HubSpot emulator on http://%s: portal %d, contacts 1..%d, MANUAL list %s\n", o.emulatorAddr, demoPortal, o.contacts, listID)

	cfg, err := demoConfig(o, listID, token)
	if err != nil {
		return err
	}
	logs, err := os.Create(filepath.Join(o.dataDir, "worker.log"))
	if err != nil {
		return err
	}
	defer logs.Close()
	workerCtx, stopWorker := context.WithCancel(ctx)
	workerDone := make(chan error, 1)
	ready := make(chan struct{})
	go func() {
		workerDone <- worker.Run(workerCtx, cfg, worker.Options{Client: tc, Ready: ready, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	}()
	defer func() { stopWorker(); <-workerDone }()
	select {
	case <-ready:
	case err := <-workerDone:
		return fmt.Errorf("worker: %w", err)
	case <-ctx.Done():
		return ctx.Err()
	}
	fmt.Fprintf(out, "worker serving task queue %q (log in %s)\n", cfg.Temporal.TaskQueue, logs.Name())

	audience := fmt.Sprintf("demo-%s", time.Now().UTC().Format("20060102-150405"))
	st := starter.New(tc, cfg.Temporal.TaskQueue, cfg)
	if err := st.Activate(ctx, audience, demoConnector); err != nil {
		return err
	}
	ui := fmt.Sprintf("http://127.0.0.1:%d/namespaces/default/workflows?query=%s", o.uiPort, "WorkflowId+STARTS_WITH+%22hubspot-%22")
	fmt.Fprintf(out, "audience %q activated on connector %q\nTemporal Web UI: %s\n\n", audience, demoConnector, ui)

	want, err := feed(ctx, st, audience, o, out, func() (int, string) { return len(emu.Members(demoPortal, listID)), "" })
	if err != nil {
		return err
	}
	if err := awaitConvergence(ctx, st, emu, audience, listID, want, out); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nTemporal Web UI: %s\n", ui)
	if err := reconcileHint(out, o, cfgYAML(o, listID), audience, listID, want); err != nil {
		return err
	}
	if o.converged != nil {
		o.converged()
	}
	if o.exit {
		return nil
	}
	fmt.Fprintln(out, "everything keeps running for you to explore; Ctrl-C stops it all")
	<-ctx.Done()
	fmt.Fprintln(out, "\nstopping the worker, the emulator and the dev server ...")
	return nil
}

const (
	demoPortal    = int64(1)
	demoConnector = "demo"
	demoTokenEnv  = "HUBSYNC_DEMO_TOKEN"
)

func startEmulator(o options) (*hubspottest.Emulator, string, string, func(), error) {
	emu := hubspottest.New()
	emu.AddContactRange(demoPortal, 1, int64(o.contacts))
	listID := emu.CreateList(demoPortal, "Demo audience", "MANUAL")
	token := emu.NewPrivateAppToken(demoPortal, "crm.lists.read", "crm.lists.write")
	ln, err := net.Listen("tcp", o.emulatorAddr)
	if err != nil {
		return nil, "", "", nil, fmt.Errorf("HubSpot emulator: %w (choose another address with -emulator)", err)
	}
	srv := &http.Server{Handler: emu.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return emu, token, listID, func() {
		emu.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}

// demoConfig is the connectors file a real deployment would write, pointed
// at the emulator; the token reaches it the way a real one would, through
// the environment variable the file names.
func demoConfig(o options, listID, token string) (*config.File, error) {
	return config.Parse([]byte(cfgYAML(o, listID)), o.dataDir, func(k string) string {
		if k == demoTokenEnv {
			return token
		}
		return os.Getenv(k)
	})
}

// cfgYAML is the demo's connectors file.
func cfgYAML(o options, listID string) string {
	return fmt.Sprintf(`
temporal: {address: "127.0.0.1:%d", taskQueue: hubspot-list-sync-demo}
accounts:
  - id: demo-portal
    baseUrl: http://%s
    auth: {type: private-app, tokenEnv: %s}
connectors:
  - {id: %s, account: demo-portal, listId: %q, flushInterval: 2s, maxBatchSize: 500}
`, o.temporalPort, o.emulatorAddr, demoTokenEnv, demoConnector, listID)
}
