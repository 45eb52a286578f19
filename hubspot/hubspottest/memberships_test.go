package hubspottest

import (
	"net/http"
	"slices"
	"testing"
)

func TestAddAndRemoveReportsAddedRemovedMissing(t *testing.T) {
	h := newHarness(t, false)
	if err := h.AddMembers(portalA, h.listID, 5, 6); err != nil {
		t.Fatal(err)
	}
	resp, body := h.do(http.MethodPut, addRemovePath(h.listID), h.token, map[string]any{
		"recordIdsToAdd":    []string{"1", "2", "5", "999", "2"}, // 5 already a member, 999 does not exist, 2 twice
		"recordIdsToRemove": []string{"6", "7", "888"},           // 7 exists but is no member, 888 does not exist
	})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	got := decode[membershipResp](t, body)
	if !slices.Equal(got.Added, []string{"1", "2"}) || !slices.Equal(got.Removed, []string{"6"}) ||
		!slices.Equal(got.Missing, []string{"999", "888"}) {
		t.Fatalf("response = %+v", got)
	}
	wantMembers(t, h.Emulator, portalA, h.listID, 1, 2, 5)

	// Replaying the same batch converges: nothing more is added or removed.
	resp, body = h.do(http.MethodPut, addRemovePath(h.listID), h.token,
		`{"recordIdsToAdd":["1","2","5"],"recordIdsToRemove":["6"]}`)
	got = decode[membershipResp](t, body)
	if resp.StatusCode != 200 || len(got.Added)+len(got.Removed)+len(got.Missing) != 0 {
		t.Fatalf("replay: %d %+v", resp.StatusCode, got)
	}
	wantMembers(t, h.Emulator, portalA, h.listID, 1, 2, 5)
	if info, _ := h.ListInfo(portalA, h.listID); info.Size != 3 {
		t.Fatalf("size = %d", info.Size)
	}
}

func TestAddAndRemoveAcceptsNumbersAndV3Path(t *testing.T) {
	h := newHarness(t, true) // numbers are not strings per the spec, but HubSpot accepts them
	resp, body := h.do(http.MethodPut, "/crm/v3/lists/"+h.listID+"/memberships/add-and-remove", h.token,
		`{"recordIdsToAdd":[3,4],"recordIdsToRemove":[]}`)
	if got := decode[membershipResp](t, body); resp.StatusCode != 200 || !slices.Equal(got.Added, []string{"3", "4"}) {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	wantMembers(t, h.Emulator, portalA, h.listID, 3, 4)
	reqs := h.Requests()
	last := reqs[len(reqs)-1]
	if last.PortalID != portalA || last.ListID != h.listID || !slices.Equal(last.AddIDs, []int64{3, 4}) || last.Status != 200 {
		t.Fatalf("request log = %+v", last)
	}
}

func TestAddAndRemoveRejections(t *testing.T) {
	h := newHarness(t, true, WithMaxIDsPerRequest(3))
	h.AddMembers(portalA, h.listID, 9)
	dynamic := h.CreateList(portalA, "Active", ProcessingDynamic)
	other := h.CreateList(portalB, "B's list", ProcessingManual)
	cases := []struct {
		name, path, body string
		status           int
		category         string
	}{
		{"id in both arrays", addRemovePath(h.listID), `{"recordIdsToAdd":["1"],"recordIdsToRemove":["1"]}`, 400, CategoryValidation},
		{"dynamic list", addRemovePath(dynamic), `{"recordIdsToAdd":["1"],"recordIdsToRemove":[]}`, 400, CategoryValidation},
		{"unknown list", addRemovePath("424242"), `{"recordIdsToAdd":["1"],"recordIdsToRemove":[]}`, 404, CategoryNotFound},
		{"other portal's list", addRemovePath(other), `{"recordIdsToAdd":["1"],"recordIdsToRemove":[]}`, 404, CategoryNotFound},
		{"missing remove array", addRemovePath(h.listID), `{"recordIdsToAdd":["1"]}`, 400, CategoryValidation},
		{"null add array", addRemovePath(h.listID), `{"recordIdsToAdd":null,"recordIdsToRemove":[]}`, 400, CategoryValidation},
		{"non-integer id", addRemovePath(h.listID), `{"recordIdsToAdd":["1","abc"],"recordIdsToRemove":[]}`, 400, CategoryValidation},
		{"fractional id", addRemovePath(h.listID), `{"recordIdsToAdd":[1.5],"recordIdsToRemove":[]}`, 400, CategoryValidation},
		{"malformed json", addRemovePath(h.listID), `{"recordIdsToAdd":[`, 400, CategoryValidation},
		{"too many ids", addRemovePath(h.listID), `{"recordIdsToAdd":["1","2"],"recordIdsToRemove":["9","3"]}`, 400, CategoryValidation},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := h.do(http.MethodPut, c.path, h.token, c.body)
			e := wantError(t, resp, body, c.status, c.category)
			if e.Status != "error" {
				t.Errorf("status field = %q", e.Status)
			}
			wantMembers(t, h.Emulator, portalA, h.listID, 9) // nothing applied
		})
	}
}

func TestAddAndRemoveOneSidedEndpoints(t *testing.T) {
	h := newHarness(t, false)
	resp, body := h.do(http.MethodPut, v2026+"/"+h.listID+"/memberships/add", h.token, `["1","2","77"]`)
	got := decode[membershipResp](t, body)
	if resp.StatusCode != 200 || !slices.Equal(got.Added, []string{"1", "2"}) || !slices.Equal(got.Missing, []string{"77"}) {
		t.Fatalf("add: %d %s", resp.StatusCode, body)
	}
	resp, body = h.do(http.MethodPut, v2026+"/"+h.listID+"/memberships/remove", h.token, `["2"]`)
	if got := decode[membershipResp](t, body); resp.StatusCode != 200 || !slices.Equal(got.Removed, []string{"2"}) {
		t.Fatalf("remove: %d %s", resp.StatusCode, body)
	}
	wantMembers(t, h.Emulator, portalA, h.listID, 1)
	resp, _ = h.do(http.MethodDelete, v2026+"/"+h.listID+"/memberships", h.token, nil)
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("clear: %d", resp.StatusCode)
	}
	wantMembers(t, h.Emulator, portalA, h.listID)
}

func TestDeletedContactIsMissingAndLeavesLists(t *testing.T) {
	h := newHarness(t, false)
	h.AddMembers(portalA, h.listID, 4)
	h.DeleteContacts(portalA, 4)
	wantMembers(t, h.Emulator, portalA, h.listID)
	_, body := h.do(http.MethodPut, addRemovePath(h.listID), h.token, `{"recordIdsToAdd":["4"],"recordIdsToRemove":[]}`)
	if got := decode[membershipResp](t, body); !slices.Equal(got.Missing, []string{"4"}) {
		t.Fatalf("%s", body)
	}
}
