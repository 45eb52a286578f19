package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/audiencesync/hubspot-list-sync/hubspot/hubspottest"
)

// benchPortal is the first HubSpot account; with -accounts 1 (the default)
// every connector writes to it, so all share its rate limit, as lists of
// one account do at HubSpot. Audience a writes to portal a % accounts + 1.
const benchPortal = int64(1)

// emulator is the in-process HubSpot emulator served on loopback.
type emulator struct {
	*hubspottest.Emulator
	url    string
	tokens []string // one private-app token per account (portal i+1)
	lists  []string // one MANUAL list per audience, on its audience's portal
	srv    *http.Server
}

// startEmulator seeds contacts 1..-contacts, one MANUAL list per audience
// and a private-app token, applies -limit and -latency, and serves it.
func startEmulator(o options, log *slog.Logger) (*emulator, error) {
	emu := hubspottest.New(hubspottest.WithRateLimit(o.limit), hubspottest.WithLogger(log))
	e := &emulator{Emulator: emu}
	for i := range o.accounts {
		portal := int64(i + 1)
		emu.AddContactRange(portal, 1, int64(o.contacts))
		e.tokens = append(e.tokens, emu.NewPrivateAppToken(portal, "crm.lists.read", "crm.lists.write"))
	}
	for i := range o.audiences {
		e.lists = append(e.lists, emu.CreateList(e.portal(i), fmt.Sprintf("Bench audience %d", i+1), hubspottest.ProcessingManual))
	}
	if o.latency > 0 {
		// Probability 0: no failures, only the latency on every membership request.
		emu.SetRandomFaults(hubspottest.RandomFaults{Method: http.MethodPut, PathContains: "/memberships/", Latency: o.latency})
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("HubSpot emulator: listening on loopback: %w", err)
	}
	e.url = "http://" + ln.Addr().String()
	e.srv = &http.Server{Handler: emu.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = e.srv.Serve(ln) }()
	return e, nil
}

// portal is the account audience a's list lives in.
func (e *emulator) portal(audience int) int64 { return int64(audience%len(e.tokens)) + 1 }

func (e *emulator) close() {
	e.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = e.srv.Shutdown(ctx)
}

// hubspotFigures summarises the requests the emulator answered.
type hubspotFigures struct {
	Requests           int         `json:"requests"`
	MembershipRequests int         `json:"membershipRequests"`
	ByStatus           map[int]int `json:"byStatus"`
	RateLimited        int         `json:"rateLimited"`
	// LastWriteSeconds is when the last successful membership request
	// arrived, in seconds after the first change was sent.
	LastWriteSeconds float64 `json:"lastWriteSeconds"`
}

func (e *emulator) figures(start time.Time) hubspotFigures {
	c := e.Counters()
	f := hubspotFigures{Requests: c.Total, ByStatus: c.ByStatus, RateLimited: c.RateLimited}
	for _, r := range e.Requests() {
		if !strings.HasSuffix(r.Path, "/memberships/add-and-remove") {
			continue
		}
		f.MembershipRequests++
		if r.Status == http.StatusOK && r.Time.After(start) {
			f.LastWriteSeconds = max(f.LastWriteSeconds, r.Time.Sub(start).Seconds())
		}
	}
	return f
}
