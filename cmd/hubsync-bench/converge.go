package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/starter"
)

// statusPollLimit: with more audiences than this, statuses are read only
// once every list is exact.
const statusPollLimit = 50

// target is one audience's list and the membership it must end with.
type target struct {
	audience, connector, listID string
	portal                      int64
	want                        []int64
}

// watcher polls the workflows' status and the emulator's lists.
type watcher struct {
	st      *starter.Starter
	emu     *emulator
	targets []target
	stats   *sendStats
	total   int // changes to send, over every audience
	out     io.Writer

	// Filled as it polls.
	last        []starter.ConnectorReport // per target, the last status read
	audGen      []int                     // per target, the audience's generation
	peakPending int
}

// await polls every second until the sending is done, every sync is idle
// (nothing pending, in flight or owed) and every list equals its expected
// set, on two polls in a row with no forwarding or batch in between (so
// no change still held by an audience workflow can alter a list later).
// It returns when the lists first were exact, measured from the first send.
func (w *watcher) await(ctx context.Context, sendDone <-chan struct{}, sendErr *error) (time.Duration, error) {
	w.last, w.audGen = make([]starter.ConnectorReport, len(w.targets)), make([]int, len(w.targets))
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var exactAt time.Time
	var exactKey string
	nextPrint := w.stats.started.Add(5 * time.Second)
	for {
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("the lists did not converge: %w (raise -timeout, or see the worker log)", ctx.Err())
		case <-tick.C:
		}
		sent := isClosed(sendDone)
		if sent && *sendErr != nil {
			return 0, fmt.Errorf("sending failed: %w", *sendErr)
		}
		now := time.Now()
		if len(w.targets) > statusPollLimit && !(sent && w.exact()) {
			// Thousands of status queries a second would be the load
			// measured: wait for the lists first, then check the syncs.
			if !now.Before(nextPrint) {
				nextPrint = now.Add(5 * time.Second)
				w.progress(now)
			}
			exactAt = time.Time{}
			continue
		}
		idle, key, err := w.poll(ctx)
		if err != nil {
			return 0, err
		}
		printed := !now.Before(nextPrint)
		if printed {
			for !nextPrint.After(now) {
				nextPrint = nextPrint.Add(5 * time.Second)
			}
			w.progress(now)
		}
		if !sent || !idle || !w.exact() {
			exactAt = time.Time{}
			continue
		}
		if exactAt.IsZero() || key != exactKey {
			exactAt, exactKey = now, key
			continue
		}
		if !printed {
			w.progress(now)
		}
		return exactAt.Sub(w.stats.started), nil
	}
}

// poll reads every status; idle says nothing is pending anywhere, key
// changes whenever an audience forwards or a sync applies a batch.
func (w *watcher) poll(ctx context.Context) (idle bool, key string, err error) {
	idle = true
	pending := 0
	for i, t := range w.targets {
		qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		rep, qerr := w.st.Status(qctx, t.audience)
		cancel()
		var cr starter.ConnectorReport
		if qerr == nil {
			w.audGen[i] = rep.Audience.Generation
			for _, c := range rep.Connectors {
				if c.ConnectorID == t.connector {
					cr = c
				}
			}
			key += fmt.Sprintf("%d/", rep.Audience.Forwarded)
		}
		if cr.Status == nil { // not started yet, continuing as new, or a query timed out
			idle = false
			continue
		}
		w.last[i] = cr
		s := cr.Status
		if s.State == contract.StateBlocked {
			return false, "", fmt.Errorf("connector %s of audience %s is blocked: %+v (see the worker log)", t.connector, t.audience, s.LastError)
		}
		pending += s.PendingAdds + s.PendingRemoves
		if s.PendingAdds+s.PendingRemoves > 0 || s.InFlight != nil || s.Owed != nil {
			idle = false
		}
		key += fmt.Sprintf("%d;", s.BatchesSent)
	}
	w.peakPending = max(w.peakPending, pending)
	return idle, key, nil
}

// exact compares sizes first (cheap), then the members.
func (w *watcher) exact() bool {
	for _, t := range w.targets {
		if info, ok := w.emu.ListInfo(t.portal, t.listID); !ok || info.Size != len(t.want) {
			return false
		}
	}
	for _, t := range w.targets {
		if !slices.Equal(w.emu.Members(t.portal, t.listID), t.want) {
			return false
		}
	}
	return true
}

func (w *watcher) progress(now time.Time) {
	size, want, pending, syncGen, audGen := 0, 0, 0, 0, 0
	for i, t := range w.targets {
		if info, ok := w.emu.ListInfo(t.portal, t.listID); ok {
			size += info.Size
		}
		want += len(t.want)
		if s := w.last[i].Status; s != nil {
			pending += s.PendingAdds + s.PendingRemoves
			syncGen = max(syncGen, s.Generation)
		}
		audGen = max(audGen, w.audGen[i])
	}
	fmt.Fprintf(w.out, "%7.1fs | accepted %9d/%d | list size %8d/%d | pending %8d | generation sync %d audience %d\n",
		now.Sub(w.stats.started).Seconds(), w.stats.accepted.Load(), w.total, size, want, pending, syncGen, audGen)
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
