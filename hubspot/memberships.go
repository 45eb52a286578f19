package hubspot

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// MembershipUpdate is HubSpot's per-contact outcome of one add-and-remove
// request. An ID already in the list (add) or not in it (remove) appears in
// none of the three: HubSpot ignores it.
type MembershipUpdate struct {
	Added     []int64
	Removed   []int64
	Missing   []int64 // not a contact in this account
	RateLimit RateLimit
}

type membershipChange struct {
	RecordIDsToAdd    recordIDs `json:"recordIdsToAdd"`
	RecordIDsToRemove recordIDs `json:"recordIdsToRemove"`
}

type membershipsUpdateResponse struct {
	RecordIDsMissing recordIDs `json:"recordIdsMissing"`
	RecordIDsRemoved recordIDs `json:"recordIdsRemoved"`
	// HubSpot's specs and SDKs spell it "recordsIdsAdded"; an older v3 page
	// shows "recordIdsAdded". Either may arrive.
	RecordsIDsAdded recordIDs `json:"recordsIdsAdded"`
	RecordIDsAdded  recordIDs `json:"recordIdsAdded"`
}

// UpdateMemberships adds and removes contacts in one request (PUT
// {listId}/memberships/add-and-remove). Both sets are always sent, empty or
// not. The input is checked before anything is sent: a list ID, positive
// record IDs, and no ID in both sets.
func (c *Client) UpdateMemberships(ctx context.Context, listID string, add, remove []int64) (MembershipUpdate, error) {
	if err := checkListID(listID); err != nil {
		return MembershipUpdate{}, err
	}
	if err := checkMembershipIDs(add, remove); err != nil {
		return MembershipUpdate{}, err
	}
	body := membershipChange{RecordIDsToAdd: nonNil(add), RecordIDsToRemove: nonNil(remove)}
	var resp membershipsUpdateResponse
	limits, err := c.do(ctx, http.MethodPut, "/"+url.PathEscape(listID)+"/memberships/add-and-remove", nil, body, &resp)
	if err != nil {
		return MembershipUpdate{RateLimit: limits}, err
	}
	added := resp.RecordsIDsAdded
	if len(added) == 0 {
		added = resp.RecordIDsAdded
	}
	return MembershipUpdate{Added: nonNil(added), Removed: nonNil(resp.RecordIDsRemoved), Missing: nonNil(resp.RecordIDsMissing), RateLimit: limits}, nil
}

func nonNil(ids []int64) recordIDs {
	if ids == nil {
		return recordIDs{}
	}
	return ids
}

// MaxMembershipPage is the largest page HubSpot serves when listing members.
const MaxMembershipPage = 250

// Member is one record in a list, with the time it joined.
type Member struct {
	RecordID int64
	JoinedAt time.Time
}

// MembershipPage is one page of a list's members, in ascending record ID.
// Next is the cursor for the following page; empty on the last page.
type MembershipPage struct {
	Members   []Member
	Next      string
	Total     int64
	RateLimit RateLimit
}

type membershipPageResponse struct {
	Results []struct {
		RecordID            recordID  `json:"recordId"`
		MembershipTimestamp time.Time `json:"membershipTimestamp"`
	} `json:"results"`
	Paging *struct {
		Next *struct {
			After string `json:"after"`
		} `json:"next"`
	} `json:"paging"`
	Total int64 `json:"total"`
}

// ListMembershipsPage reads one page of a list's members after the cursor
// (empty for the first page). limit is capped at MaxMembershipPage.
func (c *Client) ListMembershipsPage(ctx context.Context, listID, after string, limit int) (MembershipPage, error) {
	if err := checkListID(listID); err != nil {
		return MembershipPage{}, err
	}
	if limit <= 0 || limit > MaxMembershipPage {
		limit = MaxMembershipPage
	}
	q := url.Values{"limit": {strconv.Itoa(limit)}}
	if after != "" {
		q.Set("after", after)
	}
	var resp membershipPageResponse
	limits, err := c.do(ctx, http.MethodGet, "/"+url.PathEscape(listID)+"/memberships", q, nil, &resp)
	if err != nil {
		return MembershipPage{RateLimit: limits}, err
	}
	page := MembershipPage{Total: resp.Total, RateLimit: limits, Members: make([]Member, 0, len(resp.Results))}
	for _, r := range resp.Results {
		page.Members = append(page.Members, Member{RecordID: int64(r.RecordID), JoinedAt: r.MembershipTimestamp})
	}
	if resp.Paging != nil && resp.Paging.Next != nil {
		page.Next = resp.Paging.Next.After
	}
	return page, nil
}

// AllMembers pages through a whole list (250 a page) and returns its record
// IDs in ascending order.
func (c *Client) AllMembers(ctx context.Context, listID string) ([]int64, error) {
	var ids []int64
	after := ""
	for {
		page, err := c.ListMembershipsPage(ctx, listID, after, MaxMembershipPage)
		if err != nil {
			return ids, fmt.Errorf("reading members of list %s after %d records: %w", listID, len(ids), err)
		}
		for _, m := range page.Members {
			ids = append(ids, m.RecordID)
		}
		if page.Next == "" || page.Next == after {
			return ids, nil
		}
		after = page.Next
	}
}
