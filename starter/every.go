package starter

import (
	"context"
	"time"
)

// every calls fn every interval in its own goroutine until stop is called
// or ctx ends; stop waits for a call in progress to return, so nothing is
// reported after it.
func every(ctx context.Context, interval time.Duration, fn func()) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-tick.C:
				fn()
			}
		}
	}()
	return func() { close(done); <-finished }
}
