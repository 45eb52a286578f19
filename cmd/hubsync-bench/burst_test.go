package main

import (
	"io"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBurstPlanKeepsEachContactInOneLaneInOrder(t *testing.T) {
	o := options{contacts: 1000, changes: 1500, senders: 3, perCall: 64, seed: 7}
	p, err := burstPlan(o, 0)
	require.NoError(t, err)
	assert.Equal(t, 1500, p.changes)
	// 500 extra: 400 leaves, 100 re-enters.
	assert.Len(t, p.want, 1000-400+100)
	for s, calls := range p.lanes {
		for _, c := range calls {
			assert.LessOrEqual(t, len(c.ids), 64)
			for _, raw := range c.ids {
				id, _ := strconv.Atoi(raw)
				assert.Equal(t, s, id%3, "contact %d in lane %d", id, s)
			}
		}
	}
	again, err := burstPlan(o, 0)
	require.NoError(t, err)
	assert.Equal(t, p.want, again.want, "a seed gives the same plan")
	other, err := burstPlan(o, 1)
	require.NoError(t, err)
	assert.NotEqual(t, p.want, other.want, "each audience gets its own stream")
}

func TestBurstPlanRefusesImpossibleSizes(t *testing.T) {
	_, err := burstPlan(options{contacts: 10, changes: 5, senders: 1, perCall: 10}, 0)
	assert.ErrorContains(t, err, "raise -changes")
	_, err = burstPlan(options{contacts: 10, changes: 30, senders: 1, perCall: 10}, 0)
	assert.ErrorContains(t, err, "2.25")
}

func TestModelLastChangeWins(t *testing.T) {
	p := plan{lanes: [][]call{{{enter: true, ids: []string{"1", "2", "3"}}, {enter: false, ids: []string{"2"}}, {enter: true, ids: []string{"2", "4"}}, {enter: false, ids: []string{"3"}}}}}
	require.NoError(t, p.model())
	assert.Equal(t, []int64{1, 2, 4}, p.want)
	assert.Equal(t, 7, p.changes)

	bad := plan{lanes: [][]call{{{enter: true, ids: []string{"1"}}}, {{enter: false, ids: []string{"1"}}}}}
	assert.ErrorContains(t, bad.model(), "lanes 0 and 1")
}

func TestDiff(t *testing.T) {
	missing, extra := diff([]int64{1, 3, 4, 9}, []int64{1, 2, 4, 5})
	assert.Equal(t, []int64{2, 5}, missing)
	assert.Equal(t, []int64{3, 9}, extra)
	missing, extra = diff(nil, nil)
	assert.Empty(t, missing)
	assert.Empty(t, extra)
}

func TestReconcilePlanSeedsTheDrift(t *testing.T) {
	o := options{members: 1000, drift: 0.1, seed: 3}
	p, err := reconcilePlan(o, 0)
	require.NoError(t, err)
	assert.Len(t, p.want, 1000)
	assert.Len(t, p.start, 1000)
	assert.True(t, slices.IsSorted(p.want))
	missing, extra := diff(p.start, p.want)
	assert.Len(t, missing, 100, "snapshot members the list lacks")
	assert.Len(t, extra, 100, "list members the snapshot lacks")
	assert.LessOrEqual(t, p.start[len(p.start)-1], int64(1100))

	o.backfill = true
	p, err = reconcilePlan(o, 0)
	require.NoError(t, err)
	assert.Empty(t, p.start)
	assert.Equal(t, int64(1000), p.want[999])
}

func TestReconcileFlags(t *testing.T) {
	o, err := parseFlags([]string{"-scenario", "reconcile", "-members", "5000", "-drift", "0.02"}, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, 5100, o.contacts, "contacts follow -members and -drift")
	assert.Equal(t, 110, o.limit, "the ceiling scenario's limit")
	_, err = parseFlags([]string{"-scenario", "reconcile", "-members", "5000", "-contacts", "5000"}, io.Discard)
	assert.ErrorContains(t, err, "contacts 1..5050")
	_, err = parseFlags([]string{"-scenario", "reconcile", "-audiences", "2"}, io.Discard)
	assert.ErrorContains(t, err, "one audience")
	o, err = parseFlags([]string{"-scenario", "burst"}, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, 800_000, o.contacts, "other scenarios keep -contacts")
}
