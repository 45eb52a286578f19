package hubspottest

import (
	"encoding/json"
	"strconv"
	"time"
)

// publicList is the spec's PublicObjectList.
type publicList struct {
	ListID           string          `json:"listId"`
	ListVersion      int             `json:"listVersion"`
	Name             string          `json:"name"`
	ObjectTypeID     string          `json:"objectTypeId"`
	ProcessingStatus string          `json:"processingStatus"`
	ProcessingType   string          `json:"processingType"`
	Size             int             `json:"size"`
	CreatedAt        string          `json:"createdAt"`
	UpdatedAt        string          `json:"updatedAt"`
	FiltersUpdatedAt string          `json:"filtersUpdatedAt,omitempty"`
	CreatedByID      string          `json:"createdById"`
	UpdatedByID      string          `json:"updatedById"`
	FilterBranch     json.RawMessage `json:"filterBranch,omitempty"`
}

// publicListSearchResult is the spec's PublicObjectListSearchResult.
type publicListSearchResult struct {
	ListID               string            `json:"listId"`
	ListVersion          int               `json:"listVersion"`
	Name                 string            `json:"name"`
	ObjectTypeID         string            `json:"objectTypeId"`
	ProcessingStatus     string            `json:"processingStatus"`
	ProcessingType       string            `json:"processingType"`
	CreatedAt            string            `json:"createdAt"`
	UpdatedAt            string            `json:"updatedAt"`
	FiltersUpdatedAt     string            `json:"filtersUpdatedAt,omitempty"`
	CreatedByID          string            `json:"createdById"`
	UpdatedByID          string            `json:"updatedById"`
	AdditionalProperties map[string]string `json:"additionalProperties"`
}

// hsTime formats like HubSpot's date-time fields (UTC, milliseconds).
func hsTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

func (l *list) public(includeFilters bool) publicList {
	pl := publicList{ListID: l.id, ListVersion: l.version, Name: l.name, ObjectTypeID: l.objectTypeID,
		ProcessingStatus: "COMPLETE", ProcessingType: l.processingType, Size: len(l.members),
		CreatedAt: hsTime(l.createdAt), UpdatedAt: hsTime(l.updatedAt), FiltersUpdatedAt: hsTime(l.filtersUpdatedAt),
		CreatedByID: "1", UpdatedByID: "1"}
	if includeFilters {
		pl.FilterBranch = l.filterBranch
	}
	return pl
}

func (l *list) searchResult() publicListSearchResult {
	props := map[string]string{
		"hs_list_size":            strconv.Itoa(len(l.members)),
		"hs_list_reference_count": "0",
	}
	if !l.lastAddedAt.IsZero() {
		props["hs_last_record_added_at"] = strconv.FormatInt(l.lastAddedAt.UnixMilli(), 10)
	}
	if !l.lastRemovedAt.IsZero() {
		props["hs_last_record_removed_at"] = strconv.FormatInt(l.lastRemovedAt.UnixMilli(), 10)
	}
	return publicListSearchResult{ListID: l.id, ListVersion: l.version, Name: l.name, ObjectTypeID: l.objectTypeID,
		ProcessingStatus: "COMPLETE", ProcessingType: l.processingType, CreatedAt: hsTime(l.createdAt),
		UpdatedAt: hsTime(l.updatedAt), FiltersUpdatedAt: hsTime(l.filtersUpdatedAt), CreatedByID: "1",
		UpdatedByID: "1", AdditionalProperties: props}
}
