package devserver

import "github.com/audiencesync/hubspot-list-sync/contract"

// SearchAttributeArgs are the `temporal server start-dev` flags that
// register the search attributes the workflows keep current (all Keyword).
// A workflow that upserts an unregistered attribute fails its workflow
// task, so every dev server we start registers them.
func SearchAttributeArgs() []string {
	var args []string
	for _, name := range contract.SearchAttributeNames() {
		args = append(args, "--search-attribute", name+"=Keyword")
	}
	return args
}
