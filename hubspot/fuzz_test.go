package hubspot_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/audiencesync/hubspot-list-sync/hubspot"
)

// answer is a RoundTripper that answers every request with one response.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: a.status, Header: a.header, Body: io.NopCloser(bytes.NewReader(a.body)), Request: r}, nil
}

// HubSpot answers of any status, headers and body: the client returns a
// result, an *APIError, a *TransportError, or (for a 2xx it cannot read)
// an error quoting the body; it never panics and never asks to wait more
// than a day.
func FuzzMembershipAnswers(f *testing.F) {
	f.Add(200, "", "", []byte(`{"recordsIdsAdded":["1"],"recordIdsRemoved":["2"],"recordIdsMissing":["3"]}`))
	f.Add(429, "1000", "", []byte(`{"status":"error","message":"limit","errorType":"RATE_LIMIT","policyName":"TEN_SECONDLY_ROLLING","correlationId":"c"}`))
	f.Add(429, "", "7", []byte(`{"policyName":"DAILY"}`))
	f.Add(400, "", "", []byte(`{"category":"VALIDATION_ERROR","errors":[{"message":"bad","context":{"ids":["1"]}}]}`))
	f.Add(503, "", "", []byte(`<html>`))
	f.Add(200, "", "", []byte(`{"recordsIdsAdded":[1e400]}`))
	f.Add(204, "", "", []byte(nil))
	f.Fuzz(func(t *testing.T, status int, interval, retryAfter string, body []byte) {
		if status < 100 || status > 599 {
			return
		}
		h := http.Header{"Content-Type": {"application/json"}}
		if interval != "" {
			h.Set("X-HubSpot-RateLimit-Interval-Milliseconds", interval)
		}
		if retryAfter != "" {
			h.Set("Retry-After", retryAfter)
		}
		c, err := hubspot.New(hubspot.Config{BaseURL: "http://hubspot.invalid", Timeout: time.Second,
			HTTPClient: &http.Client{Transport: answer{status, h, body}}})
		if err != nil {
			t.Fatal(err)
		}
		// IDs HubSpot reports but we did not send are passed on as
		// HubSpot said them; the activity drops them (FuzzResultOf).
		_, err = c.UpdateMemberships(context.Background(), "7", []int64{1, 3}, []int64{2})
		if err == nil {
			return
		}
		var apiErr *hubspot.APIError
		var tErr *hubspot.TransportError
		undocumented := status/100 == 2 && strings.Contains(err.Error(), "is not the documented JSON")
		if !errors.As(err, &apiErr) && !errors.As(err, &tErr) && !undocumented {
			t.Fatalf("answer %d %s: error of an unexpected kind: %T %v", status, body, err, err)
		}
		if d, ok := hubspot.RetryDelay(err); ok && (d < 0 || d > 25*time.Hour) {
			t.Fatalf("answer %d (interval %q, Retry-After %q): retry delay %s", status, interval, retryAfter, d)
		}
	})
}
