package main

import (
	"fmt"
	"math/rand/v2"
	"strconv"
)

// The scenarios of the HubSpot-ceiling issue. Each sets the flags it was
// designed with (see defaults); flags given on the command line win.
func init() {
	scenarios["ceiling"] = scenario{
		about:    "distinct contacts enter as fast as the starter accepts, against HubSpot's limit and latency: write rate against the account's ceiling",
		plan:     entersPlan,
		defaults: map[string]string{"changes": "100000", "contacts": "100000", "limit": "110", "latency": "300ms"},
	}
	scenarios["alternating"] = scenario{
		about:    "single-ID calls alternating enter and leave from one sender: time from the last call to converged",
		plan:     alternatingPlan,
		defaults: map[string]string{"changes": "1000", "contacts": "1000", "senders": "1", "per-call": "1"},
	}
	scenarios["latency"] = scenario{
		about:    "a steady stream of enters (-rate changes/s): time from Enter returning to the contact being a member",
		plan:     entersPlan,
		defaults: map[string]string{"changes": "12000", "contacts": "12000", "rate": "200", "per-call": "10", "senders": "2"},
	}
	scenarios["per-event"] = scenario{
		about: "single-contact changes at a steady pace, sent through this project and through a naive one-request-per-change client (same stream, pace, limit and latency): calls and lag",
		plan:  perEventPlan,
		defaults: map[string]string{"changes": "20000", "contacts": "9710", "limit": "110", "latency": "300ms",
			"rate": "200", "per-call": "1", "senders": "4"},
	}
	scenarios["many"] = scenario{
		about:    "many audiences with a few enters each: activation rate, convergence, memory, idle CPU afterwards",
		plan:     entersPlan,
		defaults: map[string]string{"audiences": "1000", "changes": "5", "contacts": "5", "per-call": "5", "senders": "8"},
	}
}

// entersPlan: contacts 1..changes enter, lane id % senders.
func entersPlan(o options, _ int) (plan, error) {
	if o.contacts < o.changes {
		return plan{}, fmt.Errorf("%s: -contacts %d is less than -changes %d: each change is a distinct contact entering", o.scenario, o.contacts, o.changes)
	}
	byLane := make([][]string, o.senders)
	for id := 1; id <= o.changes; id++ {
		byLane[id%o.senders] = append(byLane[id%o.senders], strconv.Itoa(id))
	}
	p := plan{lanes: make([][]call, o.senders)}
	for s := range p.lanes {
		p.lanes[s] = chunk(nil, true, byLane[s], o.perCall)
	}
	return p, p.model()
}

// alternatingPlan: call k enters contact k/2+1 when k is even; when k is
// odd it leaves that contact if its number is even, else the next contact
// (which enters on the next call). One lane, one ID a call, whatever the
// flags say, because the order of the calls is the point.
func alternatingPlan(o options, _ int) (plan, error) {
	if o.contacts < o.changes/2+2 {
		return plan{}, fmt.Errorf("alternating: -contacts %d: need at least %d for %d calls", o.contacts, o.changes/2+2, o.changes)
	}
	var calls []call
	for k := range o.changes {
		i := k/2 + 1
		switch {
		case k%2 == 0:
			calls = append(calls, call{enter: true, ids: []string{strconv.Itoa(i)}})
		case i%2 == 0:
			calls = append(calls, call{ids: []string{strconv.Itoa(i)}})
		default:
			calls = append(calls, call{ids: []string{strconv.Itoa(i + 1)}})
		}
	}
	p := plan{lanes: [][]call{calls}}
	return p, p.model()
}

// perEventPlan: each change picks a random contact and flips it (enter a
// non-member, leave a member), one ID a call, lane id % senders. Each call
// our starter accepts is also fed to the naive client.
func perEventPlan(o options, audience int) (plan, error) {
	rng := rand.New(rand.NewPCG(o.seed, uint64(audience)))
	member := map[int]bool{}
	p := plan{lanes: make([][]call, o.senders)}
	for range o.changes {
		id := rng.IntN(o.contacts) + 1
		member[id] = !member[id]
		c := call{enter: member[id], ids: []string{strconv.Itoa(id)}}
		p.lanes[id%o.senders] = append(p.lanes[id%o.senders], c)
	}
	return p, p.model()
}
