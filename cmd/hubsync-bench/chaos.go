package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/audiencesync/hubspot-list-sync/hubspot/hubspottest"
	"github.com/audiencesync/hubspot-list-sync/internal/devserver"
)

func init() {
	scenarios["chaos"] = scenario{
		about: "bursts into several audiences on several accounts while the worker is SIGKILLed and restarted, the dev server restarted on its database file, 30 % of HubSpot requests fail transiently and workflows continue as new often: every list must end exact",
		plan:  burstPlan,
		defaults: map[string]string{"audiences": "20", "changes": "10000", "contacts": "8000", "accounts": "3",
			"kills": "20", "server-restarts": "3", "faults": "0.3", "run-limit": "40", "per-call": "100",
			"flush": "2s", "latency": "20ms", "send-attempts": "40"},
	}
}

// allTransientFaults are every kind of transient failure the emulator has.
var allTransientFaults = []hubspottest.FaultKind{hubspottest.FaultStatus, hubspottest.FaultDrop, hubspottest.FaultHang,
	hubspottest.FaultApplyThenStatus, hubspottest.FaultApplyThenDrop, hubspottest.FaultApplyThenHang}

// chaos kills and restarts the worker and the dev server at random
// moments, one event every 2–8 s, until it has done -kills and
// -server-restarts of them.
type chaos struct {
	o       options
	log     *slog.Logger
	rng     *rand.Rand
	dir     string
	bin     string
	cfgPath string
	tokens  []string
	devOpts devserver.Options

	mu        sync.Mutex
	worker    *workerProc
	dev       *devserver.Server
	kills     int
	restarts  int
	lastEvent time.Time
	done      chan struct{}
	err       error
}

// run does the events and closes c.done.
func (c *chaos) run(ctx context.Context) {
	defer close(c.done)
	events := make([]bool, 0, c.o.kills+c.o.restarts) // true: restart the server
	for range c.o.kills {
		events = append(events, false)
	}
	for range c.o.restarts {
		events = append(events, true)
	}
	c.rng.Shuffle(len(events), func(i, j int) { events[i], events[j] = events[j], events[i] })
	for _, server := range events {
		select {
		case <-ctx.Done():
			return
		case <-time.After(2*time.Second + time.Duration(c.rng.Int64N(int64(6*time.Second)))):
		}
		var err error
		if server {
			err = c.restartServer(ctx)
		} else {
			err = c.killWorker()
		}
		c.mu.Lock()
		c.lastEvent = time.Now()
		if err != nil {
			c.err = err
		}
		c.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// killWorker SIGKILLs the worker's process group and starts a new one.
func (c *chaos) killWorker() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	_ = syscall.Kill(-c.worker.pid(), syscall.SIGKILL)
	<-c.worker.done
	c.kills++
	w, err := startWorker(c.bin, c.cfgPath, filepath.Join(c.dir, fmt.Sprintf("worker-%d.log", c.kills)), c.tokens, "")
	if err != nil {
		return fmt.Errorf("restarting the worker after kill %d: %w", c.kills, err)
	}
	c.worker = w
	c.log.Info("chaos: worker SIGKILLed and restarted", "kill", c.kills, "pid", w.pid())
	return nil
}

// restartServer stops the dev server (SIGTERM) and starts it again on the
// same port and database file; clients reconnect by themselves.
func (c *chaos) restartServer(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dev.Stop()
	c.restarts++
	down := time.Now()
	dev, err := devserver.Start(ctx, c.devOpts)
	if err != nil {
		return fmt.Errorf("restarting the dev server (restart %d): %w", c.restarts, err)
	}
	c.dev = dev
	c.log.Info("chaos: dev server restarted", "restart", c.restarts, "down", time.Since(down).Round(100*time.Millisecond))
	return nil
}

func (c *chaos) current() (*workerProc, *devserver.Server) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.worker, c.dev
}

// chaosFigures are what the fault run did and what it found.
type chaosFigures struct {
	WorkerKills    int     `json:"workerKills"`
	ServerRestarts int     `json:"serverRestarts"`
	Requests       int     `json:"membershipRequests"`
	Faulted        int     `json:"faulted"`
	Answered429    int     `json:"answered429"`
	Share429       float64 `json:"share429"`
	// RetriesAfter429 are retries of a batch answered 429; the shortest
	// wait among them is compared with the 10 s interval HubSpot named.
	RetriesAfter429 int     `json:"retriesAfter429"`
	ShortestWait429 float64 `json:"shortestWaitAfter429Seconds"`
	EarlyRetries429 int     `json:"earlyRetriesAfter429"`
	// Early describes each early retry, to diagnose it.
	Early           []earlyRetry `json:"early,omitempty"`
	ContactOverlaps int          `json:"contactOverlaps"` // one contact in two requests open at once
	AppliedRequests int          `json:"appliedRequests"`
	// SentInPause are requests (any, not only membership writes) that
	// reached an account later than pauseTransit after HubSpot answered it
	// 429 and before that 429's interval ended: a worker sent them knowing,
	// or having to know, that the account was paused. RacedPause arrived
	// within pauseTransit of the 429's answer: sent before it could be known.
	SentInPause int           `json:"sentInPause"`
	RacedPause  int           `json:"racedPause"`
	InPause     []pauseBreach `json:"inPause,omitempty"`
	// LastEventSeconds is when the last kill or restart was done, from the
	// first send; RecoverySeconds runs from the later of it and the last
	// call's return to converged.
	LastEventSeconds float64 `json:"lastEventSeconds"`
	RecoverySeconds  float64 `json:"recoverySeconds"`
	// Slowest are the attempts of the batches whose last request came
	// last, for what the tail of a run waited on.
	Slowest [][]attemptRecord `json:"slowest,omitempty"`
}

// attemptRecord is one request of a batch as the emulator saw it.
type attemptRecord struct {
	At      time.Time `json:"at"`
	Seconds float64   `json:"seconds"` // until its answer (or dropped connection)
	Fault   string    `json:"fault,omitempty"`
	Status  int       `json:"status"`
}

// pauseTransit is how long a 429's answer may take to reach the worker
// (loopback, plus scheduling on a loaded 2-core machine): a request that
// arrives sooner after the answer was sent before it could be known.
const pauseTransit = 50 * time.Millisecond

// pauseBreach is a request that reached an account inside its 429 pause.
type pauseBreach struct {
	Portal       int64     `json:"portal"`
	Answered429  time.Time `json:"answered429"`
	PauseEnd     time.Time `json:"pauseEnd"`
	Sent         time.Time `json:"sent"`
	AfterSeconds float64   `json:"afterSeconds"` // after the 429's answer
	SameBatch    bool      `json:"sameBatch"`    // the 429'd batch's own retry
}

func chaosReport(reqs []hubspottest.RequestRecord, c *chaos) *chaosFigures {
	f := &chaosFigures{WorkerKills: c.kills, ServerRestarts: c.restarts, ShortestWait429: -1}
	var writes []hubspottest.RequestRecord
	for _, r := range reqs {
		if r.ListID != "" && len(r.AddIDs)+len(r.RemoveIDs) > 0 {
			writes = append(writes, r)
		}
	}
	f.Requests = len(writes)
	for i, r := range writes {
		if r.Fault != "" && r.Fault != hubspottest.FaultDelay { // a delay only adds -latency
			f.Faulted++
		}
		if r.Applied {
			f.AppliedRequests++
		}
		if r.Status != http.StatusTooManyRequests {
			continue
		}
		f.Answered429++
		for _, next := range writes[i+1:] {
			if next.ListID == r.ListID && slices.Equal(next.AddIDs, r.AddIDs) && slices.Equal(next.RemoveIDs, r.RemoveIDs) {
				wait := next.Time.Sub(r.End).Seconds()
				f.RetriesAfter429++
				if f.ShortestWait429 < 0 || wait < f.ShortestWait429 {
					f.ShortestWait429 = wait
				}
				if wait < 10 {
					f.EarlyRetries429++
					f.Early = append(f.Early, earlyRetry{ListID: r.ListID, IDs: len(r.AddIDs) + len(r.RemoveIDs),
						At: r.Time, Fault: string(r.Fault), Answered: r.End, Next: next.Time, NextFault: string(next.Fault),
						NextStatus: next.Status, WaitSeconds: wait})
				}
				break
			}
		}
	}
	if f.Requests > 0 {
		f.Share429 = float64(f.Answered429) / float64(f.Requests)
	}
	f.ContactOverlaps = len(hubspottest.ContactOverlaps(writes))
	f.pauseBreaches(reqs)
	f.Slowest = slowestBatches(writes, 3)
	return f
}

// slowestBatches returns the requests of the n batches whose last request
// began last: their attempts, faults and waits explain a run's tail.
func slowestBatches(writes []hubspottest.RequestRecord, n int) [][]attemptRecord {
	same := func(a, b hubspottest.RequestRecord) bool {
		return a.ListID == b.ListID && slices.Equal(a.AddIDs, b.AddIDs) && slices.Equal(a.RemoveIDs, b.RemoveIDs)
	}
	byStart := slices.SortedFunc(slices.Values(writes), func(a, b hubspottest.RequestRecord) int { return b.Time.Compare(a.Time) })
	var out [][]attemptRecord
	var seen []hubspottest.RequestRecord
	for _, last := range byStart {
		if len(out) == n {
			break
		}
		if slices.ContainsFunc(seen, func(r hubspottest.RequestRecord) bool { return same(r, last) }) {
			continue
		}
		seen = append(seen, last)
		var batch []attemptRecord
		for _, r := range writes {
			if same(r, last) {
				batch = append(batch, attemptRecord{At: r.Time, Seconds: r.End.Sub(r.Time).Seconds(), Fault: string(r.Fault), Status: r.Status})
			}
		}
		out = append(out, batch)
	}
	return out
}

// pauseBreaches finds the requests that reached an account inside one of
// its 429 pauses (HubSpot's interval from the answer: 10 s in the
// emulator, for its own 429s and injected ones).
func (f *chaosFigures) pauseBreaches(reqs []hubspottest.RequestRecord) {
	const interval = 10 * time.Second
	byPortal := map[int64][]hubspottest.RequestRecord{}
	for _, r := range reqs {
		byPortal[r.PortalID] = append(byPortal[r.PortalID], r)
	}
	for portal, rs := range byPortal {
		slices.SortFunc(rs, func(a, b hubspottest.RequestRecord) int { return a.Time.Compare(b.Time) })
		for i, r := range rs {
			if r.Status != http.StatusTooManyRequests {
				continue
			}
			end := r.End.Add(interval)
			for _, next := range rs[i+1:] {
				if !next.Time.Before(end) {
					break
				}
				after := next.Time.Sub(r.End)
				switch {
				case after <= 0:
					continue // in flight before the answer
				case after <= pauseTransit:
					f.RacedPause++
				default:
					f.SentInPause++
					f.InPause = append(f.InPause, pauseBreach{Portal: portal, Answered429: r.End, PauseEnd: end, Sent: next.Time,
						AfterSeconds: after.Seconds(), SameBatch: next.ListID == r.ListID && slices.Equal(next.AddIDs, r.AddIDs) && slices.Equal(next.RemoveIDs, r.RemoveIDs)})
				}
			}
		}
	}
}

// earlyRetry is a request answered 429 and the next request with the same
// IDs on the same list, sent before HubSpot's interval had passed.
type earlyRetry struct {
	ListID      string    `json:"listId"`
	IDs         int       `json:"ids"`
	At          time.Time `json:"at"`
	Fault       string    `json:"fault"`
	Answered    time.Time `json:"answered"`
	Next        time.Time `json:"next"`
	NextFault   string    `json:"nextFault"`
	NextStatus  int       `json:"nextStatus"`
	WaitSeconds float64   `json:"waitSeconds"`
}

// secretsInLogs counts lines of the run's logs (worker, dev server, bench)
// that hold one of the tokens.
func secretsInLogs(dir string, secrets []string) (int, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.log"))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return 0, fmt.Errorf("scanning %s for tokens: %w", f, err)
		}
		for _, line := range bytes.Split(b, []byte("\n")) {
			for _, s := range secrets {
				if s != "" && bytes.Contains(line, []byte(s)) {
					n++
				}
			}
		}
	}
	return n, nil
}
