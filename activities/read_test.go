package activities_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/hubspot"
	"github.com/audiencesync/hubspot-list-sync/hubspot/hubspottest"
)

func (f *fixture) read(after string) (contract.ReadPageResult, error) {
	val, err := f.env.ExecuteActivity(contract.ReadListPageActivity, contract.ReadPageRequest{ConnectorID: "conn", ListID: f.listID, After: after})
	if err != nil {
		return contract.ReadPageResult{}, err
	}
	var out contract.ReadPageResult
	return out, val.Get(&out)
}

// The read activity pages the live list 250 at a time, ascending, over
// real HTTP checked against HubSpot's spec, until the cursor runs out.
func TestReadListPagePagesTheWholeList(t *testing.T) {
	f := newFixture(t, 5*time.Second)
	var want []int64
	for id := int64(1); id <= 600; id++ {
		want = append(want, id*3)
	}
	require.NoError(t, f.emu.AddMembers(portal, f.listID, want...))
	var got []int64
	after, pages := "", 0
	for {
		page, err := f.read(after)
		require.NoError(t, err)
		pages++
		assert.EqualValues(t, 600, page.Total)
		assert.LessOrEqual(t, len(page.RecordIDs), hubspot.MaxMembershipPage)
		got = append(got, page.RecordIDs...)
		if page.Next == "" {
			break
		}
		after = page.Next
	}
	assert.Equal(t, want, got)
	assert.Equal(t, 3, pages)
}

// A read answered 429 waits HubSpot's interval like a write, and leaves
// the hold to its retry; a terminal answer is not retried.
func TestReadListPageFailuresAreClassifiedLikeWrites(t *testing.T) {
	f := newFixture(t, 5*time.Second)
	f.emu.InjectFault(hubspottest.Fault{Kind: hubspottest.FaultStatus, Status: 429, PathContains: "/memberships"})
	_, err := f.read("")
	ae, _ := appErr(t, err)
	assert.False(t, ae.NonRetryable())
	assert.Positive(t, ae.NextRetryDelay())

	f = newFixture(t, 5*time.Second) // the first client now holds the account for the 429's interval
	f.emu.InjectFault(hubspottest.Fault{Kind: hubspottest.FaultStatus, Status: 403, PathContains: "/memberships"})
	_, err = f.read("")
	ae, failure := appErr(t, err)
	assert.True(t, ae.NonRetryable())
	assert.Equal(t, 403, failure.Status)
}
