// Package workertest runs the real worker in tests. It is apart from testenv
// because the worker package's own tests use testenv.
package workertest

import (
	"context"
	"testing"
	"time"

	"github.com/audiencesync/hubspot-list-sync/config"
	"github.com/audiencesync/hubspot-list-sync/worker"
)

// Start runs the real worker (worker.Run) with cfg until stop is
// called or the test ends, failing the test if it is not serving within
// 30 s or stops with an error. stop waits for the worker to finish; calling
// it again does nothing.
func Start(t testing.TB, cfg *config.File, opts worker.Options) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan struct{}), make(chan error, 1)
	opts.Ready = ready
	go func() { done <- worker.Run(ctx, cfg, opts) }()
	select {
	case <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("worker did not start: %v", err)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("worker not ready within 30s")
	}
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("worker stopped with %v", err)
		}
	}
	t.Cleanup(stop)
	return stop
}
