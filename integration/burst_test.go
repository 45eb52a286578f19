package integration_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/internal/testenv"
	"github.com/audiencesync/hubspot-list-sync/starter"
)

// The bursts below run the same code paths as the 1,000,000-change burst of
// cmd/hubsync-bench, at CI size: the backlog bound is lowered to 2,000 IDs
// and the per-run bounds so that back-pressure engages and both workflows
// continue as new with a full backlog carried.
const (
	burstContacts   = 24000
	burstMaxBacklog = 2000
	burstSenders    = 4
)

// burstStack is a stack whose connector owes at most burstMaxBacklog IDs
// and whose workflows continue as new often.
func burstStack(t *testing.T, audience string) *stack {
	s := newStackWith(t, stackConfig{contacts: burstContacts, batchSize: 500})
	small := starter.CatalogFunc(func(connectorID, audienceID string) (contract.SyncInput, error) {
		in, err := s.cfg.ConnectorInput(connectorID, audienceID)
		in.MaxBacklog, in.MaxSignalsPerRun, in.MaxBatchesPerRun = burstMaxBacklog, 6, 10
		return in, err
	})
	s.st = starter.New(temporal.Client, s.cfg.Temporal.TaskQueue, small)
	_, err := temporal.Client.ExecuteWorkflow(s.ctx(), client.StartWorkflowOptions{ID: contract.AudienceWorkflowID(audience), TaskQueue: s.cfg.Temporal.TaskQueue},
		contract.AudienceWorkflowName, contract.AudienceInput{AudienceID: audience, MaxSignalsPerRun: 10})
	require.NoError(t, err)
	require.NoError(t, s.st.Activate(s.ctx(), audience, "conn-a"))
	return s
}

// burst is every contact entering, then every fifth leaving, split among
// senders by contact so each contact's changes keep their order.
func burst() (perSender [][]change, want []int64) {
	perSender = make([][]change, burstSenders)
	for w := range burstSenders {
		var enters, leaves []string
		for id := w + 1; id <= burstContacts; id += burstSenders {
			enters = append(enters, strconv.Itoa(id))
			if id%5 == 0 {
				leaves = append(leaves, strconv.Itoa(id))
			}
		}
		perSender[w] = []change{{enter: true, ids: enters}, {enter: false, ids: leaves}}
	}
	for id := int64(1); id <= burstContacts; id++ {
		if id%5 != 0 {
			want = append(want, id)
		}
	}
	return perSender, want
}

// sendAll runs the senders concurrently; each sends its changes in order.
func sendAll(t *testing.T, s *stack, audience string, perSender [][]change) <-chan error {
	errs := make(chan error, len(perSender))
	var wg sync.WaitGroup
	for _, cs := range perSender {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			for _, c := range cs {
				var err error
				if c.enter {
					_, err = s.st.Enter(ctx, audience, c.ids)
				} else {
					_, err = s.st.Leave(ctx, audience, c.ids)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(errs) }()
	return errs
}

// watch samples the sync's and the audience's backlog until stop closes,
// and returns the largest of each seen.
func watch(s *stack, audience string, stop <-chan struct{}) func() (syncMax, queuedMax, waitingMax int) {
	var mu sync.Mutex
	var sm, qm, wm int
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			if st, err := s.st.ConnectorStatus(ctx, audience, "conn-a"); err == nil {
				mu.Lock()
				sm = max(sm, st.Backlog)
				mu.Unlock()
			}
			if a, err := s.st.Connectors(ctx, audience); err == nil {
				mu.Lock()
				qm, wm = max(qm, a.Queued), max(wm, a.Waiting)
				mu.Unlock()
			}
			cancel()
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	return func() (int, int, int) { <-done; mu.Lock(); defer mu.Unlock(); return sm, qm, wm }
}

func TestBurstConvergesExactlyWithinItsBounds(t *testing.T) {
	const aud = "aud-burst"
	s := burstStack(t, aud)
	perSender, want := burst()
	stop := make(chan struct{})
	peaks := watch(s, aud, stop)
	for err := range sendAll(t, s, aud, perSender) {
		require.NoError(t, err, "workflow task failures: %q", taskFailures(t, temporal.Client, contract.AudienceWorkflowID(aud)))
	}
	st := s.converged(aud, "conn-a", want)
	close(stop)
	syncMax, queuedMax, _ := peaks()

	assert.LessOrEqual(t, syncMax, burstMaxBacklog, "the sync never owed more than its bound")
	assert.LessOrEqual(t, queuedMax, contract.QueueSoftIDs+contract.MaxAdmitIDs)
	assert.Positive(t, queuedMax, "back-pressure engaged: changes waited in the audience's queue")
	assert.GreaterOrEqual(t, st.Generation, 1, "the sync continued as new during the burst")
	aud2, err := s.st.Connectors(s.ctx(), aud)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, aud2.Generation, 1, "the audience continued as new during the burst")
	assert.Zero(t, aud2.Overflowed)
	assert.EqualValues(t, burstContacts+burstContacts/5, aud2.Admitted)
	assert.Zero(t, st.Overflowed)

	// Runs with admits, credit-held forwarding and progress reports that
	// ended in continue-as-new replay (and are kept for the replay test
	// with RECORD_HISTORY=1).
	replayAndRecord(t, previousRun(t, temporal.Client, contract.SyncWorkflowID(aud, "conn-a")), "sync-bounded-continued-as-new")
	replayAndRecord(t, previousRun(t, temporal.Client, contract.AudienceWorkflowID(aud)), "audience-bounded-continued-as-new")
	replayAndRecord(t, firstRun(t, temporal.Client, contract.AudienceWorkflowID(aud)), "audience-bounded-admits")
}

// A paused sync keeps its bound however much is sent: the senders are held
// (their calls do not return) until it resumes, then everything converges.
func TestBurstIntoAPausedSyncHoldsTheSendersThenConverges(t *testing.T) {
	const aud = "aud-paused-burst"
	s := burstStack(t, aud)
	testenv.Eventually(t, 30*time.Second, func() (bool, string) {
		err := s.st.Pause(s.ctx(), aud, "conn-a") // once the activation has started the sync
		return err == nil, fmt.Sprint(err)
	})
	perSender, want := burst()
	errs := sendAll(t, s, aud, perSender)

	var st contract.Status
	var a contract.AudienceStatus
	testenv.Eventually(t, 60*time.Second, func() (bool, string) {
		var err error
		if st, err = s.st.ConnectorStatus(s.ctx(), aud, "conn-a"); err != nil {
			return false, err.Error()
		}
		if a, err = s.st.Connectors(s.ctx(), aud); err != nil {
			return false, err.Error()
		}
		return a.Waiting > 0 && st.Backlog > burstMaxBacklog*3/4, "waiting for senders to be held"
	})
	select {
	case err := <-errs:
		t.Fatalf("a sender finished while the sync was paused: %v", err)
	case <-time.After(2 * time.Second):
	}
	st, err := s.st.ConnectorStatus(s.ctx(), aud, "conn-a")
	require.NoError(t, err)
	assert.Equal(t, contract.StatePaused, st.State)
	assert.LessOrEqual(t, st.Backlog, burstMaxBacklog)
	assert.LessOrEqual(t, a.Queued, contract.QueueSoftIDs+contract.MaxAdmitIDs)
	assert.Empty(t, s.emu.Members(portalA, s.lists["conn-a"]), "nothing is applied while paused")
	genPaused := st.Generation

	require.NoError(t, s.st.Resume(s.ctx(), aud, "conn-a"))
	for err := range errs {
		require.NoError(t, err)
	}
	st = s.converged(aud, "conn-a", want)
	assert.Greater(t, st.Generation, 0)
	t.Logf("sync generations: %d while paused, %d at the end", genPaused, st.Generation)
	assert.True(t, slices.Equal(want, s.emu.Members(portalA, s.lists["conn-a"])))
}
