package starter

import (
	"io"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/mocks"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

const testQueue = "hubspot-list-sync"

// catalog knows connectors "acme-vip" (list 123) and "globex" (list 456).
var testCatalog = CatalogFunc(func(connectorID, audienceID string) (contract.SyncInput, error) {
	lists := map[string]string{"acme-vip": "123", "globex": "456"}
	l, ok := lists[connectorID]
	if !ok {
		return contract.SyncInput{}, &unknownConnector{connectorID}
	}
	return contract.SyncInput{AudienceID: audienceID, ConnectorID: connectorID, ListID: l, MaxBatchSize: 500}, nil
})

type unknownConnector struct{ id string }

func (e *unknownConnector) Error() string { return "unknown connector " + e.id }

func newTestStarter(t *testing.T) (*Starter, *mocks.Client) {
	t.Helper()
	c := mocks.NewClient(t)
	s := New(c, testQueue, testCatalog)
	s.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	s.ActivationWait = -1 // waiting queries the workflow: tested on a real server
	return s, c
}

// encoded returns v as a query result, through the default (JSON) data
// converter as the real client does.
func encoded(t *testing.T, v any) converter.EncodedValue {
	t.Helper()
	p, err := converter.GetDefaultDataConverter().ToPayloads(v)
	if err != nil {
		t.Fatal(err)
	}
	return client.NewValue(p)
}

// expectConnectors makes the audience workflow answer QueryConnectors.
func expectConnectors(t *testing.T, c *mocks.Client, audienceID string, connectorIDs ...string) {
	t.Helper()
	st := contract.AudienceStatus{AudienceID: audienceID, Forwarded: 7}
	for _, id := range connectorIDs {
		in, _ := testCatalog(id, audienceID)
		st.Connectors = append(st.Connectors, in)
	}
	c.On("QueryWorkflow", mock.Anything, contract.AudienceWorkflowID(audienceID), "", contract.QueryConnectors).
		Return(encoded(t, st), nil).Once()
}
