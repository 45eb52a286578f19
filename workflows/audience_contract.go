package workflows

import "encoding/json"

// The audience workflow is the single entry point for an audience's changes:
// orchestration signals it once, and it forwards every change, in order, to
// the sync workflow of each connector activated on the audience. Activation
// and deactivation travel in the same ordered stream as the changes, so a
// connector receives exactly the changes accepted while it is active.

// AudienceWorkflowName is the registered name of the audience workflow.
const AudienceWorkflowName = "Audience"

// SignalAudience is the audience workflow's only signal: every command
// travels on one channel so the workflow sees them in exactly the order
// they were accepted (separate signal channels do not keep their relative
// order). Its payload is an AudienceCommand.
const SignalAudience = "audience"

// QueryConnectors returns the audience workflow's AudienceStatus.
const QueryConnectors = "connectors"

// AudienceCommand is one command to the audience workflow; exactly one
// field is set.
type AudienceCommand struct {
	// Activate adds a connector (its SyncInput; Carried must be nil).
	Activate *SyncInput `json:"activate,omitempty"`
	// Membership is a change forwarded to every active connector.
	Membership *MembershipChange `json:"membership,omitempty"`
	// Deactivate removes a connector.
	Deactivate *Deactivate `json:"deactivate,omitempty"`
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
	Forwarded  int64    `json:"forwarded"`
	Generation int      `json:"generation"`
	Problems   []string `json:"problems,omitempty"`
	// Pending are commands delivered to the previous run but not yet
	// processed, in order: a run never waits for a quiet moment to
	// continue as new, it hands them over.
	Pending []json.RawMessage `json:"pending,omitempty"`
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
}

// AudienceProblemsLimit bounds AudienceStatus.Problems.
const AudienceProblemsLimit = 10

// AudienceWorkflowID is the deterministic workflow ID of an audience's
// entry-point workflow.
func AudienceWorkflowID(audienceID string) string {
	return "hubspot-audience/" + audienceID
}
