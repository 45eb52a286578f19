// Package workflows is the worker's way in to the two Temporal workflows
// of the HubSpot list sync: RegisterAudience and RegisterSync, and
// HistoryWorkflowID for replaying recorded histories (testdata). The
// workflows themselves live in one package each, all workflow code only:
// deterministic, no I/O (checked by workflowcheck in CI).
//
//   - audience: the Audience workflow (ID hubspot-audience/<audience>),
//     one per audience or journey, the single entry point for its
//     changes. Callers use its updates (admit, activate, deactivate,
//     reconcile); its signal carries changes only. One ordered queue keeps
//     them in the order accepted, and it forwards each change to the sync
//     of every active connector, no faster than each sync drains.
//   - audiencesync: the AudienceSync workflow (ID
//     hubspot-sync/<audience>/<connector>), started by the audience: it
//     buffers changes (last change per contact wins) and applies them to
//     the connector's HubSpot list in batches, one add-and-remove request
//     each. Terminal HubSpot errors block it with the batch owed until an
//     operator resumes, retargets or discards. Reconcile lives here too,
//     reached from the sync's loop only while one runs.
//   - merge: the snapshot-versus-list diff, plain Go.
//   - internal/payload and internal/uitext: encoding and bounds of
//     payloads, and Web UI text, shared by both workflows.
//
// The contract with everything around them (names, payloads, Status,
// bounds, ID rules) is package contract. Recorded histories must keep
// replaying: from v0.1.0 on, a change to the workflows' commands is
// versioned (see docs/architecture.md#versioning).
package workflows
