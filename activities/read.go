package activities

import (
	"context"
	"fmt"

	"go.temporal.io/sdk/activity"

	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/hubspot"
)

// ListReader reads one page of a list's members; *hubspot.Client is one.
// The connectors' writers are asked for it, as one client does both.
type ListReader interface {
	ListMembershipsPage(ctx context.Context, listID, after string, limit int) (hubspot.MembershipPage, error)
}

// ReadListPage reads one page (250 members, ascending) of the live list
// for a reconcile. One page per activity keeps reads in the account's
// budget like writes (the account queue's rate counts activities), and
// keeps the cursor in the workflow: after a worker dies, the page is read
// again from the same cursor on another worker, nothing before it.
func (m *Membership) ReadListPage(ctx context.Context, req contract.ReadPageRequest) (contract.ReadPageResult, error) {
	log := activity.GetLogger(ctx)
	w, ok := m.Connectors.Writer(req.ConnectorID)
	reader, canRead := w.(ListReader)
	if !ok || !canRead {
		return contract.ReadPageResult{}, terminal(fmt.Sprintf("connector %q is not configured on this worker (or cannot read lists): add it to the connectors file and restart, then resume the sync", req.ConnectorID),
			contract.HubSpotFailure{Category: "UNKNOWN_CONNECTOR", Message: "connector " + req.ConnectorID + " is not configured on the worker"}, nil)
	}
	var page hubspot.MembershipPage
	err := sendOnce(ctx, w, func(ctx context.Context) (err error) {
		page, err = reader.ListMembershipsPage(ctx, req.ListID, req.After, hubspot.MaxMembershipPage)
		return err
	})
	// Counted with the writes (activity_type tells them apart): reads
	// spend the same account budget.
	newBatchMetrics(ctx, req.ConnectorID).response(hubspot.MembershipUpdate{RateLimit: page.RateLimit}, err)
	if err != nil {
		log.Warn("reading list page failed", "listId", req.ListID, "after", req.After, "attempt", activity.GetInfo(ctx).Attempt, "error", err)
		return contract.ReadPageResult{}, classify(err)
	}
	out := contract.ReadPageResult{Next: page.Next, Total: page.Total, RecordIDs: make([]int64, len(page.Members))}
	for i, mem := range page.Members {
		out.RecordIDs[i] = mem.RecordID
	}
	if page.Next == req.After && page.Next != "" {
		// A cursor that does not move would read the same page forever.
		return contract.ReadPageResult{}, terminal(fmt.Sprintf("HubSpot answered list %s's page after %q with the same cursor: stopping the read", req.ListID, req.After),
			contract.HubSpotFailure{Category: "PAGING", Message: "the paging cursor did not advance"}, nil)
	}
	log.Debug("list page read", "listId", req.ListID, "members", len(out.RecordIDs), "next", out.Next)
	return out, nil
}
