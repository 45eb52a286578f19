package contract

import "encoding/json"

// The audience workflow is the single entry point for an audience's changes:
// orchestration signals it once, and it forwards every change, in order, to
// the sync workflow of each connector activated on the audience. Activation
// and deactivation travel in the same ordered stream as the changes, so a
// connector receives exactly the changes accepted while it is active.

// AudienceWorkflowName is the registered name of the audience workflow.
const AudienceWorkflowName = "Audience"

// SignalAudience is the audience workflow's signal for callers that
// cannot wait: its payload is an AudienceCommand with Membership set, and
// the change joins the same ordered queue as UpdateAdmit's. A signal
// cannot wait for room, so one that would take the queue past
// QueueHardBytes is refused and counted (Overflowed). Any other command by
// signal is refused and counted (RefusedSignals): activate, deactivate and
// reconcile are updates (UpdateActivate, UpdateDeactivate,
// UpdateReconcile), which validate at the edge and answer.
const SignalAudience = "audience"

// UpdateAdmit is the recommended way to send changes: an update on the
// audience workflow whose argument is a MembershipChange (at most
// MaxAdmitIDs record IDs, MaxAdmitBytes of ID text as JSON). A validator refuses a
// malformed change before anything is written to history. The handler
// returns once the change is queued in order, which is when the audience
// has room: while a connector's sync owes MaxBacklog IDs the call waits.
// That wait is the back-pressure; the caller's deadline bounds it. Result:
// AdmitResult. An error of type ErrTypeRetryAdmit means the change was not
// taken (the workflow is continuing as new): send the same change again.
const UpdateAdmit = "admit"

// ErrTypeRetryAdmit: the admit was not taken; send the same change again.
const ErrTypeRetryAdmit = "RetryAdmit"

// Bounds of one admitted change.
const (
	MaxAdmitIDs   = 5000
	MaxAdmitBytes = 256 << 10
)

// AdmitResult answers UpdateAdmit.
type AdmitResult struct {
	// Accepted is the number of record IDs queued (all of the change;
	// invalid IDs among them are counted by each connector's sync).
	Accepted int `json:"accepted"`
	// Queued is the audience's queue after this change, in record IDs.
	Queued int `json:"queued"`
}

// QueryConnectors returns the audience workflow's AudienceStatus.
const QueryConnectors = "connectors"

// AudienceCommand is one command to the audience workflow; exactly one
// field is set. From outside (SignalAudience) only Membership is taken;
// the other fields are the form in which an audience hands the commands
// still queued to its next run (AudienceCarried.Pending).
type AudienceCommand struct {
	// Activate adds a connector (its SyncInput; Carried must be nil).
	Activate *SyncInput `json:"activate,omitempty"`
	// Membership is a change forwarded to every active connector.
	Membership *MembershipChange `json:"membership,omitempty"`
	// Deactivate removes a connector.
	Deactivate *Deactivate `json:"deactivate,omitempty"`
	// Reconcile marks a reconcile's place in the stream (see
	// reconcile_contract.go; UpdateReconcile is the answered form).
	Reconcile *ReconcileRequest `json:"reconcile,omitempty"`
}

// Deactivate stops forwarding to a connector and, after every change
// accepted before it has been forwarded, signals its sync workflow to stop
// (flush what is pending, then complete).
type Deactivate struct {
	ConnectorID string `json:"connectorId"`
}

// AudienceInput is the audience workflow's input.
type AudienceInput struct {
	AudienceID string `json:"audienceId"`
	// MaxSignalsPerRun bounds the signals and admits of one run before
	// continue-as-new; zero means the default (3,000). Tests set it low to
	// exercise continue-as-new.
	MaxSignalsPerRun int `json:"maxSignalsPerRun,omitempty"`
	// Carried is nil on the first start and set by continue-as-new.
	Carried *AudienceCarried `json:"carried,omitempty"`
}

// AudienceCarried is the audience workflow's state across continue-as-new.
type AudienceCarried struct {
	Connectors []SyncInput `json:"connectors"`
	// Forwarded counts membership signals forwarded (per connector summed).
	Forwarded  int64    `json:"forwarded"`
	Generation int      `json:"generation"`
	Problems   []string `json:"problems,omitempty"`
	// Pending are commands delivered to the previous run but not yet
	// processed, in order: a run never waits for a quiet moment to
	// continue as new, it hands them over.
	Pending []json.RawMessage `json:"pending,omitempty"`
	// Flows is each active connector's back-pressure bookkeeping.
	Flows    []ConnectorFlow  `json:"flows,omitempty"`
	Counters AudienceCounters `json:"counters"`
}

// ConnectorFlow is what the audience knows of a connector's backlog: it has
// forwarded Sent record IDs to it, and the sync last reported Reported.
type ConnectorFlow struct {
	ConnectorID string       `json:"connectorId"`
	MaxBacklog  int          `json:"maxBacklog"`
	Sent        int64        `json:"sent"`
	Reported    SyncProgress `json:"reported"`
	// Backlog is the audience's estimate of what the sync owes (never
	// below the truth); forwarding waits while it would pass MaxBacklog.
	// Status only.
	Backlog int64 `json:"backlog"`
}

// AudienceCounters are the audience's lifetime totals.
type AudienceCounters struct {
	// Admitted counts record IDs taken through UpdateAdmit.
	Admitted int64 `json:"admitted"`
	// Overflowed counts record IDs of membership signals refused because
	// the audience's queue was full (QueueHardBytes) or the signal was
	// larger than MaxSignalBytes; OverflowedSignals counts those signals.
	// Only signals can overflow: UpdateAdmit waits instead.
	Overflowed        int64 `json:"overflowed"`
	OverflowedSignals int64 `json:"overflowedSignals"`
	// Unrouted counts record IDs accepted while no connector was active:
	// there was no list to send them to.
	Unrouted int64 `json:"unrouted"`
	// RefusedSignals counts SignalAudience signals not taken: not an
	// AudienceCommand, or a command other than a membership change (those
	// have their updates). Each also leaves a problem saying which update.
	RefusedSignals int64 `json:"refusedSignals,omitempty"`
}

// AudienceStatus answers QueryConnectors.
type AudienceStatus struct {
	AudienceID string      `json:"audienceId"`
	Connectors []SyncInput `json:"connectors"` // active, in activation order
	Forwarded  int64       `json:"forwarded"`
	Generation int         `json:"generation"`
	// Problems are the most recent commands that could not be carried out
	// (a refused activation, a connector dropped because its sync
	// workflow was gone, a malformed command), newest last.
	Problems []string `json:"problems,omitempty"`

	// Queued is the record IDs accepted but not yet forwarded (waiting for
	// a connector's backlog to drain); QueuedBytes their size.
	Queued      int `json:"queued"`
	QueuedBytes int `json:"queuedBytes"`
	// Waiting is the number of UpdateAdmit calls being held.
	Waiting int             `json:"waiting"`
	Flows   []ConnectorFlow `json:"flows,omitempty"`
	AudienceCounters
}

// AudienceProblemsLimit bounds AudienceStatus.Problems.
const AudienceProblemsLimit = 10

// AudienceWorkflowID is the deterministic workflow ID of an audience's
// entry-point workflow.
func AudienceWorkflowID(audienceID string) string {
	return "hubspot-audience/" + audienceID
}

// ResolveConnectorActivity is the local activity an audience runs when an
// activation names only a connector: the worker answers with the
// connector's settings from its connectors file (a SyncInput without
// AudienceID), so orchestration never copies them and history records
// what was resolved. An unknown connector fails with
// ErrTypeUnknownConnector.
const ResolveConnectorActivity = "ResolveConnector"

// ErrTypeUnknownConnector: the worker's connectors file has no such connector.
const ErrTypeUnknownConnector = "UnknownConnector"

// UpdateActivate and UpdateDeactivate are the answered forms of the
// activate and deactivate commands (argument: a SyncInput naming at least
// the connector, or a Deactivate). They return a CommandResult once the
// command took effect in its place in the audience's queue, an error of
// type ErrTypeCommandRefused saying why it was refused, or state "queued"
// when the audience had to continue as new first (the command stands and
// takes effect in order).
const (
	UpdateActivate   = "activate"
	UpdateDeactivate = "deactivate"
)

// ErrTypeCommandRefused: an activation or deactivation was refused; the
// message says why.
const ErrTypeCommandRefused = "CommandRefused"

// CommandResult answers UpdateActivate and UpdateDeactivate.
type CommandResult struct {
	// State is "active" (activation in effect), "inactive" (deactivation
	// in effect) or "queued" (taken, takes effect in order).
	State string `json:"state"`
	// Connector is the activated connector's settings as resolved.
	Connector *SyncInput `json:"connector,omitempty"`
}

// Estimate never under-states the sync's backlog: IDs forwarded since the
// sync's last report count in full, as if none had been applied.
func (f ConnectorFlow) Estimate() int64 {
	return max(0, f.Sent-f.Reported.Seq) + int64(f.Reported.Backlog)
}

// Room is how many more record IDs may be forwarded to the connector.
func (f ConnectorFlow) Room() int64 {
	return int64(f.MaxBacklog) - f.Estimate()
}
