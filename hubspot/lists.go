package hubspot

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Processing types of HubSpot lists. Only MANUAL and SNAPSHOT lists accept
// membership writes; DYNAMIC (HubSpot's "active") lists are filter-driven.
const (
	ProcessingManual   = "MANUAL"
	ProcessingSnapshot = "SNAPSHOT"
	ProcessingDynamic  = "DYNAMIC"
)

// ContactsObjectTypeID is HubSpot's object type ID for contacts.
const ContactsObjectTypeID = "0-1"

// List is the part of HubSpot's list definition that sync needs.
type List struct {
	ListID           string    `json:"listId"`
	Name             string    `json:"name"`
	ObjectTypeID     string    `json:"objectTypeId"`
	ProcessingType   string    `json:"processingType"`
	ProcessingStatus string    `json:"processingStatus"`
	ListVersion      int       `json:"listVersion"`
	Size             int64     `json:"size"`
	CreatedAt        time.Time `json:"createdAt"`
	UpdatedAt        time.Time `json:"updatedAt"`
}

// AcceptsMembershipWrites reports whether add-and-remove works on the list.
func (l List) AcceptsMembershipWrites() bool {
	return l.ProcessingType == ProcessingManual || l.ProcessingType == ProcessingSnapshot
}

// CheckWritableContactList says, in words an operator can act on, why a list
// cannot be synced to (nil when it can).
func (l List) CheckWritableContactList() error {
	if l.ObjectTypeID != ContactsObjectTypeID {
		return fmt.Errorf("list %s (%q) holds objects of type %s, not contacts (%s): pick a contact list", l.ListID, l.Name, l.ObjectTypeID, ContactsObjectTypeID)
	}
	if !l.AcceptsMembershipWrites() {
		return fmt.Errorf("list %s (%q) is %s: HubSpot only accepts membership changes on MANUAL or SNAPSHOT lists; create a manual list (hubsync create-list) and retarget", l.ListID, l.Name, l.ProcessingType)
	}
	return nil
}

type listEnvelope struct {
	List List `json:"list"`
}

// GetList fetches a list's definition (GET {listId}).
func (c *Client) GetList(ctx context.Context, listID string) (List, error) {
	if err := checkListID(listID); err != nil {
		return List{}, err
	}
	var resp listEnvelope
	_, err := c.do(ctx, http.MethodGet, "/"+url.PathEscape(listID), nil, nil, &resp)
	return resp.List, err
}

// CreateManualContactList creates a manually managed contact list. HubSpot
// requires names to be unique within the account.
func (c *Client) CreateManualContactList(ctx context.Context, name string) (List, error) {
	if strings.TrimSpace(name) == "" {
		return List{}, fmt.Errorf("%w: list name is empty", ErrInvalidInput)
	}
	body := map[string]string{"name": name, "objectTypeId": ContactsObjectTypeID, "processingType": ProcessingManual}
	var resp listEnvelope
	_, err := c.do(ctx, http.MethodPost, "", nil, body, &resp)
	return resp.List, err
}

// SearchListsRequest filters a list search; zero fields match everything.
type SearchListsRequest struct {
	Query           string   // part of the list name
	ProcessingTypes []string // e.g. MANUAL, SNAPSHOT
	Offset          int
	Count           int // page size, at most 500; default 20
}

// SearchListsResult is one page of a list search.
type SearchListsResult struct {
	Lists      []List
	Total      int
	HasMore    bool
	NextOffset int
}

type searchListsBody struct {
	Query                string   `json:"query,omitempty"`
	ProcessingTypes      []string `json:"processingTypes"`
	ListIDs              []string `json:"listIds"`
	AdditionalProperties []string `json:"additionalProperties"`
	Offset               int      `json:"offset"`
	Count                int      `json:"count,omitempty"`
}

type searchListsResponse struct {
	Lists []struct {
		List
		AdditionalProperties map[string]string `json:"additionalProperties"`
	} `json:"lists"`
	Total   int  `json:"total"`
	HasMore bool `json:"hasMore"`
	Offset  int  `json:"offset"`
}

// SearchLists searches the account's lists (POST search).
func (c *Client) SearchLists(ctx context.Context, req SearchListsRequest) (SearchListsResult, error) {
	if req.Count < 0 || req.Count > 500 || req.Offset < 0 {
		return SearchListsResult{}, fmt.Errorf("%w: search count must be 0..500 and offset >= 0 (got count %d, offset %d)", ErrInvalidInput, req.Count, req.Offset)
	}
	body := searchListsBody{Query: req.Query, ProcessingTypes: req.ProcessingTypes, ListIDs: []string{},
		AdditionalProperties: []string{"hs_list_size"}, Offset: req.Offset, Count: req.Count}
	if body.ProcessingTypes == nil {
		body.ProcessingTypes = []string{}
	}
	var resp searchListsResponse
	if _, err := c.do(ctx, http.MethodPost, "/search", nil, body, &resp); err != nil {
		return SearchListsResult{}, err
	}
	out := SearchListsResult{Total: resp.Total, HasMore: resp.HasMore, NextOffset: resp.Offset}
	for _, l := range resp.Lists {
		list := l.List
		if n, err := strconv.ParseInt(l.AdditionalProperties["hs_list_size"], 10, 64); err == nil {
			list.Size = n
		}
		out.Lists = append(out.Lists, list)
	}
	return out, nil
}
