package hubspottest

import (
	"slices"
	"time"
)

// Open reports whether the two requests were open at the emulator at the
// same time (from arrival to answer, as logged).
func Open(a, b RequestRecord) bool {
	return a.Time.Before(b.End) && b.Time.Before(a.End)
}

// MaxOpen is the most requests of reqs open at the same moment.
func MaxOpen(reqs []RequestRecord) int {
	type edge struct {
		at    time.Time
		delta int
	}
	var edges []edge
	for _, r := range reqs {
		edges = append(edges, edge{r.Time, +1}, edge{r.End, -1})
	}
	slices.SortFunc(edges, func(a, b edge) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return a.delta - b.delta // an end before a start at the same instant
	})
	open, most := 0, 0
	for _, e := range edges {
		open += e.delta
		most = max(most, open)
	}
	return most
}

// ContactOverlap is a contact that was in two requests to one list open
// at the same time.
type ContactOverlap struct {
	Contact int64
	A, B    RequestRecord
}

// ContactOverlaps finds, for each pair of requests to one list open at the
// same time, the first contact they share, if any.
func ContactOverlaps(reqs []RequestRecord) []ContactOverlap {
	var out []ContactOverlap
	for i, a := range reqs {
		ids := map[int64]bool{}
		for _, id := range a.AddIDs {
			ids[id] = true
		}
		for _, id := range a.RemoveIDs {
			ids[id] = true
		}
		for _, b := range reqs[i+1:] {
			if b.ListID != a.ListID || !Open(a, b) {
				continue
			}
			for _, id := range append(slices.Clone(b.AddIDs), b.RemoveIDs...) {
				if ids[id] {
					out = append(out, ContactOverlap{Contact: id, A: a, B: b})
					break
				}
			}
		}
	}
	return out
}
