package integration_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/audiencesync/hubspot-list-sync/config"
	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/hubspot"
	"github.com/audiencesync/hubspot-list-sync/hubspot/hubspottest"
	"github.com/audiencesync/hubspot-list-sync/internal/testenv"
	"github.com/audiencesync/hubspot-list-sync/internal/workertest"
	"github.com/audiencesync/hubspot-list-sync/starter"
	"github.com/audiencesync/hubspot-list-sync/worker"
)

// Two HubSpot accounts, one list each, one connector each.
const (
	portalA, portalB = int64(1), int64(2)
	contacts         = 2000
)

type stack struct {
	t          testing.TB
	emu        *testenv.Emulator
	cfg        *config.File
	st         *starter.Starter
	lists      map[string]string // connector -> list ID
	portals    map[string]int64  // connector -> portal
	stopWorker func()
}

func newStack(t *testing.T, opts ...hubspottest.Option) *stack {
	t.Helper()
	return newStackWith(t, stackConfig{emulator: opts, contacts: contacts, batchSize: 100})
}

// stackConfig varies a stack for benchmarks.
type stackConfig struct {
	emulator  []hubspottest.Option
	budget    config.Budget // zero: the default
	contacts  int64
	batchSize int
}

func newStackWith(t testing.TB, sc stackConfig) *stack {
	t.Helper()
	emu := testenv.StartEmulator(t, sc.emulator...)
	emu.AddContactRange(portalA, 1, sc.contacts)
	emu.AddContactRange(portalB, 1, sc.contacts)
	listA := emu.CreateList(portalA, "Audience in A", hubspot.ProcessingManual)
	listB := emu.CreateList(portalB, "Audience in B", hubspot.ProcessingManual)
	env := map[string]string{
		"TOKEN_A": emu.NewPrivateAppToken(portalA, "crm.lists.read", "crm.lists.write"),
		"TOKEN_B": emu.NewPrivateAppToken(portalB, "crm.lists.read", "crm.lists.write"),
	}
	queue := "it-" + strings.NewReplacer("/", "-", " ", "-").Replace(t.Name())
	budget := ""
	if sc.budget != (config.Budget{}) {
		budget = fmt.Sprintf(", budget: {requests: %d, per: %s, burst: %d}", sc.budget.Requests, sc.budget.Per, sc.budget.Burst)
	}
	yaml := fmt.Sprintf(`
temporal: {address: %[1]q, taskQueue: %[2]q}
accounts:
  - {id: acct-a, baseUrl: %[3]q, timeout: 5s, auth: {type: private-app, tokenEnv: TOKEN_A}%[6]s}
  - {id: acct-b, baseUrl: %[3]q, timeout: 5s, auth: {type: private-app, tokenEnv: TOKEN_B}%[6]s}
connectors:
  - {id: conn-a, account: acct-a, listId: %[4]q, flushInterval: 200ms, maxBatchSize: %[7]d}
  - {id: conn-b, account: acct-b, listId: %[5]q, flushInterval: 200ms, maxBatchSize: %[7]d}
`, temporal.Server.FrontendHostPort(), queue, emu.URL, listA, listB, budget, sc.batchSize)
	cfg, err := config.Parse([]byte(yaml), t.TempDir(), func(k string) string { return env[k] })
	require.NoError(t, err)
	s := &stack{t: t, emu: emu, cfg: cfg,
		st:      starter.New(temporal.Client, queue, cfg),
		lists:   map[string]string{"conn-a": listA, "conn-b": listB},
		portals: map[string]int64{"conn-a": portalA, "conn-b": portalB}}
	s.startWorker()
	t.Cleanup(func() { s.stopWorker() })
	return s
}

// startWorker runs the real worker (worker.Run) against the dev server.
func (s *stack) startWorker() {
	s.t.Helper()
	s.stopWorker = workertest.Start(s.t, s.cfg, worker.Options{Client: temporal.Client,
		Logger: slog.New(slog.NewTextHandler(debugOut(), nil))})
}

func (s *stack) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	s.t.Cleanup(cancel)
	return ctx
}

// send delivers one change through the starter API.
func (s *stack) send(audience string, c change) {
	s.t.Helper()
	var err error
	if c.enter {
		_, err = s.st.Enter(s.ctx(), audience, c.ids)
	} else {
		_, err = s.st.Leave(s.ctx(), audience, c.ids)
	}
	require.NoError(s.t, err)
}

// converged waits until the connector's list equals want and its sync has
// nothing pending, in flight or owed.
func (s *stack) converged(audience, connector string, want []int64) contract.Status {
	s.t.Helper()
	var st contract.Status
	testenv.Eventually(s.t, 90*time.Second, func() (bool, string) {
		got := s.emu.Members(s.portals[connector], s.lists[connector])
		var err error
		st, err = s.st.ConnectorStatus(s.ctx(), audience, connector)
		if err != nil {
			return false, err.Error()
		}
		idle := st.PendingAdds+st.PendingRemoves == 0 && st.InFlight == nil && st.Owed == nil
		return idle && equalIDs(got, want), fmt.Sprintf("%s: list %s, want %s; state %s pending +%d -%d, last error %+v",
			connector, fmtIDs(got), fmtIDs(want), st.State, st.PendingAdds, st.PendingRemoves, st.LastError)
	})
	return st
}

// change is one Enter or Leave call.
type change struct {
	enter bool
	ids   []string
}

// model applies changes to a set, as HubSpot should end up: enters of
// contacts that exist join, leaves go.
type model map[int64]bool

func (m model) apply(cs ...change) {
	for _, c := range cs {
		for _, s := range c.ids {
			id, err := strconv.ParseInt(s, 10, 64)
			if err != nil || id <= 0 || id > contacts {
				continue
			}
			if c.enter {
				m[id] = true
			} else {
				delete(m, id)
			}
		}
	}
}

func (m model) ids() []int64 {
	out := make([]int64, 0, len(m))
	for id := range m {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// randomStream is a reproducible stream: mostly enters, leaves of random
// contacts, some IDs beyond the portal (missing) and a few invalid ones.
func randomStream(seed uint64, signals, perSignal int) []change {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	out := make([]change, 0, signals)
	for range signals {
		c := change{enter: rng.IntN(3) != 0}
		for range perSignal {
			c.ids = append(c.ids, strconv.Itoa(rng.IntN(contacts+contacts/20)+1))
		}
		if rng.IntN(8) == 0 {
			c.ids = append(c.ids, "x"+strconv.Itoa(rng.IntN(100)))
		}
		out = append(out, c)
	}
	return out
}

func debugOut() io.Writer {
	if os.Getenv("IT_WORKER_LOG") != "" {
		return os.Stderr
	}
	return io.Discard
}
