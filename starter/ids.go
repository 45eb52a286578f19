package starter

import (
	"fmt"

	"github.com/audiencesync/hubspot-list-sync/workflows"
)

// MaxNameLength bounds audience IDs, in bytes (see workflows.CheckAudienceID).
const MaxNameLength = workflows.MaxAudienceIDLength

// The rules live in workflows (names.go), the one rulebook for IDs; the
// starter checks before it sends anything.
func checkAudience(audienceID string) error {
	if err := workflows.CheckAudienceID(audienceID); err != nil {
		return fmt.Errorf("starter: %w", err)
	}
	return nil
}

func checkConnector(connectorID string) error {
	if err := workflows.CheckConnectorID(connectorID); err != nil {
		return fmt.Errorf("starter: %w", err)
	}
	return nil
}
