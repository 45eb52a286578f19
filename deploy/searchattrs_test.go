package deploy

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"

	"github.com/audiencesync/hubspot-list-sync/config"
	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/internal/testenv"
)

const initService = "temporal-search-attributes"

// initScript is the one-shot service's shell script, as compose hands it
// to `/bin/sh -c` (after interpolation: $$ is $).
func initScript(t *testing.T) string {
	t.Helper()
	s := service(t, demoProject(t), initService)
	if !strings.HasPrefix(s.Image, "temporalio/admin-tools:") {
		t.Errorf("%s image %q, want temporalio/admin-tools:... (it has the temporal CLI)", initService, s.Image)
	}
	if len(s.Entrypoint) != 2 || s.Entrypoint[0] != "/bin/sh" || s.Entrypoint[1] != "-c" || len(s.Command) != 1 {
		t.Fatalf("%s: entrypoint %q command %q, want /bin/sh -c SCRIPT", initService, s.Entrypoint, s.Command)
	}
	if s.Restart != "no" {
		t.Errorf("%s restart %q: a one-shot step must not restart (the worker waits for it to complete)", initService, s.Restart)
	}
	if got := deref(s.Environment["TEMPORAL_ADDRESS"]); got != "temporal:7233" {
		t.Errorf("%s TEMPORAL_ADDRESS = %q, want temporal:7233", initService, got)
	}
	return s.Command[0]
}

// The init step registers every search attribute the workflows set, each
// with its own --type (the CLI pairs --name and --type in order: a single
// --type registers the first name only), on the namespace the worker uses.
func TestComposeRegistersTheSearchAttributes(t *testing.T) {
	t.Parallel()
	script := initScript(t)
	for _, name := range contract.SearchAttributeNames() {
		if !regexp.MustCompile(`--name\s+` + name + `\s+--type\s+Keyword\b`).MatchString(script) {
			t.Errorf("%s does not register %s as Keyword (--name %s --type Keyword):\n%s", initService, name, name, script)
		}
	}
	ns := regexp.MustCompile(`--namespace\s+(\S+)`).FindStringSubmatch(script)
	if ns == nil {
		t.Fatalf("%s names no --namespace:\n%s", initService, script)
	}
	w := service(t, demoProject(t), "worker")
	var mounted string
	for _, v := range w.Volumes {
		if v.Target == deref(w.Environment["HUBSYNC_CONFIG"]) {
			mounted = v.Source
		}
	}
	f, err := config.LoadWithEnv(mounted, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if ns[1] != f.Temporal.Namespace {
		t.Errorf("%s registers the attributes on namespace %q, the worker uses %q", initService, ns[1], f.Temporal.Namespace)
	}
}

// The script itself, run with the pinned Temporal CLI against a dev server
// without the attributes, registers all of them, and a second run (the next
// `docker compose up`) succeeds too.
func TestComposeSearchAttributeScriptRuns(t *testing.T) {
	script := initScript(t)
	tp := testenv.StartBareTemporal(t)
	bin := t.TempDir()
	if err := os.Symlink(testenv.TemporalCLI(t), filepath.Join(bin, "temporal")); err != nil {
		t.Fatal(err)
	}
	for run := 1; run <= 2; run++ {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		cmd := exec.CommandContext(ctx, "/bin/sh", "-c", script)
		cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
			"TEMPORAL_ADDRESS="+tp.Server.FrontendHostPort())
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("run %d of the %s script: %v\n%s", run, initService, err, out)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sa, err := tp.Client.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: "default"})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range contract.SearchAttributeNames() {
		if got := sa.CustomAttributes[name]; got != enumspb.INDEXED_VALUE_TYPE_KEYWORD {
			t.Errorf("after the script, %s is %v, want Keyword", name, got)
		}
	}
}
