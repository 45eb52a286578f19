package worker

import (
	"log/slog"

	"go.temporal.io/sdk/client"

	"github.com/audiencesync/hubspot-list-sync/internal/metrics"
)

// serveMetrics starts the Prometheus endpoint when addr is set and returns
// the handler for the client Run dials (nil, the SDK's no-op, when addr is
// empty) and a stop that closes both the endpoint and the exporter. It runs
// before dialing so that /metrics answers while Temporal is unreachable:
// a worker stuck dialing is then visible as up but idle, not as down.
func serveMetrics(addr string, log *slog.Logger) (client.MetricsHandler, func(), error) {
	if addr == "" {
		return nil, func() {}, nil
	}
	exp := metrics.New(log)
	srv, err := metrics.Listen(addr, exp.HTTPHandler(), log)
	if err != nil {
		_ = exp.Close()
		return nil, nil, err
	}
	return exp.Handler(), func() {
		_ = srv.Close()
		_ = exp.Close()
	}, nil
}
