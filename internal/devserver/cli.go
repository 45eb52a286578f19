package devserver

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// FindCLI locates the pinned Temporal CLI the way the tests do:
// $TEMPORAL_CLI if set, else .bin/temporal at the repository root (the
// folder with go.mod above the working directory).
func FindCLI() (string, error) {
	if p := os.Getenv("TEMPORAL_CLI"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("TEMPORAL_CLI=%s: %w (point it at the pinned CLI, or unset it to use .bin/temporal)", p, err)
		}
		return p, nil
	}
	root, err := FindRepoRoot()
	if err != nil {
		return "", fmt.Errorf("finding the Temporal CLI: %w (set TEMPORAL_CLI, or run from inside the repository)", err)
	}
	p := filepath.Join(root, ".bin", "temporal")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("the pinned Temporal CLI is missing at %s: build it with scripts/temporal-cli.sh or set TEMPORAL_CLI", p)
	}
	return p, nil
}

// FindRepoRoot walks up from the working directory to the folder with go.mod.
func FindRepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}
