package starter

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

// The operator commands signal a connector's sync workflow directly rather
// than going through the audience workflow: they act on one destination's
// delivery (for example, unblock a failed batch), not on the audience's
// stream of changes, and must work even while that stream is busy.
//
// An empty connectorID means every connector active on the audience,
// resolved with a query to the audience workflow (which needs a running
// worker). Each connector is signalled even if an earlier one fails; the
// returned error joins the failures.

// Pause stops flushing batches; changes keep accumulating in order.
func (s *Starter) Pause(ctx context.Context, audienceID, connectorID string) error {
	return s.signalSync(ctx, audienceID, connectorID, "pausing", contract.SignalPause, nil)
}

// Resume resumes flushing and retries a batch owed after a terminal failure.
func (s *Starter) Resume(ctx context.Context, audienceID, connectorID string) error {
	return s.signalSync(ctx, audienceID, connectorID, "resuming", contract.SignalResume, nil)
}

// Discard drops the batch owed after a terminal failure (its IDs are counted
// as discarded, with reason in the workflow's log) and resumes with the rest.
func (s *Starter) Discard(ctx context.Context, audienceID, connectorID, reason string) error {
	if strings.TrimSpace(reason) == "" {
		return errors.New("starter: discard needs a reason: it is recorded with the dropped batch so the loss can be explained later")
	}
	return s.signalSync(ctx, audienceID, connectorID, "discarding the owed batch of", contract.SignalDiscard, contract.Discard{Reason: reason})
}

// Retarget points the connector at another list for every batch from now
// on, including the retry of an owed batch. Unlike the other commands it
// needs an explicit connectorID: list IDs belong to one HubSpot account, so
// one list ID is almost never right for every connector of an audience.
func (s *Starter) Retarget(ctx context.Context, audienceID, connectorID, listID string) error {
	if connectorID == "" {
		return fmt.Errorf("starter: retarget audience %q: name the connector: a list ID belongs to one HubSpot account, so it cannot apply to every connector", audienceID)
	}
	if listID == "" || strings.TrimSpace(listID) != listID {
		return fmt.Errorf("starter: retarget connector %q: list ID %q is empty or padded: pass the HubSpot list's ID (see `hubsync lists`)", connectorID, listID)
	}
	return s.signalSync(ctx, audienceID, connectorID, "retargeting", contract.SignalRetarget, contract.Retarget{ListID: listID})
}

func (s *Starter) signalSync(ctx context.Context, audienceID, connectorID, what, signal string, arg any) error {
	ids, err := s.targets(ctx, audienceID, connectorID)
	if err != nil {
		return err
	}
	var errs []error
	for _, id := range ids {
		err := s.client.SignalWorkflow(ctx, contract.SyncWorkflowID(audienceID, id), "", signal, arg)
		if err != nil {
			errs = append(errs, connectorErr(audienceID, id, what, err))
			continue
		}
		s.log().Info("signalled connector", "audience", audienceID, "connector", id, "signal", signal)
	}
	return errors.Join(errs...)
}

// targets validates the IDs and resolves an empty connectorID to the
// audience's active connectors.
func (s *Starter) targets(ctx context.Context, audienceID, connectorID string) ([]string, error) {
	if err := checkAudience(audienceID); err != nil {
		return nil, err
	}
	if connectorID != "" {
		if err := checkConnector(connectorID); err != nil {
			return nil, err
		}
		return []string{connectorID}, nil
	}
	st, err := s.Connectors(ctx, audienceID)
	if err != nil {
		return nil, err
	}
	if len(st.Connectors) == 0 {
		return nil, fmt.Errorf("starter: audience %q has no active connector (activate one with `hubsync activate %s CONNECTOR`): %w", audienceID, audienceID, ErrConnectorNotActive)
	}
	ids := make([]string, len(st.Connectors))
	for i, c := range st.Connectors {
		ids[i] = c.ConnectorID
	}
	return ids, nil
}
