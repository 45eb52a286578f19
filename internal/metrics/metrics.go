// Package metrics exports the worker's metrics in Prometheus' text format.
//
// One Exporter carries everything: the Temporal SDK's own metrics (polls,
// task latencies, activity failures, ...) and the product's counters, which
// the membership activity emits through activity.GetMetricsHandler and so
// reach the same handler. The Temporal client owns that handler
// (client.Options.MetricsHandler), which is why an Exporter has to exist
// before the client is dialed.
//
// The SDK talks to a tally scope (go.temporal.io/sdk/contrib/tally) reported
// by tally's Prometheus reporter into a private registry, rather than the
// global one, so that two workers in one process (tests) never collide.
// Names follow Prometheus' conventions: counters end in _total and timers
// become histograms ending in _seconds; label values are kept as they are.
package metrics

import (
	"io"
	"log/slog"
	"net/http"
	"time"

	prom "github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/uber-go/tally/v4"
	tallyprom "github.com/uber-go/tally/v4/prometheus"
	"go.temporal.io/sdk/client"
	sdktally "go.temporal.io/sdk/contrib/tally"
)

// ReportInterval is how often metrics move from the SDK's scope into the
// registry /metrics serves: a scrape sees values at most this old.
const ReportInterval = time.Second

// sanitize is the SDK's Prometheus sanitizing except for label values,
// which Prometheus takes as any text: the SDK's rule would turn connector
// "acme-vip" into "acme_vip" and merge it with "acme.vip". Printable ASCII
// covers every connector ID and task queue name config accepts.
var sanitize = tally.SanitizeOptions{
	NameCharacters:       sdktally.PrometheusSanitizeOptions.NameCharacters,
	KeyCharacters:        sdktally.PrometheusSanitizeOptions.KeyCharacters,
	ValueCharacters:      tally.ValidCharacters{Ranges: []tally.SanitizeRange{{' ', '~'}}},
	ReplacementCharacter: tally.DefaultReplacementCharacter,
}

// Exporter turns Temporal metrics handler calls into a Prometheus registry.
type Exporter struct {
	handler client.MetricsHandler
	http    http.Handler
	closer  io.Closer
}

// New makes an Exporter. Registration errors (the same metric name used
// with two different label sets) are logged, never fatal: a broken metric
// must not stop list sync. Close it when done.
func New(log *slog.Logger) *Exporter {
	reg := prom.NewRegistry()
	// Process and Go runtime metrics come for free and answer the first
	// questions about a misbehaving worker (memory, goroutines, restarts).
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reporter := tallyprom.NewReporter(tallyprom.Options{
		Registerer:       reg,
		Gatherer:         reg,
		DefaultTimerType: tallyprom.HistogramTimerType,
		OnRegisterError: func(err error) {
			log.Warn("a metric could not be exported; the others still are", "error", err)
		},
	})
	scope, closer := tally.NewRootScope(tally.ScopeOptions{
		CachedReporter:         reporter,
		Separator:              tallyprom.DefaultSeparator,
		SanitizeOptions:        &sanitize,
		OmitCardinalityMetrics: true,
	}, ReportInterval)
	return &Exporter{
		handler: sdktally.NewMetricsHandler(sdktally.NewPrometheusNamingScope(scope)),
		http:    reporter.HTTPHandler(),
		closer:  closer,
	}
}

// Handler is the handler to put in client.Options.MetricsHandler.
func (e *Exporter) Handler() client.MetricsHandler { return e.handler }

// HTTPHandler serves the registry in Prometheus' text format.
func (e *Exporter) HTTPHandler() http.Handler { return e.http }

// Close stops the reporting loop after a last report.
func (e *Exporter) Close() error { return e.closer.Close() }
