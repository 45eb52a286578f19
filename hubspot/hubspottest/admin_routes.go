package hubspottest

import (
	"fmt"
	"net/http"
	"time"
)

func (e *Emulator) adminMux() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("GET /_emulator/{$}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"routes": AdminRoutes})
	})
	m.HandleFunc("POST /_emulator/portals", e.adminAddPortal)
	m.HandleFunc("POST /_emulator/portals/{portalId}/contacts", e.adminAddContacts)
	m.HandleFunc("DELETE /_emulator/portals/{portalId}/contacts", e.adminDeleteContacts)
	m.HandleFunc("POST /_emulator/lists", e.adminCreateList)
	m.HandleFunc("GET /_emulator/portals/{portalId}/lists/{listId}/members", e.adminMembers)
	m.HandleFunc("POST /_emulator/portals/{portalId}/lists/{listId}/members", e.adminSeedMembers)
	m.HandleFunc("DELETE /_emulator/portals/{portalId}/lists/{listId}", e.adminDeleteList)
	m.HandleFunc("POST /_emulator/private-app-tokens", e.adminPrivateAppToken)
	m.HandleFunc("POST /_emulator/oauth-apps", e.adminOAuthApp)
	m.HandleFunc("POST /_emulator/oauth-tokens", e.adminOAuthTokens)
	m.HandleFunc("POST /_emulator/oauth-tokens/expire", func(w http.ResponseWriter, r *http.Request) {
		e.ExpireAccessTokens()
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("POST /_emulator/oauth-tokens/revoke", e.adminRevoke)
	m.HandleFunc("POST /_emulator/faults", e.adminInjectFaults)
	m.HandleFunc("PUT /_emulator/faults/random", e.adminRandomFaults)
	m.HandleFunc("GET /_emulator/faults", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]int{"pending": e.PendingFaults()})
	})
	m.HandleFunc("DELETE /_emulator/faults", func(w http.ResponseWriter, r *http.Request) {
		e.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("PUT /_emulator/rate-limit", e.adminRateLimit)
	m.HandleFunc("GET /_emulator/requests", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"requests": e.Requests()})
	})
	m.HandleFunc("DELETE /_emulator/requests", func(w http.ResponseWriter, r *http.Request) {
		e.ResetLog()
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("GET /_emulator/counters", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, e.Counters())
	})
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		adminFail(w, http.StatusNotFound, "", "no admin route %s %s; GET /_emulator/ lists them", r.Method, r.URL.Path)
	})
	return m
}

func (e *Emulator) adminAddPortal(w http.ResponseWriter, r *http.Request) {
	var req struct {
		PortalID   int64    `json:"portalId"`
		Contacts   *idRange `json:"contacts"`
		ContactIDs []int64  `json:"contactIds"`
	}
	if !decodeStrict(w, r, &req) {
		return
	}
	if req.PortalID <= 0 {
		adminFail(w, http.StatusBadRequest, "portalId", "portalId must be a positive integer")
		return
	}
	var rg [2]int64
	if req.Contacts != nil {
		var ok bool
		if rg, ok = req.Contacts.ids(w, "contacts"); !ok {
			return
		}
	}
	e.AddPortal(req.PortalID)
	if req.Contacts != nil {
		e.AddContactRange(req.PortalID, rg[0], rg[1])
	}
	e.AddContacts(req.PortalID, req.ContactIDs...)
	writeJSON(w, http.StatusOK, map[string]any{"portalId": req.PortalID})
}

func (e *Emulator) adminAddContacts(w http.ResponseWriter, r *http.Request) {
	portalID, ok := pathInt(w, r, "portalId")
	if !ok {
		return
	}
	var req struct {
		IDs  []int64 `json:"ids"`
		From *int64  `json:"from"`
		To   *int64  `json:"to"`
	}
	if !decodeStrict(w, r, &req) {
		return
	}
	if req.From != nil || req.To != nil {
		rg, ok := (&idRange{From: req.From, To: req.To}).ids(w, "from")
		if !ok {
			return
		}
		e.AddContactRange(portalID, rg[0], rg[1])
	}
	e.AddContacts(portalID, req.IDs...)
	w.WriteHeader(http.StatusNoContent)
}

func (e *Emulator) adminDeleteContacts(w http.ResponseWriter, r *http.Request) {
	portalID, ok := pathInt(w, r, "portalId")
	if !ok {
		return
	}
	var req struct {
		IDs []int64 `json:"ids"`
	}
	if !decodeStrict(w, r, &req) {
		return
	}
	e.DeleteContacts(portalID, req.IDs...)
	w.WriteHeader(http.StatusNoContent)
}

func (e *Emulator) adminCreateList(w http.ResponseWriter, r *http.Request) {
	var req struct {
		PortalID       int64  `json:"portalId"`
		Name           string `json:"name"`
		ProcessingType string `json:"processingType"`
		ObjectTypeID   string `json:"objectTypeId"`
	}
	if !decodeStrict(w, r, &req) {
		return
	}
	switch {
	case req.PortalID <= 0:
		adminFail(w, http.StatusBadRequest, "portalId", "portalId must be a positive integer")
		return
	case req.Name == "":
		adminFail(w, http.StatusBadRequest, "name", "name is required")
		return
	case !validProcessingType(req.ProcessingType):
		adminFail(w, http.StatusBadRequest, "processingType", "processingType must be MANUAL, SNAPSHOT or DYNAMIC")
		return
	}
	if req.ObjectTypeID == "" {
		req.ObjectTypeID = contactObjectType
	}
	id, err := e.createList(req.PortalID, req.Name, req.ObjectTypeID, req.ProcessingType)
	if err != nil {
		adminFail(w, http.StatusBadRequest, "name", "%v", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"listId": id})
}

func (e *Emulator) adminMembers(w http.ResponseWriter, r *http.Request) {
	portalID, ok := pathInt(w, r, "portalId")
	if !ok {
		return
	}
	listID := r.PathValue("listId")
	info, found := e.ListInfo(portalID, listID)
	if !found {
		adminFail(w, http.StatusNotFound, "listId", "no list %s in portal %d", listID, portalID)
		return
	}
	members := e.Members(portalID, listID)
	if members == nil {
		members = []int64{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"listId": listID, "name": info.Name,
		"processingType": info.ProcessingType, "size": len(members), "members": members})
}

func (e *Emulator) adminSeedMembers(w http.ResponseWriter, r *http.Request) {
	portalID, ok := pathInt(w, r, "portalId")
	if !ok {
		return
	}
	var req struct {
		IDs []int64 `json:"ids"`
	}
	if !decodeStrict(w, r, &req) {
		return
	}
	if err := e.AddMembers(portalID, r.PathValue("listId"), req.IDs...); err != nil {
		adminFail(w, http.StatusNotFound, "listId", "%v", err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (e *Emulator) adminDeleteList(w http.ResponseWriter, r *http.Request) {
	portalID, ok := pathInt(w, r, "portalId")
	if !ok {
		return
	}
	if !e.DeleteList(portalID, r.PathValue("listId")) {
		adminFail(w, http.StatusNotFound, "listId", "no list %s in portal %d", r.PathValue("listId"), portalID)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (e *Emulator) adminPrivateAppToken(w http.ResponseWriter, r *http.Request) {
	var req struct {
		PortalID int64    `json:"portalId"`
		Token    string   `json:"token"`
		Scopes   []string `json:"scopes"`
	}
	if !decodeStrict(w, r, &req) {
		return
	}
	if req.PortalID <= 0 {
		adminFail(w, http.StatusBadRequest, "portalId", "portalId must be a positive integer")
		return
	}
	if req.Token == "" {
		req.Token = e.NewPrivateAppToken(req.PortalID, req.Scopes...)
	} else {
		e.RegisterPrivateAppToken(req.PortalID, req.Token, req.Scopes...)
	}
	writeJSON(w, http.StatusOK, map[string]string{"token": req.Token})
}

func (e *Emulator) adminOAuthApp(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ClientID     string `json:"clientId"`
		ClientSecret string `json:"clientSecret"`
	}
	if !decodeStrict(w, r, &req) {
		return
	}
	if req.ClientID == "" {
		req.ClientID = newSecret()
	}
	if req.ClientSecret == "" {
		req.ClientSecret = newSecret()
	}
	e.RegisterOAuthApp(req.ClientID, req.ClientSecret)
	writeJSON(w, http.StatusOK, map[string]string{"clientId": req.ClientID, "clientSecret": req.ClientSecret})
}

func (e *Emulator) adminOAuthTokens(w http.ResponseWriter, r *http.Request) {
	var req struct {
		PortalID int64    `json:"portalId"`
		ClientID string   `json:"clientId"`
		Scopes   []string `json:"scopes"`
	}
	if !decodeStrict(w, r, &req) {
		return
	}
	if req.PortalID <= 0 {
		adminFail(w, http.StatusBadRequest, "portalId", "portalId must be a positive integer")
		return
	}
	if req.ClientID == "" {
		adminFail(w, http.StatusBadRequest, "clientId", "clientId is required")
		return
	}
	access, refresh := e.IssueTokens(req.PortalID, req.ClientID, req.Scopes...)
	writeJSON(w, http.StatusOK, map[string]string{"accessToken": access, "refreshToken": refresh})
}

func (e *Emulator) adminRevoke(w http.ResponseWriter, r *http.Request) {
	var req struct {
		RefreshToken string `json:"refreshToken"`
	}
	if !decodeStrict(w, r, &req) {
		return
	}
	if req.RefreshToken == "" {
		adminFail(w, http.StatusBadRequest, "refreshToken", "refreshToken is required")
		return
	}
	e.RevokeRefreshToken(req.RefreshToken)
	w.WriteHeader(http.StatusNoContent)
}

func (e *Emulator) adminInjectFaults(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Faults []faultJSON `json:"faults"`
	}
	if !decodeStrict(w, r, &req) {
		return
	}
	if len(req.Faults) == 0 {
		adminFail(w, http.StatusBadRequest, "faults", "faults must be a non-empty array")
		return
	}
	fs := make([]Fault, len(req.Faults))
	for i, fj := range req.Faults {
		fs[i] = fj.fault()
		if err := fs[i].validate(); err != nil {
			adminFail(w, http.StatusBadRequest, fmt.Sprintf("faults[%d]", i), "%v", err)
			return
		}
	}
	e.InjectFault(fs...)
	w.WriteHeader(http.StatusNoContent)
}

func (e *Emulator) adminRandomFaults(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Probability  float64     `json:"probability"`
		Method       string      `json:"method"`
		PathContains string      `json:"pathContains"`
		Kinds        []FaultKind `json:"kinds"`
		Statuses     []int       `json:"statuses"`
		LatencyMs    int         `json:"latencyMs"`
	}
	if !decodeStrict(w, r, &req) {
		return
	}
	if req.Probability < 0 || req.Probability > 1 {
		adminFail(w, http.StatusBadRequest, "probability", "probability must be between 0 and 1")
		return
	}
	for i, k := range req.Kinds {
		if !k.valid() {
			adminFail(w, http.StatusBadRequest, fmt.Sprintf("kinds[%d]", i), "unknown fault kind %q", k)
			return
		}
	}
	for i, s := range req.Statuses {
		if s < 400 || s > 599 {
			adminFail(w, http.StatusBadRequest, fmt.Sprintf("statuses[%d]", i), "status must be between 400 and 599")
			return
		}
	}
	e.SetRandomFaults(RandomFaults{Probability: req.Probability, Method: req.Method, PathContains: req.PathContains,
		Kinds: req.Kinds, Statuses: req.Statuses, Latency: time.Duration(req.LatencyMs) * time.Millisecond})
	w.WriteHeader(http.StatusNoContent)
}

func (e *Emulator) adminRateLimit(w http.ResponseWriter, r *http.Request) {
	var req struct {
		PerTenSeconds *int `json:"perTenSeconds"`
		Daily         *int `json:"daily"`
	}
	if !decodeStrict(w, r, &req) {
		return
	}
	if req.PerTenSeconds == nil || *req.PerTenSeconds < 0 {
		adminFail(w, http.StatusBadRequest, "perTenSeconds", "perTenSeconds is required and must be >= 0 (0 disables)")
		return
	}
	daily := 0
	if req.Daily != nil {
		if *req.Daily < 0 {
			adminFail(w, http.StatusBadRequest, "daily", "daily must be >= 0 (0 disables)")
			return
		}
		daily = *req.Daily
	}
	e.SetRateLimit(*req.PerTenSeconds, daily)
	w.WriteHeader(http.StatusNoContent)
}
