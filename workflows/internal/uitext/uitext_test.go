package uitext

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

func TestStaticDetailsNameEverythingButSecrets(t *testing.T) {
	d := SyncStaticDetails(contract.SyncInput{AudienceID: "a", ConnectorID: "c", ListID: "7", Account: "acme", FlushInterval: 2 * time.Second})
	for _, want := range []string{"**Audience:** a", "**Connector:** c", "**HubSpot account:** acme", "**List:** 7", "credentials stay in the worker",
		"**Flush interval:** 2s", "**Batch size:** 500", "**Max backlog:** 50,000 IDs"} {
		assert.Contains(t, d, want)
	}
	assert.Equal(t, "Sync audience a → HubSpot list 7 (connector c)", SyncSummary(contract.SyncInput{AudienceID: "a", ConnectorID: "c", ListID: "7"}))
	assert.Equal(t, "1,234,567", Thousands(1234567))
	require.Equal(t, "-1,000", Thousands(-1000))
}
