package hubspottest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// AdminRoutes documents the admin API served under /_emulator/ (JSON in and
// out; errors are {"error": "...", "field": "..."} with status 400).
var AdminRoutes = []string{
	`GET    /_emulator/                                        this list`,
	`POST   /_emulator/portals                                 {"portalId":1,"contacts":{"from":1,"to":1000},"contactIds":[5000]}`,
	`POST   /_emulator/portals/{portalId}/contacts             {"ids":[1,2]} or {"from":1,"to":100}`,
	`DELETE /_emulator/portals/{portalId}/contacts             {"ids":[1,2]}`,
	`POST   /_emulator/lists                                   {"portalId":1,"name":"A","processingType":"MANUAL","objectTypeId":"0-1"} -> {"listId"}`,
	`GET    /_emulator/portals/{portalId}/lists/{listId}/members  -> {"listId","size","members":[...]}`,
	`POST   /_emulator/portals/{portalId}/lists/{listId}/members  {"ids":[1,2]} (seed, bypasses API rules)`,
	`DELETE /_emulator/portals/{portalId}/lists/{listId}`,
	`POST   /_emulator/private-app-tokens                      {"portalId":1,"token":"pat-na1-...","scopes":[...]} -> {"token"}`,
	`POST   /_emulator/oauth-apps                              {"clientId":"...","clientSecret":"..."} (generated if empty)`,
	`POST   /_emulator/oauth-tokens                            {"portalId":1,"clientId":"...","scopes":[...]} -> {"accessToken","refreshToken"}`,
	`POST   /_emulator/oauth-tokens/expire                     expire every OAuth access token`,
	`POST   /_emulator/oauth-tokens/revoke                     {"refreshToken":"..."}`,
	`POST   /_emulator/faults                                  {"faults":[{"method":"PUT","pathContains":"add-and-remove","kind":"status","status":503,"times":2,"latencyMs":0}]}`,
	`PUT    /_emulator/faults/random                           {"probability":0.1,"kinds":["status"],"statuses":[503],"latencyMs":0,"method":"","pathContains":""}`,
	`GET    /_emulator/faults                                  -> {"pending":n}`,
	`DELETE /_emulator/faults`,
	`PUT    /_emulator/rate-limit                              {"perTenSeconds":110,"daily":0}`,
	`GET    /_emulator/requests                                request log; DELETE clears it and the counters`,
	`GET    /_emulator/counters`,
}

type adminError struct {
	Error string `json:"error"`
	Field string `json:"field,omitempty"`
}

func adminFail(w http.ResponseWriter, status int, field, format string, args ...any) {
	writeJSON(w, status, adminError{Error: fmt.Sprintf(format, args...), Field: field})
}

// decodeStrict decodes a JSON body rejecting unknown fields, and names the
// offending field in the error so that a typo in a seed script is obvious.
func decodeStrict(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		adminFail(w, http.StatusBadRequest, "", "reading body: %v", err)
		return false
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		field := ""
		switch {
		case errors.As(err, &te):
			field = te.Field
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			field = strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		}
		adminFail(w, http.StatusBadRequest, field, "invalid JSON body: %v", err)
		return false
	}
	return true
}

func pathInt(w http.ResponseWriter, r *http.Request, name string) (int64, bool) {
	n, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || n <= 0 {
		adminFail(w, http.StatusBadRequest, name, "%s must be a positive integer", name)
		return 0, false
	}
	return n, true
}

func isLoopback(remoteAddr string) bool {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// serveAdmin refuses non-loopback clients: the admin API mints tokens.
func (e *Emulator) serveAdmin(w http.ResponseWriter, r *http.Request) {
	if !isLoopback(r.RemoteAddr) {
		adminFail(w, http.StatusForbidden, "", "the admin API answers loopback clients only")
		return
	}
	e.admin.ServeHTTP(w, r)
}

type idRange struct {
	From *int64 `json:"from"`
	To   *int64 `json:"to"`
}

const maxSeedRange = 10_000_000

// ids validates a range; field names the JSON field for errors.
func (rg *idRange) ids(w http.ResponseWriter, field string) ([2]int64, bool) {
	if rg.From == nil || rg.To == nil {
		adminFail(w, http.StatusBadRequest, field, "%s needs both from and to", field)
		return [2]int64{}, false
	}
	if *rg.From <= 0 || *rg.To < *rg.From || *rg.To-*rg.From >= maxSeedRange {
		adminFail(w, http.StatusBadRequest, field, "%s must satisfy 0 < from <= to and span at most %d IDs", field, maxSeedRange)
		return [2]int64{}, false
	}
	return [2]int64{*rg.From, *rg.To}, true
}

type faultJSON struct {
	Method       string    `json:"method"`
	PathContains string    `json:"pathContains"`
	Kind         FaultKind `json:"kind"`
	Status       int       `json:"status"`
	LatencyMs    int       `json:"latencyMs"`
	Times        int       `json:"times"`
}

func (f faultJSON) fault() Fault {
	return Fault{Method: f.Method, PathContains: f.PathContains, Kind: f.Kind, Status: f.Status,
		Latency: time.Duration(f.LatencyMs) * time.Millisecond, Times: f.Times}
}

func newSecret() string { return uuid.NewString() }
