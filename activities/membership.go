// Package activities holds the I/O side of list sync: the activity that
// applies one membership batch to HubSpot.
package activities

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"

	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/hubspot"
)

// MembershipWriter sends one add-and-remove request; *hubspot.Client is one.
// The client waits on its account's rate limiter before sending.
type MembershipWriter interface {
	UpdateMemberships(ctx context.Context, listID string, add, remove []int64) (hubspot.MembershipUpdate, error)
}

// Connectors resolves a connector ID (the only thing workflow history
// knows) to the writer holding that connector's credentials in the worker.
type Connectors interface {
	Writer(connectorID string) (MembershipWriter, bool)
}

// ConnectorMap is the simplest Connectors: a fixed map built at start-up.
type ConnectorMap map[string]MembershipWriter

// Writer implements Connectors.
func (m ConnectorMap) Writer(id string) (MembershipWriter, bool) {
	w, ok := m[id]
	return w, ok
}

// Membership is the membership activity. Register it with Register.
type Membership struct {
	Connectors Connectors
}

// Register registers the activities under contract.ApplyBatchActivity
// and contract.ReadListPageActivity.
func Register(r worker.ActivityRegistry, m *Membership) {
	r.RegisterActivityWithOptions(m.ApplyMembershipBatch, activity.RegisterOptions{Name: contract.ApplyBatchActivity})
	r.RegisterActivityWithOptions(m.ReadListPage, activity.RegisterOptions{Name: contract.ReadListPageActivity})
}

// deadlineMargin keeps every HTTP attempt clear of the activity's own
// deadline: an attempt abandoned by Temporal must already be abandoned by us,
// so it cannot land after its retry or after the next batch.
const deadlineMargin = 5 * time.Second

// ApplyMembershipBatch sends one batch as one add-and-remove request and
// returns HubSpot's per-contact outcome. HubSpot ignores adding a member and
// removing a non-member, so a retried batch converges to the same list.
func (m *Membership) ApplyMembershipBatch(ctx context.Context, req contract.BatchRequest) (contract.BatchResult, error) {
	log := activity.GetLogger(ctx)
	metrics := newBatchMetrics(ctx, req.ConnectorID)
	writer, ok := m.Connectors.Writer(req.ConnectorID)
	if !ok {
		// Workers of one task queue must all know the connector; a worker
		// that doesn't is misconfigured, which an operator has to fix.
		metrics.batch(ResultTerminal)
		return contract.BatchResult{}, terminal(fmt.Sprintf("connector %q is not configured on this worker: add it to the connectors file and restart, then resume the sync", req.ConnectorID),
			contract.HubSpotFailure{Category: "UNKNOWN_CONNECTOR", Message: "connector " + req.ConnectorID + " is not configured on the worker"}, nil)
	}
	info := activity.GetInfo(ctx)
	log.Info("applying membership batch", "batchId", req.BatchID, "listId", req.ListID,
		"adds", len(req.Add), "removes", len(req.Remove), "attempt", info.Attempt)

	var out hubspot.MembershipUpdate
	err := sendOnce(ctx, writer, func(ctx context.Context) (err error) {
		out, err = writer.UpdateMemberships(ctx, req.ListID, req.Add, req.Remove)
		return err
	})
	metrics.response(out, err)
	if err != nil {
		mapped := classify(err)
		metrics.failed(mapped)
		log.Warn("membership batch failed", "batchId", req.BatchID, "listId", req.ListID, "attempt", info.Attempt, "error", err)
		return contract.BatchResult{}, mapped
	}
	log.Info("membership batch applied", "batchId", req.BatchID, "listId", req.ListID,
		"added", len(out.Added), "removed", len(out.Removed), "missing", len(out.Missing),
		"rateLimitRemaining", out.RateLimit.Remaining)
	metrics.applied(out)
	res, ignored := resultOf(req, out.Added, out.Removed, out.Missing)
	if ignored > 0 {
		log.Warn("HubSpot reported record IDs this batch did not send (or twice); ignored", "batchId", req.BatchID, "ignored", ignored)
	}
	return res, nil
}

// keepHeartbeating tells Temporal every interval that this attempt is
// alive, while it waits for the account's budget and while its request
// runs, so a batch whose worker died is retried after the heartbeat
// timeout rather than the start-to-close timeout. Each beat carries hold,
// as a beat replaces the details the next attempt reads. stop waits for
// the heartbeating goroutine to end.
func keepHeartbeating(ctx context.Context, every time.Duration, hold rateHold) (stop func()) {
	activity.RecordHeartbeat(ctx, hold)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				activity.RecordHeartbeat(ctx, hold)
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// classify maps a client error to what Temporal's retry policy acts on. It is
// the one place where HubSpot's status table becomes retry behaviour.
func classify(err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	if errors.Is(err, hubspot.ErrInvalidInput) {
		return temporal.NewApplicationErrorWithOptions(err.Error(), contract.ErrTypeInvalidBatch,
			temporal.ApplicationErrorOptions{NonRetryable: true, Cause: err,
				Details: []any{contract.HubSpotFailure{Category: "INVALID_BATCH", Message: err.Error()}}})
	}
	var apiErr *hubspot.APIError
	if errors.As(err, &apiErr) {
		failure := contract.HubSpotFailure{Status: apiErr.StatusCode, Category: apiErr.Category, SubCategory: apiErr.SubCategory,
			CorrelationID: apiErr.CorrelationID, Message: apiErr.Message, PolicyName: apiErr.PolicyName}
		if !apiErr.Retryable() {
			return terminal(err.Error(), failure, err)
		}
		// A 429 waits for the interval HubSpot names instead of the backoff.
		return temporal.NewApplicationErrorWithOptions(err.Error(), contract.ErrTypeRetryable,
			temporal.ApplicationErrorOptions{Cause: err, NextRetryDelay: apiErr.RetryAfter, Details: []any{failure}})
	}
	// Transport failures and timeouts (ours, or the activity's deadline
	// reached) got no answer; the batch is idempotent, so retry it.
	return temporal.NewApplicationErrorWithOptions(err.Error(), contract.ErrTypeRetryable,
		temporal.ApplicationErrorOptions{Cause: err, Details: []any{contract.HubSpotFailure{Category: "TRANSPORT", Message: err.Error()}}})
}

func terminal(msg string, failure contract.HubSpotFailure, cause error) error {
	return temporal.NewApplicationErrorWithOptions(msg, contract.ErrTypeTerminal,
		temporal.ApplicationErrorOptions{NonRetryable: true, Cause: cause, Details: []any{failure}})
}
