package main

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/time/rate"

	"github.com/audiencesync/hubspot-list-sync/hubspot"
)

// naivePortal is the account of the naive client, after ours, so that its
// requests and ours draw on separate, equal HubSpot limits.
func naivePortal(e *emulator) int64 { return int64(len(e.tokens)) + 1 }

// naiveFigures compare the naive client with this project on one stream.
type naiveFigures struct {
	Calls int `json:"calls"` // every request it made, 429s included
	// LagSeconds runs from the last change of the stream to its last
	// request's answer.
	LagSeconds float64 `json:"lagSeconds"`
	Exact      bool    `json:"exact"` // its list ended equal to the stream's
	Error      string  `json:"error,omitempty"`
	// Ours, for the ratios: calls, lag, and ⌈net changes / batch⌉.
	OurCalls       int     `json:"ourCalls"`
	OurLagSeconds  float64 `json:"ourLagSeconds"`
	NetChanges     int     `json:"netChanges"`
	MinCalls       int     `json:"minCalls"`
	CallRatio      float64 `json:"callRatio"` // naive / ours
	LagRatio       float64 `json:"lagRatio"`  // naive / ours
	CallsOfMinimum float64 `json:"callsOfMinimum"`
}

// naive is a per-event connector: one add-and-remove request per change,
// in stream order per contact, several at once, honouring 429 intervals
// and resending after a transport error, with the same budget as ours.
// It is fed the changes our starter accepted, as it accepted them.
type naive struct {
	client *hubspot.Client
	list   string
	work   []chan call
	done   chan struct{} // closed when every fed change was answered

	mu        sync.Mutex
	calls     int64
	err       error
	streamEnd time.Time // when the last change was fed
	end       time.Time // when the last change was answered
	closeOnce sync.Once
}

func newNaive(e *emulator, o options) (*naive, error) {
	e.AddContactRange(naivePortal(e), 1, int64(o.contacts))
	list := e.CreateList(naivePortal(e), "Naive per-event", "MANUAL")
	tok := e.NewPrivateAppToken(naivePortal(e), "crm.lists.read", "crm.lists.write")
	requests, burst := budgetFor(o.limit)
	c, err := hubspot.New(hubspot.Config{BaseURL: e.url, Timeout: 30 * time.Second,
		HTTPClient: &http.Client{Transport: &oauth2.Transport{Source: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: tok})}},
		Limiter:    rate.NewLimiter(rate.Every(10*time.Second/time.Duration(requests)), burst)})
	if err != nil {
		return nil, fmt.Errorf("naive client: %w", err)
	}
	return &naive{client: c, list: list}, nil
}

// start runs the naive client's workers. Feed it each change once our
// starter accepted it (the same stream at the same pace), then close.
// Contact c goes to worker c % workers, so its changes stay in order.
func (n *naive) start(ctx context.Context, workers int) {
	n.work = make([]chan call, workers)
	n.done = make(chan struct{})
	var wg sync.WaitGroup
	for w := range n.work {
		n.work[w] = make(chan call, 1<<16)
		wg.Go(func() {
			for c := range n.work[w] {
				if n.failed() {
					continue // drain: a change after a failed one would be out of order
				}
				if err := n.send(ctx, c); err != nil {
					n.mu.Lock()
					n.err = err
					n.mu.Unlock()
				}
			}
		})
	}
	go func() { wg.Wait(); n.end = time.Now(); close(n.done) }()
}

// feed hands one accepted single-contact call to its worker.
func (n *naive) feed(c call, at time.Time) {
	id, _ := strconv.Atoi(c.ids[0])
	n.mu.Lock()
	n.streamEnd = at
	n.mu.Unlock()
	n.work[id%len(n.work)] <- c
}

// close ends the stream; done closes once every change was answered.
func (n *naive) close() {
	n.closeOnce.Do(func() {
		for _, ch := range n.work {
			close(ch)
		}
	})
}

func (n *naive) failed() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.err != nil
}

func (n *naive) send(ctx context.Context, c call) error {
	id, _ := strconv.ParseInt(c.ids[0], 10, 64)
	var add, remove []int64
	if c.enter {
		add = []int64{id}
	} else {
		remove = []int64{id}
	}
	for attempt := 1; ; attempt++ {
		n.mu.Lock()
		n.calls++
		n.mu.Unlock()
		_, err := n.client.UpdateMemberships(ctx, n.list, add, remove)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil || !hubspot.Retryable(err) || attempt == 20 {
			return fmt.Errorf("naive client, contact %d: %w", id, err)
		}
		wait, ok := hubspot.RetryDelay(err)
		if !ok {
			wait = time.Second
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

func naiveReport(n *naive, e *emulator, p plan, rep *report, o options) *naiveFigures {
	n.mu.Lock()
	f := &naiveFigures{Calls: int(n.calls), LagSeconds: n.end.Sub(n.streamEnd).Seconds()}
	if n.err != nil {
		f.Error = n.err.Error()
	}
	n.mu.Unlock()
	got := e.Members(naivePortal(e), n.list)
	missing, extra := diff(got, p.want)
	f.Exact = len(missing)+len(extra) == 0
	f.OurCalls, f.OurLagSeconds = len(portalWrites(e.Requests(), benchPortal)), rep.LagSeconds
	// The list starts empty, so the net changes are the final members.
	f.NetChanges = len(p.want)
	f.MinCalls = (f.NetChanges + o.batch - 1) / o.batch
	if f.OurCalls > 0 {
		f.CallRatio = float64(f.Calls) / float64(f.OurCalls)
	}
	if f.OurLagSeconds > 0 {
		f.LagRatio = f.LagSeconds / f.OurLagSeconds
	}
	if f.MinCalls > 0 {
		f.CallsOfMinimum = float64(f.OurCalls) / float64(f.MinCalls)
	}
	return f
}
