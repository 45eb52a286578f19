package contract

import (
	"fmt"

	"go.temporal.io/sdk/temporal"
)

// Upper bounds for the per-run limits, leaving headroom below the server's
// 10,000 signals and 51,200 events per run (signals drained before
// continue-as-new still count against the run).
const (
	MaxSignalsPerRunLimit = 9000
	MaxBatchesPerRunLimit = 3000
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
	_, err := WithDefaults(in)
	return err
}

// WithDefaults fills the defaults of a connector's tuning fields and
// checks them (a *SettingsError names the field).
func WithDefaults(in SyncInput) (SyncInput, error) {
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
	case in.MaxSignalsPerRun < 0 || in.MaxSignalsPerRun > MaxSignalsPerRunLimit:
		return bad("MaxSignalsPerRun", fmt.Sprintf("must be between 1 and %d", MaxSignalsPerRunLimit))
	case in.MaxSignalsPerRun == 0:
		in.MaxSignalsPerRun = DefaultMaxSignalsPerRun
	}
	switch {
	case in.MaxBatchesPerRun < 0 || in.MaxBatchesPerRun > MaxBatchesPerRunLimit:
		return bad("MaxBatchesPerRun", fmt.Sprintf("must be between 1 and %d", MaxBatchesPerRunLimit))
	case in.MaxBatchesPerRun == 0:
		in.MaxBatchesPerRun = DefaultMaxBatchesPerRun
	}
	return in, nil
}

// Normalize fills defaults and validates a workflow's SyncInput. Errors
// are non-retryable application errors of type ErrTypeInvalidInput that
// name the field: retrying a workflow task cannot fix its input.
func Normalize(in SyncInput) (SyncInput, error) {
	err := CheckAudienceID(in.AudienceID)
	if err != nil {
		err = &SettingsError{Field: "AudienceID", Why: err.Error()}
	} else if err = CheckSettings(in); err == nil {
		in, err = WithDefaults(in)
	}
	if err != nil {
		return in, temporal.NewNonRetryableApplicationError("invalid SyncInput."+err.Error(), ErrTypeInvalidInput, nil)
	}
	return in, nil
}
