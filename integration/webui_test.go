package integration_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/audiencesync/hubspot-list-sync/config"
	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/hubspot"
	"github.com/audiencesync/hubspot-list-sync/hubspot/hubspottest"
	"github.com/audiencesync/hubspot-list-sync/internal/browser"
	"github.com/audiencesync/hubspot-list-sync/internal/devserver"
	"github.com/audiencesync/hubspot-list-sync/internal/testenv"
	"github.com/audiencesync/hubspot-list-sync/internal/workertest"
	"github.com/audiencesync/hubspot-list-sync/starter"
	"github.com/audiencesync/hubspot-list-sync/worker"
)

// TestWebUIShowsEachSyncsHealth opens the Temporal Web UI (2.42.1, served by
// the pinned dev server, as in the Quickstart) in a real headless Chromium
// with a healthy and a blocked sync, and checks what a person sees:
//
//   - a sync's page, tab "User Metadata" (route
//     /namespaces/NS/workflows/WID/RUNID/user-metadata): the static summary
//     and details, and the current details (state, pending, last batch and,
//     when blocked, HubSpot's answer and the command to run next);
//   - the workflow list filtered by the state attribute
//     (/namespaces/NS/workflows?query=HubSyncState%3D%22blocked%22): only the
//     blocked sync.
//
// Screenshots and the text of each page are kept in $HUBSYNC_ARTIFACTS/webui
// (else a temporary folder); the test prints where.
func TestWebUIShowsEachSyncsHealth(t *testing.T) {
	chromium, err := browser.Find()
	if err != nil {
		t.Fatalf("the Web UI test needs Chromium: %v", err)
	}
	ui := startWebUI(t)
	emu := testenv.StartEmulator(t)
	emu.AddContactRange(portalA, 1, 100)
	listOK := emu.CreateList(portalA, "Web UI healthy", hubspot.ProcessingManual)
	listBlocked := emu.CreateList(portalA, "Web UI blocked", hubspot.ProcessingManual)
	st := startWebUIWorker(t, ui, emu, map[string]string{"conn-ok": listOK, "conn-blocked": listBlocked})

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const aud = "aud-webui"
	healthyID, blockedID := contract.SyncWorkflowID(aud, "conn-ok"), contract.SyncWorkflowID(aud, "conn-blocked")

	// The healthy sync applies every change; the blocked one gets a 404 on
	// its first batch and then keeps what arrives as pending.
	emu.InjectFault(hubspottest.Fault{Kind: hubspottest.FaultStatus, Status: 404,
		PathContains: "/" + listBlocked + "/memberships/add-and-remove"})
	require.NoError(t, st.Activate(ctx, aud, "conn-ok", "conn-blocked"))
	_, err = st.Enter(ctx, aud, []string{"1", "2", "3"})
	require.NoError(t, err)
	blocked := waitSync(t, st, aud, "conn-blocked", "blocked with HubSpot's 404", func(s contract.Status) bool {
		return s.State == contract.StateBlocked && s.LastError != nil
	})
	_, err = st.Enter(ctx, aud, []string{"4", "5"})
	require.NoError(t, err)
	_, err = st.Leave(ctx, aud, []string{"2"})
	require.NoError(t, err)
	waitSync(t, st, aud, "conn-ok", "idle with list {1,3,4,5}", func(s contract.Status) bool {
		return s.State == contract.StateActive && s.PendingAdds+s.PendingRemoves == 0 && s.InFlight == nil &&
			equalIDs(emu.Members(portalA, listOK), []int64{1, 3, 4, 5})
	})
	// A reconcile on the healthy sync: its outcome shows in the details.
	rec, err := st.Reconcile(ctx, aud, "conn-ok", starter.SnapshotOf([]int64{1, 3, 4, 5, 6}), starter.ReconcileOptions{ID: "webui-rec"})
	require.NoError(t, err)
	require.EqualValues(t, 1, rec.Adds)
	blocked = waitSync(t, st, aud, "conn-blocked", "blocked with the later changes pending", func(s contract.Status) bool {
		return s.State == contract.StateBlocked && s.PendingAdds == 2 && s.PendingRemoves == 1
	})
	require.Equal(t, 404, blocked.LastError.Status)

	shots := artifactsDir(t)
	b, err := browser.Start(ctx, browser.Options{Path: chromium, Width: 1400, Height: 1400})
	require.NoError(t, err)
	t.Cleanup(b.Close)

	t.Run("blocked sync's page", func(t *testing.T) {
		page := ui.open(t, b, shots, "blocked-sync", ui.workflowURL(t, blockedID, "user-metadata"))
		// The harness: what the UI shows for any workflow.
		page.await(t, "the workflow's header and its User Metadata tab",
			blockedID, "Running", "User Metadata", "Summary", "Current Details")
		// What the workflow tells a person about itself.
		page.await(t, "the sync's summary and static details",
			fmt.Sprintf("Sync audience %s → HubSpot list %s (connector %s)", aud, listBlocked, "conn-blocked"),
			"HubSpot account: acct-a")
		page.await(t, "the blocked sync's current details",
			"State: blocked",
			fmt.Sprintf("Pending: +%d / −%d", blocked.PendingAdds, blocked.PendingRemoves),
			"Last batch:",
			"Blocked by HubSpot: 404", blocked.LastError.Category, blocked.LastError.Message,
			"Next:", fmt.Sprintf("hubsync resume %s %s", aud, "conn-blocked"))
	})

	t.Run("healthy sync's page", func(t *testing.T) {
		page := ui.open(t, b, shots, "healthy-sync", ui.workflowURL(t, healthyID, "user-metadata"))
		page.await(t, "the workflow's header and its User Metadata tab", healthyID, "Running", "User Metadata")
		page.await(t, "the sync's summary and current details",
			fmt.Sprintf("Sync audience %s → HubSpot list %s (connector %s)", aud, listOK, "conn-ok"),
			"State: active", "Pending: +0 / −0", "Last batch: #",
			"Last reconcile webui-rec: done · snapshot 5 of 5 · list read 4 of 4 (1 pages) · differences +1 / −0, applied 1",
			"read list "+listOK+" page 1 (reconcile webui-rec)")
		page.refuse(t, "a healthy sync shows no HubSpot error", "Blocked by HubSpot")
	})

	t.Run("list filtered by state", func(t *testing.T) {
		page := ui.open(t, b, shots, "blocked-syncs", ui.listURL(fmt.Sprintf("%s=%q", contract.SearchAttrState.GetName(), contract.StateBlocked)))
		page.awaitList(t, "only the blocked sync", []string{blockedID}, []string{healthyID, contract.AudienceWorkflowID(aud)})
		page = ui.open(t, b, shots, "active-syncs", ui.listURL(fmt.Sprintf("%s=%q", contract.SearchAttrState.GetName(), contract.StateActive)))
		page.awaitList(t, "only the healthy sync", []string{healthyID}, []string{blockedID, contract.AudienceWorkflowID(aud)})
	})
}

// webUI is a dev server with the Web UI, started like the Quickstart's.
type webUI struct {
	srv  *devserver.Server
	base string // http://127.0.0.1:PORT
}

func startWebUI(t *testing.T) *webUI {
	t.Helper()
	uiPort, err := devserver.FreePort()
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv, err := devserver.Start(ctx, devserver.Options{CLI: testenv.TemporalCLI(t), UIPort: uiPort, LogLevel: "error", Log: debugOut()})
	require.NoError(t, err, "starting the Temporal dev server with its Web UI")
	t.Cleanup(srv.Stop)
	ui := &webUI{srv: srv, base: fmt.Sprintf("http://127.0.0.1:%d", uiPort)}
	testenv.Eventually(t, 30*time.Second, func() (bool, string) {
		resp, err := http.Get(ui.base + "/")
		if err != nil {
			return false, fmt.Sprintf("the Web UI at %s does not answer: %v", ui.base, err)
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, fmt.Sprintf("the Web UI at %s answers %s", ui.base, resp.Status)
	})
	return ui
}

// workflowURL is the page of the workflow's current run, on one tab
// (history, user-metadata, queries, search-attributes, ...).
func (ui *webUI) workflowURL(t *testing.T, workflowID, tab string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d, err := ui.srv.Client.DescribeWorkflowExecution(ctx, workflowID, "")
	require.NoError(t, err)
	return fmt.Sprintf("%s/namespaces/%s/workflows/%s/%s/%s", ui.base, url.PathEscape(ui.srv.Namespace),
		url.PathEscape(workflowID), url.PathEscape(d.GetWorkflowExecutionInfo().GetExecution().GetRunId()), tab)
}

// listURL is the workflow list filtered by a visibility query.
func (ui *webUI) listURL(query string) string {
	return fmt.Sprintf("%s/namespaces/%s/workflows?query=%s", ui.base, url.PathEscape(ui.srv.Namespace), url.QueryEscape(query))
}

// startWebUIWorker runs the real worker on the UI's dev server with one
// connector per list (one account), and returns a starter for it.
func startWebUIWorker(t *testing.T, ui *webUI, emu *testenv.Emulator, lists map[string]string) *starter.Starter {
	t.Helper()
	env := map[string]string{"TOKEN_A": emu.NewPrivateAppToken(portalA, "crm.lists.read", "crm.lists.write")}
	queue := "it-webui"
	yaml := fmt.Sprintf(`
temporal: {address: %q, taskQueue: %q}
accounts:
  - {id: acct-a, baseUrl: %q, timeout: 5s, auth: {type: private-app, tokenEnv: TOKEN_A}}
connectors:
`, ui.srv.Address, queue, emu.URL)
	for conn, list := range lists {
		yaml += fmt.Sprintf("  - {id: %s, account: acct-a, listId: %q, flushInterval: 200ms, maxBatchSize: 100}\n", conn, list)
	}
	cfg, err := config.Parse([]byte(yaml), t.TempDir(), func(k string) string { return env[k] })
	require.NoError(t, err)

	workertest.Start(t, cfg, worker.Options{Client: ui.srv.Client, Logger: slog.New(slog.NewTextHandler(debugOut(), nil))})
	return starter.New(ui.srv.Client, queue, cfg)
}

// waitSync waits until the sync's status satisfies ok.
func waitSync(t *testing.T, st *starter.Starter, aud, conn, what string, ok func(contract.Status) bool) contract.Status {
	t.Helper()
	var s contract.Status
	testenv.Eventually(t, 30*time.Second, func() (bool, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var err error
		s, err = st.ConnectorStatus(ctx, aud, conn)
		if err != nil {
			return false, fmt.Sprintf("%s: %v", conn, err)
		}
		return ok(s), fmt.Sprintf("%s not yet %s: state %s, pending +%d -%d, in flight %v, last error %+v",
			conn, what, s.State, s.PendingAdds, s.PendingRemoves, s.InFlight != nil, s.LastError)
	})
	return s
}

// artifactsDir is where screenshots go: $HUBSYNC_ARTIFACTS/webui, else a
// new temporary folder that outlives the test.
func artifactsDir(t *testing.T) string {
	t.Helper()
	var dir string
	var err error
	if root := os.Getenv("HUBSYNC_ARTIFACTS"); root != "" {
		dir = filepath.Join(root, "webui")
		err = os.MkdirAll(dir, 0o755)
	} else {
		dir, err = os.MkdirTemp("", "hubsync-webui-")
	}
	require.NoError(t, err, "creating the screenshots' folder (set HUBSYNC_ARTIFACTS to choose it)")
	t.Logf("Web UI screenshots and page text: %s", dir)
	return dir
}

// uiPage is one page of the Web UI open in Chromium.
type uiPage struct {
	p      *browser.Page
	url    string
	opened time.Time
	text   string // the last text read
}

// open loads url in a new tab; when the subtest ends (passed or not) the
// page's screenshot and text are saved as NAME.png and NAME.txt in dir.
func (ui *webUI) open(t *testing.T, b *browser.Browser, dir, name, url string) *uiPage {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	p, err := b.NewPage(ctx)
	require.NoError(t, err)
	page := &uiPage{p: p, url: url}
	page.navigate(t)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		png, txt := filepath.Join(dir, name+".png"), filepath.Join(dir, name+".txt")
		if err := p.Screenshot(ctx, png); err != nil {
			t.Errorf("screenshot of %s: %v", url, err)
			return
		}
		text, err := p.Text(ctx)
		if err != nil {
			t.Errorf("reading the text of %s: %v", url, err)
			return
		}
		cut, err := p.CutOff(ctx)
		if err != nil {
			t.Errorf("reading what %s cuts off: %v", url, err)
			return
		}
		if len(cut) > 0 {
			note := "Cut off by the UI's Markdown frames (a person must scroll inside a frame to read it):\n\t" + strings.Join(cut, "\n\t")
			t.Log(note)
			text += "\n\n" + note
		}
		if err := os.WriteFile(txt, []byte(url+"\n\n"+text+"\n"), 0o644); err != nil {
			t.Errorf("saving the text of %s: %v", url, err)
		}
		t.Logf("%s: screenshot %s, text %s", url, png, txt)
	})
	return page
}

func (u *uiPage) navigate(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	require.NoError(t, u.p.Navigate(ctx, u.url), "opening %s in Chromium", u.url)
	u.opened = time.Now()
}

// poll reads the page's text until cond holds. The UI loads its data
// asynchronously and reads a workflow's current details once per load, so
// the page is reloaded every 4 s while cond does not hold.
func (u *uiPage) poll(t *testing.T, what string, cond func(text string) (bool, string)) {
	t.Helper()
	testenv.Eventually(t, 20*time.Second, func() (bool, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		text, err := u.p.Text(ctx)
		if err != nil {
			return false, fmt.Sprintf("%s: reading %s: %v", what, u.url, err)
		}
		u.text = text
		ok, why := cond(text)
		if !ok && time.Since(u.opened) > 4*time.Second {
			u.navigate(t)
		}
		return ok, fmt.Sprintf("%s at %s: %s; the page shows:\n%s", what, u.url, why, indent(text))
	})
}

// await waits until a person sees every one of want on the page: in its
// text and, for the Markdown the UI renders in frames, inside the frame's
// visible box (the UI sizes those frames itself and can cut lines off).
func (u *uiPage) await(t *testing.T, what string, want ...string) {
	t.Helper()
	u.poll(t, what, func(text string) (bool, string) {
		for _, w := range want {
			if !strings.Contains(text, w) {
				return false, fmt.Sprintf("%q is not shown", w)
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		found, err := u.p.Shown(ctx, want...)
		if err != nil {
			return false, err.Error()
		}
		for _, f := range found {
			if !f.Shown {
				return false, fmt.Sprintf("%q is not visible: %s", f.Text, f.Why)
			}
		}
		return true, ""
	})
}

// refuse fails if the page, as last read, shows any of bad.
func (u *uiPage) refuse(t *testing.T, what string, bad ...string) {
	t.Helper()
	for _, b := range bad {
		if strings.Contains(u.text, b) {
			t.Errorf("%s, but %s shows %q:\n%s", what, u.url, b, indent(u.text))
		}
	}
}

// awaitList waits until the workflow list has loaded its rows and shows
// every one of want and none of absent.
func (u *uiPage) awaitList(t *testing.T, what string, want, absent []string) {
	t.Helper()
	u.poll(t, what, func(text string) (bool, string) {
		// The table's header shows once the rows have been fetched.
		if !strings.Contains(text, "Workflow ID") {
			return false, "the list of workflows has not loaded"
		}
		for _, w := range want {
			if !strings.Contains(text, w) {
				return false, fmt.Sprintf("%s is not listed", w)
			}
		}
		for _, a := range absent {
			if strings.Contains(text, a) {
				return false, fmt.Sprintf("%s is listed but should not be", a)
			}
		}
		return true, ""
	})
}

func indent(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 4000 {
		s = s[:4000] + " …"
	}
	return "\t" + strings.ReplaceAll(s, "\n", "\n\t")
}
