// Package workflows holds the two Temporal workflows of the HubSpot list
// sync. It is workflow code
// only: deterministic, no I/O (checked by workflowcheck in CI).
//
//   - Audience (AudienceWorkflowName, ID AudienceWorkflowID(audience)), one
//     per audience or journey, is the single entry point for its changes.
//     Callers use its updates: admit (changes, back-pressured), activate,
//     deactivate and reconcile; the SignalAudience signal carries changes
//     only, for callers that cannot wait. One ordered queue keeps them in
//     the order accepted. It forwards each change to the sync of every
//     active connector, no faster than each sync drains (back-pressure:
//     audience_flow.go, sync_flow.go).
//   - AudienceSync (SyncWorkflowName, ID SyncWorkflowID(audience, connector)),
//     one per (audience, connector), started by the audience, buffers changes
//     (last change per contact wins) and applies them to the connector's
//     HubSpot list in batches, one add-and-remove request each, through the
//     ApplyBatchActivity activity. Terminal HubSpot errors block it with the
//     batch owed until an operator resumes, retargets or discards.
//
// The contract with everything around them (names, payloads, Status,
// bounds, ID rules) is package contract. Both workflows continue as new
// with their state carried compactly and size-checked. Recorded histories
// (testdata) must keep replaying: once a release is tagged, a change to
// the workflows' commands is versioned (see docs/architecture.md).
package workflows
