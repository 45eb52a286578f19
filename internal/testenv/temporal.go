// Package testenv starts the real parts integration tests run on: a Temporal
// dev server from the pinned CLI and the HubSpot emulator. A missing part
// fails the test; it never skips.
package testenv

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
)

// TemporalCLI is the pinned Temporal CLI: $TEMPORAL_CLI, else .bin/temporal
// at the repository root (built by scripts/temporal-cli.sh).
func TemporalCLI(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("TEMPORAL_CLI"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("TEMPORAL_CLI=%s: %v", p, err)
		}
		return p
	}
	root := RepoRoot(t)
	p := filepath.Join(root, ".bin", "temporal")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("the pinned Temporal CLI is missing at %s: build it with scripts/temporal-cli.sh (scripts/test.sh does) or set TEMPORAL_CLI", p)
	}
	return p
}

// RepoRoot walks up from the working directory to the folder with go.mod.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's working directory")
		}
		dir = parent
	}
}

// Temporal is a running dev server and a client connected to it.
type Temporal struct {
	Server *testsuite.DevServer
	Client client.Client
}

// StartTemporal starts a dev server on free loopback ports (state in memory)
// and stops it when the test ends.
func StartTemporal(t testing.TB) *Temporal {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cli := TemporalCLI(t)
	if _, err := exec.LookPath(cli); err != nil {
		t.Fatalf("Temporal CLI %s is not executable: %v", cli, err)
	}
	var out io.Writer = io.Discard
	if testing.Verbose() {
		out = os.Stderr
	}
	srv, err := testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath:  cli,
		ClientOptions: &client.Options{Logger: tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))},
		LogLevel:      "error",
		Stdout:        out,
		Stderr:        out,
	})
	if err != nil {
		t.Fatalf("starting the Temporal dev server from %s: %v", cli, err)
	}
	t.Cleanup(func() { _ = srv.Stop() })
	return &Temporal{Server: srv, Client: srv.Client()}
}
