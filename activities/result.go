package activities

import "github.com/audiencesync/hubspot-list-sync/contract"

// resultOf keeps HubSpot's per-contact outcome to the IDs the batch sent.
// The activity result lands in workflow history, so it must be bounded by
// the batch (at most MaxMaxBatchSize IDs, about 200 KB) whatever the
// response holds; an ID HubSpot reports that was never sent says nothing
// about this list and is counted in ignored instead.
func resultOf(req contract.BatchRequest, added, removed, missing []int64) (res contract.BatchResult, ignored int) {
	sent := make(map[int64]bool, len(req.Add)+len(req.Remove))
	for _, id := range req.Add {
		sent[id] = true
	}
	for _, id := range req.Remove {
		sent[id] = true
	}
	keep := func(ids []int64) []int64 {
		out := make([]int64, 0, len(ids))
		for _, id := range ids {
			if sent[id] {
				out = append(out, id)
				delete(sent, id) // each ID reported once at most
			} else {
				ignored++
			}
		}
		return out
	}
	return contract.BatchResult{Added: keep(added), Removed: keep(removed), Missing: keep(missing)}, ignored
}
