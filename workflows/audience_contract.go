package workflows

// The audience workflow is the single entry point for an audience's changes:
// orchestration signals it once, and it forwards every change, in order, to
// the sync workflow of each connector activated on the audience. Because
// activation is a signal in the same ordered stream, a connector activated
// on an audience receives every change accepted after its activation.

// AudienceWorkflowName is the registered name of the audience workflow.
const AudienceWorkflowName = "Audience"

// Signals and queries of the audience workflow. Membership changes use
// SignalMembership with a MembershipChange payload, as on the sync workflow.
const (
	SignalActivate   = "activate"   // payload SyncInput (Carried must be nil)
	SignalDeactivate = "deactivate" // payload Deactivate
	QueryConnectors  = "connectors" // returns AudienceStatus
)

// Deactivate stops forwarding to a connector and, after every change
// accepted before it has been forwarded, signals its sync workflow to stop
// (flush what is pending, then complete).
type Deactivate struct {
	ConnectorID string `json:"connectorId"`
}

// AudienceInput is the audience workflow's input.
type AudienceInput struct {
	AudienceID string `json:"audienceId"`
	// MaxSignalsPerRun bounds one run before continue-as-new; zero means
	// the default (3,000). Tests set it low to exercise continue-as-new.
	MaxSignalsPerRun int `json:"maxSignalsPerRun,omitempty"`
	// Carried is nil on the first start and set by continue-as-new.
	Carried *AudienceCarried `json:"carried,omitempty"`
}

// AudienceCarried is the audience workflow's state across continue-as-new.
type AudienceCarried struct {
	Connectors []SyncInput `json:"connectors"`
	// Forwarded counts membership signals forwarded (per connector summed).
	Forwarded  int64 `json:"forwarded"`
	Generation int   `json:"generation"`
}

// AudienceStatus answers QueryConnectors.
type AudienceStatus struct {
	AudienceID string      `json:"audienceId"`
	Connectors []SyncInput `json:"connectors"` // active, in activation order
	Forwarded  int64       `json:"forwarded"`
	Generation int         `json:"generation"`
}

// AudienceWorkflowID is the deterministic workflow ID of an audience's
// entry-point workflow.
func AudienceWorkflowID(audienceID string) string {
	return "hubspot-audience/" + audienceID
}
