package main

import (
	"context"
	"fmt"
	"sync"

	"github.com/audiencesync/hubspot-list-sync/starter"
)

// activateAll activates audience a with connector a, n at a time; each
// Activate returns once the audience lists its connector as active.
func activateAll(ctx context.Context, st *starter.Starter, audiences []string, n int) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan int)
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	for range n {
		wg.Go(func() {
			for a := range next {
				if err := st.Activate(ctx, audiences[a], connectorID(a)); err != nil {
					once.Do(func() { firstErr = fmt.Errorf("activating audience %s: %w", audiences[a], err); cancel() })
					return
				}
			}
		})
	}
	for a := range audiences {
		select {
		case next <- a:
		case <-ctx.Done():
		}
	}
	close(next)
	wg.Wait()
	return firstErr
}
