package starter

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/audiencesync/hubspot-list-sync/workflows"
)

// DefaultActivationWait is how long Activate and Stop wait for their
// commands to take effect (see Starter.ActivationWait).
const DefaultActivationWait = 30 * time.Second

// awaitActive waits until the audience lists every connector as active, so
// that a command right after Activate (pause, status, enter) finds the
// connector's sync running. An activation the audience refused is an error
// naming its reason.
func (s *Starter) awaitActive(ctx context.Context, audienceID string, connectorIDs []string, before []string) error {
	return s.awaitAudience(ctx, audienceID, "activation", connectorIDs, func(st workflows.AudienceStatus) (bool, error) {
		for _, id := range connectorIDs {
			if slices.IndexFunc(st.Connectors, func(c workflows.SyncInput) bool { return c.ConnectorID == id }) >= 0 {
				continue
			}
			if p := refusal(st.Problems, before, id); p != "" {
				return false, fmt.Errorf("starter: activating connector %q on audience %q was refused: %s", id, audienceID, p)
			}
			return false, nil
		}
		return true, nil
	})
}

// awaitInactive waits until the audience no longer lists the connectors:
// every change accepted before the stop has been forwarded and their
// syncs were told to flush and stop.
func (s *Starter) awaitInactive(ctx context.Context, audienceID string, connectorIDs []string) error {
	return s.awaitAudience(ctx, audienceID, "stop", connectorIDs, func(st workflows.AudienceStatus) (bool, error) {
		return !slices.ContainsFunc(st.Connectors, func(c workflows.SyncInput) bool {
			return slices.Contains(connectorIDs, c.ConnectorID)
		}), nil
	})
}

// awaitAudience polls the audience's connectors query until done says so
// or fails. With no worker running the command stays queued in Temporal
// and takes effect when one starts: past ActivationWait this logs that and
// returns without error, since nothing was lost.
func (s *Starter) awaitAudience(ctx context.Context, audienceID, what string, connectorIDs []string,
	done func(workflows.AudienceStatus) (bool, error)) error {
	wait := s.ActivationWait
	if wait < 0 {
		return nil
	}
	if wait == 0 {
		wait = DefaultActivationWait
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	// Each poll is a query, which costs the server and the worker a
	// workflow task: back off, so that many activations waiting at once
	// do not spend the capacity they wait for.
	every := 50 * time.Millisecond
	for {
		qctx, qcancel := context.WithTimeout(ctx, 5*time.Second)
		st, err := s.Connectors(qctx, audienceID)
		qcancel()
		if err == nil {
			ok, derr := done(st)
			if derr != nil || ok {
				return derr
			}
		}
		select {
		case <-ctx.Done():
			s.log().Warn(what+" sent but not yet in effect: is a worker running on the task queue? It takes effect when one runs",
				"audience", audienceID, "connectors", connectorIDs, "taskQueue", s.taskQueue, "lastError", err)
			return nil
		case <-time.After(every):
		}
		every = min(2*every, time.Second)
	}
}

// refusal is a problem, new since before, that says the connector's
// activation failed.
func refusal(problems, before []string, connectorID string) string {
	for _, p := range problems {
		if slices.Contains(before, p) {
			continue
		}
		if strings.Contains(p, "activation of connector "+connectorID+" refused") ||
			strings.Contains(p, "starting the sync of connector "+connectorID+" failed") {
			return p
		}
	}
	return ""
}
