package speccheck

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
)

// Option tunes Middleware and Transport.
type Option func(*settings)

type settings struct{ lenientRequests bool }

// LenientRequests reports spec violations of requests with t.Logf instead of
// t.Errorf. Emulator tests that send deliberately bad requests use it; the
// responses are still validated strictly.
func LenientRequests() Option { return func(s *settings) { s.lenientRequests = true } }

func apply(opts []Option) settings {
	var s settings
	for _, o := range opts {
		o(&s)
	}
	return s
}

// Middleware validates every request and response passing through next that
// belongs to HubSpot's API, reporting violations with t.Errorf. Responses are
// buffered, then forwarded unchanged. Requests outside the specs' paths (the
// admin API, /oauth/authorize) pass unchecked.
func Middleware(t testing.TB, next http.Handler, opts ...Option) http.Handler {
	c := Load(t)
	s := apply(opts)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !InSpecScope(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("speccheck: reading request body of %s %s: %v", r.Method, r.URL.Path, err)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if err := c.CheckRequest(r, body); err != nil {
			report(t, s.lenientRequests, err)
		}
		bw := &bufferedWriter{under: w, header: http.Header{}}
		next.ServeHTTP(bw, r)
		if bw.hijacked || (bw.status == 0 && r.Context().Err() != nil) {
			return // dropped or abandoned: there is no response to check
		}
		if bw.status == 0 {
			bw.status = http.StatusOK
		}
		if err := c.CheckResponse(r, body, bw.status, bw.header, bw.buf.Bytes()); err != nil {
			t.Errorf("speccheck: %v", err)
		}
		for k, v := range bw.header {
			w.Header()[k] = v
		}
		w.WriteHeader(bw.status)
		_, _ = w.Write(bw.buf.Bytes())
	})
}

func report(t testing.TB, lenient bool, err error) {
	if lenient {
		t.Logf("speccheck (lenient): %v", err)
		return
	}
	t.Errorf("speccheck: %v", err)
}

// bufferedWriter holds the response until it has been validated, but lets
// the handler hijack the connection (dropped-connection faults).
type bufferedWriter struct {
	under    http.ResponseWriter
	header   http.Header
	status   int
	buf      bytes.Buffer
	hijacked bool
}

func (b *bufferedWriter) Header() http.Header { return b.header }

func (b *bufferedWriter) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferedWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.buf.Write(p)
}

func (b *bufferedWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := b.under.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("speccheck: underlying ResponseWriter cannot hijack")
	}
	b.hijacked = true
	return h.Hijack()
}
