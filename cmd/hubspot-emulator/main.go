// Command hubspot-emulator serves the hubspottest HubSpot emulator on a fixed
// address, for manual runs, end-to-end tests and the official SDK check.
//
// Every flag can also be set by an environment variable named
// HUBSPOT_EMULATOR_<FLAG> (upper case, dashes as underscores); a flag given on
// the command line wins. It binds 127.0.0.1 by default because the admin API
// under /_emulator/ mints tokens: do not expose it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/audiencesync/hubspot-list-sync/hubspot/hubspottest"
)

type options struct {
	addr          string
	tokenLifetime time.Duration
	rateLimit     int
	dailyLimit    int
	maxIDs        int
	rotateRefresh bool
	retryAfter    bool
	seedFile      string
	demo          bool
	demoContacts  int64
	logLevel      string
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("hubspot-emulator", flag.ContinueOnError)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8090", "listen address (keep it on loopback)")
	fs.DurationVar(&o.tokenLifetime, "token-lifetime", hubspottest.DefaultTokenLifetime, "OAuth access token lifetime")
	fs.IntVar(&o.rateLimit, "rate-limit", hubspottest.DefaultRateLimit, "requests per portal per rolling 10 s (0 = off)")
	fs.IntVar(&o.dailyLimit, "daily-limit", 0, "requests per portal per day for private-app tokens (0 = off)")
	fs.IntVar(&o.maxIDs, "max-ids", hubspottest.DefaultMaxIDsPerRequest, "max record IDs per membership request")
	fs.BoolVar(&o.rotateRefresh, "rotate-refresh", false, "return a new refresh token on every refresh and revoke the old one")
	fs.BoolVar(&o.retryAfter, "retry-after", false, "send Retry-After on 429 (HubSpot documents none)")
	fs.StringVar(&o.seedFile, "seed", "", "JSON seed file (see seed.go)")
	fs.BoolVar(&o.demo, "demo", false, "create a demo portal, list, private-app token and OAuth app, and print them")
	fs.Int64Var(&o.demoContacts, "demo-contacts", 1000, "contacts 1..N in the demo portal")
	fs.StringVar(&o.logLevel, "log-level", "info", "debug logs every request")
	// Environment first, so that explicit flags override it.
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		name := "HUBSPOT_EMULATOR_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(name); ok {
			if err := f.Value.Set(v); err != nil && envErr == nil {
				envErr = fmt.Errorf("%s=%q: %w", name, v, err)
			}
		}
	})
	if envErr != nil {
		return o, envErr
	}
	return o, fs.Parse(args)
}

func main() {
	o, err := parseFlags(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "hubspot-emulator:", err)
		os.Exit(2)
	}
	level := slog.LevelInfo
	if o.logLevel == "debug" {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	if err := run(o, log); err != nil {
		log.Error("hubspot emulator failed", "err", err)
		os.Exit(1)
	}
}

func run(o options, log *slog.Logger) error {
	e := hubspottest.New(
		hubspottest.WithTokenLifetime(o.tokenLifetime),
		hubspottest.WithRateLimit(o.rateLimit),
		hubspottest.WithDailyLimit(o.dailyLimit),
		hubspottest.WithMaxIDsPerRequest(o.maxIDs),
		hubspottest.WithRefreshTokenRotation(o.rotateRefresh),
		hubspottest.WithRetryAfter(o.retryAfter),
		hubspottest.WithLogger(log),
	)
	if o.seedFile != "" {
		if err := applySeedFile(e, o.seedFile, log); err != nil {
			return err
		}
	}
	if o.demo {
		seedDemo(e, o.demoContacts, os.Stdout)
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	if host, _, _ := net.SplitHostPort(ln.Addr().String()); !net.ParseIP(host).IsLoopback() {
		log.Warn("listening beyond loopback; the admin API still answers loopback clients only", "addr", ln.Addr().String())
	}
	srv := &http.Server{Handler: e.Handler(), ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("hubspot emulator listening", "url", "http://"+ln.Addr().String())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	e.Close() // release hang faults first, or Shutdown would wait for them
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}
