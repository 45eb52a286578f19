package deploy

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/audiencesync/hubspot-list-sync/config"
)

const root = ".."

// loadCompose loads docker-compose.yml as `docker compose` would, with only
// the given environment (never the developer's), so results are stable.
func loadCompose(t *testing.T, env map[string]string, profiles ...string) (*types.Project, error) {
	t.Helper()
	var kv []string
	for k, v := range env {
		kv = append(kv, k+"="+v)
	}
	opts, err := cli.NewProjectOptions([]string{filepath.Join(root, "docker-compose.yml")},
		cli.WithWorkingDirectory(root), cli.WithEnv(kv), cli.WithProfiles(profiles))
	if err != nil {
		t.Fatal(err)
	}
	return cli.ProjectFromOptions(context.Background(), opts)
}

func demoProject(t *testing.T) *types.Project {
	t.Helper()
	p, err := loadCompose(t, map[string]string{"POSTGRES_PASSWORD": "test-only"}, "demo")
	if err != nil {
		t.Fatalf("docker-compose.yml does not load: %v", err)
	}
	return p
}

func service(t *testing.T, p *types.Project, name string) types.ServiceConfig {
	t.Helper()
	s, err := p.GetService(name)
	if err != nil {
		t.Fatalf("service %s: %v (have %v)", name, err, p.ServiceNames())
	}
	return s
}

func TestComposeServices(t *testing.T) {
	t.Parallel()
	p := demoProject(t)
	got := p.ServiceNames()
	slices.Sort(got)
	want := []string{"hubspot-emulator", "postgresql", "temporal", "temporal-search-attributes", "temporal-ui", "worker"}
	if !slices.Equal(got, want) {
		t.Fatalf("services %v, want %v", got, want)
	}
	images := map[string]string{"postgresql": "postgres:16", "temporal": "temporalio/auto-setup:", "temporal-ui": "temporalio/ui:"}
	for name, prefix := range images {
		if img := service(t, p, name).Image; !strings.HasPrefix(img, prefix) {
			t.Errorf("%s image %q, want %s...", name, img, prefix)
		}
	}
	absRoot, _ := filepath.Abs(root)
	for _, name := range []string{"worker", "hubspot-emulator"} {
		s := service(t, p, name)
		if s.Build == nil || filepath.Clean(s.Build.Context) != absRoot {
			t.Errorf("%s must build the repository's Dockerfile, build = %+v", name, s.Build)
		}
	}
	if env := service(t, p, "temporal").Environment; deref(env["DB"]) != "postgres12" || deref(env["POSTGRES_SEEDS"]) != "postgresql" {
		t.Errorf("temporal must use the postgresql service: %v", env)
	}
}

func TestComposePorts(t *testing.T) {
	t.Parallel()
	p := demoProject(t)
	want := map[string]uint32{"temporal": 7233, "temporal-ui": 8080, "hubspot-emulator": 8090}
	for name, port := range want {
		found := false
		for _, pc := range service(t, p, name).Ports {
			if pc.Target == port && pc.Published == strconv.FormatUint(uint64(port), 10) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s does not publish %d: %+v", name, port, service(t, p, name).Ports)
		}
	}
	// Nothing here has authentication: publish on loopback only.
	for _, s := range p.Services {
		for _, pc := range s.Ports {
			if pc.HostIP != "127.0.0.1" {
				t.Errorf("%s publishes %d on %q; bind it to 127.0.0.1", s.Name, pc.Target, pc.HostIP)
			}
		}
	}
}

func TestComposeDependencies(t *testing.T) {
	t.Parallel()
	p := demoProject(t)
	type dep struct{ from, to, condition string }
	for _, d := range []dep{
		{"temporal", "postgresql", types.ServiceConditionHealthy},
		{"temporal-ui", "temporal", types.ServiceConditionStarted},
		{"worker", "temporal", types.ServiceConditionStarted},
		{"temporal-search-attributes", "temporal", types.ServiceConditionStarted},
		// The worker refuses to start without the search attributes.
		{"worker", "temporal-search-attributes", types.ServiceConditionCompletedSuccessfully},
		{"worker", "hubspot-emulator", types.ServiceConditionStarted},
	} {
		got, ok := service(t, p, d.from).DependsOn[d.to]
		if !ok || got.Condition != d.condition {
			t.Errorf("%s depends_on %s = %+v (present %v), want condition %s", d.from, d.to, got, ok, d.condition)
		}
	}
	if len(service(t, p, "postgresql").HealthCheck.Test) == 0 {
		t.Error("postgresql has no healthcheck, but temporal waits for service_healthy")
	}
}

// Without the demo profile the emulator is not started and the worker's
// optional dependency on it must not break the project.
func TestComposeWithoutDemoProfile(t *testing.T) {
	t.Parallel()
	p, err := loadCompose(t, map[string]string{"POSTGRES_PASSWORD": "test-only"})
	if err != nil {
		t.Fatalf("loading without the demo profile: %v", err)
	}
	if _, err := p.GetService("hubspot-emulator"); err == nil {
		t.Error("the emulator runs outside the demo profile")
	}
	if _, err := p.GetService("worker"); err != nil {
		t.Error(err)
	}
}

func TestComposeWorker(t *testing.T) {
	t.Parallel()
	p := demoProject(t)
	w := service(t, p, "worker")
	if len(w.Command) == 0 || w.Command[0] != "hubsync-worker" {
		t.Errorf("worker command %v, want hubsync-worker ...", w.Command)
	}
	if got := deref(w.Environment["TEMPORAL_ADDRESS"]); got != "temporal:7233" {
		t.Errorf("worker TEMPORAL_ADDRESS = %q", got)
	}
	cfgPath := deref(w.Environment["HUBSYNC_CONFIG"])
	if cfgPath == "" {
		t.Fatal("worker has no HUBSYNC_CONFIG")
	}
	var mounted string
	for _, v := range w.Volumes {
		if v.Target == cfgPath {
			mounted = v.Source
			if !v.ReadOnly {
				t.Error("the connectors file is mounted writable; mount it :ro")
			}
		}
	}
	if mounted == "" {
		t.Fatalf("nothing is mounted at HUBSYNC_CONFIG=%s: %+v", cfgPath, w.Volumes)
	}
	// The default mount is the documented example, which must load.
	if _, err := config.LoadWithEnv(mounted, func(string) string { return "" }); err != nil {
		t.Errorf("the mounted default connectors file does not load: %v", err)
	}
	checkFlags(t, "cmd/hubsync-worker/main.go", w.Command[1:])
}

// The demo config must reach the emulator service on the port it listens on,
// and the emulator must be started with flags it has.
func TestComposeDemoWiring(t *testing.T) {
	t.Parallel()
	p := demoProject(t)
	emu := service(t, p, "hubspot-emulator")
	if len(emu.Command) == 0 || emu.Command[0] != "hubspot-emulator" || !slices.Contains(emu.Command, "-demo") {
		t.Fatalf("emulator command %v, want hubspot-emulator ... -demo", emu.Command)
	}
	checkFlags(t, "cmd/hubspot-emulator/main.go", emu.Command[1:])
	addr := emu.Command[slices.Index(emu.Command, "-addr")+1]
	if !strings.HasPrefix(addr, "0.0.0.0:") {
		t.Errorf("emulator listens on %s; other containers cannot reach a loopback address", addr)
	}
	f, err := config.LoadWithEnv(filepath.Join(root, "examples", "connectors.demo.yaml"), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(f.Accounts[0].BaseURL)
	if err != nil {
		t.Fatal(err)
	}
	if u.Hostname() != "hubspot-emulator" || ":"+u.Port() != addr[strings.LastIndex(addr, ":"):] {
		t.Errorf("demo baseUrl %s does not match the emulator service at %s", u, addr)
	}
	// Every secret variable the demo config names is passed to the worker.
	w := service(t, p, "worker")
	for _, a := range f.Accounts {
		for _, name := range []string{a.Auth.TokenEnv, a.Auth.ClientSecretEnv} {
			if _, ok := w.Environment[name]; name != "" && !ok {
				t.Errorf("the demo config reads %s, which the worker service does not pass through", name)
			}
		}
	}
}

// checkFlags asserts that each -flag in args is defined in the command's
// main.go, so a renamed flag breaks this test rather than the deployment.
func checkFlags(t *testing.T, mainFile string, args []string) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(root, mainFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			continue
		}
		name := strings.TrimLeft(strings.SplitN(a, "=", 2)[0], "-")
		def := regexp.MustCompile(`\.(String|Bool|Int|Int64|Duration|Float64)(Var)?\([^"]*"` + regexp.QuoteMeta(name) + `"`)
		if !def.Match(src) {
			t.Errorf("%s defines no flag -%s", mainFile, name)
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// The Temporal service loads the dynamic config that gives task queues one
// partition, so an account queue's TaskQueueActivitiesPerSecond is
// dispatched in full.
func TestComposeTemporalHasOnePartitionPerQueue(t *testing.T) {
	p := demoProject(t)
	svc, err := p.GetService("temporal")
	if err != nil {
		t.Fatal(err)
	}
	path := svc.Environment["DYNAMIC_CONFIG_FILE_PATH"]
	if path == nil || *path != "config/dynamicconfig/hubsync.yaml" {
		t.Fatalf("DYNAMIC_CONFIG_FILE_PATH = %v, want config/dynamicconfig/hubsync.yaml", path)
	}
	mounted := false
	for _, v := range svc.Volumes {
		if v.Target == "/etc/temporal/config/dynamicconfig/hubsync.yaml" && strings.HasSuffix(v.Source, "deploy/temporal-dynamicconfig.yaml") && v.ReadOnly {
			mounted = true
		}
	}
	if !mounted {
		t.Fatalf("deploy/temporal-dynamicconfig.yaml is not mounted read-only at /etc/temporal/config/dynamicconfig/hubsync.yaml: %+v", svc.Volumes)
	}
	b, err := os.ReadFile("temporal-dynamicconfig.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"matching.numTaskqueueReadPartitions:\n  - value: 1", "matching.numTaskqueueWritePartitions:\n  - value: 1"} {
		if !strings.Contains(string(b), key) {
			t.Errorf("temporal-dynamicconfig.yaml does not set %q", key)
		}
	}
}
