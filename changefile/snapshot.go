package changefile

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// ReadSnapshot reads an audience's full member set: one HubSpot record ID
// per line, in any order, repeats allowed. Blank lines and lines starting
// with '#' are skipped, as is a first line "recordId" (a one-column CSV
// header). Any other line that is not a record ID fails the whole file
// with its line number: a snapshot missing members would remove them from
// the list, so a partly read snapshot is never used.
func ReadSnapshot(r io.Reader, name string) ([]int64, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var ids []int64
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(strings.TrimSuffix(sc.Text(), ","))
		if s == "" || strings.HasPrefix(s, "#") || line == 1 && strings.EqualFold(strings.Trim(s, `"`), "recordId") {
			continue
		}
		id, ok := contract.ParseRecordID(strings.Trim(s, `"`))
		if !ok {
			return nil, inputErrorf("%s line %d: %.40q is not a HubSpot record ID (a positive decimal integer, one per line); nothing was sent", name, line, s)
		}
		ids = append(ids, id)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading snapshot %s after line %d: %w", name, line, err)
	}
	return ids, nil
}
