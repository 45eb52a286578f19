// Package integration_test runs the product on real parts: a Temporal dev
// server started from the pinned CLI, the HubSpot emulator over HTTP
// (checked against HubSpot's spec), the worker as worker.Run, driven through
// the starter API. Each test asserts the emulator's final list membership.
package integration_test

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"testing"

	"github.com/audiencesync/hubspot-list-sync/internal/testenv"
)

// temporal is one dev server for the package; tests keep apart by task
// queue and audience ID.
var temporal *testenv.Temporal

func TestMain(m *testing.M) {
	// The starter logs each activation; keep test and benchmark output clean.
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	cli, err := testenv.FindTemporalCLI()
	if err != nil {
		fmt.Fprintln(os.Stderr, "integration tests need the Temporal CLI:", err)
		os.Exit(1)
	}
	temporal, err = testenv.StartTemporalServer(cli, false)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	temporal.Stop()
	os.Exit(code)
}
