package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/audiencesync/hubspot-list-sync/starter"
)

// pauseFor pauses every target's sync now and resumes it after d, so a run
// shows a burst into paused syncs: the senders are held by back-pressure
// while the backlog stays at its bound, and everything converges after the
// resume. The returned channel closes once the syncs are resumed (at once
// when d is 0).
func pauseFor(ctx context.Context, st *starter.Starter, targets []target, d time.Duration, log *slog.Logger) (<-chan struct{}, error) {
	done := make(chan struct{})
	if d <= 0 {
		close(done)
		return done, nil
	}
	for _, t := range targets {
		if err := st.Pause(ctx, t.audience, t.connector); err != nil {
			return nil, fmt.Errorf("pausing %s of %s: %w", t.connector, t.audience, err)
		}
	}
	log.Info("syncs paused", "for", d)
	go func() {
		defer close(done)
		select {
		case <-ctx.Done():
			return
		case <-time.After(d):
		}
		for _, t := range targets {
			if err := st.Resume(context.WithoutCancel(ctx), t.audience, t.connector); err != nil {
				log.Error("resuming a sync failed; resume it by hand", "audience", t.audience, "connector", t.connector, "error", err)
			}
		}
		log.Info("syncs resumed")
	}()
	return done, nil
}

func pausedSetting(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	return d.String()
}
