package worker

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"go.temporal.io/sdk/client"

	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/internal/testenv"
)

// Run with MetricsAddr serves the SDK's and the activity's metrics on one
// /metrics while it runs, and closes the port when it returns.
func TestRunServesMetrics(t *testing.T) {
	addr := freeAddr(t)
	l := startLive(t, "worker-metrics-test", Options{MetricsAddr: addr})
	token := l.token
	l.enter("aud-metrics", []string{"1", "2", "999"}, []int64{1, 2})

	url := "http://" + addr + "/metrics"
	var body string
	var fams map[string]*dto.MetricFamily
	// Values reach the registry on the exporter's report tick.
	testenv.Eventually(t, 15*time.Second, func() (bool, string) {
		body, fams = scrape(t, url)
		// The batch ran on the account's own task queue.
		applied := value(fams["hubsync_batches_total"], map[string]string{"connector": "c1", "result": "applied", "namespace": "default",
			"task_queue": contract.AccountTaskQueue("worker-metrics-test", "a")})
		missing := value(fams["hubsync_record_ids_total"], map[string]string{"connector": "c1", "outcome": "missing"})
		_, sdk := fams["temporal_activity_execution_latency_seconds"]
		_, start := fams["temporal_worker_start_total"]
		return applied >= 1 && missing == 1 && sdk && start,
			fmt.Sprintf("applied=%v missing=%v temporal_activity_execution_latency_seconds=%v temporal_worker_start_total=%v; families: %s",
				applied, missing, sdk, start, names(fams))
	})
	if _, ok := fams["hubsync_hubspot_ratelimit_remaining"]; !ok {
		t.Error("no hubsync_hubspot_ratelimit_remaining: the emulator sends the rate-limit headers")
	}
	if strings.Contains(body, token) {
		t.Error("/metrics shows the HubSpot token")
	}

	l.shutdown()
	if resp, err := http.Get(url); err == nil {
		resp.Body.Close()
		t.Error("/metrics still answers after Run returned")
	}
}

// A supplied client owns its metrics handler, which Run cannot change.
func TestRunRefusesMetricsAddrWithClient(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	f := fx.load(t, conn{"m", "good", fx.manual})
	var c client.Client = (*fakeClient)(nil)
	err := Run(context.Background(), f, Options{Logger: quietLogger(), Client: c, MetricsAddr: "127.0.0.1:0"})
	if err == nil || !strings.Contains(err.Error(), "MetricsAddr") {
		t.Fatalf("Run = %v, want a refusal naming MetricsAddr", err)
	}
}

// A taken port fails start-up with the flag to change, before dialing.
func TestRunFailsOnATakenMetricsPort(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	fx := newFixture(t)
	f := fx.load(t, conn{"m", "good", fx.manual})
	f.Temporal.Address = "127.0.0.1:1" // never reached
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err = Run(ctx, f, Options{Logger: quietLogger(), MetricsAddr: ln.Addr().String()})
	if err == nil || !strings.Contains(err.Error(), "-metrics-addr") {
		t.Fatalf("Run = %v, want a metrics listen error naming -metrics-addr", err)
	}
	if ctx.Err() != nil {
		t.Fatal("Run dialed Temporal instead of failing at once")
	}
}

// fakeClient is never called: Run refuses before using it.
type fakeClient struct{ client.Client }

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func scrape(t *testing.T, url string) (string, map[string]*dto.MetricFamily) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("scraping %s: %v", url, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("scraping %s: HTTP %d, %v", url, resp.StatusCode, err)
	}
	var p expfmt.TextParser
	fams, err := p.TextToMetricFamilies(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatalf("/metrics is not Prometheus text: %v", err)
	}
	return string(raw), fams
}

// value sums the counter or gauge of the family's series whose labels
// include want.
func value(fam *dto.MetricFamily, want map[string]string) float64 {
	if fam == nil {
		return 0
	}
	var sum float64
	for _, m := range fam.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		ok := true
		for k, v := range want {
			ok = ok && labels[k] == v
		}
		if ok {
			sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	return sum
}

func names(fams map[string]*dto.MetricFamily) string {
	var out []string
	for n := range fams {
		out = append(out, n)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}
