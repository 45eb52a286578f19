package hubspottest

import (
	"net/http"
	"slices"
	"strconv"
)

const (
	defaultMembersLimit = 100
	maxMembersLimit     = 250
)

type joinTimeAndRecordID struct {
	RecordID            string `json:"recordId"`
	MembershipTimestamp string `json:"membershipTimestamp"`
}

type pageCursor struct {
	After  string `json:"after,omitempty"`
	Before string `json:"before,omitempty"`
}

// handleGetMemberships pages members in ascending record ID order after
// "after" (or descending before "before", as the spec describes). The cursor
// is the boundary record ID; clients must treat it as opaque. A limit above
// 250 is rejected rather than clamped, so a client that asks for more than
// HubSpot documents finds out in tests.
func (e *Emulator) handleGetMemberships(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := defaultMembersLimit
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxMembersLimit {
			writeError(w, r, http.StatusBadRequest, CategoryValidation, "limit must be an integer between 1 and 250",
				errorDetail{Message: "limit must be an integer between 1 and 250", In: "limit"})
			return
		}
		limit = n
	}
	after, errA := parseCursor(q.Get("after"))
	before, errB := parseCursor(q.Get("before"))
	if errA != nil || errB != nil {
		writeError(w, r, http.StatusBadRequest, CategoryValidation, "after and before must be paging tokens from a previous response")
		return
	}
	listID := r.PathValue("listId")
	e.mu.Lock()
	l := e.listLocked(stateOf(r).tok.portalID, listID)
	if l == nil {
		e.mu.Unlock()
		writeError(w, r, http.StatusNotFound, CategoryNotFound, "List does not exist with listId "+listID)
		return
	}
	ids := l.sortedMembers()
	var page []int64
	var more bool
	switch {
	case after != nil || before == nil: // "after takes precedence over before"
		start := 0
		if after != nil {
			start, _ = slices.BinarySearch(ids, *after+1)
		}
		end := min(start+limit, len(ids))
		page, more = slices.Clone(ids[start:end]), end < len(ids)
	default:
		end, _ := slices.BinarySearch(ids, *before)
		start := max(end-limit, 0)
		page = slices.Clone(ids[start:end])
		slices.Reverse(page)
		more = start > 0
	}
	total := len(ids)
	results := make([]joinTimeAndRecordID, len(page))
	for i, id := range page {
		results[i] = joinTimeAndRecordID{RecordID: strconv.FormatInt(id, 10), MembershipTimestamp: hsTime(l.members[id])}
	}
	e.mu.Unlock()

	resp := map[string]any{"results": results, "total": total}
	if more {
		last := strconv.FormatInt(page[len(page)-1], 10)
		if before != nil && after == nil {
			resp["paging"] = map[string]any{"prev": pageCursor{Before: last}}
		} else {
			resp["paging"] = map[string]any{"next": pageCursor{After: last}}
		}
	}
	writeJSON(w, http.StatusOK, resp)
}

func parseCursor(s string) (*int64, error) {
	if s == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil, err
	}
	return &n, nil
}
