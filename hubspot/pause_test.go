package hubspot_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/audiencesync/hubspot-list-sync/hubspot"
	"github.com/audiencesync/hubspot-list-sync/hubspot/hubspottest"
)

// After a 429 the client sends nothing to that account until HubSpot's
// interval has passed. A request whose deadline ends inside the pause fails
// at once, unsent, with the remaining wait, so its retry waits the rest.
func TestRateLimitedAccountPausesForTheInterval(t *testing.T) {
	e := newEnv(t, hubspottest.WithRateLimit(1))
	c := e.client(t)
	_, err := c.GetList(context.Background(), e.listID)
	require.NoError(t, err)
	_, err = c.GetList(context.Background(), e.listID)
	var first *hubspot.APIError
	require.ErrorAs(t, err, &first)
	require.Equal(t, 429, first.StatusCode, "HubSpot's own 429")
	sent := len(e.emu.Requests())

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	began := time.Now()
	_, err = c.UpdateMemberships(ctx, e.listID, []int64{1}, nil)
	var apiErr *hubspot.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 429, apiErr.StatusCode)
	assert.Equal(t, hubspot.CategoryPaused, apiErr.Category)
	assert.Greater(t, apiErr.RetryAfter, 3*time.Second, "the pause outlasts the request's deadline")
	assert.LessOrEqual(t, apiErr.RetryAfter, 10*time.Second)
	assert.True(t, hubspot.Retryable(err))
	assert.Less(t, time.Since(began), 3*time.Second, "a pause longer than the deadline is not waited for")
	assert.Equal(t, sent, len(e.emu.Requests()), "nothing reached HubSpot during the pause")
}

// A request held by a pause that ends in time waits and then goes: a held
// request is not a failed one, so it costs its caller no retry.
func TestHeldRequestWaitsForThePauseToEnd(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	end := time.Now().Add(400 * time.Millisecond)
	c.HoldUntil(end, "TEN_SECONDLY_ROLLING")

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := c.UpdateMemberships(ctx, e.listID, []int64{1}, nil)
	require.NoError(t, err)
	reqs := e.emu.Requests()
	require.Len(t, reqs, 1)
	assert.False(t, reqs[0].Time.Before(end), "sent at %s, before the pause ended at %s", reqs[0].Time, end)
	assert.Equal(t, []int64{1}, e.emu.Members(portal, e.listID))

	// Cancelled while held: nothing is sent.
	c.HoldUntil(time.Now().Add(time.Hour), "DAILY")
	short, stop := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, stop)
	_, err = c.UpdateMemberships(short, e.listID, []int64{2}, nil)
	require.ErrorIs(t, err, context.Canceled)
	assert.Len(t, e.emu.Requests(), 1)
}

// A pause outlives the process that was answered 429: a client built on
// the same store (the next worker process) holds the account for the rest
// of HubSpot's interval, and the first request it sends comes after it.
func TestPauseSurvivesTheProcess(t *testing.T) {
	e := newEnv(t, hubspottest.WithRateLimit(1))
	store := hubspot.FilePauseStore{Path: filepath.Join(t.TempDir(), "pauses", "acct.json")}
	first := e.client(t, func(c *hubspot.Config) { c.Pauses = store })
	_, err := first.GetList(context.Background(), e.listID)
	require.NoError(t, err)
	_, err = first.GetList(context.Background(), e.listID)
	require.Error(t, err)
	answered := time.Now()

	st, err := store.Load()
	require.NoError(t, err)
	assert.Equal(t, "TEN_SECONDLY_ROLLING", st.Policy)
	assert.WithinRange(t, st.Until, answered.Add(9*time.Second), answered.Add(10*time.Second))
	info, err := os.Stat(store.Path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	next := e.client(t, func(c *hubspot.Config) { c.Pauses = store })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	sent := len(e.emu.Requests())
	_, err = next.UpdateMemberships(ctx, e.listID, []int64{1}, nil)
	var apiErr *hubspot.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, hubspot.CategoryPaused, apiErr.Category, "the new client knows the pause")
	assert.Equal(t, sent, len(e.emu.Requests()))

	// A damaged file is refused by name rather than ignored.
	require.NoError(t, os.WriteFile(store.Path, []byte("{"), 0o600))
	_, err = hubspot.New(hubspot.Config{BaseURL: e.url, HTTPClient: http.DefaultClient, Pauses: store})
	assert.ErrorContains(t, err, store.Path)
}

// A process that dies while its request awaits HubSpot's answer cannot
// record a 429 that answer may be: the lease it saved before sending makes
// the next process hold the account for HubSpot's interval. After a clean
// stop (Release with nothing in flight) the next process holds nothing.
func TestRequestInFlightAtDeathHoldsTheNextProcess(t *testing.T) {
	e := newEnv(t)
	store := hubspot.FilePauseStore{Path: filepath.Join(t.TempDir(), "acct.json")}
	first := e.client(t, func(c *hubspot.Config) { c.Pauses = store })
	e.emu.InjectFault(hubspottest.Fault{Method: http.MethodPut, PathContains: "add-and-remove", Kind: hubspottest.FaultHang})
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_, _ = first.UpdateMemberships(ctx, e.listID, []int64{1}, nil)
	}()
	require.Eventually(t, func() bool { return len(e.emu.Requests()) == 1 || e.emu.Counters().Faults == 1 }, 5*time.Second, 5*time.Millisecond)

	// The "next process" starts while the answer is still due.
	started := time.Now()
	next := e.client(t, func(c *hubspot.Config) { c.Pauses = store })
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_, err := next.GetList(ctx, e.listID)
	var held *hubspot.APIError
	require.ErrorAs(t, err, &held)
	assert.Equal(t, hubspot.CategoryPaused, held.Category)
	assert.Contains(t, held.Message, "previous worker process stopped")
	assert.Greater(t, held.RetryAfter, 9*time.Second-time.Since(started))
	<-sent

	// A clean stop clears the lease: the process after it sends at once.
	first.Release()
	st, err := store.Load()
	require.NoError(t, err)
	assert.True(t, st.Lease.IsZero(), "lease after Release: %s", st.Lease)
	after := e.client(t, func(c *hubspot.Config) { c.Pauses = store })
	_, err = after.GetList(context.Background(), e.listID)
	require.NoError(t, err)
}

// failingStore cannot keep anything.
type failingStore struct{ saves int }

func (f *failingStore) Load() (hubspot.PauseState, error) { return hubspot.PauseState{}, nil }
func (f *failingStore) Save(hubspot.PauseState) error {
	f.saves++
	return os.ErrPermission
}

// A state folder that cannot be written does not stop requests, and costs
// one save attempt (one warning) per lease, not one per request.
func TestUnwritablePauseStoreCostsOneSavePerLease(t *testing.T) {
	e := newEnv(t)
	store := &failingStore{}
	c := e.client(t, func(c *hubspot.Config) { c.Pauses = store })
	for i := range 20 {
		_, err := c.UpdateMemberships(context.Background(), e.listID, []int64{int64(i + 1)}, nil)
		require.NoError(t, err)
	}
	assert.Len(t, e.emu.Members(portal, e.listID), 20)
	assert.Equal(t, 1, store.saves, "20 requests within one lease")
}
