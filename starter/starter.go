package starter

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// Catalog turns a connector ID into the sync workflow's input for one
// audience. A loaded connectors file (*config.File) implements it; tests
// and other orchestration code may supply their own.
type Catalog interface {
	ConnectorInput(connectorID, audienceID string) (contract.SyncInput, error)
}

// CatalogFunc adapts a function to Catalog.
type CatalogFunc func(connectorID, audienceID string) (contract.SyncInput, error)

// ConnectorInput calls f.
func (f CatalogFunc) ConnectorInput(connectorID, audienceID string) (contract.SyncInput, error) {
	return f(connectorID, audienceID)
}

// Starter sends orchestration commands to the audience and sync workflows.
// It is safe for concurrent use (it holds no mutable state of its own), but
// concurrent Enter/Leave calls on one audience have no defined order between
// them: serialise them if order matters (last change wins per contact).
type Starter struct {
	client    client.Client
	taskQueue string
	catalog   Catalog
	// Logger receives one line per command; nil means slog.Default().
	Logger *slog.Logger
	// ActivationWait bounds how long Activate waits for its activations to
	// take effect; zero means DefaultActivationWait, negative not at all.
	ActivationWait time.Duration
	// ServerAddress is the Temporal frontend's host:port the client dials,
	// named when a held send finds the server unreachable (the client does
	// not tell it). Empty: the message says "the Temporal server".
	ServerAddress string
	// AudienceSignalsPerRun, when set, is the MaxSignalsPerRun of audience
	// workflows this starter starts (see contract.AudienceInput); tests
	// lower it to make continue-as-new happen.
	AudienceSignalsPerRun int
}

// New returns a Starter that starts audience workflows on taskQueue (the
// queue the worker polls; config's temporal.taskQueue). A nil catalog is
// fine: activations then name only the connector and the worker resolves
// its list and settings from its connectors file; a catalog can supply
// (checked) settings instead.
func New(c client.Client, taskQueue string, catalog Catalog) *Starter {
	return &Starter{client: c, taskQueue: taskQueue, catalog: catalog}
}

func (s *Starter) log() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

// audienceStartOptions start the audience workflow. ALLOW_DUPLICATE lets an
// audience whose workflow has closed (every connector stopped, terminated by
// an operator, failed) be activated again under the same ID. Callers that
// start set the ID conflict policy USE_EXISTING, which is what makes
// Activate idempotent: a running workflow just receives the update.
func (s *Starter) audienceStartOptions(audienceID string) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{
		ID:                    contract.AudienceWorkflowID(audienceID),
		TaskQueue:             s.taskQueue,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		// What the Web UI shows before the workflow has run a task.
		StaticSummary: contract.AudienceSummary(audienceID),
		StaticDetails: contract.AudienceStaticDetails(audienceID),
		TypedSearchAttributes: temporal.NewSearchAttributes(contract.SearchAttrAudience.ValueSet(audienceID),
			contract.SearchAttrState.ValueSet(contract.StateAudience)),
	}
}

// activationInput resolves a connector's SyncInput through the catalog.
// Without a catalog the activation names only the connector; the worker
// completes it from its connectors file.
func (s *Starter) activationInput(audienceID, connectorID string) (contract.SyncInput, error) {
	in := contract.SyncInput{AudienceID: audienceID, ConnectorID: connectorID}
	if s.catalog != nil {
		var err error
		if in, err = s.catalog.ConnectorInput(connectorID, audienceID); err != nil {
			return in, fmt.Errorf("starter: activate audience %q: %w", audienceID, err)
		}
	}
	if in.AudienceID != audienceID || in.ConnectorID != connectorID || in.Carried != nil {
		return in, fmt.Errorf("starter: activate audience %q: the catalog returned input for audience %q connector %q (carried state %t) when asked for connector %q: fix the Catalog",
			audienceID, in.AudienceID, in.ConnectorID, in.Carried != nil, connectorID)
	}
	return in, nil
}

// ensureAudience starts the audience workflow unless it runs.
func (s *Starter) ensureAudience(ctx context.Context, audienceID string) error {
	opts := s.audienceStartOptions(audienceID)
	opts.WorkflowIDConflictPolicy = enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING
	_, err := s.client.ExecuteWorkflow(ctx, opts, contract.AudienceWorkflowName,
		contract.AudienceInput{AudienceID: audienceID, MaxSignalsPerRun: s.AudienceSignalsPerRun})
	if err != nil {
		return fmt.Errorf("starter: starting the workflow of audience %q: %w", audienceID, err)
	}
	return nil
}
