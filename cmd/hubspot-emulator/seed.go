package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/audiencesync/hubspot-list-sync/hubspot/hubspottest"
)

// seedFile is the -seed format:
//
//	{"portals":[{"portalId":1,"contacts":{"from":1,"to":1000},"contactIds":[5000],
//	   "lists":[{"name":"Audience","processingType":"MANUAL","members":[1,2]}],
//	   "privateAppTokens":[{"token":"pat-na1-demo","scopes":["crm.lists.read","crm.lists.write"]}]}],
//	 "oauthApps":[{"clientId":"demo","clientSecret":"demo-secret"}]}
type seedFile struct {
	Portals []struct {
		PortalID int64 `json:"portalId"`
		Contacts *struct {
			From int64 `json:"from"`
			To   int64 `json:"to"`
		} `json:"contacts"`
		ContactIDs []int64 `json:"contactIds"`
		Lists      []struct {
			Name           string  `json:"name"`
			ProcessingType string  `json:"processingType"`
			Members        []int64 `json:"members"`
		} `json:"lists"`
		PrivateAppTokens []struct {
			Token  string   `json:"token"`
			Scopes []string `json:"scopes"`
		} `json:"privateAppTokens"`
	} `json:"portals"`
	OAuthApps []struct {
		ClientID     string `json:"clientId"`
		ClientSecret string `json:"clientSecret"`
	} `json:"oauthApps"`
}

func applySeedFile(e *hubspottest.Emulator, path string, log *slog.Logger) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields() // a typo in a seed file should fail loudly
	var s seedFile
	if err := d.Decode(&s); err != nil {
		return fmt.Errorf("seed file %s: %w", path, err)
	}
	for i, p := range s.Portals {
		if p.PortalID <= 0 {
			return fmt.Errorf("seed file %s: portals[%d].portalId must be positive", path, i)
		}
		e.AddPortal(p.PortalID)
		if p.Contacts != nil {
			e.AddContactRange(p.PortalID, p.Contacts.From, p.Contacts.To)
		}
		e.AddContacts(p.PortalID, p.ContactIDs...)
		for j, l := range p.Lists {
			if l.ProcessingType == "" {
				l.ProcessingType = hubspottest.ProcessingManual
			}
			id, err := createList(e, p.PortalID, l.Name, l.ProcessingType)
			if err != nil {
				return fmt.Errorf("seed file %s: portals[%d].lists[%d]: %w", path, i, j, err)
			}
			if err := e.AddMembers(p.PortalID, id, l.Members...); err != nil {
				return err
			}
			log.Info("seeded list", "portalId", p.PortalID, "listId", id, "name", l.Name)
		}
		for j, t := range p.PrivateAppTokens {
			if t.Token == "" {
				return fmt.Errorf("seed file %s: portals[%d].privateAppTokens[%d].token is empty", path, i, j)
			}
			e.RegisterPrivateAppToken(p.PortalID, t.Token, t.Scopes...)
		}
	}
	for i, a := range s.OAuthApps {
		if a.ClientID == "" || a.ClientSecret == "" {
			return fmt.Errorf("seed file %s: oauthApps[%d] needs clientId and clientSecret", path, i)
		}
		e.RegisterOAuthApp(a.ClientID, a.ClientSecret)
	}
	return nil
}

// createList turns CreateList's panic (a bug in a Go test) into an error (a bad seed file).
func createList(e *hubspottest.Emulator, portalID int64, name, processingType string) (id string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return e.CreateList(portalID, name, processingType), nil
}

// Demo credentials are emulator-only fakes, printed so that a developer can paste them.
const (
	demoPortal       = 1
	demoToken        = "pat-na1-00000000-0000-4000-8000-000000000001"
	demoClientID     = "demo-client-id"
	demoClientSecret = "demo-client-secret"
)

func seedDemo(e *hubspottest.Emulator, contacts int64, out io.Writer) {
	scopes := []string{"crm.lists.read", "crm.lists.write", "crm.objects.contacts.read", "crm.objects.contacts.write"}
	e.AddPortal(demoPortal)
	e.AddContactRange(demoPortal, 1, contacts)
	listID := e.CreateList(demoPortal, "Demo audience", hubspottest.ProcessingManual)
	e.RegisterPrivateAppToken(demoPortal, demoToken, scopes...)
	e.RegisterOAuthApp(demoClientID, demoClientSecret)
	fmt.Fprintf(out, "demo portal:        %d (contacts 1..%d)\n", demoPortal, contacts)
	fmt.Fprintf(out, "demo MANUAL list:   %s\n", listID)
	fmt.Fprintf(out, "private-app token:  %s\n", demoToken)
	fmt.Fprintf(out, "OAuth client id:    %s\n", demoClientID)
	fmt.Fprintf(out, "OAuth client secret: %s\n", demoClientSecret)
}
