package audience

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// The Web UI text is a pure function of the status the connectors query
// answers: what a person reads is what a script reads.
func TestAudienceDetailsArePureFunctionsOfStatus(t *testing.T) {
	full := contract.AudienceStatus{AudienceID: "aud", Connectors: []contract.SyncInput{{ConnectorID: "conn", ListID: "9"}},
		Flows: []contract.ConnectorFlow{{ConnectorID: "conn", MaxBacklog: 10, Sent: 10}}, Queued: 5, Waiting: 2}
	a := AudienceDetails(full)
	require.Contains(t, a, "backlog about 10 of 10 IDs · **full: senders wait until it drains**")
	require.Contains(t, a, "**Queue:** 5 IDs waiting for room · 2 senders held")
	require.Equal(t, a, AudienceDetails(full), "the same status, the same text")
}
