package audiencesync

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

func TestSyncInputDurationsAsStringsOrNanoseconds(t *testing.T) {
	for raw, want := range map[string]time.Duration{
		`{"connectorId":"c","flushInterval":"2s"}`:       2 * time.Second,
		`{"connectorId":"c","flushInterval":"1m30s"}`:    90 * time.Second,
		`{"connectorId":"c","flushInterval":2000000000}`: 2 * time.Second,
		`{"connectorId":"c"}`:                            0,
		`{"connectorId":"c","flushInterval":null}`:       0,
	} {
		var in contract.SyncInput
		require.NoError(t, json.Unmarshal([]byte(raw), &in), raw)
		require.Equal(t, want, in.FlushInterval, raw)
		require.Equal(t, "c", in.ConnectorID, "the other fields decode too")
	}
	for raw, want := range map[string]string{
		`{"flushInterval":"soon"}`: `flushInterval: "soon" is not a duration: write it like "10s"`,
		`{"flushInterval":1.5}`:    `flushInterval: 1.5 is not a duration`,
	} {
		var in contract.SyncInput
		require.ErrorContains(t, json.Unmarshal([]byte(raw), &in), want)
	}
	// What the Go SDK writes still reads back the same.
	b, err := json.Marshal(contract.SyncInput{ConnectorID: "c", FlushInterval: 3 * time.Second})
	require.NoError(t, err)
	var back contract.SyncInput
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, 3*time.Second, back.FlushInterval)
}
