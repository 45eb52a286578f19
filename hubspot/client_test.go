package hubspot_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/audiencesync/hubspot-list-sync/hubspot"
	"github.com/audiencesync/hubspot-list-sync/hubspot/hubspottest"
	"github.com/audiencesync/hubspot-list-sync/internal/speccheck"
)

const portal = int64(101)

// env is one emulated HubSpot account behind HubSpot's published spec: every
// request the client sends and every answer it gets is validated against it.
type env struct {
	emu    *hubspottest.Emulator
	url    string
	token  string
	listID string
}

func newEnv(t *testing.T, opts ...hubspottest.Option) *env {
	t.Helper()
	emu := hubspottest.New(opts...)
	srv := httptest.NewServer(speccheck.Middleware(t, emu.Handler()))
	t.Cleanup(func() { emu.Close(); srv.Close() })
	emu.AddContactRange(portal, 1, 1000)
	e := &env{emu: emu, url: srv.URL}
	e.token = emu.NewPrivateAppToken(portal, "crm.lists.read", "crm.lists.write")
	e.listID = emu.CreateList(portal, "Audience A", hubspot.ProcessingManual)
	return e
}

func (e *env) client(t *testing.T, mod ...func(*hubspot.Config)) *hubspot.Client {
	t.Helper()
	cfg := hubspot.Config{BaseURL: e.url, HTTPClient: hubspot.NewPrivateAppHTTPClient(e.token, nil), Timeout: 5 * time.Second}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := hubspot.New(cfg)
	require.NoError(t, err)
	return c
}

func TestUpdateMembershipsReportsPerContactOutcome(t *testing.T) {
	for _, version := range []string{"2026-03", "v3"} {
		t.Run(version, func(t *testing.T) {
			e := newEnv(t)
			require.NoError(t, e.emu.AddMembers(portal, e.listID, 5))
			c := e.client(t, func(c *hubspot.Config) { c.APIVersion = version })
			ctx := context.Background()

			got, err := c.UpdateMemberships(ctx, e.listID, []int64{1, 2, 5, 5000}, []int64{6})
			require.NoError(t, err)
			assert.ElementsMatch(t, []int64{1, 2}, got.Added, "5 was already a member: HubSpot ignores it")
			assert.Empty(t, got.Removed, "6 was not a member: HubSpot ignores it")
			assert.Equal(t, []int64{5000}, got.Missing)
			assert.True(t, got.RateLimit.Present, "rate-limit headers of a successful response are exposed")
			assert.Equal(t, 10*time.Second, got.RateLimit.Interval)
			assert.Positive(t, got.RateLimit.Max)

			got, err = c.UpdateMemberships(ctx, e.listID, []int64{3}, []int64{1, 5})
			require.NoError(t, err)
			assert.Equal(t, []int64{3}, got.Added)
			assert.ElementsMatch(t, []int64{1, 5}, got.Removed)
			assert.Equal(t, []int64{2, 3}, e.emu.Members(portal, e.listID))

			reqs := e.emu.Requests()
			require.NotEmpty(t, reqs)
			want := "/crm/lists/2026-03/"
			if version == "v3" {
				want = "/crm/v3/lists/"
			}
			assert.Contains(t, reqs[len(reqs)-1].Path, want)
		})
	}
}

func TestUpdateMembershipsSendsBothArraysEvenWhenEmpty(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	// The spec requires both arrays; the spec middleware fails the test if
	// either is absent or null.
	_, err := c.UpdateMemberships(context.Background(), e.listID, []int64{7}, nil)
	require.NoError(t, err)
	_, err = c.UpdateMemberships(context.Background(), e.listID, nil, []int64{7})
	require.NoError(t, err)
	assert.Empty(t, e.emu.Members(portal, e.listID))
}

func TestDecodesBothSpellingsOfAdded(t *testing.T) {
	for name, body := range map[string]string{
		"recordsIdsAdded (spec)":  `{"recordIdsMissing":[],"recordIdsRemoved":["9"],"recordsIdsAdded":["1","2"]}`,
		"recordIdsAdded (old v3)": `{"recordIdsMissing":[],"recordIdsRemoved":["9"],"recordIdsAdded":["1","2"]}`,
		"numbers":                 `{"recordIdsMissing":[],"recordIdsRemoved":[9],"recordIdsAdded":[1,2]}`,
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(body))
			}))
			defer srv.Close()
			c, err := hubspot.New(hubspot.Config{BaseURL: srv.URL, HTTPClient: srv.Client()})
			require.NoError(t, err)
			got, err := c.UpdateMemberships(context.Background(), "1", []int64{1, 2}, []int64{9})
			require.NoError(t, err)
			assert.Equal(t, []int64{1, 2}, got.Added)
			assert.Equal(t, []int64{9}, got.Removed)
		})
	}
}

func TestInputIsCheckedBeforeAnyRequest(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	ctx := context.Background()
	cases := map[string]func() error{
		"empty list ID": func() error { _, err := c.UpdateMemberships(ctx, "", []int64{1}, nil); return err },
		"zero ID":       func() error { _, err := c.UpdateMemberships(ctx, e.listID, []int64{0}, nil); return err },
		"negative ID":   func() error { _, err := c.UpdateMemberships(ctx, e.listID, nil, []int64{-4}); return err },
		"ID in both":    func() error { _, err := c.UpdateMemberships(ctx, e.listID, []int64{3, 4}, []int64{4}); return err },
		"slash in ID":   func() error { _, err := c.GetList(ctx, "1/2"); return err },
		"empty name":    func() error { _, err := c.CreateManualContactList(ctx, " "); return err },
	}
	for name, call := range cases {
		t.Run(name, func(t *testing.T) {
			err := call()
			require.Error(t, err)
			assert.ErrorIs(t, err, hubspot.ErrInvalidInput)
			assert.False(t, hubspot.Retryable(err))
		})
	}
	assert.Empty(t, e.emu.Requests(), "no request may be sent for bad input")
}

func TestNewRejectsBadConfig(t *testing.T) {
	_, err := hubspot.New(hubspot.Config{})
	assert.ErrorContains(t, err, "HTTPClient")
	_, err = hubspot.New(hubspot.Config{HTTPClient: http.DefaultClient, APIVersion: "latest"})
	assert.ErrorContains(t, err, `"latest"`)
	_, err = hubspot.New(hubspot.Config{HTTPClient: http.DefaultClient, BaseURL: "api.hubapi.com"})
	assert.ErrorContains(t, err, "absolute")
}

func TestErrorsAreClassifiedAsTheProductSpecSays(t *testing.T) {
	cases := []struct {
		status    int
		retryable bool
	}{
		{408, true}, {429, true}, {503, true}, {502, true}, {504, true},
		{400, false}, {401, false}, {403, false}, {404, false}, {500, false},
	}
	for _, tc := range cases {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			e := newEnv(t)
			e.emu.InjectFault(hubspottest.Fault{Kind: hubspottest.FaultStatus, Status: tc.status, PathContains: "add-and-remove"})
			c := e.client(t)
			_, err := c.UpdateMemberships(context.Background(), e.listID, []int64{1}, nil)
			var apiErr *hubspot.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tc.status, apiErr.StatusCode)
			assert.Equal(t, tc.retryable, hubspot.Retryable(err))
			assert.NotEmpty(t, apiErr.CorrelationID, "HubSpot's correlationId is kept for support")
			assert.NotEmpty(t, apiErr.Category)
			assert.NotEmpty(t, apiErr.Message)
			assert.Contains(t, err.Error(), apiErr.CorrelationID)
			assert.Empty(t, e.emu.Members(portal, e.listID), "a faulted request changes nothing")
		})
	}
}

func TestRealAPIErrors(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	dynamic := e.emu.CreateList(portal, "Active", hubspot.ProcessingDynamic)

	_, err := e.client(t).UpdateMemberships(ctx, dynamic, []int64{1}, nil)
	assertAPIError(t, err, 400, "VALIDATION_ERROR")

	_, err = e.client(t).UpdateMemberships(ctx, "987654", []int64{1}, nil)
	assertAPIError(t, err, 404, "OBJECT_NOT_FOUND")

	bad := e.client(t, func(c *hubspot.Config) { c.HTTPClient = hubspot.NewPrivateAppHTTPClient("pat-na1-unknown", nil) })
	_, err = bad.GetList(ctx, e.listID)
	assertAPIError(t, err, 401, "")

	readOnly := e.emu.NewPrivateAppToken(portal, "crm.lists.read")
	ro := e.client(t, func(c *hubspot.Config) { c.HTTPClient = hubspot.NewPrivateAppHTTPClient(readOnly, nil) })
	_, err = ro.UpdateMemberships(ctx, e.listID, []int64{1}, nil)
	apiErr := assertAPIError(t, err, 403, "MISSING_SCOPES")
	assert.Contains(t, err.Error(), "crm.lists.write", "the error says which scope to grant")
	assert.NotNil(t, apiErr.Context)
	_, err = ro.GetList(ctx, e.listID)
	assert.NoError(t, err, "reads need only crm.lists.read")
}

func assertAPIError(t *testing.T, err error, status int, category string) *hubspot.APIError {
	t.Helper()
	var apiErr *hubspot.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, status, apiErr.StatusCode)
	if category != "" {
		assert.Equal(t, category, apiErr.Category)
	}
	assert.False(t, hubspot.Retryable(err))
	return apiErr
}

func TestRateLimitedAnswerCarriesHubSpotsDelay(t *testing.T) {
	e := newEnv(t, hubspottest.WithRateLimit(3))
	c := e.client(t)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		_, err := c.GetList(ctx, e.listID)
		require.NoError(t, err)
	}
	_, err := c.GetList(ctx, e.listID)
	var apiErr *hubspot.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 429, apiErr.StatusCode)
	assert.Equal(t, "TEN_SECONDLY_ROLLING", apiErr.PolicyName)
	assert.True(t, hubspot.Retryable(err))
	delay, ok := hubspot.RetryDelay(err)
	assert.True(t, ok)
	assert.Equal(t, 10*time.Second, delay, "X-HubSpot-RateLimit-Interval-Milliseconds")
	assert.Equal(t, 0, apiErr.RateLimit.Remaining)
}

func TestRetryAfterHeaderWinsWhenPresent(t *testing.T) {
	e := newEnv(t, hubspottest.WithRateLimit(1), hubspottest.WithRetryAfter(true))
	c := e.client(t)
	_, _ = c.GetList(context.Background(), e.listID)
	_, err := c.GetList(context.Background(), e.listID)
	delay, ok := hubspot.RetryDelay(err)
	require.True(t, ok, "%v", err)
	assert.Greater(t, delay, time.Duration(0))
	assert.LessOrEqual(t, delay, 10*time.Second)
}

func TestDailyLimitWaitsForTheNextWindow(t *testing.T) {
	e := newEnv(t, hubspottest.WithDailyLimit(1))
	now := time.Date(2026, 11, 27, 22, 0, 0, 0, time.UTC)
	c := e.client(t, func(c *hubspot.Config) { c.Now = func() time.Time { return now } })
	_, err := c.GetList(context.Background(), e.listID)
	require.NoError(t, err)
	_, err = c.GetList(context.Background(), e.listID)
	var apiErr *hubspot.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "DAILY", apiErr.PolicyName)
	assert.Equal(t, 2*time.Hour, apiErr.RetryAfter, "a DAILY 429 waits until midnight, not 10 s")
}

func TestTransportFailuresAreRetryable(t *testing.T) {
	e := newEnv(t)
	e.emu.InjectFault(hubspottest.Fault{Kind: hubspottest.FaultDrop})
	c := e.client(t, func(c *hubspot.Config) { c.Timeout = 300 * time.Millisecond })
	_, err := c.UpdateMemberships(context.Background(), e.listID, []int64{1}, nil)
	var tErr *hubspot.TransportError
	require.ErrorAs(t, err, &tErr)
	assert.True(t, hubspot.Retryable(err))

	e.emu.InjectFault(hubspottest.Fault{Kind: hubspottest.FaultHang})
	_, err = c.UpdateMemberships(context.Background(), e.listID, []int64{1}, nil)
	require.ErrorAs(t, err, &tErr)
	assert.True(t, tErr.Timeout, "the per-request timeout cut the hang: %v", err)
	assert.True(t, hubspot.Retryable(err))

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c.UpdateMemberships(ctx, e.listID, []int64{1}, nil)
	assert.ErrorIs(t, err, context.Canceled, "a cancelled caller is not a transport failure")
	assert.False(t, errors.As(err, &tErr))
}

func TestListsCreateGetSearch(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	ctx := context.Background()

	created, err := c.CreateManualContactList(ctx, "Churn risk")
	require.NoError(t, err)
	assert.Equal(t, hubspot.ProcessingManual, created.ProcessingType)
	assert.Equal(t, hubspot.ContactsObjectTypeID, created.ObjectTypeID)
	assert.NoError(t, created.CheckWritableContactList())

	got, err := c.GetList(ctx, created.ListID)
	require.NoError(t, err)
	assert.Equal(t, "Churn risk", got.Name)

	_, err = c.CreateManualContactList(ctx, "Churn risk")
	assertAPIError(t, err, 400, "")

	dyn := e.emu.CreateList(portal, "Active users", hubspot.ProcessingDynamic)
	dl, err := c.GetList(ctx, dyn)
	require.NoError(t, err)
	assert.ErrorContains(t, dl.CheckWritableContactList(), "DYNAMIC")

	res, err := c.SearchLists(ctx, hubspot.SearchListsRequest{Query: "churn"})
	require.NoError(t, err)
	require.Len(t, res.Lists, 1)
	assert.Equal(t, created.ListID, res.Lists[0].ListID)

	res, err = c.SearchLists(ctx, hubspot.SearchListsRequest{ProcessingTypes: []string{hubspot.ProcessingManual}})
	require.NoError(t, err)
	assert.Equal(t, 2, res.Total)
}

func TestAllMembersPagesThroughTheList(t *testing.T) {
	e := newEnv(t)
	var want []int64
	for id := int64(1); id <= 600; id++ {
		want = append(want, id)
	}
	require.NoError(t, e.emu.AddMembers(portal, e.listID, want...))
	c := e.client(t)
	got, err := c.AllMembers(context.Background(), e.listID)
	require.NoError(t, err)
	assert.Equal(t, want, got)
	pages := 0
	for _, r := range e.emu.Requests() {
		if r.Method == http.MethodGet {
			pages++
		}
	}
	assert.Equal(t, 3, pages, "600 members at 250 a page")
}
