package deploy

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// secretName matches environment variables that carry credentials.
var secretName = regexp.MustCompile(`(?i)(PASSWORD|PWD|SECRET|TOKEN|API_KEY|PRIVATE_KEY)$`)

// reference is a value taken from the host environment without a default:
// ${VAR} or ${VAR:?message} / ${VAR?message}.
var reference = regexp.MustCompile(`^\$\{[A-Za-z_][A-Za-z0-9_]*(:?\?[^}]*)?\}$`)

// literalSecret matches values that are secrets whatever their name: HubSpot
// tokens and long random-looking strings.
var literalSecret = regexp.MustCompile(`(?i)^(pat-|bearer )|^[A-Za-z0-9+/_=-]{32,}$`)

// rawEnvironments reads every service's environment from the file as
// written, before interpolation: a literal secret is a literal whatever
// the host environment holds.
func rawEnvironments(t *testing.T) map[string]map[string]*string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Services map[string]struct {
			Environment yaml.Node `yaml:"environment"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]*string{}
	for name, s := range doc.Services {
		env := map[string]*string{}
		n := s.Environment
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				v := n.Content[i+1]
				if v.Tag == "!!null" {
					env[n.Content[i].Value] = nil
				} else {
					env[n.Content[i].Value] = &v.Value
				}
			}
		case yaml.SequenceNode:
			for _, item := range n.Content {
				k, v, ok := strings.Cut(item.Value, "=")
				if ok {
					env[k] = &v
				} else {
					env[k] = nil
				}
			}
		}
		out[name] = env
	}
	return out
}

func TestComposeHasNoLiteralSecrets(t *testing.T) {
	t.Parallel()
	envs := rawEnvironments(t)
	if len(envs) == 0 {
		t.Fatal("no services read")
	}
	for svc, env := range envs {
		for k, v := range env {
			if v == nil {
				continue // passed through from the host
			}
			if secretName.MatchString(k) && !reference.MatchString(*v) {
				t.Errorf("%s: %s=%q is written in the file; take it from the host as ${%s} or ${%s:?message}, or list it without a value", svc, k, *v, k, k)
			}
			if literalSecret.MatchString(*v) {
				t.Errorf("%s: %s holds a value that looks like a secret", svc, k)
			}
		}
	}
}

// The password has no default: compose refuses to start without it.
func TestComposeRequiresPostgresPassword(t *testing.T) {
	t.Parallel()
	_, err := loadCompose(t, nil)
	if err == nil || !strings.Contains(err.Error(), "POSTGRES_PASSWORD") {
		t.Fatalf("loading without POSTGRES_PASSWORD: %v, want an error naming it", err)
	}
}

// Interpolated values are checked too, so a default such as
// ${X:-pat-...} cannot hide a token.
func TestComposeInterpolatedValuesHoldNoSecrets(t *testing.T) {
	t.Parallel()
	p := demoProject(t)
	for _, s := range p.Services {
		for k, v := range s.Environment {
			if v != nil && *v != "test-only" && literalSecret.MatchString(*v) {
				t.Errorf("%s: %s resolves to a value that looks like a secret", s.Name, k)
			}
		}
	}
}
