package starter

import (
	"errors"

	"github.com/audiencesync/hubspot-list-sync/config"
	"github.com/audiencesync/hubspot-list-sync/workflows"
)

// ConfigCatalog resolves connectors from a loaded connectors file, so the
// workflow input comes from the same file the worker reads its credentials
// from.
type ConfigCatalog struct {
	File *config.File
}

// ConnectorInput returns the connector's SyncInput for the audience.
func (c ConfigCatalog) ConnectorInput(connectorID, audienceID string) (workflows.SyncInput, error) {
	if c.File == nil {
		return workflows.SyncInput{}, errors.New("starter: ConfigCatalog has no File: load one with config.Load")
	}
	conn, _, err := c.File.Connector(connectorID)
	if err != nil {
		return workflows.SyncInput{}, err
	}
	return conn.SyncInput(audienceID), nil
}
