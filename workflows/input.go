package workflows

import (
	"go.temporal.io/sdk/temporal"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// normalize fills defaults and validates in. Errors are non-retryable and
// name the field: retrying a workflow task cannot fix its input.
func normalize(in contract.SyncInput) (contract.SyncInput, error) {
	err := contract.CheckAudienceID(in.AudienceID)
	if err != nil {
		err = &contract.SettingsError{Field: "AudienceID", Why: err.Error()}
	} else if err = contract.CheckSettings(in); err == nil {
		in, err = contract.WithDefaults(in)
	}
	if err != nil {
		return in, temporal.NewNonRetryableApplicationError("invalid SyncInput."+err.Error(), contract.ErrTypeInvalidInput, nil)
	}
	return in, nil
}
