package merge

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type diffs struct{ add, remove []int64 }

func (d *diffs) take(id int64, add bool) bool {
	if add {
		d.add = append(d.add, id)
	} else {
		d.remove = append(d.remove, id)
	}
	return true
}

func TestStepDecidesOnlyWhatBothSidesHaveReached(t *testing.T) {
	var m Merge
	var d diffs
	m.AddSnapshot([]int64{1, 3, 5, 9})
	m.AddLive([]int64{2, 3, 4})
	m.Step(false, false, d.take)
	assert.Equal(t, []int64{1}, d.add, "5 and 9 wait: the list may still hold them")
	assert.Equal(t, []int64{2, 4}, d.remove)
	assert.EqualValues(t, 4, m.Pos)
	assert.Equal(t, []int64{5, 9}, m.Snap)
	assert.Empty(t, m.Live)

	m.AddLive([]int64{9})
	m.Step(false, true, d.take)
	assert.Equal(t, []int64{1, 5}, d.add, "the list is done: 5 is missing from it; 9 is on both")
	assert.True(t, m.Empty())
	assert.EqualValues(t, 9, m.Pos)
}

func TestStepWaitsForASideWithNothingReceived(t *testing.T) {
	var m Merge
	var d diffs
	m.AddSnapshot([]int64{1, 2})
	m.Step(false, false, d.take)
	assert.Empty(t, d.add)
	assert.Equal(t, []int64{1, 2}, m.Snap)
	m.Step(false, true, d.take) // an empty list, read to its end
	assert.Equal(t, []int64{1, 2}, d.add)
}

func TestStepStopsWhereDiffHasNoRoomAndResumesThere(t *testing.T) {
	var m Merge
	m.AddSnapshot([]int64{1, 2, 3, 4})
	room := 2
	var got []int64
	take := func(id int64, add bool) bool {
		if room == 0 {
			return false
		}
		room--
		got = append(got, id)
		return true
	}
	m.Step(true, true, take)
	assert.Equal(t, []int64{1, 2}, got)
	assert.EqualValues(t, 2, m.Pos, "3 is not decided: the merge stopped before it")
	room = 10
	m.Step(true, true, take)
	assert.Equal(t, []int64{1, 2, 3, 4}, got)
}

// Any split of the two streams into chunks and pages, and any refusals
// for room, give exactly the set differences, in ascending order.
func TestStepEqualsTheSetDifferenceHoweverTheStreamsArrive(t *testing.T) {
	for seed := range uint64(300) {
		r := rand.New(rand.NewPCG(seed, 7))
		snap, live := randomSet(r), randomSet(r)
		var m Merge
		var d diffs
		si, li := 0, 0
		for steps := 0; !(si == len(snap) && li == len(live) && m.Empty()); steps++ {
			require.Less(t, steps, 100000, "seed %d: no progress", seed)
			if si < len(snap) && r.IntN(2) == 0 {
				n := min(len(snap)-si, r.IntN(5))
				m.AddSnapshot(snap[si : si+n])
				si += n
			}
			if li < len(live) && r.IntN(2) == 0 {
				n := min(len(live)-li, r.IntN(5))
				m.AddLive(live[li : li+n])
				li += n
			}
			m.Step(si == len(snap), li == len(live), func(id int64, add bool) bool {
				if r.IntN(4) == 0 {
					return false // no room this time
				}
				return d.take(id, add)
			})
		}
		assert.Equal(t, minus(snap, live), d.add, "seed %d", seed)
		assert.Equal(t, minus(live, snap), d.remove, "seed %d", seed)
	}
}

func randomSet(r *rand.Rand) []int64 {
	var ids []int64
	for id := int64(1); id <= 60; id++ {
		if r.IntN(3) == 0 {
			ids = append(ids, id)
		}
	}
	return ids
}

func minus(a, b []int64) []int64 {
	var out []int64
	for _, id := range a {
		if !slices.Contains(b, id) {
			out = append(out, id)
		}
	}
	return out
}
