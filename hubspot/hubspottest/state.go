package hubspottest

import (
	"fmt"
	"slices"
	"strconv"
	"time"
)

// Object type IDs HubSpot uses; the product only needs contacts.
const contactObjectType = "0-1"

// Processing types of HubSpot lists.
const (
	ProcessingManual   = "MANUAL"
	ProcessingSnapshot = "SNAPSHOT"
	ProcessingDynamic  = "DYNAMIC"
)

// portal is one HubSpot account.
type portal struct {
	id      int64
	records map[string]map[int64]struct{} // objectTypeId -> existing record IDs
	lists   map[string]*list
}

// list is one HubSpot list; members map record ID to join time.
type list struct {
	id               string
	name             string
	objectTypeID     string
	processingType   string
	version          int
	createdAt        time.Time
	updatedAt        time.Time
	filtersUpdatedAt time.Time
	lastAddedAt      time.Time
	lastRemovedAt    time.Time
	filterBranch     []byte // raw JSON as the client sent it; never evaluated
	members          map[int64]time.Time
	// sorted caches the members in ascending order between changes: paging
	// a list of a million members must not sort it for every page.
	sorted []int64
}

func (l *list) setMember(id int64, t time.Time) {
	if _, ok := l.members[id]; !ok {
		l.sorted = nil
	}
	l.members[id] = t
}

func (l *list) dropMember(id int64) {
	if _, ok := l.members[id]; ok {
		l.sorted = nil
		delete(l.members, id)
	}
}

func (l *list) clearMembers() {
	l.members = map[int64]time.Time{}
	l.sorted = nil
}

// ListInfo is a snapshot of a list for tests.
type ListInfo struct {
	ListID         string
	Name           string
	ObjectTypeID   string
	ProcessingType string
	Size           int
	Version        int
}

func (l *list) info() ListInfo {
	return ListInfo{ListID: l.id, Name: l.name, ObjectTypeID: l.objectTypeID,
		ProcessingType: l.processingType, Size: len(l.members), Version: l.version}
}

// sortedMembers is the members ascending; callers must not modify it.
func (l *list) sortedMembers() []int64 {
	if l.sorted == nil {
		ids := make([]int64, 0, len(l.members))
		for id := range l.members {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		l.sorted = ids
	}
	return l.sorted
}

// portalLocked returns the portal, creating it; callers hold e.mu.
func (e *Emulator) portalLocked(id int64) *portal {
	p := e.portals[id]
	if p == nil {
		p = &portal{id: id, records: map[string]map[int64]struct{}{}, lists: map[string]*list{}}
		e.portals[id] = p
	}
	return p
}

func (p *portal) recordExists(objectTypeID string, id int64) bool {
	_, ok := p.records[objectTypeID][id]
	return ok
}

// findListByName enforces HubSpot's rule that names are unique per portal and object type.
func (p *portal) findListByName(objectTypeID, name string) *list {
	for _, l := range p.lists {
		if l.objectTypeID == objectTypeID && l.name == name {
			return l
		}
	}
	return nil
}

// newListLocked creates a list; callers hold e.mu and have checked the name.
func (e *Emulator) newListLocked(p *portal, name, objectTypeID, processingType string, filterBranch []byte) *list {
	e.nextListID++
	now := e.cfg.now()
	l := &list{id: strconv.FormatInt(e.nextListID, 10), name: name, objectTypeID: objectTypeID,
		processingType: processingType, version: 1, createdAt: now, updatedAt: now,
		filterBranch: filterBranch, members: map[int64]time.Time{}}
	if filterBranch != nil {
		l.filtersUpdatedAt = now
	}
	p.lists[l.id] = l
	return l
}

// AddPortal creates a portal (HubSpot account) if it does not exist.
func (e *Emulator) AddPortal(portalID int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.portalLocked(portalID)
}

// AddContacts makes contact records exist in the portal (creating the portal).
func (e *Emulator) AddContacts(portalID int64, ids ...int64) {
	e.AddRecords(portalID, contactObjectType, ids...)
}

// AddRecords makes records of any object type exist, for lists of other objects.
func (e *Emulator) AddRecords(portalID int64, objectTypeID string, ids ...int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.portalLocked(portalID)
	set := p.records[objectTypeID]
	if set == nil {
		set = make(map[int64]struct{}, len(ids))
		p.records[objectTypeID] = set
	}
	for _, id := range ids {
		set[id] = struct{}{}
	}
}

// AddContactRange adds contacts from..to inclusive.
func (e *Emulator) AddContactRange(portalID, from, to int64) {
	if to < from {
		return
	}
	ids := make([]int64, 0, to-from+1)
	for id := from; id <= to; id++ {
		ids = append(ids, id)
	}
	e.AddContacts(portalID, ids...)
}

// DeleteContacts removes contacts; like a deleted HubSpot record they also leave every list.
func (e *Emulator) DeleteContacts(portalID int64, ids ...int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.portals[portalID]
	if p == nil {
		return
	}
	for _, id := range ids {
		delete(p.records[contactObjectType], id)
		for _, l := range p.lists {
			if l.objectTypeID == contactObjectType {
				l.dropMember(id)
			}
		}
	}
}

// CreateList creates a contact list and returns its ID. It panics on a
// duplicate name or unknown processing type, because that is a bug in the test.
func (e *Emulator) CreateList(portalID int64, name, processingType string) string {
	id, err := e.createList(portalID, name, contactObjectType, processingType)
	if err != nil {
		panic(err)
	}
	return id
}

func (e *Emulator) createList(portalID int64, name, objectTypeID, processingType string) (string, error) {
	if !validProcessingType(processingType) {
		return "", fmt.Errorf("hubspottest: unknown processingType %q", processingType)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.portalLocked(portalID)
	if p.findListByName(objectTypeID, name) != nil {
		return "", fmt.Errorf("hubspottest: a list named %q already exists in portal %d", name, portalID)
	}
	return e.newListLocked(p, name, objectTypeID, processingType, nil).id, nil
}

func validProcessingType(t string) bool {
	return t == ProcessingManual || t == ProcessingSnapshot || t == ProcessingDynamic
}

// AddMembers puts records into a list directly (any processing type, no
// existence check), for seeding a starting state.
func (e *Emulator) AddMembers(portalID int64, listID string, ids ...int64) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	l := e.listLocked(portalID, listID)
	if l == nil {
		return fmt.Errorf("hubspottest: no list %s in portal %d", listID, portalID)
	}
	now := e.cfg.now()
	for _, id := range ids {
		if _, ok := l.members[id]; !ok {
			l.setMember(id, now)
		}
	}
	return nil
}

// RemoveMembers takes records out of a list directly, as a person editing
// it in HubSpot would (a list drifting behind the sync's back).
func (e *Emulator) RemoveMembers(portalID int64, listID string, ids ...int64) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	l := e.listLocked(portalID, listID)
	if l == nil {
		return fmt.Errorf("hubspottest: no list %s in portal %d", listID, portalID)
	}
	for _, id := range ids {
		l.dropMember(id)
	}
	return nil
}

// Members returns the list's record IDs in ascending order, or nil if there is no such list.
func (e *Emulator) Members(portalID int64, listID string) []int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	l := e.listLocked(portalID, listID)
	if l == nil {
		return nil
	}
	return slices.Clone(l.sortedMembers())
}

// ListInfo returns a snapshot of a list.
func (e *Emulator) ListInfo(portalID int64, listID string) (ListInfo, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	l := e.listLocked(portalID, listID)
	if l == nil {
		return ListInfo{}, false
	}
	return l.info(), true
}

// DeleteList removes a list; it reports whether the list existed.
func (e *Emulator) DeleteList(portalID int64, listID string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.portals[portalID]
	if p == nil || p.lists[listID] == nil {
		return false
	}
	delete(p.lists, listID)
	return true
}

func (e *Emulator) listLocked(portalID int64, listID string) *list {
	p := e.portals[portalID]
	if p == nil {
		return nil
	}
	return p.lists[listID]
}
