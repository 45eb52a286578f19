package starter

import (
	"fmt"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// MaxNameLength bounds audience IDs, in bytes (see contract.CheckAudienceID).
const MaxNameLength = contract.MaxAudienceIDLength

// The rules live in workflows (names.go), the one rulebook for IDs; the
// starter checks before it sends anything.
func checkAudience(audienceID string) error {
	if err := contract.CheckAudienceID(audienceID); err != nil {
		return fmt.Errorf("starter: %w", err)
	}
	return nil
}

func checkConnector(connectorID string) error {
	if err := contract.CheckConnectorID(connectorID); err != nil {
		return fmt.Errorf("starter: %w", err)
	}
	return nil
}
