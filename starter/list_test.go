package starter

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/internal/testenv"
)

func TestListQuery(t *testing.T) {
	q, err := ListQuery(ListOptions{})
	require.NoError(t, err)
	assert.Equal(t, "WorkflowType = 'AudienceSync' AND ExecutionStatus = 'Running'", q)
	q, err = ListQuery(ListOptions{State: "blocked", Audience: `it's\x`})
	require.NoError(t, err)
	assert.Equal(t, `WorkflowType = 'AudienceSync' AND ExecutionStatus = 'Running' AND HubSyncState = 'blocked' AND HubSyncAudience = 'it\'s\\x'`, q)
	q, err = ListQuery(ListOptions{State: "stopped"})
	require.NoError(t, err)
	assert.Contains(t, q, "ExecutionStatus != 'ContinuedAsNew'", "a stopped sync has completed: closed runs are listed")
	_, err = ListQuery(ListOptions{State: "Blocked"})
	require.True(t, errors.Is(err, ErrInvalidState), "%v", err)
	assert.Contains(t, err.Error(), "active, paused, blocked, stopping, stopped")
}

// List on a real dev server: the filters (with an audience ID that needs
// escaping) select by the search attributes, IDs come from the workflow ID
// when the attributes are unset, and a status query nobody answers (no
// worker polls these workflows) is reported on its sync, not as a failure.
func TestListFiltersByTheSearchAttributes(t *testing.T) {
	tp := testenv.StartTemporal(t)
	s := New(tp.Client, "no-worker-polls-this", testCatalog)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	odd := `it's"odd"\aud`
	start := func(aud, conn, state string, attrs bool) {
		t.Helper()
		opts := client.StartWorkflowOptions{ID: contract.SyncWorkflowID(aud, conn), TaskQueue: "no-worker-polls-this"}
		if attrs {
			opts.TypedSearchAttributes = temporal.NewSearchAttributes(contract.SearchAttrAudience.ValueSet(aud),
				contract.SearchAttrConnector.ValueSet(conn), contract.SearchAttrListID.ValueSet("77"), contract.SearchAttrState.ValueSet(state))
		}
		_, err := tp.Client.ExecuteWorkflow(ctx, opts, contract.SyncWorkflowName, contract.SyncInput{AudienceID: aud, ConnectorID: conn, ListID: "77"})
		require.NoError(t, err)
	}
	start(odd, "c1", contract.StateBlocked, true)
	start(odd, "c2", contract.StateActive, true)
	start("plain", "c1", contract.StateBlocked, true)
	start("o'k", "c1", contract.StateBlocked, true)
	start("old", "c9", "", false) // started before the workflows set attributes

	var got []SyncSummary
	testenv.Eventually(t, 20*time.Second, func() (bool, string) {
		var err error
		got, err = s.List(ctx, ListOptions{State: contract.StateBlocked, Audience: odd, QueryTimeout: 200 * time.Millisecond})
		return err == nil && len(got) == 1, fmt.Sprintf("List = %+v, %v", got, err)
	})
	assert.Equal(t, contract.SyncWorkflowID(odd, "c1"), got[0].WorkflowID)
	assert.Equal(t, odd, got[0].AudienceID)
	assert.Equal(t, "c1", got[0].ConnectorID)
	assert.Equal(t, "77", got[0].ListID)
	assert.Equal(t, contract.StateBlocked, got[0].State)
	assert.Equal(t, "Running", got[0].Execution)
	assert.Nil(t, got[0].Status)
	assert.Contains(t, got[0].Error, "is hubsync-worker running", "a query nobody answers says why")

	testenv.Eventually(t, 20*time.Second, func() (bool, string) {
		var err error
		got, err = s.List(ctx, ListOptions{QueryTimeout: 100 * time.Millisecond})
		return err == nil && len(got) == 5, fmt.Sprintf("List = %+v, %v", got, err)
	})
	var ids []string
	for _, g := range got {
		ids = append(ids, g.AudienceID+"/"+g.ConnectorID+"="+g.State)
	}
	assert.Equal(t, []string{odd + "/c1=blocked", odd + "/c2=active", "o'k/c1=blocked", "old/c9=", "plain/c1=blocked"}, ids,
		"ordered by audience and connector; IDs from the workflow ID when unset")

	// A quote is escaped in the filter the server evaluates.
	got, err := s.List(ctx, ListOptions{Audience: "o'k", State: contract.StateBlocked, QueryTimeout: 100 * time.Millisecond})
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, contract.SyncWorkflowID("o'k", "c1"), got[0].WorkflowID)

	// A closed sync is listed with -all only.
	require.NoError(t, tp.Client.TerminateWorkflow(ctx, contract.SyncWorkflowID("old", "c9"), "", "test"))
	testenv.Eventually(t, 20*time.Second, func() (bool, string) {
		running, err1 := s.List(ctx, ListOptions{QueryTimeout: 100 * time.Millisecond})
		all, err2 := s.List(ctx, ListOptions{All: true, QueryTimeout: 100 * time.Millisecond})
		ok := err1 == nil && err2 == nil && len(running) == 4 && len(all) == 5 && all[3].Execution == "Terminated" && all[3].CloseTime != nil
		return ok, fmt.Sprintf("running %+v (%v)\nall %+v (%v)", running, err1, all, err2)
	})

	_, err = s.List(ctx, ListOptions{Audience: "has space"})
	assert.Error(t, err)
	assert.True(t, strings.Contains(err.Error(), "space"), "%v", err)
}
