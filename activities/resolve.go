package activities

import (
	"context"
	"fmt"
	"slices"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// Resolver answers which settings a connector has in this worker's
// connectors file, for activations that name only the connector.
type Resolver struct {
	// Connectors maps a connector ID to its settings (ListID, Account,
	// tuning); AudienceID is left empty.
	Connectors map[string]contract.SyncInput
}

// RegisterResolver puts the resolver on w under ResolveConnectorActivity
// (run as a local activity by the audience workflow).
func RegisterResolver(r worker.ActivityRegistry, res *Resolver) {
	r.RegisterActivityWithOptions(res.ResolveConnector, activity.RegisterOptions{Name: contract.ResolveConnectorActivity})
}

// ResolveConnector returns the connector's settings, or a non-retryable
// ErrTypeUnknownConnector error that names the connectors it knows.
func (r *Resolver) ResolveConnector(_ context.Context, connectorID string) (contract.SyncInput, error) {
	in, ok := r.Connectors[connectorID]
	if !ok {
		ids := make([]string, 0, len(r.Connectors))
		for id := range r.Connectors {
			ids = append(ids, id)
		}
		return contract.SyncInput{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("connector %q is not in the worker's connectors file (it has %v): add it there and restart the worker, then activate again", connectorID, slices.Sorted(slices.Values(ids))),
			contract.ErrTypeUnknownConnector, nil)
	}
	in.ConnectorID = connectorID
	return in, nil
}
