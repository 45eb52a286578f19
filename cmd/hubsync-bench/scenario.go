package main

import (
	"fmt"
	"slices"
	"strconv"
)

// A scenario decides what each audience is sent. To add one, write a file
// that registers it in scenarios from an init function.
type scenario struct {
	about string
	plan  func(o options, audience int) (plan, error)
	// defaults are flag values the scenario was designed with, applied
	// to flags not given on the command line.
	defaults map[string]string
	// derive, if set, sets options that follow from others, unless given
	// on the command line; check, if set, refuses options it cannot run.
	derive func(o *options, given map[string]bool)
	check  func(o options) error
}

// scenarios by -scenario name.
var scenarios = map[string]scenario{}

// call is one Enter (enter=true) or Leave call of the starter API.
type call struct {
	enter bool
	ids   []string
}

// plan is what one audience is sent. lanes[s] is sender s's calls, sent
// in order; every change of a contact is in the same lane, so senders may
// run concurrently without reordering any contact's changes.
type plan struct {
	lanes   [][]call
	changes int     // record IDs over all calls
	want    []int64 // the list's expected membership, ascending
	// start is the list's membership before anything is sent (seeded in
	// the emulator directly); empty for most scenarios.
	start []int64
}

// chunk appends ids as calls of at most perCall IDs each.
func chunk(calls []call, enter bool, ids []string, perCall int) []call {
	for len(ids) > 0 {
		n := min(perCall, len(ids))
		calls = append(calls, call{enter: enter, ids: ids[:n:n]})
		ids = ids[n:]
	}
	return calls
}

// model replays the lanes the way the sync applies them (the list starts
// empty; per contact, the last change wins), checks that no contact is in
// two lanes, and fills p.changes and p.want.
func (p *plan) model() error {
	in := map[int64]bool{}
	lane := map[int64]int{}
	p.changes = 0
	for s, calls := range p.lanes {
		for _, c := range calls {
			p.changes += len(c.ids)
			for _, raw := range c.ids {
				id, err := strconv.ParseInt(raw, 10, 64)
				if err != nil || id <= 0 {
					return fmt.Errorf("scenario bug: record ID %q is not a positive integer", raw)
				}
				if l, ok := lane[id]; ok && l != s {
					return fmt.Errorf("scenario bug: contact %d is in lanes %d and %d, so its changes could be reordered", id, l, s)
				}
				lane[id] = s
				in[id] = c.enter
			}
		}
	}
	p.want = p.want[:0]
	for id, member := range in {
		if member {
			p.want = append(p.want, id)
		}
	}
	slices.Sort(p.want)
	return nil
}
