package workflows

import (
	"fmt"

	"go.temporal.io/sdk/temporal"
)

// Upper bounds for the per-run limits, leaving headroom below the server's
// 10,000 signals and 51,200 events per run (signals drained before
// continue-as-new still count against the run).
const (
	maxSignalsPerRunLimit = 9000
	maxBatchesPerRunLimit = 3000
)

// normalize fills defaults and validates in. Errors are non-retryable and
// name the field: retrying a workflow task cannot fix its input.
func normalize(in SyncInput) (SyncInput, error) {
	bad := func(field, why string) (SyncInput, error) {
		return in, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("invalid SyncInput.%s: %s", field, why), ErrTypeInvalidInput, nil)
	}
	// The rules are the rulebook's (names.go).
	if err := CheckAudienceID(in.AudienceID); err != nil {
		return bad("AudienceID", err.Error())
	}
	if err := CheckConnectorID(in.ConnectorID); err != nil {
		return bad("ConnectorID", err.Error())
	}
	if err := CheckListID(in.ListID); err != nil {
		return bad("ListID", err.Error())
	}
	switch {
	case in.FlushInterval < 0:
		return bad("FlushInterval", "must not be negative")
	case in.FlushInterval == 0:
		in.FlushInterval = DefaultFlushInterval
	}
	switch {
	case in.MaxBatchSize < 0 || in.MaxBatchSize > MaxMaxBatchSize:
		return bad("MaxBatchSize", fmt.Sprintf("must be between 1 and %d", MaxMaxBatchSize))
	case in.MaxBatchSize == 0:
		in.MaxBatchSize = DefaultMaxBatchSize
	}
	switch {
	case in.MaxBacklog < 0 || in.MaxBacklog > MaxMaxBacklog:
		return bad("MaxBacklog", fmt.Sprintf("must be between 1 and %d", MaxMaxBacklog))
	case in.MaxBacklog == 0:
		in.MaxBacklog = DefaultMaxBacklog
	}
	if in.MaxBacklog < in.MaxBatchSize {
		return bad("MaxBacklog", fmt.Sprintf("%d is below MaxBatchSize %d: a full batch must fit", in.MaxBacklog, in.MaxBatchSize))
	}
	maxByBatch := MaxMaxBatchSize / in.MaxBatchSize
	switch {
	case in.MaxInFlight < 0 || in.MaxInFlight > MaxMaxInFlight:
		return bad("MaxInFlight", fmt.Sprintf("must be between 1 and %d", MaxMaxInFlight))
	case in.MaxInFlight == 0:
		in.MaxInFlight = min(DefaultMaxInFlight, maxByBatch)
	case in.MaxInFlight > maxByBatch:
		return bad("MaxInFlight", fmt.Sprintf("%d batches of MaxBatchSize %d is over %d IDs in flight: use at most %d, or a smaller MaxBatchSize",
			in.MaxInFlight, in.MaxBatchSize, MaxMaxBatchSize, maxByBatch))
	}
	switch {
	case in.MaxSignalsPerRun < 0 || in.MaxSignalsPerRun > maxSignalsPerRunLimit:
		return bad("MaxSignalsPerRun", fmt.Sprintf("must be between 1 and %d", maxSignalsPerRunLimit))
	case in.MaxSignalsPerRun == 0:
		in.MaxSignalsPerRun = DefaultMaxSignalsPerRun
	}
	switch {
	case in.MaxBatchesPerRun < 0 || in.MaxBatchesPerRun > maxBatchesPerRunLimit:
		return bad("MaxBatchesPerRun", fmt.Sprintf("must be between 1 and %d", maxBatchesPerRunLimit))
	case in.MaxBatchesPerRun == 0:
		in.MaxBatchesPerRun = DefaultMaxBatchesPerRun
	}
	return in, nil
}
