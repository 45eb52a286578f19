package starter

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/audiencesync/hubspot-list-sync/workflows"
)

// Catalog turns a connector ID into the sync workflow's input for one
// audience. A loaded connectors file (*config.File) implements it; tests
// and other orchestration code may supply their own.
type Catalog interface {
	ConnectorInput(connectorID, audienceID string) (workflows.SyncInput, error)
}

// CatalogFunc adapts a function to Catalog.
type CatalogFunc func(connectorID, audienceID string) (workflows.SyncInput, error)

// ConnectorInput calls f.
func (f CatalogFunc) ConnectorInput(connectorID, audienceID string) (workflows.SyncInput, error) {
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
	// workflows this starter starts (see workflows.AudienceInput); tests
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
// an operator, failed) be activated again under the same ID. The ID conflict
// policy is left to signal-with-start's default, USE_EXISTING, which is what
// makes Activate idempotent: a running workflow just receives the signal.
func (s *Starter) audienceStartOptions(audienceID string) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{
		ID:                    workflows.AudienceWorkflowID(audienceID),
		TaskQueue:             s.taskQueue,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		// What the Web UI shows before the workflow has run a task.
		StaticSummary: workflows.AudienceSummary(audienceID),
		StaticDetails: workflows.AudienceStaticDetails(audienceID),
		TypedSearchAttributes: temporal.NewSearchAttributes(workflows.SearchAttrAudience.ValueSet(audienceID),
			workflows.SearchAttrState.ValueSet(workflows.StateAudience)),
	}
}

// Activate activates each connector on the audience, starting the audience
// workflow if it is not running. Activating a connector that is already
// active is not an error: the audience workflow ignores it. Every connector
// is resolved through the catalog before anything is sent, so an unknown
// connector fails the call without activating the others.
//
// Activate returns once the audience lists every connector as active (its
// sync workflow running), so the next command finds it; an activation the
// audience refused is an error naming why. If that takes longer than
// ActivationWait (no worker running, say) it logs a warning and returns:
// the activation is queued in Temporal and takes effect when a worker runs.
//
// A connector activated here receives every change accepted by the
// audience workflow after its activation, not the audience's history: to
// backfill, activate with Reconcile (ReconcileOptions.Activate) and a
// snapshot of the audience instead.
func (s *Starter) Activate(ctx context.Context, audienceID string, connectorIDs ...string) error {
	if err := checkAudience(audienceID); err != nil {
		return err
	}
	if len(connectorIDs) == 0 {
		return fmt.Errorf("starter: activate audience %q: no connector given: name at least one connector ID", audienceID)
	}
	inputs := make([]workflows.SyncInput, 0, len(connectorIDs))
	seen := map[string]bool{}
	for _, id := range connectorIDs {
		if err := checkConnector(id); err != nil {
			return err
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		in, err := s.activationInput(audienceID, id)
		if err != nil {
			return err
		}
		inputs = append(inputs, in)
	}
	var before []string // problems already reported, to tell new refusals
	if s.ActivationWait >= 0 {
		qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		if st, err := s.Connectors(qctx, audienceID); err == nil {
			before = st.Problems
		}
		cancel()
	}
	opts := s.audienceStartOptions(audienceID)
	start := workflows.AudienceInput{AudienceID: audienceID, MaxSignalsPerRun: s.AudienceSignalsPerRun}
	for i, in := range inputs {
		run, err := s.client.SignalWithStartWorkflow(ctx, opts.ID, workflows.SignalAudience, workflows.AudienceCommand{Activate: &in},
			opts, workflows.AudienceWorkflowName, start)
		if err != nil {
			done := make([]string, i)
			for j := range done {
				done[j] = inputs[j].ConnectorID
			}
			return fmt.Errorf("starter: activating connector %q on audience %q (already activated: %v; activating again is safe): %w",
				in.ConnectorID, audienceID, done, err)
		}
		s.log().Info("activated connector", "audience", audienceID, "connector", in.ConnectorID,
			"list", in.ListID, "workflowId", opts.ID, "runId", run.GetRunID())
	}
	ids := make([]string, len(inputs))
	for i, in := range inputs {
		ids[i] = in.ConnectorID
	}
	return s.awaitActive(ctx, audienceID, ids, before)
}

// activationInput resolves a connector's SyncInput through the catalog.
// Without a catalog the activation names only the connector; the worker
// completes it from its connectors file.
func (s *Starter) activationInput(audienceID, connectorID string) (workflows.SyncInput, error) {
	in := workflows.SyncInput{AudienceID: audienceID, ConnectorID: connectorID}
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
	_, err := s.client.ExecuteWorkflow(ctx, opts, workflows.AudienceWorkflowName,
		workflows.AudienceInput{AudienceID: audienceID, MaxSignalsPerRun: s.AudienceSignalsPerRun})
	if err != nil {
		return fmt.Errorf("starter: starting the workflow of audience %q: %w", audienceID, err)
	}
	return nil
}

// Stop deactivates a connector: the audience workflow stops forwarding to
// it and, once every change accepted before the stop has been forwarded,
// tells its sync workflow to flush what is pending and complete. Because it
// is a signal to the audience workflow, it is ordered after earlier Enter
// and Leave calls. An empty connectorID stops every active connector. It
// returns once the audience no longer lists the connector (or after
// ActivationWait, with a warning, when no worker runs).
func (s *Starter) Stop(ctx context.Context, audienceID, connectorID string) error {
	ids, err := s.targets(ctx, audienceID, connectorID)
	if err != nil {
		return err
	}
	wid := workflows.AudienceWorkflowID(audienceID)
	for _, id := range ids {
		cmd := workflows.AudienceCommand{Deactivate: &workflows.Deactivate{ConnectorID: id}}
		if err := s.client.SignalWorkflow(ctx, wid, "", workflows.SignalAudience, cmd); err != nil {
			return audienceErr(audienceID, fmt.Sprintf("stopping connector %q on", id), err)
		}
		s.log().Info("deactivated connector", "audience", audienceID, "connector", id)
	}
	return s.awaitInactive(ctx, audienceID, ids)
}
