// Package starter is the orchestration side's Go API: it activates
// connectors on an audience, sends membership changes, reads status and
// operates the per-connector sync workflows, all through a Temporal client.
//
// Every change for an audience goes to one entry-point workflow
// (contract.AudienceWorkflowID), which forwards it, in order, to the sync
// workflow of each connector activated on the audience. Orchestration code
// therefore never needs to know which connectors serve an audience:
//
//	s := starter.New(temporalClient, f.Temporal.TaskQueue, f)
//	if err := s.Activate(ctx, "aud-42", "acme-vip"); err != nil { ... }
//	acc, err := s.Enter(ctx, "aud-42", []string{"101", "102"})
//	if err != nil {
//		// acc.IDs leading IDs were delivered; resend recordIDs[acc.IDs:].
//	}
//
// Activate, Enter, Leave, Stop and Reconcile are updates on the audience
// workflow (contract.UpdateActivate, UpdateAdmit, UpdateDeactivate,
// UpdateReconcile). Each joins the audience's one ordered queue, so a Stop
// sent after an Enter takes effect after that Enter has been forwarded. A
// malformed request is refused before anything is written, and a refusal
// comes back typed (*CommandRefusedError), never as text to match.
//
// Only Activate (and Reconcile with Activate set) starts a workflow, by
// update-with-start. Enter and Leave only update: an audience that was
// never activated has no destination, and starting its workflow from a
// membership change would accept the change and forward it nowhere. They
// return ErrAudienceNotActive instead.
//
// List and Log read rather than act: List finds every sync through
// Temporal's visibility store (the HubSync* search attributes, e.g. the
// blocked ones) with each one's status; Log reads one sync's workflow
// histories back, across continue-as-new, to say which batches reached its
// list and what became of one contact, within the namespace's retention.
package starter
