package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/audiencesync/hubspot-list-sync/workflows/audience"
	"github.com/audiencesync/hubspot-list-sync/workflows/audiencesync"
)

// WorkflowRegistrar is satisfied by worker.Worker, worker.WorkflowReplayer
// and the test environment, so the worker and a replay test register the
// workflows the same way without these packages importing them.
type WorkflowRegistrar interface {
	RegisterWorkflowWithOptions(w any, options workflow.RegisterOptions)
}

// RegisterAudience registers the audience workflow (package audience).
func RegisterAudience(r WorkflowRegistrar) { audience.Register(r) }

// RegisterSync registers the sync workflow (package audiencesync).
func RegisterSync(r WorkflowRegistrar) { audiencesync.Register(r) }
