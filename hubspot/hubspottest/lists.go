package hubspottest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
)

// routeLists mounts the Lists API under the date-versioned and the v3 prefix,
// which HubSpot serves with the same shapes.
func (e *Emulator) routeLists() {
	for _, base := range []string{"/crm/lists/2026-03", "/crm/v3/lists"} {
		e.mux.Handle("POST "+base, e.api(scopesCreate, e.handleCreateList))
		e.mux.Handle("POST "+base+"/{$}", e.api(scopesCreate, e.handleCreateList))
		e.mux.Handle("POST "+base+"/search", e.api(scopesRead, e.handleSearch))
		e.mux.Handle("GET "+base+"/{listId}", e.api(scopesRead, e.handleGetList))
		e.mux.Handle("DELETE "+base+"/{listId}", e.api(scopesWrite, e.handleDeleteList))
		e.mux.Handle("GET "+base+"/{listId}/memberships", e.api(scopesRead, e.handleGetMemberships))
		e.mux.Handle("DELETE "+base+"/{listId}/memberships", e.api(scopesWrite, e.handleClearMemberships))
		e.mux.Handle("PUT "+base+"/{listId}/memberships/add-and-remove", e.api(scopesWrite, e.handleAddAndRemove))
		e.mux.Handle("PUT "+base+"/{listId}/memberships/add", e.api(scopesWrite, e.handleAddOnly))
		e.mux.Handle("PUT "+base+"/{listId}/memberships/remove", e.api(scopesWrite, e.handleRemoveOnly))
	}
}

var objectTypeIDPattern = regexp.MustCompile(`^[0-9]+-[0-9]+$`)

type listCreateRequest struct {
	Name           *string         `json:"name"`
	ObjectTypeID   *string         `json:"objectTypeId"`
	ProcessingType *string         `json:"processingType"`
	FilterBranch   json.RawMessage `json:"filterBranch"`
}

// handleCreateList creates a list. DYNAMIC lists need a filterBranch, as in
// HubSpot; the filter is stored and echoed but never evaluated, so an
// emulated DYNAMIC list stays empty unless seeded with AddMembers.
func (e *Emulator) handleCreateList(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	var req listCreateRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, r, http.StatusBadRequest, CategoryValidation, "Invalid input JSON: "+err.Error())
		return
	}
	var details []errorDetail
	if req.Name == nil || *req.Name == "" {
		details = append(details, errorDetail{Message: "name is required", In: "name", Code: "REQUIRED"})
	}
	if req.ObjectTypeID == nil || !objectTypeIDPattern.MatchString(*req.ObjectTypeID) {
		details = append(details, errorDetail{Message: `objectTypeId is required and must look like "0-1"`, In: "objectTypeId", Code: "REQUIRED"})
	}
	if req.ProcessingType == nil || !validProcessingType(*req.ProcessingType) {
		details = append(details, errorDetail{Message: "processingType must be one of MANUAL, SNAPSHOT, DYNAMIC", In: "processingType", Code: "INVALID_ENUM"})
	}
	hasFilter := len(req.FilterBranch) > 0 && !bytes.Equal(req.FilterBranch, []byte("null"))
	if req.ProcessingType != nil && *req.ProcessingType == ProcessingDynamic && !hasFilter {
		details = append(details, errorDetail{Message: "filterBranch is required for DYNAMIC lists", In: "filterBranch", Code: "REQUIRED"})
	}
	if len(details) > 0 {
		writeError(w, r, http.StatusBadRequest, CategoryValidation, details[0].Message, details...)
		return
	}
	var filter []byte
	if hasFilter {
		filter = bytes.Clone(req.FilterBranch)
	}
	portalID := stateOf(r).tok.portalID
	e.mu.Lock()
	p := e.portalLocked(portalID)
	if p.findListByName(*req.ObjectTypeID, *req.Name) != nil {
		e.mu.Unlock()
		writeError(w, r, http.StatusBadRequest, CategoryValidation,
			fmt.Sprintf("A list named '%s' already exists for object type %s", *req.Name, *req.ObjectTypeID),
			errorDetail{Message: "list names must be unique", In: "name", Code: "DUPLICATE"})
		return
	}
	l := e.newListLocked(p, *req.Name, *req.ObjectTypeID, *req.ProcessingType, filter)
	out := l.public(true)
	e.mu.Unlock()
	stateOf(r).rec.ListID = out.ListID
	writeJSON(w, http.StatusOK, map[string]any{"list": out})
}

func (e *Emulator) handleGetList(w http.ResponseWriter, r *http.Request) {
	include := r.URL.Query().Get("includeFilters")
	if include != "" && include != "true" && include != "false" {
		writeError(w, r, http.StatusBadRequest, CategoryValidation, "includeFilters must be true or false")
		return
	}
	listID := r.PathValue("listId")
	e.mu.Lock()
	l := e.listLocked(stateOf(r).tok.portalID, listID)
	var out publicList
	if l != nil {
		out = l.public(include == "true")
	}
	e.mu.Unlock()
	if l == nil {
		writeError(w, r, http.StatusNotFound, CategoryNotFound, "List does not exist with listId "+listID)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"list": out})
}

// handleDeleteList deletes for good; HubSpot keeps deleted lists restorable for
// 90 days, which the product never relies on.
func (e *Emulator) handleDeleteList(w http.ResponseWriter, r *http.Request) {
	listID := r.PathValue("listId")
	if !e.DeleteList(stateOf(r).tok.portalID, listID) {
		writeError(w, r, http.StatusNotFound, CategoryNotFound, "List does not exist with listId "+listID)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
