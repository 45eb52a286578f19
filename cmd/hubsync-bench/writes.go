package main

import (
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/audiencesync/hubspot-list-sync/hubspot/hubspottest"
)

// writeFigures describe the membership writes of one portal, from the
// emulator's request log.
type writeFigures struct {
	// Writes are successful add-and-remove requests; IDs the record IDs in
	// them. Seconds runs from the first one's arrival to the last one's
	// answer; the rates are over that span.
	Writes     int     `json:"writes"`
	IDs        int     `json:"ids"`
	Seconds    float64 `json:"seconds"`
	ReqPerSec  float64 `json:"reqPerSec"`
	IDsPerSec  float64 `json:"idsPerSec"`
	Ceiling    float64 `json:"ceilingIdsPerSec,omitempty"` // limit/10 s × batch
	OfCeiling  float64 `json:"ofCeiling,omitempty"`        // IDsPerSec / Ceiling
	MaxIn10s   int     `json:"maxRequestsIn10s"`           // most requests (any status) arriving in a rolling 10 s
	Answered   int     `json:"answered429"`
	MaxOverlap int     `json:"maxOverlap"` // most requests open at once
}

func portalWrites(reqs []hubspottest.RequestRecord, portal int64) []hubspottest.RequestRecord {
	var out []hubspottest.RequestRecord
	for _, r := range reqs {
		if r.PortalID == portal && strings.HasSuffix(r.Path, "/memberships/add-and-remove") {
			out = append(out, r)
		}
	}
	return out
}

func computeWrites(reqs []hubspottest.RequestRecord, limit, batch int) writeFigures {
	var f writeFigures
	var first, last time.Time
	var arrivals []time.Time
	for _, r := range reqs {
		arrivals = append(arrivals, r.Time)
		if r.Status == http.StatusTooManyRequests {
			f.Answered++
		}
		if r.Status != http.StatusOK {
			continue
		}
		f.Writes++
		f.IDs += len(r.AddIDs) + len(r.RemoveIDs)
		if first.IsZero() || r.Time.Before(first) {
			first = r.Time
		}
		if r.End.After(last) {
			last = r.End
		}
	}
	f.MaxIn10s = maxIn10s(arrivals)
	f.MaxOverlap = hubspottest.MaxOpen(reqs)
	if f.Writes > 0 {
		f.Seconds = last.Sub(first).Seconds()
	}
	if f.Seconds > 0 {
		f.ReqPerSec, f.IDsPerSec = float64(f.Writes)/f.Seconds, float64(f.IDs)/f.Seconds
	}
	if limit > 0 {
		f.Ceiling = float64(limit) / 10 * float64(batch)
		f.OfCeiling = f.IDsPerSec / f.Ceiling
	}
	return f
}

// maxIn10s is the most arrivals in any rolling 10 s (HubSpot's window);
// it sorts arrivals.
func maxIn10s(arrivals []time.Time) int {
	slices.SortFunc(arrivals, func(a, b time.Time) int { return a.Compare(b) })
	most := 0
	for i, j := 0, 0; j < len(arrivals); j++ {
		for arrivals[j].Sub(arrivals[i]) >= 10*time.Second {
			i++
		}
		most = max(most, j-i+1)
	}
	return most
}

// latencies records when each contact's Enter returned, and turns the
// request log into the time from then to the answer of the write that
// added it.
type latencies struct {
	mu       sync.Mutex
	returned map[string]time.Time
}

func (l *latencies) note(c call, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.returned == nil {
		l.returned = map[string]time.Time{}
	}
	for _, id := range c.ids {
		l.returned[id] = at
	}
}

// latencyFigures are percentiles of Enter-returned → member, in seconds.
type latencyFigures struct {
	Samples int     `json:"samples"`
	P50     float64 `json:"p50"`
	P95     float64 `json:"p95"`
	P99     float64 `json:"p99"`
	Max     float64 `json:"max"`
}

func (l *latencies) figures(writes []hubspottest.RequestRecord) latencyFigures {
	l.mu.Lock()
	defer l.mu.Unlock()
	var d []float64
	for _, r := range writes {
		if r.Status != http.StatusOK {
			continue
		}
		for _, id := range r.AddIDs {
			if at, ok := l.returned[itoa64(id)]; ok {
				d = append(d, max(0, r.End.Sub(at).Seconds()))
			}
		}
	}
	if len(d) == 0 {
		return latencyFigures{}
	}
	slices.Sort(d)
	pct := func(p float64) float64 { return d[min(len(d)-1, int(math.Ceil(p*float64(len(d))))-1)] }
	return latencyFigures{Samples: len(d), P50: pct(0.50), P95: pct(0.95), P99: pct(0.99), Max: d[len(d)-1]}
}

func itoa64(id int64) string { return strconv.FormatInt(id, 10) }
