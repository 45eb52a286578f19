package activities

import (
	"testing"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// ids reads little int64s from b (one byte each keeps collisions likely).
func ids(b []byte) []int64 {
	out := make([]int64, len(b))
	for i, c := range b {
		out[i] = int64(c % 16)
	}
	return out
}

// Whatever HubSpot reports, the batch result holds only IDs the batch
// sent, each at most once, and counts the rest as ignored.
func FuzzResultOf(f *testing.F) {
	f.Add([]byte{1, 2}, []byte{3}, []byte{1}, []byte{3, 3}, []byte{0, 9})
	f.Fuzz(func(t *testing.T, add, remove, added, removed, missing []byte) {
		req := contract.BatchRequest{Add: ids(add), Remove: ids(remove)}
		res, ignored := resultOf(req, ids(added), ids(removed), ids(missing))
		sent := map[int64]bool{}
		for _, id := range append(append([]int64(nil), req.Add...), req.Remove...) {
			sent[id] = true
		}
		seen := map[int64]bool{}
		kept := 0
		for _, l := range [][]int64{res.Added, res.Removed, res.Missing} {
			for _, id := range l {
				if !sent[id] || seen[id] {
					t.Fatalf("result %+v for request %+v: ID %d not sent or reported twice", res, req, id)
				}
				seen[id] = true
				kept++
			}
		}
		if kept+ignored != len(added)+len(removed)+len(missing) {
			t.Fatalf("%d kept + %d ignored != %d reported", kept, ignored, len(added)+len(removed)+len(missing))
		}
	})
}
