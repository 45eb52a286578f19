package starter

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/api/serviceerror"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

func TestStatusQueriesEachConnector(t *testing.T) {
	s, c := newTestStarter(t)
	expectConnectors(t, c, "aud-1", "acme-vip", "globex")
	c.On("QueryWorkflow", mock.Anything, "hubspot-sync/aud-1/acme-vip", "", contract.QueryStatus).
		Return(encoded(t, contract.Status{State: contract.StateActive, ConnectorID: "acme-vip", ListID: "999",
			Counters: contract.Counters{TotalAdded: 5}}), nil).Once()
	c.On("QueryWorkflow", mock.Anything, "hubspot-sync/aud-1/globex", "", contract.QueryStatus).
		Return(nil, serviceerror.NewNotFound("gone")).Once()

	rep, err := s.Status(context.Background(), "aud-1")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Audience.Forwarded != 7 || len(rep.Connectors) != 2 {
		t.Fatalf("report %+v", rep)
	}
	a, g := rep.Connectors[0], rep.Connectors[1]
	if a.Status == nil || a.Status.TotalAdded != 5 || a.Status.ListID != "999" || a.ListID != "123" || a.Error != "" {
		t.Errorf("acme-vip %+v", a)
	}
	if g.Status != nil || !errors.Is(g.Err(), ErrConnectorNotActive) || !strings.Contains(g.Error, "globex") {
		t.Errorf("globex %+v", g)
	}
}

func TestStatusAudienceNotActive(t *testing.T) {
	s, c := newTestStarter(t)
	c.On("QueryWorkflow", mock.Anything, "hubspot-audience/nope", "", contract.QueryConnectors).
		Return(nil, serviceerror.NewNotFound("not found")).Once()
	if _, err := s.Status(context.Background(), "nope"); !errors.Is(err, ErrAudienceNotActive) {
		t.Fatalf("err = %v", err)
	}
}

func TestConnectorStatusNotActive(t *testing.T) {
	s, c := newTestStarter(t)
	c.On("QueryWorkflow", mock.Anything, "hubspot-sync/aud-1/x", "", contract.QueryStatus).
		Return(nil, serviceerror.NewNotFound("not found")).Once()
	_, err := s.ConnectorStatus(context.Background(), "aud-1", "x")
	if !errors.Is(err, ErrConnectorNotActive) || errors.Is(err, ErrAudienceNotActive) {
		t.Fatalf("err = %v", err)
	}
}

func TestStatusOtherErrorsAreWrapped(t *testing.T) {
	s, c := newTestStarter(t)
	c.On("QueryWorkflow", mock.Anything, "hubspot-audience/aud-1", "", contract.QueryConnectors).
		Return(nil, context.DeadlineExceeded).Once()
	_, err := s.Status(context.Background(), "aud-1")
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrAudienceNotActive) || !strings.Contains(err.Error(), `task queue "hubspot-list-sync"`) {
		t.Fatalf("err = %v", err)
	}
}
