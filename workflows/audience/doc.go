// Package audience is the Audience workflow: the single entry point of one
// audience's changes. Its updates (admit, activate, deactivate, reconcile)
// validate at the edge and join one ordered queue (queue.go); its signal
// carries changes only. The queue forwards each change to the sync of
// every active connector as that sync's backlog leaves room (flow.go),
// which is what slows senders down. Workflow code only: deterministic, no
// I/O.
package audience
