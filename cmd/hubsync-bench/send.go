package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/audiencesync/hubspot-list-sync/starter"
)

// sendStats are updated by the senders as they go.
type sendStats struct {
	// pace, when set, holds the senders to a steady rate of changes (a
	// token per record ID) over every lane together.
	pace *rate.Limiter
	// returned, when set, is told about each call once it returned.
	returned func(c call, at time.Time)

	accepted atomic.Int64 // record IDs delivered
	calls    atomic.Int64
	signals  atomic.Int64
	retries  atomic.Int64
	started  time.Time // set by the caller before send
	finished time.Time
}

// send runs one goroutine per lane. Sender s sends lane s of every
// audience, round-robin over the audiences, each call in order, so every
// contact's changes reach its audience in the order the plan has them.
// attempts bounds the tries of one call; a change that cannot be
// delivered stops its sender, since later changes must not overtake it.
func send(ctx context.Context, st *starter.Starter, audiences []string, plans []plan, senders, attempts int, stats *sendStats, log *slog.Logger) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	for s := range senders {
		wg.Go(func() {
			if err := sendLane(ctx, st, audiences, plans, s, attempts, stats, log); err != nil {
				once.Do(func() { firstErr = err; cancel() })
			}
		})
	}
	wg.Wait()
	stats.finished = time.Now()
	return firstErr
}

func sendLane(ctx context.Context, st *starter.Starter, audiences []string, plans []plan, lane, attempts int, stats *sendStats, log *slog.Logger) error {
	for i := 0; ; i++ {
		sent := false
		for a, aud := range audiences {
			calls := plans[a].lanes[lane]
			if i >= len(calls) {
				continue
			}
			sent = true
			if err := deliver(ctx, st, aud, calls[i], attempts, stats, log); err != nil {
				return fmt.Errorf("sender %d, audience %s, call %d of %d: %w", lane, aud, i+1, len(calls), err)
			}
		}
		if !sent {
			return nil
		}
	}
}

// deliver sends one call, resending what was not delivered after a
// transient error. Resending is safe: a change is idempotent, and nothing
// of this contact's is sent in between.
func deliver(ctx context.Context, st *starter.Starter, audience string, c call, maxAttempts int, stats *sendStats, log *slog.Logger) error {
	ids := c.ids
	if stats.pace != nil {
		if err := stats.pace.WaitN(ctx, len(ids)); err != nil {
			return err
		}
	}
	backoff := 100 * time.Millisecond
	for attempt := 1; ; attempt++ {
		var acc starter.Accepted
		var err error
		if c.enter {
			acc, err = st.Enter(ctx, audience, ids)
		} else {
			acc, err = st.Leave(ctx, audience, ids)
		}
		ids = ids[acc.IDs:]
		stats.accepted.Add(int64(acc.IDs))
		stats.signals.Add(int64(acc.Signals))
		if err == nil {
			stats.calls.Add(1)
			if stats.returned != nil {
				stats.returned(c, time.Now())
			}
			return nil
		}
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, starter.ErrAudienceNotActive):
			return err
		case attempt == maxAttempts:
			return fmt.Errorf("gave up after %d attempts, %d IDs undelivered: %w", attempt, len(ids), err)
		}
		stats.retries.Add(1)
		log.Warn("call failed; resending the undelivered IDs", "audience", audience, "undelivered", len(ids), "attempt", attempt, "error", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}
