package testenv

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/audiencesync/hubspot-list-sync/hubspot"
	"github.com/audiencesync/hubspot-list-sync/hubspot/hubspottest"
	"github.com/audiencesync/hubspot-list-sync/internal/speccheck"
)

// Emulator is a HubSpot emulator behind the spec validator, with one portal
// whose contacts are 1..Contacts.
type Emulator struct {
	*hubspottest.Emulator
	URL string
}

// StartEmulator serves a fresh emulator on loopback for the test.
func StartEmulator(t testing.TB, opts ...hubspottest.Option) *Emulator {
	t.Helper()
	emu := hubspottest.New(opts...)
	srv := httptest.NewServer(speccheck.Middleware(t, emu.Handler()))
	t.Cleanup(func() { emu.Close(); srv.Close() })
	return &Emulator{Emulator: emu, URL: srv.URL}
}

// Client returns a HubSpot client for the portal with a fresh private-app
// token holding the list scopes.
func (e *Emulator) Client(t testing.TB, portalID int64) *hubspot.Client {
	t.Helper()
	token := e.NewPrivateAppToken(portalID, "crm.lists.read", "crm.lists.write")
	c, err := hubspot.New(hubspot.Config{BaseURL: e.URL, HTTPClient: hubspot.NewPrivateAppHTTPClient(token, nil), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
