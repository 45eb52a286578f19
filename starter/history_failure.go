package starter

import (
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	failurepb "go.temporal.io/api/failure/v1"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// hubSpotFailure reads the activity's details (a contract.HubSpotFailure),
// or keeps the failure's message when it has none.
func (b *logBuilder) hubSpotFailure(f *failurepb.Failure) contract.HubSpotFailure {
	var hf contract.HubSpotFailure
	if d := f.GetApplicationFailureInfo().GetDetails(); d != nil && len(d.GetPayloads()) > 0 {
		_ = b.dc.FromPayload(d.GetPayloads()[0], &hf)
	}
	if hf.Message == "" {
		hf.Message = f.GetMessage()
	}
	return hf
}

func (b *logBuilder) failureText(f *failurepb.Failure) string {
	hf := b.hubSpotFailure(f)
	if hf.Status == 0 {
		return fmt.Sprintf("%s %s", hf.Category, hf.Message)
	}
	return fmt.Sprintf("HTTP %d %s: %s (correlationId %s)", hf.Status, hf.Category, hf.Message, hf.CorrelationID)
}

func isClose(t enumspb.EventType) bool {
	switch t {
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
		enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
		enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
		return true
	}
	return false
}
