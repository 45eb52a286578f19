package contract

import "go.temporal.io/sdk/temporal"

// Search attributes the workflows keep current, so the Web UI's list view
// and `hubsync list` answer "which syncs are blocked?" and "every sync of
// audience X" (e.g. HubSyncState = "blocked"). All are Keyword. They must
// be registered on the namespace before a worker starts: the dev servers we
// start register them; on a real cluster run the command
// SearchAttributesCommand prints.
var (
	SearchAttrAudience  = temporal.NewSearchAttributeKeyKeyword("HubSyncAudience")
	SearchAttrConnector = temporal.NewSearchAttributeKeyKeyword("HubSyncConnector")
	SearchAttrListID    = temporal.NewSearchAttributeKeyKeyword("HubSyncListId")
	SearchAttrState     = temporal.NewSearchAttributeKeyKeyword("HubSyncState")
)

// SearchAttributeNames lists the search attributes by name, all Keyword.
func SearchAttributeNames() []string {
	return []string{SearchAttrAudience.GetName(), SearchAttrConnector.GetName(),
		SearchAttrListID.GetName(), SearchAttrState.GetName()}
}

// StateAudience is HubSyncState on an audience workflow, so that a query
// on the state attribute finds syncs only.
const StateAudience = "audience"

// SearchAttributesCommand is the Temporal CLI command that registers the
// search attributes on namespace.
func SearchAttributesCommand(namespace string) string {
	// The CLI pairs each --name with the --type at the same position.
	cmd := "temporal operator search-attribute create --namespace " + namespace
	for _, n := range SearchAttributeNames() {
		cmd += " --name " + n + " --type Keyword"
	}
	return cmd
}
