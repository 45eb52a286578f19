package worker

import (
	"fmt"
	"log/slog"
	"time"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/audiencesync/hubspot-list-sync/activities"
	"github.com/audiencesync/hubspot-list-sync/config"
	"github.com/audiencesync/hubspot-list-sync/contract"
)

// accountWorkers serve each account's membership activities on the
// account's own task queue (contract.AccountTaskQueue). The Temporal
// server dispatches that queue's tasks at the account's budget rate to all
// workers together, so two workers on one account share one budget rather
// than each spending a whole one. The in-process limiter still shapes this
// worker's own requests so no rolling window exceeds the budget.
func accountWorkers(c client.Client, f *config.File, conns activities.ConnectorMap, base sdkworker.Options, log *slog.Logger) (ws []sdkworker.Worker, queues []string) {
	for _, a := range f.Accounts {
		if !usedByConnector(f, a.ID) {
			continue
		}
		b := a.HubSpotBudget()
		if per10s := float64(b.Requests)*float64(10*time.Second)/float64(b.Per) + float64(b.Burst); per10s > maxHubSpotPer10s {
			// Allowed (an emulator has no limit), but at HubSpot it draws 429s.
			log.Warn("account budget allows more requests per 10 s than any HubSpot plan; HubSpot will answer 429 (see docs/configuration.md, Rate budget)",
				"account", a.ID, "requestsPer10s", per10s, "hubspotMax", maxHubSpotPer10s)
		}
		wo := sdkworker.Options{
			TaskQueueActivitiesPerSecond:     float64(b.Requests) / b.Per.Seconds(),
			WorkerStopTimeout:                base.WorkerStopTimeout,
			OnFatalError:                     base.OnFatalError,
			MaxHeartbeatThrottleInterval:     base.MaxHeartbeatThrottleInterval,
			DefaultHeartbeatThrottleInterval: base.DefaultHeartbeatThrottleInterval,
		}
		q := contract.AccountTaskQueue(f.Temporal.TaskQueue, a.ID)
		w := sdkworker.New(c, q, wo)
		activities.Register(w, &activities.Membership{Connectors: conns})
		ws, queues = append(ws, w), append(queues, q)
	}
	return ws, queues
}

// maxHubSpotPer10s is HubSpot's highest limit: private apps with the API
// limit increase.
const maxHubSpotPer10s = 250

func usedByConnector(f *config.File, account string) bool {
	for _, c := range f.Connectors {
		if c.Account == account {
			return true
		}
	}
	return false
}

// startAll starts ws in order; on a failure it stops those it started.
func startAll(ws []sdkworker.Worker, queues []string) error {
	for i, w := range ws {
		if err := w.Start(); err != nil {
			for _, started := range ws[:i] {
				started.Stop()
			}
			return fmt.Errorf("starting the Temporal worker on task queue %q: %w", queues[i], err)
		}
	}
	return nil
}
