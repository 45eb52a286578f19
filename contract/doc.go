// Package contract is what callers build against to drive the list sync,
// with no workflow implementation in it: the workflow, update, signal,
// query and activity names, the payload types and Status, the error
// types, the ID rules (names.go; ParseRecordID for record IDs), every
// bound a caller can meet (bounds.go, the SyncInput defaults in
// contract.go), and CheckSettings, the one check of a connector's
// settings that the connectors file and the sync workflow both run. The
// starter, the CLI, config, the activities and any Temporal client use
// it; package workflows implements it.
//
// Files: contract.go (the sync), audience_contract.go (the audience),
// reconcile_contract.go (reconcile), searchattrs.go (search attributes),
// input.go (settings), carried.go (state carried across continue-as-new,
// opaque to callers).
package contract
