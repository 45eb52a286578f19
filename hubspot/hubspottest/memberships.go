package hubspottest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
)

// membershipsUpdateResponse is the spec's MembershipsUpdateResponse, including
// HubSpot's own misspelling "recordsIdsAdded".
type membershipsUpdateResponse struct {
	RecordIDsMissing []string `json:"recordIdsMissing"`
	RecordIDsRemoved []string `json:"recordIdsRemoved"`
	RecordsIDsAdded  []string `json:"recordsIdsAdded"`
}

const maxBodyBytes = 64 << 20

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		writeError(w, r, http.StatusBadRequest, CategoryValidation, "Could not read the request body: "+err.Error())
		return nil, false
	}
	return body, true
}

func (e *Emulator) handleAddAndRemove(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	var req map[string]json.RawMessage
	if err := json.Unmarshal(body, &req); err != nil || req == nil {
		writeError(w, r, http.StatusBadRequest, CategoryValidation,
			"Invalid input JSON: expected an object with recordIdsToAdd and recordIdsToRemove arrays")
		return
	}
	add, derr := parseIDArray(req["recordIdsToAdd"], "recordIdsToAdd")
	if derr == nil {
		var remove []int64
		remove, derr = parseIDArray(req["recordIdsToRemove"], "recordIdsToRemove")
		if derr == nil {
			e.changeMemberships(w, r, add, remove)
			return
		}
	}
	writeError(w, r, http.StatusBadRequest, CategoryValidation, derr.Message, *derr)
}

// handleAddOnly and handleRemoveOnly serve /memberships/add and /remove, whose
// body is a bare JSON array.
func (e *Emulator) handleAddOnly(w http.ResponseWriter, r *http.Request) {
	e.handleOneSided(w, r, true)
}

func (e *Emulator) handleRemoveOnly(w http.ResponseWriter, r *http.Request) {
	e.handleOneSided(w, r, false)
}

func (e *Emulator) handleOneSided(w http.ResponseWriter, r *http.Request, isAdd bool) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	ids, derr := parseIDArray(body, "body")
	if derr != nil {
		writeError(w, r, http.StatusBadRequest, CategoryValidation, derr.Message, *derr)
		return
	}
	if isAdd {
		e.changeMemberships(w, r, ids, []int64{})
	} else {
		e.changeMemberships(w, r, []int64{}, ids)
	}
}

func (e *Emulator) changeMemberships(w http.ResponseWriter, r *http.Request, add, remove []int64) {
	st := stateOf(r)
	st.rec.AddIDs, st.rec.RemoveIDs = add, remove
	e.mu.Lock()
	maxIDs := e.cfg.maxIDs
	e.mu.Unlock()
	if n := len(add) + len(remove); maxIDs > 0 && n > maxIDs {
		writeError(w, r, http.StatusBadRequest, CategoryValidation,
			fmt.Sprintf("Too many record IDs: %d given, at most %d per request", n, maxIDs))
		return
	}
	for _, id := range add {
		if slices.Contains(remove, id) {
			writeError(w, r, http.StatusBadRequest, CategoryValidation,
				fmt.Sprintf("Record ID %d appears in both recordIdsToAdd and recordIdsToRemove", id))
			return
		}
	}
	resp, status, msg := e.applyMemberships(st.tok.portalID, r.PathValue("listId"), add, remove)
	if status != http.StatusOK {
		writeError(w, r, status, categoryForStatus(status), msg)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// applyMemberships changes the list atomically. Adding a member or removing a
// non-member is ignored, as HubSpot documents; IDs that are not records of the
// portal are reported missing. Output keeps request order without duplicates.
func (e *Emulator) applyMemberships(portalID int64, listID string, add, remove []int64) (membershipsUpdateResponse, int, string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	l := e.listLocked(portalID, listID)
	if l == nil {
		return membershipsUpdateResponse{}, http.StatusNotFound, fmt.Sprintf("List does not exist with listId %s", listID)
	}
	if l.processingType == ProcessingDynamic {
		return membershipsUpdateResponse{}, http.StatusBadRequest, fmt.Sprintf(
			"List %s is a DYNAMIC (active) list; memberships can only be changed on MANUAL or SNAPSHOT lists", listID)
	}
	p := e.portals[portalID]
	now := e.cfg.now()
	seen := map[int64]bool{}
	var missing, added, removed []int64
	for _, id := range add {
		if seen[id] {
			continue
		}
		seen[id] = true
		if _, member := l.members[id]; member {
			continue
		}
		if !p.recordExists(l.objectTypeID, id) {
			missing = append(missing, id)
			continue
		}
		l.setMember(id, now)
		added = append(added, id)
	}
	for _, id := range remove {
		if seen[id] {
			continue
		}
		seen[id] = true
		if _, member := l.members[id]; member {
			l.dropMember(id)
			removed = append(removed, id)
		} else if !p.recordExists(l.objectTypeID, id) {
			missing = append(missing, id)
		}
	}
	if len(added) > 0 {
		l.lastAddedAt, l.updatedAt = now, now
	}
	if len(removed) > 0 {
		l.lastRemovedAt, l.updatedAt = now, now
	}
	return membershipsUpdateResponse{RecordIDsMissing: idStrings(missing), RecordIDsRemoved: idStrings(removed),
		RecordsIDsAdded: idStrings(added)}, http.StatusOK, ""
}

// handleClearMemberships serves DELETE /{listId}/memberships.
func (e *Emulator) handleClearMemberships(w http.ResponseWriter, r *http.Request) {
	portalID, listID := stateOf(r).tok.portalID, r.PathValue("listId")
	e.mu.Lock()
	l := e.listLocked(portalID, listID)
	switch {
	case l == nil:
		e.mu.Unlock()
		writeError(w, r, http.StatusNotFound, CategoryNotFound, "List does not exist with listId "+listID)
	case l.processingType == ProcessingDynamic:
		e.mu.Unlock()
		writeError(w, r, http.StatusBadRequest, CategoryValidation, "List "+listID+" is a DYNAMIC (active) list; its memberships cannot be changed")
	default:
		if len(l.members) > 0 {
			l.clearMembers()
			l.lastRemovedAt, l.updatedAt = e.cfg.now(), e.cfg.now()
		}
		e.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}
}
