package starter

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/internal/testenv"
)

// Activate and Stop are updates on the audience, answered once they took
// effect in its order, on a real dev server with the real workflows.

func activeConnectors(t *testing.T, s *Starter, audienceID string) []string {
	t.Helper()
	st, err := s.Connectors(context.Background(), audienceID)
	require.NoError(t, err)
	var ids []string
	for _, c := range st.Connectors {
		ids = append(ids, c.ConnectorID)
	}
	slices.Sort(ids)
	return ids
}

func TestActivateAndStopTakeEffectBeforeTheyReturn(t *testing.T) {
	tp := testenv.StartTemporal(t)
	const q = "activate-update"
	startWorker(t, tp.Client, q, testCatalog)
	s := stallStarter(tp.Client, q, tp.Server.FrontendHostPort(), testCatalog)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	// Starts the audience; the duplicate is sent once.
	require.NoError(t, s.Activate(ctx, "aud-1", "globex", "acme-vip", "globex"))
	assert.Equal(t, []string{"acme-vip", "globex"}, activeConnectors(t, s, "aud-1"), "active when Activate returned")
	st, err := s.ConnectorStatus(ctx, "aud-1", "globex")
	require.NoError(t, err, "its sync runs when Activate returned")
	assert.Equal(t, "456", st.ListID)
	// Activating an active connector is not an error.
	require.NoError(t, s.Activate(ctx, "aud-1", "acme-vip"))

	require.NoError(t, s.Stop(ctx, "aud-1", "acme-vip"))
	assert.Equal(t, []string{"globex"}, activeConnectors(t, s, "aud-1"), "inactive when Stop returned")
	require.NoError(t, s.Stop(ctx, "aud-1", ""))
	assert.Empty(t, activeConnectors(t, s, "aud-1"))

	// Stopping on an audience that never ran says so.
	err = s.Stop(ctx, "aud-never", "acme-vip")
	assert.ErrorIs(t, err, ErrAudienceNotActive)
}

// An activation the audience refuses (here: the starter's list disagrees
// with the one the worker's connectors file gives) is a typed error with
// the audience's reason; nothing is matched by text.
func TestRefusedActivationIsATypedError(t *testing.T) {
	tp := testenv.StartTemporal(t)
	const q = "activate-refused"
	startWorker(t, tp.Client, q, testCatalog)
	elsewhere := CatalogFunc(func(connectorID, audienceID string) (contract.SyncInput, error) {
		in, err := testCatalog(connectorID, audienceID)
		in.ListID = "999"
		return in, err
	})
	s := stallStarter(tp.Client, q, tp.Server.FrontendHostPort(), elsewhere)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := s.Activate(ctx, "aud-2", "acme-vip")
	require.ErrorIs(t, err, ErrCommandRefused)
	var refused *CommandRefusedError
	require.True(t, errors.As(err, &refused), "%v", err)
	assert.Equal(t, "acme-vip", refused.ConnectorID)
	assert.Equal(t, contract.UpdateActivate, refused.Command)
	assert.Contains(t, refused.Reason, `listId "999"`)
	assert.Contains(t, refused.Reason, `"123"`)
	assert.Empty(t, activeConnectors(t, s, "aud-2"))
}

// With no worker, an activation is not taken: past ActivationWait it says
// what it waited on.
func TestActivateWithNoWorkerSaysSo(t *testing.T) {
	tp := testenv.StartTemporal(t)
	const q = "activate-no-worker"
	s := stallStarter(tp.Client, q, tp.Server.FrontendHostPort(), testCatalog)
	s.ActivationWait = 3 * time.Second
	err := s.Activate(context.Background(), "aud-3", "acme-vip")
	var ste *SendTimeoutError
	require.True(t, errors.As(err, &ste), "not a *SendTimeoutError: %v", err)
	assert.Equal(t, contract.UpdateActivate, ste.Update)
	assert.Equal(t, StallNoWorker, ste.Cause, "%v", err)
	assert.Contains(t, err.Error(), "the activation")
}
