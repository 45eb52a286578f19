package starter

import (
	"errors"
	"fmt"

	"go.temporal.io/api/serviceerror"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// Sentinels for errors.Is. The errors actually returned are *NotActiveError,
// which name the audience (and connector) and say what to do.
var (
	// ErrAudienceNotActive: the audience's workflow does not exist or has
	// closed; no connector was ever activated on it (or all were stopped
	// and the workflow ended). Run activate first.
	ErrAudienceNotActive = errors.New("audience is not active")
	// ErrConnectorNotActive: the connector's sync workflow for the audience
	// does not exist or has closed, or the audience has no such connector.
	ErrConnectorNotActive = errors.New("connector is not active on the audience")
)

// NotActiveError says which audience or connector has no running workflow.
// It matches ErrAudienceNotActive when ConnectorID is empty and
// ErrConnectorNotActive otherwise; Unwrap gives Temporal's error, if any.
type NotActiveError struct {
	AudienceID  string
	ConnectorID string
	Cause       error
}

func (e *NotActiveError) Error() string {
	if e.ConnectorID == "" {
		return fmt.Sprintf("audience %q is not active (no running audience workflow %s): run `hubsync activate %s CONNECTOR` (or Starter.Activate) first",
			e.AudienceID, contract.AudienceWorkflowID(e.AudienceID), e.AudienceID)
	}
	return fmt.Sprintf("connector %q is not active on audience %q (no running sync workflow %s): check `hubsync status %s`, or activate it with `hubsync activate %s %s`",
		e.ConnectorID, e.AudienceID, contract.SyncWorkflowID(e.AudienceID, e.ConnectorID), e.AudienceID, e.AudienceID, e.ConnectorID)
}

// Is makes errors.Is(err, ErrAudienceNotActive / ErrConnectorNotActive) work.
func (e *NotActiveError) Is(target error) bool {
	if e.ConnectorID == "" {
		return target == ErrAudienceNotActive
	}
	return target == ErrConnectorNotActive
}

func (e *NotActiveError) Unwrap() error { return e.Cause }

// isNotFound reports whether Temporal said the workflow does not exist.
// Signalling or querying a closed workflow also answers NotFound ("workflow
// execution already completed"), which is what we want: it cannot act.
func isNotFound(err error) bool {
	var nf *serviceerror.NotFound
	return errors.As(err, &nf)
}

// audienceErr maps a Temporal error from the audience workflow.
func audienceErr(audienceID, what string, err error) error {
	if isNotFound(err) {
		return &NotActiveError{AudienceID: audienceID, Cause: err}
	}
	return fmt.Errorf("starter: %s audience %q: %w", what, audienceID, err)
}

// connectorErr maps a Temporal error from a connector's sync workflow.
func connectorErr(audienceID, connectorID, what string, err error) error {
	if isNotFound(err) {
		return &NotActiveError{AudienceID: audienceID, ConnectorID: connectorID, Cause: err}
	}
	return fmt.Errorf("starter: %s connector %q of audience %q: %w", what, connectorID, audienceID, err)
}
