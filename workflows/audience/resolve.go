package audience

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// resolve completes an activation from the worker's connectors file: an
// activation may name only the connector ({"connectorId":"acme-vip"}). A
// list or account given in the activation must agree with the file (the
// file decides where credentials point); tuning given there wins and is
// checked like any input. History records the resolved settings.
func (a *audience) resolve(ctx workflow.Context, in contract.SyncInput) (contract.SyncInput, error) {
	if strings.TrimSpace(in.ConnectorID) == "" {
		return in, errors.New("connectorId is required")
	}
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		ScheduleToCloseTimeout: time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, MaximumAttempts: 5,
			NonRetryableErrorTypes: []string{contract.ErrTypeUnknownConnector}},
	})
	var file contract.SyncInput
	if err := workflow.ExecuteLocalActivity(lctx, contract.ResolveConnectorActivity, in.ConnectorID).Get(ctx, &file); err != nil {
		return in, err
	}
	for _, f := range []struct{ name, given, file string }{
		{"listId", in.ListID, file.ListID}, {"account", in.Account, file.Account},
	} {
		if f.given != "" && f.given != f.file {
			return in, fmt.Errorf("the activation says %s %q but the worker's connectors file says %q for connector %s: leave %s out (the file decides) or fix the file",
				f.name, f.given, f.file, in.ConnectorID, f.name)
		}
	}
	out := file
	out.AudienceID, out.ConnectorID, out.Carried = a.id, in.ConnectorID, nil
	if in.FlushInterval != 0 {
		out.FlushInterval = in.FlushInterval
	}
	if in.MaxBatchSize != 0 {
		out.MaxBatchSize = in.MaxBatchSize
	}
	if in.MaxBacklog != 0 {
		out.MaxBacklog = in.MaxBacklog
	}
	if in.MaxInFlight != 0 {
		out.MaxInFlight = in.MaxInFlight
	}
	if in.MaxSignalsPerRun != 0 {
		out.MaxSignalsPerRun = in.MaxSignalsPerRun
	}
	if in.MaxBatchesPerRun != 0 {
		out.MaxBatchesPerRun = in.MaxBatchesPerRun
	}
	return out, nil
}
