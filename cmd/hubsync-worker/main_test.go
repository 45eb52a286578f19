package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/audiencesync/hubspot-list-sync/internal/testenv"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestExitCodes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("accounts:\n  - {id: a, auth: {type: private-app, token: x}}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		code int
		want string
	}{
		{"help", []string{"-h"}, nil, exitOK, "-config"},
		{"unknown flag", []string{"-nope"}, nil, exitUsage, "-nope"},
		{"stray argument", []string{"serve"}, nil, exitUsage, "flags only"},
		{"bad log format", []string{"-log-format", "xml"}, nil, exitUsage, "use text or json"},
		{"bad log level", []string{"-log-level", "loud"}, nil, exitUsage, "debug, info"},
		{"missing file", []string{"-config", filepath.Join(dir, "absent.yaml")}, nil, exitFailed, "HUBSYNC_CONFIG"},
		{"config from env", nil, map[string]string{"HUBSYNC_CONFIG": bad}, exitFailed, "looks like a secret"},
		{"metrics addr without port", []string{"-metrics-addr", "9090"}, nil, exitUsage, "use host:port"},
		{"workflow cache not a number", []string{"-workflow-cache", "many"}, nil, exitUsage, "-workflow-cache \"many\": use a positive number"},
		{"workflow cache from env", nil, map[string]string{"HUBSYNC_WORKFLOW_CACHE": "0"}, exitUsage, "-workflow-cache \"0\""},
		{"metrics addr from env", nil, map[string]string{"HUBSYNC_METRICS_ADDR": "localhost"}, exitUsage, "-metrics-addr"},
		{"flag beats env", []string{"-config", bad}, map[string]string{"HUBSYNC_CONFIG": "/nowhere.yaml"}, exitFailed, "tokenEnv"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stderr bytes.Buffer
			code := run(context.Background(), tc.args, envOf(tc.env), &stderr)
			if code != tc.code {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, tc.code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("stderr lacks %q:\n%s", tc.want, stderr.String())
			}
		})
	}
}

// A worker that cannot reach Temporal keeps retrying; a signal (here a
// cancelled context) still ends it cleanly, as SIGTERM does in a container.
func TestStopWhileWaitingForTemporal(t *testing.T) {
	t.Parallel()
	// No connectors can pass the list check without a HubSpot, so point
	// the account at an address where nothing listens: the check then
	// only warns (transport error) and the worker goes on to dial.
	p := filepath.Join(t.TempDir(), "c.yaml")
	content := "temporal: {address: 127.0.0.1:1}\naccounts:\n  - {id: a, baseUrl: http://127.0.0.1:1, timeout: 1s, auth: {type: private-app, tokenEnv: T}}\n" +
		"connectors:\n  - {id: c, account: a, listId: \"1\"}\n"
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	time.AfterFunc(2*time.Second, cancel) // as SIGTERM would
	var stderr bytes.Buffer
	code := run(ctx, []string{"-config", p, "-log-format", "json"}, envOf(map[string]string{"T": "pat-test"}), &stderr)
	if code != exitOK {
		t.Fatalf("exit code %d, want 0; stderr:\n%s", code, stderr.String())
	}
	out := stderr.String()
	for _, want := range []string{`"msg":"could not check the connector's list`, `"msg":"cannot reach Temporal yet`} {
		if !strings.Contains(out, want) {
			t.Errorf("logs lack %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "pat-test") {
		t.Error("the token was logged")
	}
}

// With -metrics-addr, /metrics answers before Temporal does: a worker stuck
// dialing shows up as running, and its port closes with the process.
func TestMetricsServedWhileWaitingForTemporal(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "c.yaml")
	content := "temporal: {address: 127.0.0.1:1}\naccounts:\n  - {id: a, baseUrl: http://127.0.0.1:1, timeout: 1s, auth: {type: private-app, tokenEnv: T}}\n" +
		"connectors:\n  - {id: c, account: a, listId: \"1\"}\n"
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	var stderr bytes.Buffer // read only after run returns
	go func() {
		done <- run(ctx, []string{"-config", p}, envOf(map[string]string{"T": "pat-test", "HUBSYNC_METRICS_ADDR": addr}), &stderr)
	}()
	url := "http://" + addr + "/metrics"
	testenv.Eventually(t, 20*time.Second, func() (bool, string) {
		resp, err := http.Get(url)
		if err != nil {
			return false, err.Error()
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode == http.StatusOK && strings.Contains(string(body), "go_goroutines"),
			fmt.Sprintf("HTTP %d:\n%.500s", resp.StatusCode, body)
	})
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Fatalf("exit code %d, want 0; stderr:\n%s", code, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the worker did not stop")
	}
	if !strings.Contains(stderr.String(), "serving metrics") {
		t.Errorf("the metrics URL was not logged:\n%s", stderr.String())
	}
	if resp, err := http.Get(url); err == nil {
		resp.Body.Close()
		t.Error("/metrics still answers after the worker stopped")
	}
}
