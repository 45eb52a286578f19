package workflows

import (
	"errors"
	"fmt"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/converter"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// HistoryWorkflowID is the workflow ID a recorded history of either
// workflow ran under, read from its input. Replaying a history saved to a
// file needs it: the audience workflow checks that its ID matches its
// audience, and the replayer would otherwise use a made-up ID.
func HistoryWorkflowID(hist *historypb.History) (string, error) {
	if len(hist.GetEvents()) == 0 {
		return "", errors.New("empty history")
	}
	started := hist.Events[0].GetWorkflowExecutionStartedEventAttributes()
	if started == nil {
		return "", errors.New("the first event is not WorkflowExecutionStarted")
	}
	dc := converter.GetDefaultDataConverter()
	switch name := started.GetWorkflowType().GetName(); name {
	case contract.AudienceWorkflowName:
		var in contract.AudienceInput
		if err := dc.FromPayloads(started.GetInput(), &in); err != nil {
			return "", fmt.Errorf("decoding the audience input: %w", err)
		}
		return contract.AudienceWorkflowID(in.AudienceID), nil
	case contract.SyncWorkflowName:
		var in contract.SyncInput
		if err := dc.FromPayloads(started.GetInput(), &in); err != nil {
			return "", fmt.Errorf("decoding the sync input: %w", err)
		}
		return contract.SyncWorkflowID(in.AudienceID, in.ConnectorID), nil
	default:
		return "", fmt.Errorf("unknown workflow type %q", name)
	}
}
