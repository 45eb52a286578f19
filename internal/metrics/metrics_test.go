package metrics

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

func TestExporterServesPrometheusNames(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	exp := New(log)
	defer exp.Close()
	srv, err := Listen("127.0.0.1:0", exp.HTTPHandler(), log)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	h := exp.Handler().WithTags(map[string]string{"connector": "acme-vip.eu"})
	h.Counter("hubsync_batches_total").Inc(2)
	h.Counter("temporal_worker_start").Inc(1)
	h.Gauge("hubsync_hubspot_ratelimit_remaining").Update(42)
	h.Timer("temporal_activity_execution_latency").Record(30 * time.Millisecond)
	// The same name with other label keys cannot be exported; it must be
	// logged, not crash the worker.
	exp.Handler().Counter("hubsync_batches_total").Inc(1)
	time.Sleep(2 * ReportInterval) // let the reporter tick

	url := "http://" + srv.Addr().String()
	code, body := get(t, url+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("GET /metrics: %d", code)
	}
	for _, want := range []string{
		`hubsync_batches_total{connector="acme-vip.eu"} 2`,
		`temporal_worker_start_total{connector="acme-vip.eu"} 1`,
		`hubsync_hubspot_ratelimit_remaining{connector="acme-vip.eu"} 42`,
		`temporal_activity_execution_latency_seconds_count{connector="acme-vip.eu"} 1`,
		"go_goroutines", "process_start_time_seconds",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s:\n%s", want, body)
		}
	}
	if !strings.Contains(logs.String(), "could not be exported") {
		t.Errorf("a label-set conflict was not logged; logs:\n%s", logs.String())
	}
	if code, _ := get(t, url+"/"); code != http.StatusNotFound {
		t.Errorf("GET / = %d, want 404: only /metrics is served", code)
	}

	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(url + "/metrics"); err == nil {
		t.Error("/metrics answers after Close")
	}
}

func TestListenReportsATakenPort(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	exp := New(log)
	defer exp.Close()
	first, err := Listen("127.0.0.1:0", exp.HTTPHandler(), log)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	_, err = Listen(first.Addr().String(), exp.HTTPHandler(), log)
	if err == nil || !strings.Contains(err.Error(), "HUBSYNC_METRICS_ADDR") {
		t.Fatalf("Listen on a taken port = %v, want an error naming the setting", err)
	}
}
