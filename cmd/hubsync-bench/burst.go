package main

import (
	"fmt"
	"math/rand/v2"
	"strconv"
)

func init() {
	scenarios["burst"] = scenario{
		about: "every contact enters, ~80% of the remaining changes are leaves of random members, the rest re-enter some of those who left; sent as fast as the starter accepts",
		plan:  burstPlan,
	}
}

// burstPlan sends -changes changes over -contacts contacts (IDs 1..C): C
// enters in random order, then L leaves of random contacts, then R
// re-enters of random leavers, where L+R = changes-C and R = (changes-C)/5.
// The defaults (1,000,000 over 800,000) give 160,000 leaves (20%) and
// 40,000 re-enters. Contact id goes to lane id % senders, and within a lane
// the three phases follow each other, so each contact's order is exact.
func burstPlan(o options, audience int) (plan, error) {
	c, n := o.contacts, o.changes
	extra := n - c
	if extra < 0 {
		return plan{}, fmt.Errorf("burst: -changes %d is less than -contacts %d: every contact gets an enter, so raise -changes or lower -contacts", n, c)
	}
	reenters := extra / 5
	leaves := extra - reenters
	if leaves > c {
		return plan{}, fmt.Errorf("burst: -changes %d needs %d leaves but only %d contacts exist: keep -changes at most 2.25 × -contacts", n, leaves, c)
	}
	rng := rand.New(rand.NewPCG(o.seed, uint64(audience)))
	enterOrder := rng.Perm(c)
	leaveOrder := rng.Perm(c)[:leaves]
	reenterOrder := append([]int(nil), leaveOrder...)
	rng.Shuffle(len(reenterOrder), func(i, j int) { reenterOrder[i], reenterOrder[j] = reenterOrder[j], reenterOrder[i] })
	reenterOrder = reenterOrder[:reenters]

	p := plan{lanes: make([][]call, o.senders)}
	for _, phase := range []struct {
		enter bool
		order []int
	}{{true, enterOrder}, {false, leaveOrder}, {true, reenterOrder}} {
		byLane := make([][]string, o.senders)
		for _, i := range phase.order {
			id := i + 1
			byLane[id%o.senders] = append(byLane[id%o.senders], strconv.Itoa(id))
		}
		for s := range p.lanes {
			p.lanes[s] = chunk(p.lanes[s], phase.enter, byLane[s], o.perCall)
		}
	}
	if err := p.model(); err != nil {
		return plan{}, err
	}
	if p.changes != n {
		return plan{}, fmt.Errorf("burst: scenario bug: planned %d changes, want %d", p.changes, n)
	}
	return p, nil
}
