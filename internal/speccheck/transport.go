package speccheck

import (
	"bytes"
	"io"
	"net/http"
	"testing"
)

// Transport wraps base (nil means http.DefaultTransport) so that every request
// a client sends to HubSpot's API paths, and every response it receives, is
// validated. Use it in client tests to catch the client sending what HubSpot
// would reject.
func Transport(t testing.TB, base http.RoundTripper, opts ...Option) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{t: t, c: Load(t), base: base, s: apply(opts)}
}

type transport struct {
	t    testing.TB
	c    *Checker
	base http.RoundTripper
	s    settings
}

func (tr *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !InSpecScope(req.URL.Path) {
		return tr.base.RoundTrip(req)
	}
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	if err := tr.c.CheckRequest(req, body); err != nil {
		report(tr.t, tr.s.lenientRequests, err)
	}
	resp, err := tr.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	respBody, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(respBody))
	if err := tr.c.CheckResponse(req, body, resp.StatusCode, resp.Header, respBody); err != nil {
		tr.t.Errorf("speccheck: %v", err)
	}
	return resp, nil
}
