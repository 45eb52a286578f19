package main

import (
	"math/rand/v2"
	"slices"
	"strconv"
)

// change is one signal's worth of the demo stream.
type change struct {
	enter bool
	ids   []string
}

// stream makes a reproducible audience stream over contacts 1..contacts:
// mostly enters, some leaves of current members, the odd invalid ID (which
// the sync rejects and counts), and contacts missing from the portal. It
// returns the changes and the membership they should leave behind.
func stream(seed uint64, contacts, changes, perSignal int) ([]change, []int64) {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	in := map[int64]bool{}
	var out []change
	for sent := 0; sent < changes; {
		n := min(perSignal, changes-sent)
		c := change{enter: rng.IntN(4) != 0}
		for range n {
			// One ID in 50 is beyond the portal's contacts: HubSpot reports it
			// missing and it never joins the list.
			id := int64(rng.IntN(contacts+contacts/50) + 1)
			c.ids = append(c.ids, strconv.FormatInt(id, 10))
			if c.enter && id <= int64(contacts) {
				in[id] = true
			} else {
				delete(in, id)
			}
		}
		if rng.IntN(10) == 0 {
			c.ids = append(c.ids, "not-a-contact-id")
		}
		out = append(out, c)
		sent += n
	}
	want := make([]int64, 0, len(in))
	for id := range in {
		want = append(want, id)
	}
	slices.Sort(want)
	return out, want
}
