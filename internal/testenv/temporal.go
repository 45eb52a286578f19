// Package testenv starts the real parts integration tests run on: a Temporal
// dev server from the pinned CLI and the HubSpot emulator. A missing part
// fails the test; it never skips.
package testenv

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

	"github.com/audiencesync/hubspot-list-sync/internal/devserver"
)

// TemporalCLI is the pinned Temporal CLI: $TEMPORAL_CLI, else .bin/temporal
// at the repository root (built by scripts/temporal-cli.sh). Missing, it
// fails the test: integration tests never skip.
func TemporalCLI(t testing.TB) string {
	t.Helper()
	p, err := FindTemporalCLI()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// FindTemporalCLI is TemporalCLI without a test.
func FindTemporalCLI() (string, error) { return devserver.FindCLI() }

// RepoRoot is the folder with go.mod above the working directory.
func RepoRoot(t testing.TB) string {
	t.Helper()
	root, err := FindRepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// FindRepoRoot walks up from the working directory to the folder with go.mod.
func FindRepoRoot() (string, error) { return devserver.FindRepoRoot() }

// Temporal is a running dev server and a client connected to it.
type Temporal struct {
	Server *testsuite.DevServer
	Client client.Client
}

// StartTemporal starts a dev server on free loopback ports (state in memory),
// with the workflows' search attributes registered, and stops it when the
// test ends.
func StartTemporal(t testing.TB) *Temporal {
	t.Helper()
	tp, err := StartTemporalServer(TemporalCLI(t), testing.Verbose())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tp.Stop)
	return tp
}

// StartBareTemporal is StartTemporal without the workflows' search
// attributes: a namespace as a real cluster has it before an operator
// registers them. A worker refuses to start on it.
func StartBareTemporal(t testing.TB) *Temporal {
	t.Helper()
	tp, err := startTemporal(TemporalCLI(t), testing.Verbose(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tp.Stop)
	return tp
}

// StartTemporalServer is StartTemporal for TestMain, where there is no
// testing.TB: the caller stops the server.
func StartTemporalServer(cli string, verbose bool) (*Temporal, error) {
	return startTemporal(cli, verbose, append(devserver.SearchAttributeArgs(), devserver.OnePartitionArgs()...))
}

func startTemporal(cli string, verbose bool, extraArgs []string) (*Temporal, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := exec.LookPath(cli); err != nil {
		return nil, fmt.Errorf("Temporal CLI %s is not executable: %w", cli, err)
	}
	var out io.Writer = io.Discard
	if verbose {
		out = os.Stderr
	}
	srv, err := testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath:  cli,
		ClientOptions: &client.Options{Logger: tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))},
		LogLevel:      "error",
		ExtraArgs:     extraArgs,
		Stdout:        out,
		Stderr:        out,
	})
	if err != nil {
		return nil, fmt.Errorf("starting the Temporal dev server from %s: %w", cli, err)
	}
	return &Temporal{Server: srv, Client: srv.Client()}, nil
}

// Stop stops the dev server.
func (tp *Temporal) Stop() { _ = tp.Server.Stop() }
