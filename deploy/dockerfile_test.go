package deploy

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// instruction is one Dockerfile instruction with continuations joined.
type instruction struct {
	cmd, args string
	stage     int // index of the FROM it belongs to
}

func parseDockerfile(t *testing.T) []instruction {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var out []instruction
	stage := -1
	var cur strings.Builder
	flush := func() {
		line := strings.TrimSpace(cur.String())
		cur.Reset()
		if line == "" {
			return
		}
		cmd, args, _ := strings.Cut(line, " ")
		cmd = strings.ToUpper(cmd)
		if cmd == "FROM" {
			stage++
		}
		out = append(out, instruction{cmd: cmd, args: strings.TrimSpace(args), stage: stage})
	}
	for _, line := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") {
			continue
		}
		if strings.HasSuffix(trimmed, "\\") {
			cur.WriteString(strings.TrimSuffix(trimmed, "\\") + " ")
			continue
		}
		cur.WriteString(trimmed)
		flush()
	}
	flush()
	return out
}

func TestDockerfileRunsAsNonRoot(t *testing.T) {
	t.Parallel()
	ins := parseDockerfile(t)
	last := ins[len(ins)-1].stage
	var user, base string
	for _, in := range ins {
		if in.stage != last {
			continue
		}
		switch in.cmd {
		case "FROM":
			base = in.args
		case "USER":
			user = in.args
		}
	}
	if user == "" {
		t.Fatal("the final stage sets no USER: the worker would run as root")
	}
	uid, _, _ := strings.Cut(user, ":")
	if uid != "65532" {
		t.Errorf("final USER %q, want the numeric non-root 65532", user)
	}
	if !strings.Contains(base, "distroless/static") && !strings.HasPrefix(base, "alpine") {
		t.Errorf("final base %q, want distroless/static or alpine", base)
	}
}

// Every ./cmd/... package the build stage compiles must exist as a main
// package, and the build must be static.
func TestDockerfileBuildsExistingCommands(t *testing.T) {
	t.Parallel()
	var built []string
	static := false
	for _, in := range parseDockerfile(t) {
		if in.stage != 0 {
			continue
		}
		if in.cmd == "ENV" && regexp.MustCompile(`\bCGO_ENABLED=0\b`).MatchString(in.args) {
			static = true
		}
		if in.cmd == "RUN" && strings.Contains(in.args, "go build") {
			built = append(built, regexp.MustCompile(`\./cmd/[A-Za-z0-9_-]+`).FindAllString(in.args, -1)...)
		}
	}
	if !static {
		t.Error("the build stage does not set CGO_ENABLED=0; the distroless/static image has no libc")
	}
	for _, want := range []string{"./cmd/hubsync-worker", "./cmd/hubspot-emulator", "./cmd/hubsync"} {
		found := false
		for _, b := range built {
			found = found || b == want
		}
		if !found {
			t.Errorf("the Dockerfile does not build %s (builds %v)", want, built)
		}
	}
	for _, pkg := range built {
		if !isMainPackage(t, filepath.Join(root, pkg)) {
			t.Errorf("the Dockerfile builds %s, which is not a main package in this repository", pkg)
		}
	}
}

func isMainPackage(t *testing.T, dir string) bool {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if regexp.MustCompile(`(?m)^package main$`).Match(b) {
			return true
		}
	}
	return false
}

// Files the build copies by name must exist, and the build context must
// leave out the Temporal CLI (250 MB) and token stores.
func TestDockerfileInputs(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat(filepath.Join(root, "examples", "connectors.yaml")); err != nil {
		t.Error(err)
	}
	b, err := os.ReadFile(filepath.Join(root, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{".bin", ".tokens", ".git"} {
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(want) + `$`).Match(b) {
			t.Errorf(".dockerignore does not exclude %s", want)
		}
	}
}
