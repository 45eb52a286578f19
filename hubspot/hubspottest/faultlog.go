package hubspottest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// describeFaulted fills the request log record of a request answered by
// an injected fault before (or instead of) the API logic: its portal,
// list and record IDs, so a test that filters the log by list or contact
// sees faulted requests too. The body is put back for the ApplyThen kinds.
func (e *Emulator) describeFaulted(r *http.Request, rec *RequestRecord) {
	if _, token, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok {
		e.mu.Lock()
		if t := e.tokens[strings.TrimSpace(token)]; t != nil {
			rec.PortalID = t.portalID
		}
		e.mu.Unlock()
	}
	rec.ListID = listIDOf(r.URL.Path)
	if r.Body == nil || !strings.Contains(r.URL.Path, "/memberships/") {
		return
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	r.Body = io.NopCloser(bytes.NewReader(b))
	if err != nil {
		return
	}
	switch {
	case strings.HasSuffix(r.URL.Path, "/add-and-remove"):
		var body struct {
			Add    []json.RawMessage `json:"recordIdsToAdd"`
			Remove []json.RawMessage `json:"recordIdsToRemove"`
		}
		if json.Unmarshal(b, &body) == nil {
			rec.AddIDs, rec.RemoveIDs = looseIDs(body.Add), looseIDs(body.Remove)
		}
	default:
		var ids []json.RawMessage
		if json.Unmarshal(b, &ids) == nil {
			if strings.HasSuffix(r.URL.Path, "/remove") {
				rec.RemoveIDs = looseIDs(ids)
			} else {
				rec.AddIDs = looseIDs(ids)
			}
		}
	}
}

// listIDOf finds {listId} in /crm/lists/<version>/{listId}/... or
// /crm/v3/lists/{listId}/...
func listIDOf(path string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for i, s := range segs {
		if s != "lists" {
			continue
		}
		rest := segs[i+1:]
		if len(rest) > 0 && len(rest[0]) == 7 && rest[0][4] == '-' {
			rest = rest[1:] // a date version
		}
		if len(rest) > 0 {
			if _, err := strconv.ParseInt(rest[0], 10, 64); err == nil {
				return rest[0]
			}
		}
		return ""
	}
	return ""
}

// looseIDs keeps the IDs that are integers, as strings or numbers.
func looseIDs(raw []json.RawMessage) []int64 {
	var out []int64
	for _, v := range raw {
		s := strings.Trim(string(v), `"`)
		if id, err := strconv.ParseInt(s, 10, 64); err == nil {
			out = append(out, id)
		}
	}
	return out
}
