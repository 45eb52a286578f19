package hubspottest

import (
	"net/http"
	"net/http/httptest"
)

// Server is an Emulator listening on 127.0.0.1 at a random port, like
// httptest.Server. All Emulator methods are available on it.
type Server struct {
	*Emulator
	URL string // base URL without trailing slash, e.g. http://127.0.0.1:41234
	ts  *httptest.Server
}

// NewServer starts an emulator on a loopback port. Call Close when done.
func NewServer(opts ...Option) *Server {
	e := New(opts...)
	ts := httptest.NewServer(e.Handler())
	return &Server{Emulator: e, URL: ts.URL, ts: ts}
}

// Close releases hanging requests and shuts the server down.
func (s *Server) Close() {
	s.Emulator.Close()
	s.ts.Close()
}

// Client returns an HTTP client configured for the server.
func (s *Server) Client() *http.Client { return s.ts.Client() }
