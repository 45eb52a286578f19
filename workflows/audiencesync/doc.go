// Package audiencesync is the AudienceSync workflow: it keeps one HubSpot
// list equal to one audience for one connector. Changes forwarded by the
// audience (signals.go) go into a buffer where the last change per contact
// wins (buffer.go); the loop (sync.go) sends a batch when one is full or
// its oldest change has waited the flush interval, one activity per
// add-and-remove request (batch.go), up to MaxInFlight at once with
// disjoint contacts. Its state is carried whole across continue-as-new
// (state.go) within bounds checked at compile time (bounds.go).
//
// Reconcile (reconcile*.go) is reached from the loop only while one runs:
// every call site checks s.rec first. Workflow code only: deterministic,
// no I/O.
package audiencesync
