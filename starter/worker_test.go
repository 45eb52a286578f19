package starter

import (
	"context"
	"sync"
	"testing"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/workflows"
)

// startAudience starts an audience's workflow as Activate would, without
// waiting for a worker to run it.
func startAudience(t *testing.T, c client.Client, q, audienceID string) {
	t.Helper()
	s := New(c, q, nil)
	if _, err := c.ExecuteWorkflow(context.Background(), s.audienceStartOptions(audienceID), contract.AudienceWorkflowName,
		contract.AudienceInput{AudienceID: audienceID}); err != nil {
		t.Fatalf("starting audience %q: %v", audienceID, err)
	}
}

// startWorker runs the real audience and sync workflows on task queue q
// until stop is called or the test ends. Activations resolve through
// catalog, as a worker's connectors file would answer them. No HubSpot
// activity is registered: give changes only to paused syncs.
func startWorker(t *testing.T, c client.Client, q string, catalog Catalog) (stop func()) {
	t.Helper()
	w := worker.New(c, q, worker.Options{})
	workflows.RegisterAudience(w)
	workflows.RegisterSync(w)
	w.RegisterActivityWithOptions(func(_ context.Context, connectorID string) (contract.SyncInput, error) {
		in, err := catalog.ConnectorInput(connectorID, "")
		in.AudienceID = ""
		return in, err
	}, activity.RegisterOptions{Name: contract.ResolveConnectorActivity})
	if err := w.Start(); err != nil {
		t.Fatalf("starting a worker on task queue %q: %v", q, err)
	}
	var once sync.Once
	stop = func() { once.Do(w.Stop) }
	t.Cleanup(stop)
	return stop
}
