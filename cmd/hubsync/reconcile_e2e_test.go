package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/hubspot/hubspottest"
	"github.com/audiencesync/hubspot-list-sync/internal/testenv"
)

// idRange is from..to ascending.
func idRange(from, to int64) []int64 {
	var ids []int64
	for id := from; id <= to; id++ {
		ids = append(ids, id)
	}
	return ids
}

// membershipWrites counts the add-and-remove requests the emulator logged
// for a list.
func (e *e2e) membershipWrites(listID string) int {
	n := 0
	for _, r := range e.emu.Requests() {
		if strings.Contains(r.Path, "/"+listID+"/memberships/add-and-remove") {
			n++
		}
	}
	return n
}

// waitLastReconcile waits until the sync's last reconcile is id.
func (e *e2e) waitLastReconcile(id string) contract.ReconcileStatus {
	e.t.Helper()
	st := e.waitStatus("reconcile "+id+" ended", func(s contract.Status) bool {
		return s.LastReconcile != nil && s.LastReconcile.ID == id
	})
	return *st.LastReconcile
}

// `hubsync reconcile` repairs a list edited behind the sync's back: the
// plan reports the difference and changes nothing, the reconcile makes the
// list exact. A read HubSpot refuses, or a paused sync, holds a reconcile
// up: the command says so and exits 1, and resume lets it finish. `activate -snapshot` backfills a new
// connector, which then receives the changes sent after it.
func TestE2EReconcile(t *testing.T) {
	start := time.Now()
	e := startE2E(t)
	e.expect(exitOK, "activate", e2eAudience, e2eConn)
	var enter []string
	for _, id := range idRange(1, 20) {
		enter = append(enter, fmt.Sprint(id))
	}
	e.expect(exitOK, append([]string{"enter", e2eAudience}, enter...)...)
	e.waitMembers(e.list1, idRange(1, 20)...)

	// Someone edits the list in HubSpot.
	if err := e.emu.AddMembers(e2ePortal, e.list1, 50, 51); err != nil {
		t.Fatal(err)
	}
	if err := e.emu.RemoveMembers(e2ePortal, e.list1, 3, 4); err != nil {
		t.Fatal(err)
	}
	edited := []int64{1, 2, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 50, 51}
	e.members(e.list1, edited...)

	// The audience's members, in no order, with a repeat; 5000 is not a
	// contact of the portal (HubSpot reports it missing).
	var snap strings.Builder
	snap.WriteString("# aud-e2e members\n")
	for id := int64(20); id >= 1; id-- {
		fmt.Fprintf(&snap, "%d\n", id)
	}
	snap.WriteString("7\n5000\n")
	file := writeFile(t, "members.txt", snap.String())

	// Plan: the difference, the samples, and nothing written.
	writes := e.membershipWrites(e.list1)
	out, _ := e.expect(exitOK, "reconcile", e2eAudience, e2eConn, file, "-plan")
	contains(t, "plan", out, "plan: 3 adds, 2 removes (would change 5 of the list's 20 members)\n",
		"  sample adds: 3 4 5000\n", "  sample removes: 50 51\n", "  list "+e.list1+": 20 members read in 1 page(s); snapshot 21 members; nothing changed; ")
	out, _ = e.expectIn(exitOK, snap.String(), "reconcile", e2eAudience, e2eConn, "-", "-plan", "-json", "-id", "e2e-plan")
	var plan reconcileReport
	if err := json.Unmarshal([]byte(out), &plan); err != nil {
		t.Fatalf("reconcile -plan -json: %v\n%s", err, out)
	}
	if r := plan.Reconcile; !plan.Plan || plan.Outcome != contract.PhaseDone || r.ID != "e2e-plan" || r.Adds != 3 || r.Removes != 2 ||
		!slices.Equal(r.SampleAdds, []int64{3, 4, 5000}) || !slices.Equal(r.SampleRemoves, []int64{50, 51}) || r.Applied != 0 || r.LiveRead != 20 {
		t.Errorf("plan -json: %+v", plan)
	}
	if n := e.membershipWrites(e.list1); n != writes {
		t.Errorf("the plans wrote to the list: %d add-and-remove requests, %d before", n, writes)
	}
	e.members(e.list1, edited...)

	// Reconcile: the list is exact when the command returns.
	out, _ = e.expect(exitOK, "reconcile", e2eAudience, e2eConn, file, "-id", "e2e-fix")
	contains(t, "reconcile", out, "reconcile done: 3 adds, 2 removes (4 applied, 1 missing), 0 taken over by later changes, 0 superseded\n",
		"  reconcile e2e-fix of connector vip on audience aud-e2e\n")
	e.members(e.list1, idRange(1, 20)...)
	out, _ = e.expect(exitOK, "status", e2eAudience)
	contains(t, "status after the reconcile", out, "vip: last reconcile e2e-fix done at ", ": 3 adds, 2 removes, 4 applied, 1 missing, 0 taken over by later changes\n")

	// A read HubSpot refuses blocks the reconcile: the command stops
	// waiting and says to resume; status shows it; resume finishes it.
	if err := e.emu.RemoveMembers(e2ePortal, e.list1, 6); err != nil {
		t.Fatal(err)
	}
	e.emu.InjectFault(hubspottest.Fault{Method: "GET", PathContains: "/" + e.list1 + "/memberships", Kind: hubspottest.FaultStatus, Status: 404})
	_, stderr := e.expect(exitFailed, "reconcile", e2eAudience, e2eConn, file, "-id", "e2e-blocked")
	contains(t, "reconcile blocked", stderr, "reconcile e2e-blocked is blocked: reading the list failed: 404", "run 'hubsync resume aud-e2e vip'")
	out, _ = e.expect(exitOK, "status", e2eAudience)
	contains(t, "status while the reconcile is blocked", out, "reconcile blocked reading the list (fix the cause, then resume)",
		"vip: reconcile e2e-blocked blocked ")
	e.expect(exitOK, "resume", e2eAudience, e2eConn)
	if r := e.waitLastReconcile("e2e-blocked"); r.Phase != contract.PhaseDone || r.Adds != 2 || r.Applied != 1 || r.Missing != 1 {
		t.Errorf("the reconcile after resume: %+v", r)
	}
	e.members(e.list1, idRange(1, 20)...)

	// A paused sync applies nothing: the command stops waiting once the
	// snapshot is sent and says to resume; status shows the reconcile.
	if err := e.emu.RemoveMembers(e2ePortal, e.list1, 5); err != nil {
		t.Fatal(err)
	}
	e.expect(exitOK, "pause", e2eAudience, e2eConn)
	_, stderr = e.expect(exitFailed, "reconcile", e2eAudience, e2eConn, file, "-id", "e2e-paused")
	contains(t, "reconcile while paused", stderr, "the sync of connector vip is paused: reconcile e2e-paused applies nothing until 'hubsync resume aud-e2e vip'")
	out, _ = e.expect(exitOK, "status", e2eAudience, e2eConn)
	if !regexp.MustCompile(`(?m)^reconcile +e2e-paused (waiting|reading|applying) `).MatchString(out) {
		t.Errorf("status while paused lacks the reconcile in progress:\n%s", out)
	}
	e.expect(exitOK, "resume", e2eAudience, e2eConn)
	if r := e.waitLastReconcile("e2e-paused"); r.Phase != contract.PhaseDone || r.Adds != 2 || r.Applied != 1 || r.Missing != 1 {
		t.Errorf("the reconcile after resume: %+v", r)
	}
	e.members(e.list1, idRange(1, 20)...)

	// activate -snapshot: a new connector whose list has a stale member
	// starts equal to the audience, in one ordered step.
	if err := e.emu.AddMembers(e2ePortal, e.list2, 1, 99); err != nil {
		t.Fatal(err)
	}
	out, _ = e.expect(exitOK, "activate", e2eAudience, e2eConn2, "-snapshot", file)
	contains(t, "activate -snapshot", out, "activated news on audience aud-e2e (workflow "+contract.AudienceWorkflowID(e2eAudience)+")\n",
		"reconcile done: 20 adds, 1 removes (20 applied, 1 missing)")
	e.members(e.list2, idRange(1, 20)...)
	// Changes sent afterwards reach both lists.
	e.expect(exitOK, "enter", e2eAudience, "21")
	e.expect(exitOK, "leave", e2eAudience, "1")
	testenv.Eventually(t, 20*time.Second, func() (bool, string) {
		l1, l2 := e.emu.Members(e2ePortal, e.list1), e.emu.Members(e2ePortal, e.list2)
		want := idRange(2, 21)
		return slices.Equal(l1, want) && slices.Equal(l2, want), fmt.Sprintf("list 1 %v, list 2 %v, want %v", l1, l2, want)
	})

	if testing.Verbose() {
		t.Logf("transcript:\n%s", e.transcript.String())
	}
	t.Logf("reconcile end to end in %s", time.Since(start).Round(time.Millisecond))
}
