package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"golang.org/x/time/rate"

	"github.com/audiencesync/hubspot-list-sync/hubspot/hubspottest"
	"github.com/audiencesync/hubspot-list-sync/internal/devserver"
	"github.com/audiencesync/hubspot-list-sync/starter"
)

// historyLimit: with more audiences than this, reading every workflow's
// history would take longer than the run, so the report leaves it out.
const historyLimit = 200

// bench runs one scenario and returns its figures. The report is returned
// even when the run fails, with what was measured so far.
func bench(ctx context.Context, o options, out io.Writer, log *slog.Logger) (rep *report, err error) {
	rep = newReport(o)
	plans := make([]plan, o.audiences)
	total := 0
	for a := range plans {
		if plans[a], err = scenarios[o.scenario].plan(o, a); err != nil {
			return nil, err
		}
		total += plans[a].changes
	}
	dir, err := os.MkdirTemp("", "hubsync-bench-*")
	if err != nil {
		return nil, fmt.Errorf("creating the data dir: %w (set TMPDIR to a writable folder)", err)
	}
	defer func() {
		if o.keep {
			rep.DataDir = dir
		} else {
			_ = os.RemoveAll(dir)
		}
	}()
	// Library logs (starter, emulator, Temporal client) go to a file.
	libLog, err := os.Create(filepath.Join(dir, "bench.log"))
	if err != nil {
		return rep, fmt.Errorf("creating the bench log: %w", err)
	}
	defer libLog.Close()
	quiet := slog.New(slog.NewTextHandler(libLog, nil))

	workerBin := o.workerBin
	if workerBin == "" {
		if workerBin, err = buildWorker(ctx, dir, log); err != nil {
			return rep, err
		}
	}
	serverLog, err := os.Create(filepath.Join(dir, "temporal.log"))
	if err != nil {
		return rep, fmt.Errorf("creating the dev server log: %w", err)
	}
	defer serverLog.Close()
	log.Info("starting the Temporal dev server", "db", filepath.Join(dir, "temporal.db"))
	port, err := devserver.FreePort()
	if err != nil {
		return rep, err
	}
	// A fixed port and database file, so the chaos scenario can restart
	// the server under the same clients.
	devOpts := devserver.Options{CLI: o.cli, Port: port, DBFile: filepath.Join(dir, "temporal.db"), Log: serverLog, Logger: quiet}
	dev, err := devserver.Start(ctx, devOpts)
	if err != nil {
		return rep, err
	}
	ch := &chaos{o: o, log: log, rng: rand.New(rand.NewPCG(o.seed, 7)), dir: dir, devOpts: devOpts, dev: dev, done: make(chan struct{})}
	defer func() { _, d := ch.current(); d.Stop() }()
	// Our own client: the dev server's closes when it stops.
	tc, err := client.Dial(client.Options{HostPort: dev.Address, Namespace: dev.Namespace, Logger: tlog.NewStructuredLogger(quiet)})
	if err != nil {
		return rep, fmt.Errorf("connecting to the dev server at %s: %w", dev.Address, err)
	}
	defer tc.Close()

	log.Info("seeding the HubSpot emulator", "contacts", o.contacts, "lists", o.audiences, "limit", o.limit, "latency", o.latency)
	emu, err := startEmulator(o, quiet)
	if err != nil {
		return rep, err
	}
	defer emu.close()
	for a, p := range plans {
		if len(p.start) > 0 {
			if err := emu.AddMembers(emu.portal(a), emu.lists[a], p.start...); err != nil {
				return rep, fmt.Errorf("seeding list %s: %w", emu.lists[a], err)
			}
		}
	}
	cfgPath, err := writeConnectors(dir, o, dev.Address, emu)
	if err != nil {
		return rep, err
	}
	cfg, err := loadConnectors(cfgPath, emu.tokens)
	if err != nil {
		return rep, err
	}
	wp, err := startWorker(workerBin, cfgPath, filepath.Join(dir, "worker.log"), emu.tokens, o.metrics)
	if err != nil {
		return rep, err
	}
	ch.worker, ch.bin, ch.cfgPath, ch.tokens = wp, workerBin, cfgPath, emu.tokens
	defer func() {
		if w, _ := ch.current(); w != nil {
			w.stop()
		}
	}()
	// RSS of the first worker and server processes (the chaos scenario
	// replaces them), and of this process, which holds the emulator and
	// the scenario's plans.
	rss := sampleRSS(map[string]int{"worker": wp.pid(), "devServer": dev.PID(), "bench": os.Getpid()})
	defer func() { rep.PeakRSSBytes = rss.finish() }() // runs before the processes stop
	if err := wp.awaitReady(ctx, tc, benchTaskQueue); err != nil {
		return rep, err
	}
	log.Info("worker serving", "pid", wp.pid(), "log", wp.logPath)

	st := starter.New(tc, benchTaskQueue, cfg)
	st.Logger = quiet
	st.AudienceSignalsPerRun = o.runLimit
	run := time.Now().UTC().Format("20060102-150405")
	audiences := make([]string, o.audiences)
	targets := make([]target, o.audiences)
	for a := range audiences {
		audiences[a] = fmt.Sprintf("bench-%s-%d", run, a+1)
		targets[a] = target{audience: audiences[a], connector: connectorID(a), listID: emu.lists[a], portal: emu.portal(a), want: plans[a].want}
	}
	log.Info("activating", "audiences", o.audiences, "concurrently", o.senders)
	activated := time.Now()
	if err := activateAll(ctx, st, audiences, o.senders); err != nil {
		return rep, err
	}
	rep.ActivationSeconds = time.Since(activated).Seconds()
	rep.ActivationsPerSec = float64(o.audiences) / rep.ActivationSeconds
	// Activate returned once each audience listed its connector as active,
	// so the timed phase below measures changes only.

	if o.scenario == "reconcile" {
		w := &watcher{st: st, emu: emu, targets: targets, stats: &sendStats{}, out: out}
		if err := benchReconcile(ctx, o, st, emu, w, rep, log); err != nil {
			return rep, err
		}
		return rep, rep.finish(ctx, tc, w, emu, dir, log)
	}

	if o.faults > 0 {
		emu.SetRandomFaults(hubspottest.RandomFaults{Probability: o.faults, Method: http.MethodPut, PathContains: "/memberships/",
			Kinds: allTransientFaults, Statuses: []int{408, 429, 502, 503, 504}, Latency: o.latency})
	}
	chaosCtx, stopChaos := context.WithCancel(ctx)
	defer stopChaos()
	if o.kills+o.restarts > 0 {
		log.Info("chaos", "workerKills", o.kills, "serverRestarts", o.restarts, "faults", o.faults)
		go ch.run(chaosCtx)
	} else {
		close(ch.done)
	}

	resumed, err := pauseFor(ctx, st, targets, o.paused, log)
	if err != nil {
		return rep, err
	}
	defer func() { <-resumed }()

	log.Info("sending", "scenario", o.scenario, "changes", total, "senders", o.senders, "perCall", o.perCall)
	stats := &sendStats{started: time.Now()}
	if o.rate > 0 {
		stats.pace = rate.NewLimiter(rate.Limit(o.rate), max(o.perCall, 1))
	}
	var lat *latencies
	if o.scenario == "latency" {
		lat = &latencies{}
		stats.returned = lat.note
	}
	var nv *naive
	if o.scenario == "per-event" {
		if nv, err = newNaive(emu, o); err != nil {
			return rep, err
		}
		nv.start(ctx, o.naive)
		defer nv.close()
		stats.returned = nv.feed
	}
	sendDone := make(chan struct{})
	var sendErr error
	sendCtx, stopSending := context.WithCancel(ctx)
	defer func() { stopSending(); <-sendDone }()
	go func() {
		sendErr = send(sendCtx, st, audiences, plans, o.senders, o.attempts, stats, log)
		<-ch.done // the run counts as sent once the chaos is over too
		close(sendDone)
	}()
	w := &watcher{st: st, emu: emu, targets: targets, stats: stats, total: total, out: out}
	converge, waitErr := w.await(ctx, sendDone, &sendErr)
	stopSending()
	<-sendDone

	stopChaos()
	<-ch.done
	if ch.err != nil && waitErr == nil {
		waitErr = ch.err
	}
	if o.kills+o.restarts+int(o.faults*100) > 0 {
		rep.Chaos = chaosReport(emu.Requests(), ch)
	}
	rep.fillSending(stats)
	rep.ConvergeSeconds, rep.PeakPending = converge.Seconds(), w.peakPending
	if rep.SendSeconds > 0 && waitErr == nil {
		rep.LagSeconds = rep.ConvergeSeconds - rep.SendSeconds
		if c := rep.Chaos; c != nil && !ch.lastEvent.IsZero() {
			c.LastEventSeconds = ch.lastEvent.Sub(stats.started).Seconds()
			c.RecoverySeconds = rep.ConvergeSeconds - max(rep.SendSeconds, c.LastEventSeconds)
		}
	}
	rep.HubSpot = emu.figures(stats.started)
	rep.fillLists(emu, w)
	if waitErr != nil {
		return rep, waitErr
	}
	ours := portalWrites(emu.Requests(), benchPortal)
	rep.Writes = computeWrites(ours, o.limit, o.batch)
	if lat != nil {
		f := lat.figures(ours)
		rep.Latency = &f
	}
	if nv != nil {
		log.Info("waiting for the naive client to finish its stream")
		nv.close()
		select {
		case <-nv.done:
		case <-ctx.Done():
			return rep, fmt.Errorf("the naive client did not finish: %w (raise -timeout)", ctx.Err())
		}
		rep.Naive = naiveReport(nv, emu, plans[0], rep, o)
	}
	if o.idle > 0 {
		log.Info("measuring idle CPU", "for", o.idle)
		w, d := ch.current()
		if rep.IdleCPU, err = idleCPU(ctx, map[string]int{"worker": w.pid(), "devServer": d.PID()}, o.idle); err != nil {
			return rep, err
		}
	}
	return rep, rep.finish(ctx, tc, w, emu, dir, log)
}

// finish reads the workflows' histories and scans the logs for tokens.
func (r *report) finish(ctx context.Context, tc client.Client, w *watcher, emu *emulator, dir string, log *slog.Logger) error {
	// The histories are read on a context of their own: the run's may be
	// near its end, and a report without them is much less useful.
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Minute)
	defer cancel()
	if len(w.targets) <= historyLimit {
		if err := r.fillHistories(hctx, tc, w, emu.tokens); err != nil {
			return err
		}
	} else {
		log.Info("not reading the histories: too many audiences", "audiences", len(w.targets), "limit", historyLimit)
	}
	var err error
	r.SecretsInLogs, err = secretsInLogs(dir, emu.tokens)
	return err
}
