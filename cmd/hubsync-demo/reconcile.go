package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// reconcileHint writes the demo's connectors file and the audience's
// members (a snapshot) to the data dir, and prints how to drift the list
// behind the sync's back and repair it with a reconcile. The CLI talks to
// Temporal only, so it needs no token.
func reconcileHint(out io.Writer, o options, yaml, audience, listID string, members []int64) error {
	cfgPath := filepath.Join(o.dataDir, "connectors.yaml")
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o644); err != nil {
		return fmt.Errorf("writing the demo's connectors file: %w", err)
	}
	var b strings.Builder
	for _, id := range members {
		b.WriteString(strconv.FormatInt(id, 10) + "\n")
	}
	snapPath := filepath.Join(o.dataDir, "demo-members.txt")
	if err := os.WriteFile(snapPath, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("writing the demo's snapshot: %w", err)
	}
	// Three portal contacts the audience does not hold, to add by hand.
	var extra []string
	for id := int64(o.contacts); id > 0 && len(extra) < 3; id-- {
		if _, found := slices.BinarySearch(members, id); !found {
			extra = append(extra, strconv.FormatInt(id, 10))
		}
	}
	fmt.Fprintf(out, `
try a reconcile: add members to the list behind the sync's back, see the plan, then repair it
  curl -s -X POST http://%s/_emulator/portals/%d/lists/%s/members -d '{"ids":[%s]}'
  export HUBSYNC_CONFIG=%s
  go run ./cmd/hubsync reconcile -plan %s %s %s
  go run ./cmd/hubsync reconcile %s %s %s
`, o.emulatorAddr, demoPortal, listID, strings.Join(extra, ","), cfgPath,
		audience, demoConnector, snapPath, audience, demoConnector, snapPath)
	return nil
}
