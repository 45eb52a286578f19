package worker

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/audiencesync/hubspot-list-sync/config"
	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/hubspot"
	"github.com/audiencesync/hubspot-list-sync/internal/testenv"
)

// live is Run serving a real dev server and the emulator: one account, one
// connector "c1" on a MANUAL list of contacts 1..20.
type live struct {
	t     *testing.T
	tp    *testenv.Temporal
	emu   *testenv.Emulator
	f     *config.File
	list  string
	token string
	done  chan error
	stop  context.CancelFunc
}

func startLive(t *testing.T, taskQueue string, opts Options) *live {
	t.Helper()
	l := &live{t: t, tp: testenv.StartTemporal(t), emu: testenv.StartEmulator(t)}
	l.emu.AddContactRange(1, 1, 20)
	l.list = l.emu.CreateList(1, "Worker test", hubspot.ProcessingManual)
	l.token = l.emu.NewPrivateAppToken(1, "crm.lists.read", "crm.lists.write")
	env := map[string]string{
		"HUBSPOT_TOKEN":             l.token,
		config.EnvTemporalAddress:   l.tp.Server.FrontendHostPort(),
		config.EnvTemporalTaskQueue: taskQueue,
	}
	file := "accounts:\n  - {id: a, baseUrl: " + l.emu.URL + ", auth: {type: private-app, tokenEnv: HUBSPOT_TOKEN}}\n" +
		"connectors:\n  - {id: c1, account: a, listId: \"" + l.list + "\", flushInterval: 200ms}\n"
	var err error
	if l.f, err = config.Parse([]byte(file), t.TempDir(), func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	l.stop = cancel
	ready := make(chan struct{})
	l.done = make(chan error, 1)
	opts.Logger, opts.Ready = quietLogger(), ready
	go func() { l.done <- Run(ctx, l.f, opts) }()
	select {
	case <-ready:
	case err := <-l.done:
		t.Fatalf("Run returned before serving: %v", err)
	case <-time.After(time.Minute):
		t.Fatal("worker not ready within a minute")
	}
	return l
}

// enter activates c1 on the audience and sends one enter, as the starter
// would, then waits until the list holds want.
func (l *live) enter(audience string, ids []string, want []int64) {
	l.t.Helper()
	c, _, err := l.f.Connector("c1")
	if err != nil {
		l.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	wid := contract.AudienceWorkflowID(audience)
	testenv.Activate(l.t, ctx, l.tp.Client, l.f.Temporal.TaskQueue, audience, c.SyncInput(audience))
	if err := l.tp.Client.SignalWorkflow(ctx, wid, "", contract.SignalAudience,
		contract.AudienceCommand{Membership: &contract.MembershipChange{Op: contract.OpEnter, RecordIDs: ids}}); err != nil {
		l.t.Fatal(err)
	}
	testenv.Eventually(l.t, 30*time.Second, func() (bool, string) {
		got := l.emu.Members(1, l.list)
		return slices.Equal(got, want), fmt.Sprintf("list members %v, want %v", got, want)
	})
}

// shutdown cancels Run and checks it returns nil.
func (l *live) shutdown() {
	l.t.Helper()
	l.stop()
	select {
	case err := <-l.done:
		if err != nil {
			l.t.Fatalf("Run after cancel = %v, want nil", err)
		}
	case <-time.After(time.Minute):
		l.t.Fatal("Run did not return after its context was cancelled")
	}
}
