package speccheck

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestFindSpecDirHonoursEnv(t *testing.T) {
	t.Setenv(EnvSpecDir, t.TempDir())
	if _, err := FindSpecDir(); err == nil || !strings.Contains(err.Error(), EnvSpecDir) {
		t.Fatalf("empty %s: want an error naming the variable, got %v", EnvSpecDir, err)
	}
}

func putAddRemove(path string) *http.Request {
	body := `{"recordIdsToAdd":["1"],"recordIdsToRemove":[]}`
	r := httptest.NewRequest(http.MethodPut, path, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	return r
}

func TestCheckerAcceptsValidAndRejectsInvalid(t *testing.T) {
	c := Load(t)
	body := []byte(`{"recordIdsToAdd":["1"],"recordIdsToRemove":[]}`)
	for _, p := range []string{"/crm/lists/2026-03/7/memberships/add-and-remove", "/crm/v3/lists/7/memberships/add-and-remove"} {
		if err := c.CheckRequest(putAddRemove(p), body); err != nil {
			t.Errorf("valid request to %s rejected: %v", p, err)
		}
		h := http.Header{"Content-Type": {"application/json"}}
		ok := []byte(`{"recordIdsMissing":[],"recordIdsRemoved":[],"recordsIdsAdded":["1"]}`)
		if err := c.CheckResponse(putAddRemove(p), body, 200, h, ok); err != nil {
			t.Errorf("valid response rejected: %v", err)
		}
		// The correctly spelled field is not what HubSpot's spec says.
		bad := []byte(`{"recordIdsMissing":[],"recordIdsRemoved":[],"recordIdsAdded":["1"]}`)
		if err := c.CheckResponse(putAddRemove(p), body, 200, h, bad); err == nil {
			t.Errorf("response without recordsIdsAdded accepted for %s", p)
		}
		errBody := []byte(`{"status":"error","message":"x","correlationId":"not-a-uuid","category":"VALIDATION_ERROR"}`)
		if err := c.CheckResponse(putAddRemove(p), body, 400, h, errBody); err == nil {
			t.Errorf("error with a non-UUID correlationId accepted")
		}
	}
	missing := []byte(`{"recordIdsToAdd":["1"]}`)
	if err := c.CheckRequest(putAddRemove("/crm/lists/2026-03/7/memberships/add-and-remove"), missing); err == nil {
		t.Error("request without recordIdsToRemove accepted")
	}
	if err := c.CheckRequest(httptest.NewRequest(http.MethodGet, "/crm/lists/2026-03/7/nope", nil), nil); err == nil {
		t.Error("undocumented path accepted")
	}
	if err := c.CheckRequest(httptest.NewRequest(http.MethodGet, "/_emulator/", nil), nil); err != ErrNotAPI {
		t.Errorf("admin path: want ErrNotAPI, got %v", err)
	}
}

type recorderTB struct {
	testing.TB
	errors []string
}

func (r *recorderTB) Errorf(format string, args ...any) { r.errors = append(r.errors, format) }

func TestMiddlewareReportsBadResponse(t *testing.T) {
	rec := &recorderTB{TB: t}
	bad := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"list":{"listId":"1"}}`)) // lacks required fields
	})
	srv := httptest.NewServer(Middleware(rec, bad))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/crm/lists/2026-03/1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || len(rec.errors) != 1 {
		t.Fatalf("want the 200 forwarded and one reported violation, got %d and %v", resp.StatusCode, rec.errors)
	}
}
