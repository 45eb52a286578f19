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

// SettingsError is a connector setting outside its bounds. Field is the
// SyncInput field (MaxBatchSize); the connectors file names it in its own
// spelling (maxBatchSize).
type SettingsError struct{ Field, Why string }

func (e *SettingsError) Error() string { return e.Field + ": " + e.Why }

// CheckSettings checks a connector's settings (everything in SyncInput but
// the audience and the carried state) against the bounds the sync
// workflow enforces. The connectors file calls it too, so what it accepts
// and what a sync accepts cannot drift apart. A zero field means its
// default.
func CheckSettings(in SyncInput) error {
	if err := CheckConnectorID(in.ConnectorID); err != nil {
		return &SettingsError{"ConnectorID", err.Error()}
	}
	if err := CheckListID(in.ListID); err != nil {
		return &SettingsError{"ListID", err.Error()}
	}
	_, err := withDefaults(in)
	return err
}

// normalize fills defaults and validates in. Errors are non-retryable and
// name the field: retrying a workflow task cannot fix its input.
func normalize(in SyncInput) (SyncInput, error) {
	err := CheckAudienceID(in.AudienceID)
	if err != nil {
		err = &SettingsError{"AudienceID", err.Error()}
	} else if err = CheckSettings(in); err == nil {
		in, err = withDefaults(in)
	}
	if err != nil {
		return in, temporal.NewNonRetryableApplicationError("invalid SyncInput."+err.Error(), ErrTypeInvalidInput, nil)
	}
	return in, nil
}

// withDefaults fills the defaults of the tuning fields and checks them.
func withDefaults(in SyncInput) (SyncInput, error) {
	bad := func(field, why string) (SyncInput, error) { return in, &SettingsError{field, why} }
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
		return bad("MaxBacklog", fmt.Sprintf("must be at least MaxBatchSize (%d): a full batch must fit", in.MaxBatchSize))
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
