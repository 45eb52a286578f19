package speccheck

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// EnvSpecDir names the environment variable that points at the spec directory.
const EnvSpecDir = "HUBSPOT_SPEC_DIR"

// SpecFiles are the HubSpot specs the checker loads.
var SpecFiles = []string{specLists, specOAuth2026, specOAuthV1}

const (
	specLists     = "lists-2026-03.json"
	specOAuth2026 = "oauth-2026-03.json"
	specOAuthV1   = "oauth-v1.json"
)

// Checker validates requests and responses against the loaded specs.
type Checker struct {
	dir     string
	routers map[string]routers.Router // by spec file
}

var (
	loadOnce sync.Once
	loaded   *Checker
	loadErr  error
)

// Load returns the process-wide Checker, failing the test (never skipping)
// if the specs cannot be found or do not load.
func Load(t testing.TB) *Checker {
	t.Helper()
	loadOnce.Do(func() { loaded, loadErr = load() })
	if loadErr != nil {
		t.Fatalf("speccheck: %v", loadErr)
	}
	return loaded
}

// Dir returns the directory the specs were loaded from.
func (c *Checker) Dir() string { return c.dir }

func load() (*Checker, error) {
	dir, err := FindSpecDir()
	if err != nil {
		return nil, err
	}
	// HubSpot's correlationId is format "uuid"; kin-openapi checks that format only once it is defined.
	openapi3.DefineStringFormatValidator("uuid", openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForUUIDOfRFC9562))
	c := &Checker{dir: dir, routers: map[string]routers.Router{}}
	for _, name := range SpecFiles {
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromFile(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("loading %s: %w", name, err)
		}
		// HubSpot's examples do not always match their own schemas; the schemas are what we check.
		if err := doc.Validate(context.Background(), openapi3.DisableExamplesValidation()); err != nil {
			return nil, fmt.Errorf("validating %s: %w", name, err)
		}
		r, err := legacy.NewRouter(doc, openapi3.DisableExamplesValidation())
		if err != nil {
			return nil, fmt.Errorf("routing %s: %w", name, err)
		}
		c.routers[name] = r
	}
	return c, nil
}

// FindSpecDir resolves the spec directory: $HUBSPOT_SPEC_DIR, else the first
// shared/spec/hubspot found in the working directory or any ancestor (the
// repository normally sits beside ../shared).
func FindSpecDir() (string, error) {
	if d := os.Getenv(EnvSpecDir); d != "" {
		if err := hasSpecs(d); err != nil {
			return "", fmt.Errorf("%s=%s: %w", EnvSpecDir, d, err)
		}
		return d, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	var looked []string
	for d := wd; ; d = filepath.Dir(d) {
		cand := filepath.Join(d, "shared", "spec", "hubspot")
		looked = append(looked, cand)
		if hasSpecs(cand) == nil {
			return cand, nil
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	return "", fmt.Errorf("HubSpot OpenAPI specs (%v) not found; looked in %v; set %s to the directory holding them",
		SpecFiles, looked, EnvSpecDir)
}

func hasSpecs(dir string) error {
	for _, name := range SpecFiles {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	return nil
}
