package hubspot

import (
	"fmt"
	"strings"
)

func checkListID(listID string) error {
	if strings.TrimSpace(listID) == "" {
		return fmt.Errorf("%w: list ID is empty", ErrInvalidInput)
	}
	if strings.ContainsAny(listID, "/?#") {
		return fmt.Errorf("%w: list ID %q contains a character that cannot be part of a HubSpot list ID", ErrInvalidInput, listID)
	}
	return nil
}

// checkMembershipIDs refuses what HubSpot would reject or misread: IDs that
// are not positive, and an ID both added and removed in one request.
func checkMembershipIDs(add, remove []int64) error {
	adding := make(map[int64]struct{}, len(add))
	for i, id := range add {
		if id <= 0 {
			return fmt.Errorf("%w: recordIdsToAdd[%d] = %d is not a positive record ID", ErrInvalidInput, i, id)
		}
		adding[id] = struct{}{}
	}
	for i, id := range remove {
		if id <= 0 {
			return fmt.Errorf("%w: recordIdsToRemove[%d] = %d is not a positive record ID", ErrInvalidInput, i, id)
		}
		if _, both := adding[id]; both {
			return fmt.Errorf("%w: record ID %d is in both recordIdsToAdd and recordIdsToRemove", ErrInvalidInput, id)
		}
	}
	return nil
}
