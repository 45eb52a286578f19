package worker

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/audiencesync/hubspot-list-sync/config"
	"github.com/audiencesync/hubspot-list-sync/hubspot"
	"github.com/audiencesync/hubspot-list-sync/internal/testenv"
	"github.com/audiencesync/hubspot-list-sync/workflows"
)

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// A definite list problem is reported before Temporal is even dialed, so a
// misconfigured worker fails fast with the fix, not with a dial timeout.
func TestRunRefusesBeforeDialing(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	f := fx.load(t, conn{"dyn", "good", fx.dynamic})
	f.Temporal.Address = "127.0.0.1:1" // nothing listens here
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := Run(ctx, f, Options{Logger: quietLogger()})
	if err == nil || !strings.Contains(err.Error(), `connector "dyn"`) || !strings.Contains(err.Error(), "DYNAMIC") {
		t.Fatalf("Run = %v, want a refusal naming connector dyn", err)
	}
	if ctx.Err() != nil {
		t.Fatal("Run waited for the context instead of refusing at once")
	}
}

func TestRunFailsWithoutSecret(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	f := fx.load(t, conn{"m", "good", fx.manual})
	delete(fx.env, "GOOD")
	err := Run(context.Background(), f, Options{Logger: quietLogger()})
	if err == nil || !strings.Contains(err.Error(), "GOOD") {
		t.Fatalf("Run = %v, want an error naming the missing variable", err)
	}
}

// Run dials the dev server itself (as the binary does), serves the audience
// and sync workflows and the activity, and returns nil once ctx ends.
func TestRunServesAndStops(t *testing.T) {
	tp := testenv.StartTemporal(t)
	emu := testenv.StartEmulator(t)
	emu.AddContactRange(1, 1, 20)
	list := emu.CreateList(1, "Run test", hubspot.ProcessingManual)
	env := map[string]string{
		"HUBSPOT_TOKEN":             emu.NewPrivateAppToken(1, "crm.lists.read", "crm.lists.write"),
		config.EnvTemporalAddress:   tp.Server.FrontendHostPort(),
		config.EnvTemporalTaskQueue: "worker-run-test",
	}
	file := "accounts:\n  - {id: a, baseUrl: " + emu.URL + ", auth: {type: private-app, tokenEnv: HUBSPOT_TOKEN}}\n" +
		"connectors:\n  - {id: c1, account: a, listId: \"" + list + "\", flushInterval: 200ms}\n"
	f, err := config.Parse([]byte(file), t.TempDir(), func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- Run(ctx, f, Options{Logger: quietLogger(), Ready: ready}) }()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("Run returned before serving: %v", err)
	case <-time.After(time.Minute):
		t.Fatal("worker not ready within a minute")
	}

	c, _, err := f.Connector("c1")
	if err != nil {
		t.Fatal(err)
	}
	sctx, scancel := context.WithTimeout(ctx, 30*time.Second)
	defer scancel()
	_, err = tp.Client.SignalWithStartWorkflow(sctx, workflows.AudienceWorkflowID("aud-run"), workflows.SignalAudience, workflows.AudienceCommand{Activate: ptr(c.SyncInput("aud-run"))},
		client.StartWorkflowOptions{TaskQueue: f.Temporal.TaskQueue}, workflows.AudienceWorkflowName, workflows.AudienceInput{AudienceID: "aud-run"})
	if err != nil {
		t.Fatal(err)
	}
	err = tp.Client.SignalWorkflow(sctx, workflows.AudienceWorkflowID("aud-run"), "", workflows.SignalAudience,
		workflows.AudienceCommand{Membership: &workflows.MembershipChange{Op: workflows.OpEnter, RecordIDs: []string{"3", "1", "2"}}})
	if err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 30*time.Second, func() (bool, string) {
		got := emu.Members(1, list)
		return slices.Equal(got, []int64{1, 2, 3}), fmt.Sprintf("list members %v, want [1 2 3]", got)
	})

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run after cancel = %v, want nil", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("Run did not return after its context was cancelled")
	}
}

func ptr[T any](v T) *T { return &v }
