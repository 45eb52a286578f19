package hubspottest

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"
)

type listEnvelope struct {
	List struct {
		ListID         string `json:"listId"`
		ListVersion    int    `json:"listVersion"`
		Name           string `json:"name"`
		ObjectTypeID   string `json:"objectTypeId"`
		ProcessingType string `json:"processingType"`
		Size           int    `json:"size"`
		CreatedAt      string `json:"createdAt"`
	} `json:"list"`
}

func TestCreateFetchAndDeleteList(t *testing.T) {
	h := newHarness(t, false)
	resp, body := h.do(http.MethodPost, v2026, h.token,
		map[string]string{"name": "Sync target", "objectTypeId": "0-1", "processingType": "MANUAL"})
	created := decode[listEnvelope](t, body)
	if resp.StatusCode != 200 || created.List.ListID == "" || created.List.Name != "Sync target" {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	if _, err := strconv.ParseInt(created.List.ListID, 10, 64); err != nil {
		t.Fatalf("listId %q is not numeric", created.List.ListID)
	}
	id := created.List.ListID
	h.do(http.MethodPut, addRemovePath(id), h.token, `{"recordIdsToAdd":["1","2"],"recordIdsToRemove":[]}`)

	resp, body = h.do(http.MethodGet, v2026+"/"+id+"?includeFilters=false", h.token, nil)
	got := decode[listEnvelope](t, body)
	if resp.StatusCode != 200 || got.List.ProcessingType != "MANUAL" || got.List.Size != 2 || got.List.ObjectTypeID != "0-1" {
		t.Fatalf("fetch: %d %s", resp.StatusCode, body)
	}
	resp, body = h.do(http.MethodPost, v2026, h.token,
		map[string]string{"name": "Sync target", "objectTypeId": "0-1", "processingType": "MANUAL"})
	wantError(t, resp, body, 400, CategoryValidation)

	resp, _ = h.do(http.MethodDelete, "/crm/v3/lists/"+id, h.token, nil)
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	resp, body = h.do(http.MethodGet, v2026+"/"+id, h.token, nil)
	wantError(t, resp, body, 404, CategoryNotFound)
}

func TestCreateListValidation(t *testing.T) {
	h := newHarness(t, true)
	for name, body := range map[string]any{
		"dynamic without filter": map[string]string{"name": "D", "objectTypeId": "0-1", "processingType": "DYNAMIC"},
		"bad processing type":    map[string]string{"name": "X", "objectTypeId": "0-1", "processingType": "WEIRD"},
		"missing name":           map[string]string{"objectTypeId": "0-1", "processingType": "MANUAL"},
	} {
		resp, b := h.do(http.MethodPost, v2026, h.token, body)
		if resp.StatusCode != 400 {
			t.Errorf("%s: status %d %s", name, resp.StatusCode, b)
		}
	}
	resp, body := h.do(http.MethodPost, v2026, h.token, map[string]any{"name": "D", "objectTypeId": "0-1",
		"processingType": "DYNAMIC", "filterBranch": map[string]any{"filterBranchType": "OR", "filterBranchOperator": "OR", "filterBranches": []any{}, "filters": []any{}}})
	if got := decode[listEnvelope](t, body); resp.StatusCode != 200 || got.List.ProcessingType != "DYNAMIC" {
		t.Fatalf("dynamic with filter: %d %s", resp.StatusCode, body)
	}
}

func TestSearchListsPagesAndFilters(t *testing.T) {
	h := newHarness(t, false)
	for i := range 5 {
		h.CreateList(portalA, fmt.Sprintf("Campaign %d", i), ProcessingManual)
	}
	h.CreateList(portalA, "Campaign dyn", ProcessingDynamic)
	h.CreateList(portalB, "Campaign elsewhere", ProcessingManual)
	type searchResp struct {
		Lists []struct {
			ListID               string            `json:"listId"`
			Name                 string            `json:"name"`
			AdditionalProperties map[string]string `json:"additionalProperties"`
		} `json:"lists"`
		Offset  int  `json:"offset"`
		HasMore bool `json:"hasMore"`
		Total   int  `json:"total"`
	}
	req := map[string]any{"query": "campaign", "processingTypes": []string{"MANUAL"}, "offset": 0, "count": 3,
		"listIds": []string{}, "additionalProperties": []string{"hs_list_size"}}
	resp, body := h.do(http.MethodPost, v2026+"/search", h.token, req)
	p1 := decode[searchResp](t, body)
	if resp.StatusCode != 200 || len(p1.Lists) != 3 || !p1.HasMore || p1.Total != 5 || p1.Offset != 3 {
		t.Fatalf("page 1: %d %s", resp.StatusCode, body)
	}
	if p1.Lists[0].AdditionalProperties["hs_list_size"] != "0" {
		t.Errorf("hs_list_size missing: %s", body)
	}
	req["offset"] = p1.Offset
	_, body = h.do(http.MethodPost, v2026+"/search", h.token, req)
	p2 := decode[searchResp](t, body)
	if len(p2.Lists) != 2 || p2.HasMore || p2.Lists[1].Name != "Campaign 4" {
		t.Fatalf("page 2: %s", body)
	}
}

func TestMembershipsPaging(t *testing.T) {
	h := newHarness(t, false)
	h.AddContactRange(portalA, 11, 600)
	for id := int64(600); id >= 1; id -= 2 { // insertion order must not matter
		h.AddMembers(portalA, h.listID, id)
	}
	type page struct {
		Results []struct {
			RecordID            string `json:"recordId"`
			MembershipTimestamp string `json:"membershipTimestamp"`
		} `json:"results"`
		Paging *struct {
			Next struct {
				After string `json:"after"`
			} `json:"next"`
		} `json:"paging"`
		Total int `json:"total"`
	}
	var all []string
	after := ""
	for pages := 0; ; pages++ {
		path := v2026 + "/" + h.listID + "/memberships?limit=250"
		if after != "" {
			path += "&after=" + after
		}
		resp, body := h.do(http.MethodGet, path, h.token, nil)
		p := decode[page](t, body)
		if resp.StatusCode != 200 || p.Total != 300 {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		for _, r := range p.Results {
			all = append(all, r.RecordID)
		}
		if p.Paging == nil {
			break
		}
		after = p.Paging.Next.After
		if pages > 3 {
			t.Fatal("paging does not end")
		}
	}
	if len(all) != 300 || all[0] != "2" || all[299] != "600" {
		t.Fatalf("got %d members from %v to %v", len(all), all[0], all[len(all)-1])
	}
	for i := 1; i < len(all); i++ {
		a, _ := strconv.Atoi(all[i-1])
		b, _ := strconv.Atoi(all[i])
		if a >= b {
			t.Fatalf("not ascending at %d: %s, %s", i, all[i-1], all[i])
		}
	}
	resp, body := h.do(http.MethodGet, v2026+"/"+h.listID+"/memberships?limit=251", h.token, nil)
	wantError(t, resp, body, 400, CategoryValidation)
}
