package hubspottest

import (
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// listSearchRequest is the spec's ListSearchRequest. The spec marks
// additionalProperties, listIds, offset and processingTypes required, but
// HubSpot treats them as optional, so the emulator does too.
type listSearchRequest struct {
	Query                string   `json:"query"`
	ProcessingTypes      []string `json:"processingTypes"`
	ListIDs              []string `json:"listIds"`
	ObjectTypeID         string   `json:"objectTypeId"`
	Offset               *int     `json:"offset"`
	Count                *int     `json:"count"`
	AdditionalProperties []string `json:"additionalProperties"`
	Sort                 string   `json:"sort"`
}

const (
	defaultSearchCount = 20
	maxSearchCount     = 500
)

func (e *Emulator) handleSearch(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	var req listSearchRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, r, http.StatusBadRequest, CategoryValidation, "Invalid input JSON: "+err.Error())
		return
	}
	offset, count := 0, defaultSearchCount
	if req.Offset != nil {
		offset = *req.Offset
	}
	if req.Count != nil {
		count = *req.Count
	}
	if offset < 0 || count < 0 || count > maxSearchCount {
		writeError(w, r, http.StatusBadRequest, CategoryValidation, "offset must be >= 0 and count between 0 and 500",
			errorDetail{Message: "count must be at most 500", In: "count"})
		return
	}
	q := strings.ToLower(req.Query)
	e.mu.Lock()
	var matched []*list
	if p := e.portals[stateOf(r).tok.portalID]; p != nil {
		for _, l := range p.lists {
			if strings.Contains(strings.ToLower(l.name), q) &&
				(len(req.ProcessingTypes) == 0 || slices.Contains(req.ProcessingTypes, l.processingType)) &&
				(len(req.ListIDs) == 0 || slices.Contains(req.ListIDs, l.id)) &&
				(req.ObjectTypeID == "" || req.ObjectTypeID == l.objectTypeID) {
				matched = append(matched, l)
			}
		}
	}
	// Sort by numeric list ID (creation order) so that paging is stable.
	slices.SortFunc(matched, func(a, b *list) int {
		x, _ := strconv.ParseInt(a.id, 10, 64)
		y, _ := strconv.ParseInt(b.id, 10, 64)
		return cmp.Compare(x, y)
	})
	page := []publicListSearchResult{}
	for i := offset; i < len(matched) && i < offset+count; i++ {
		page = append(page, matched[i].searchResult())
	}
	e.mu.Unlock()
	next := offset + len(page)
	writeJSON(w, http.StatusOK, map[string]any{
		"lists": page, "offset": next, "hasMore": next < len(matched), "total": len(matched),
	})
}
