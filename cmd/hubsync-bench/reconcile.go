package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/hubspot/hubspottest"
	"github.com/audiencesync/hubspot-list-sync/starter"
)

func init() {
	scenarios["reconcile"] = scenario{
		about: "a connector's live list, seeded to a -members snapshot with -drift each way (or empty with -backfill), reconciled to the snapshot under HubSpot's limit: time, reads and writes against their minimum, memory",
		plan:  reconcilePlan,
		// The ceiling scenario's limit and latency, so reads and writes
		// share a real budget. 1M members are 4,000 pages: at the budget
		// alone that is about 7 minutes, so the timeout leaves room.
		defaults: map[string]string{"limit": "110", "latency": "300ms", "timeout": "1h"},
		derive: func(o *options, given map[string]bool) {
			if !given["contacts"] {
				o.contacts = reconcileContacts(*o)
			}
		},
		check: func(o options) error {
			switch {
			case o.audiences != 1:
				return errors.New("reconcile: one audience only (-audiences 1)")
			case o.kills+o.restarts > 0 || o.faults > 0 || o.paused > 0 || o.rate > 0 || o.idle > 0:
				return errors.New("reconcile: -kills, -server-restarts, -faults, -paused, -rate and -idle are not supported by this scenario")
			case o.contacts < reconcileContacts(o):
				return fmt.Errorf("reconcile: -contacts %d: the snapshot and the list's extra members need contacts 1..%d (leave -contacts out to get that)", o.contacts, reconcileContacts(o))
			}
			return nil
		},
	}
}

// driftCounts are the snapshot members missing from the live list and the
// list's members the snapshot lacks, as seeded.
func driftCounts(o options) (missing, extra int) {
	if o.backfill {
		return o.members, 0
	}
	n := int(math.Round(o.drift * float64(o.members)))
	return n, n
}

// reconcileContacts: contacts 1..members+extra hold the snapshot and the
// extra members.
func reconcileContacts(o options) int {
	_, extra := driftCounts(o)
	return o.members + extra
}

// reconcilePlan picks, from contacts 1..members+extra, the extra members
// (in the list only) and the missing ones (in the snapshot only) at
// random, so the differences are spread over the whole list as drift
// would be. want is the snapshot, start the live list.
func reconcilePlan(o options, audience int) (plan, error) {
	missing, extra := driftCounts(o)
	n := o.members + extra
	const both, listOnly, snapshotOnly = 0, 1, 2
	kind := make([]byte, n) // of contact i+1
	perm := rand.New(rand.NewPCG(o.seed, uint64(audience))).Perm(n)
	for _, i := range perm[:extra] {
		kind[i] = listOnly
	}
	for _, i := range perm[extra : extra+missing] { // none of them extra
		kind[i] = snapshotOnly
	}
	p := plan{want: make([]int64, 0, o.members), start: make([]int64, 0, n-missing)}
	for i, k := range kind {
		if k != listOnly {
			p.want = append(p.want, int64(i+1))
		}
		if k != snapshotOnly {
			p.start = append(p.start, int64(i+1))
		}
	}
	return p, nil
}

// reconcileFigures are the reconcile scenario's figures.
type reconcileFigures struct {
	Members  int     `json:"members"` // in the snapshot
	Drift    float64 `json:"drift"`
	Backfill bool    `json:"backfill,omitempty"`
	// The live list at the start, and the differences seeded into it.
	LiveAtStart     int `json:"liveAtStart"`
	ExpectedAdds    int `json:"expectedAdds"`
	ExpectedRemoves int `json:"expectedRemoves"`
	// SnapshotBytes is what the bench holds for the snapshot (8 B a member).
	SnapshotBytes int64 `json:"snapshotBytes"`

	// Seconds runs from calling starter.Reconcile to its return (done;
	// it polls every second); WorkflowSeconds is the sync's own StartedAt
	// to FinishedAt. SnapshotSentSeconds is when the sync had taken the
	// whole snapshot (it takes chunks as fast as it reads pages).
	Seconds             float64 `json:"seconds"`
	WorkflowSeconds     float64 `json:"workflowSeconds"`
	SnapshotSentSeconds float64 `json:"snapshotSentSeconds"`
	MembersPerSecond    float64 `json:"membersPerSecond"` // Members / Seconds

	Reads  requestCounts `json:"reads"`  // GET memberships of the list
	Writes requestCounts `json:"writes"` // add-and-remove of the list
	// MaxIn10s is the most requests of the account (any status) arriving
	// in a rolling 10 s; Answered429 counts its 429s.
	MaxIn10s    int `json:"maxRequestsIn10s"`
	Answered429 int `json:"answered429"`
	Limit       int `json:"limit"`
	// FloorSeconds is the least time the minimum requests take at the
	// account's budget (0 without a limit); OfFloor = Seconds / it.
	FloorSeconds float64 `json:"floorSeconds,omitempty"`
	OfFloor      float64 `json:"ofFloor,omitempty"`

	// Where the read time goes: reads are sequential (one page per
	// activity, each after the last), so the read phase is the sum of
	// each page's time in the emulator (arrival to answer) and the gaps
	// between one answer and the next page's arrival (activity result →
	// workflow task → next activity → budget wait → HTTP).
	FirstReadSeconds float64 `json:"firstReadSeconds"` // after the call
	LastReadSeconds  float64 `json:"lastReadSeconds"`  // answered, after the call
	ReadServe        spread  `json:"readServe"`
	ReadGap          spread  `json:"readGap"`

	Report contract.ReconcileStatus `json:"report"`
	Plan   *planFigures             `json:"plan,omitempty"`
	Exact  bool                     `json:"exact"`
}

// requestCounts are one kind of request, against its minimum.
type requestCounts struct {
	Requests    int     `json:"requests"` // any status
	OK          int     `json:"ok"`
	Answered429 int     `json:"answered429"`
	IDs         int     `json:"ids,omitempty"` // writes: IDs in successful requests
	Minimum     int     `json:"minimum"`
	OfMinimum   float64 `json:"ofMinimum"` // Requests / Minimum
}

// spread summarises durations in seconds.
type spread struct {
	Count int     `json:"count"`
	Total float64 `json:"total"`
	Mean  float64 `json:"mean"`
	P50   float64 `json:"p50"`
	P99   float64 `json:"p99"`
	Max   float64 `json:"max"`
}

func spreadOf(d []float64) spread {
	if len(d) == 0 {
		return spread{}
	}
	slices.Sort(d)
	s := spread{Count: len(d), Max: d[len(d)-1]}
	for _, v := range d {
		s.Total += v
	}
	s.Mean = s.Total / float64(len(d))
	pct := func(p float64) float64 { return d[min(len(d)-1, int(math.Ceil(p*float64(len(d))))-1)] }
	s.P50, s.P99 = pct(0.50), pct(0.99)
	return s
}

// planFigures are those of the plan run before the reconcile (-plan).
type planFigures struct {
	Seconds float64                  `json:"seconds"`
	Reads   int                      `json:"reads"`
	Writes  int                      `json:"writes"` // must be 0: a plan changes nothing
	Report  contract.ReconcileStatus `json:"report"`
}

// benchReconcile reconciles the one target's list to its snapshot (the
// plan's want) and fills rep. The list was seeded with the plan's start.
//
// A plan runs first only with -plan: it reads the whole list too, so it
// would double the reads of a run whose point is the reconcile's own cost,
// and the integration tests already show that a plan writes nothing.
func benchReconcile(ctx context.Context, o options, st *starter.Starter, emu *emulator, w *watcher, rep *report, log *slog.Logger) error {
	t := w.targets[0]
	missing, extra := driftCounts(o)
	info, _ := emu.ListInfo(t.portal, t.listID)
	f := &reconcileFigures{Members: len(t.want), Drift: o.drift, Backfill: o.backfill, LiveAtStart: info.Size,
		ExpectedAdds: missing, ExpectedRemoves: extra, SnapshotBytes: int64(8 * cap(t.want)), Limit: o.limit}
	rep.Reconcile = f
	w.last, w.audGen = make([]starter.ConnectorReport, len(w.targets)), make([]int, len(w.targets))
	// Every report says whether the list is exact, a failed run's too:
	// read the sync's status (for the batch counts), then compare.
	defer func() {
		if _, _, err := w.poll(context.WithoutCancel(ctx)); err != nil {
			log.Warn("reading the sync's status", "error", err)
		}
		rep.fillLists(emu, w)
		f.Exact = rep.Converged
	}()

	if o.planFirst {
		log.Info("planning", "members", len(t.want), "liveList", info.Size)
		start := time.Now()
		ps, err := reconcileWithProgress(ctx, st, t, starter.ReconcileOptions{Plan: true, Sorted: true}, start, log, "plan", nil)
		p := &planFigures{Seconds: time.Since(start).Seconds(), Report: ps}
		for _, r := range emu.Requests() {
			switch {
			case r.Time.Before(start) || r.ListID != t.listID:
			case isRead(r):
				p.Reads++
			case isWrite(r):
				p.Writes++
			}
		}
		f.Plan = p
		if err != nil {
			return fmt.Errorf("the plan failed: %w", err)
		}
		log.Info("planned", "seconds", p.Seconds, "adds", ps.Adds, "removes", ps.Removes, "reads", p.Reads, "writes", p.Writes)
	}

	log.Info("reconciling", "members", len(t.want), "liveList", info.Size, "adds", missing, "removes", extra, "limit", o.limit)
	start := time.Now()
	var sent time.Time
	rs, err := reconcileWithProgress(ctx, st, t, starter.ReconcileOptions{Sorted: true}, start, log, "reconcile", &sent)
	end := time.Now()
	f.Report = rs
	f.Seconds = end.Sub(start).Seconds()
	if !sent.IsZero() {
		f.SnapshotSentSeconds = sent.Sub(start).Seconds()
	}
	if rs.FinishedAt != nil {
		f.WorkflowSeconds = rs.FinishedAt.Sub(rs.StartedAt).Seconds()
	}
	if f.Seconds > 0 {
		f.MembersPerSecond = float64(f.Members) / f.Seconds
	}
	f.fillRequests(emu.Requests(), t, start, o)
	rep.HubSpot = emu.figures(start)
	rep.Writes = computeWrites(portalWrites(emu.Requests(), t.portal), o.limit, o.batch)
	if err != nil {
		return fmt.Errorf("the reconcile failed: %w", err)
	}
	log.Info("reconciled", "seconds", f.Seconds, "adds", rs.Adds, "removes", rs.Removes, "applied", rs.Applied,
		"reads", f.Reads.Requests, "writes", f.Writes.Requests)
	return nil
}

// reconcileWithProgress runs one reconcile (or plan) and logs its progress
// every 10 s. sent, if set, gets when a status first showed the whole
// snapshot taken (statuses come about every second).
func reconcileWithProgress(ctx context.Context, st *starter.Starter, t target, opts starter.ReconcileOptions, start time.Time,
	log *slog.Logger, what string, sent *time.Time) (contract.ReconcileStatus, error) {
	var last time.Time
	opts.Progress = func(s contract.ReconcileStatus) {
		if sent != nil && sent.IsZero() && s.SnapshotComplete {
			*sent = time.Now()
		}
		if time.Since(last) < 10*time.Second {
			return
		}
		last = time.Now()
		log.Info(what, "at", time.Since(start).Round(time.Second), "phase", s.Phase, "pages", s.Pages, "liveRead", s.LiveRead,
			"liveTotal", s.LiveTotal, "snapshotReceived", s.SnapshotReceived, "adds", s.Adds, "removes", s.Removes,
			"applied", s.Applied, "takenOver", s.TakenOver)
	}
	return st.Reconcile(ctx, t.audience, t.connector, starter.SnapshotOf(t.want), opts)
}

func isRead(r hubspottest.RequestRecord) bool {
	return r.Method == http.MethodGet && strings.HasSuffix(r.Path, "/memberships")
}

func isWrite(r hubspottest.RequestRecord) bool {
	return r.Method == http.MethodPut && strings.HasSuffix(r.Path, "/memberships/add-and-remove")
}

// fillRequests counts the reconcile's requests (those arriving from start
// on) and sets them against their minimum: one page a 250 members
// (ceil(live / 250), one if the list is empty: the emulator, like HubSpot's
// paging, gives no next cursor after a last full page) and one write a
// maxBatchSize differences.
func (f *reconcileFigures) fillRequests(reqs []hubspottest.RequestRecord, t target, start time.Time, o options) {
	var arrivals []time.Time
	var reads []hubspottest.RequestRecord
	for _, r := range reqs {
		if r.Time.Before(start) || r.PortalID != t.portal {
			continue
		}
		arrivals = append(arrivals, r.Time)
		if r.Status == http.StatusTooManyRequests {
			f.Answered429++
		}
		var c *requestCounts
		switch {
		case r.ListID != t.listID:
			continue
		case isRead(r):
			c = &f.Reads
			reads = append(reads, r)
		case isWrite(r):
			c = &f.Writes
		default:
			continue
		}
		c.Requests++
		switch r.Status {
		case http.StatusOK:
			c.OK++
			c.IDs += len(r.AddIDs) + len(r.RemoveIDs)
		case http.StatusTooManyRequests:
			c.Answered429++
		}
	}
	f.MaxIn10s = maxIn10s(arrivals)
	f.Reads.Minimum = max(1, (f.LiveAtStart+hubspotPage-1)/hubspotPage)
	f.Writes.Minimum = (f.ExpectedAdds + f.ExpectedRemoves + o.batch - 1) / o.batch
	for _, c := range []*requestCounts{&f.Reads, &f.Writes} {
		if c.Minimum > 0 {
			c.OfMinimum = float64(c.Requests) / float64(c.Minimum)
		}
	}
	if o.limit > 0 {
		// A token bucket of `requests` per 10 s, starting full (burst).
		requests, burst := budgetFor(o.limit)
		f.FloorSeconds = max(0, float64(f.Reads.Minimum+f.Writes.Minimum-burst)) * 10 / float64(requests)
		if f.FloorSeconds > 0 {
			f.OfFloor = f.Seconds / f.FloorSeconds
		}
	}
	slices.SortFunc(reads, func(a, b hubspottest.RequestRecord) int { return a.Time.Compare(b.Time) })
	var serve, gap []float64
	for i, r := range reads {
		serve = append(serve, r.End.Sub(r.Time).Seconds())
		if i > 0 {
			gap = append(gap, max(0, r.Time.Sub(reads[i-1].End).Seconds()))
		}
	}
	f.ReadServe, f.ReadGap = spreadOf(serve), spreadOf(gap)
	if len(reads) > 0 {
		f.FirstReadSeconds = reads[0].Time.Sub(start).Seconds()
		f.LastReadSeconds = reads[len(reads)-1].End.Sub(start).Seconds()
	}
}

// hubspotPage is the most members HubSpot returns in a page.
const hubspotPage = 250

func (r *report) printReconcile(w io.Writer, t *tabwriter.Writer) {
	f, s := r.Reconcile, r.Settings
	live := fmt.Sprintf("the live list seeded with %.3g %% drift each way", 100*f.Drift)
	if f.Backfill {
		live = "an empty live list (backfill)"
	}
	fmt.Fprintf(w, "\nscenario %s: a %d-member snapshot against %s; batch %d, flush %s, latency %s, limit %d/10s, in flight %s\n\n",
		r.Scenario, f.Members, live, s.Batch, s.Flush, s.Latency, s.Limit, orDefault(s.MaxInFlight))
	rs := f.Report
	if p := f.Plan; p != nil {
		fmt.Fprintf(t, "plan first\t%.1f s; %d reads, %d writes; found +%d -%d, %d pages, phase %s\n",
			p.Seconds, p.Reads, p.Writes, p.Report.Adds, p.Report.Removes, p.Report.Pages, p.Report.Phase)
	}
	fmt.Fprintf(t, "live list at start\t%d members: %d of the snapshot's missing, %d extra\n", f.LiveAtStart, f.ExpectedAdds, f.ExpectedRemoves)
	fmt.Fprintf(t, "reconcile\t%s in %.1f s (sync's own %.1f s), %.0f members/s; whole snapshot taken at %.1f s\n",
		orDash(rs.Phase), f.Seconds, f.WorkflowSeconds, f.MembersPerSecond, f.SnapshotSentSeconds)
	fmt.Fprintf(t, "report\t+%d -%d found, %d applied, %d missing, %d taken over, %d superseded; %d pages, %d of %d live read; %d snapshot members taken\n",
		rs.Adds, rs.Removes, rs.Applied, rs.Missing, rs.TakenOver, rs.Superseded, rs.Pages, rs.LiveRead, rs.LiveTotal, rs.SnapshotReceived)
	if rs.Error != "" {
		fmt.Fprintf(t, "reconcile error\t%s\n", rs.Error)
	}
	fmt.Fprintf(t, "reads (GET memberships)\t%d (%d ok, %d 429) against a minimum of %d: %.2f×\n",
		f.Reads.Requests, f.Reads.OK, f.Reads.Answered429, f.Reads.Minimum, f.Reads.OfMinimum)
	fmt.Fprintf(t, "writes (add-and-remove)\t%d (%d ok, %d 429, %d IDs) against a minimum of %d: %.2f×\n",
		f.Writes.Requests, f.Writes.OK, f.Writes.Answered429, f.Writes.IDs, f.Writes.Minimum, f.Writes.OfMinimum)
	fmt.Fprintf(t, "request rate\tmost in a rolling 10 s %d (limit %d); 429s %d\n", f.MaxIn10s, f.Limit, f.Answered429)
	if f.FloorSeconds > 0 {
		fmt.Fprintf(t, "against the budget\t%.1f s is %.2f× the %.1f s the minimum requests take at the account's budget\n",
			f.Seconds, f.OfFloor, f.FloorSeconds)
	}
	fmt.Fprintf(t, "read timeline\tfirst page at %.1f s, last answered at %.1f s\n", f.FirstReadSeconds, f.LastReadSeconds)
	fmt.Fprintf(t, "per page in the emulator\t%s\n", f.ReadServe)
	fmt.Fprintf(t, "per page between pages\t%s (answer → next page's arrival: orchestration and budget wait)\n", f.ReadGap)
	fmt.Fprintf(t, "lists exact\t%d of %d\n", r.ListsExact, r.ListsTotal)
	for _, l := range r.Lists {
		fmt.Fprintf(t, "list %s (%s)\t%d of %d expected, %d missing, %d extra; %d batches, +%d -%d\n",
			l.ListID, l.Connector, l.Size, l.Expected, l.Missing, l.Extra, l.BatchesSent, l.TotalAdded, l.TotalRemoved)
	}
	fmt.Fprintf(t, "HubSpot requests\t%d, setup included (by status %v; rate-limited %d)\n", r.HubSpot.Requests, r.HubSpot.ByStatus, r.HubSpot.RateLimited)
	fmt.Fprintf(t, "snapshot held by the bench\t%s\n", mb(f.SnapshotBytes))
}

func (s spread) String() string {
	return fmt.Sprintf("mean %.3f s, p50 %.3f s, p99 %.3f s, max %.3f s; %.1f s over %d", s.Mean, s.P50, s.P99, s.Max, s.Total, s.Count)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
