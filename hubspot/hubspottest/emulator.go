package hubspottest

import (
	"context"
	"log/slog"
	"math/rand"
	"net/http"
	"strings"
	"sync"

	"github.com/google/uuid"
)

// Emulator holds the state of any number of HubSpot portals and serves
// HubSpot's API for them. All methods are safe for concurrent use.
type Emulator struct {
	cfg   config
	log   *slog.Logger
	mux   *http.ServeMux
	admin *http.ServeMux

	mu         sync.Mutex // guards everything below; one lock keeps the model simple and requests atomic
	portals    map[int64]*portal
	nextListID int64

	tokens  map[string]*accessToken
	refresh map[string]*refreshToken
	apps    map[string]*oauthApp
	codes   map[string]*authCode
	nextApp int

	rate       map[int64]*rateState
	rateLimit  int
	dailyLimit int

	script []Fault
	random *RandomFaults
	rng    *rand.Rand

	// The request log has its own lock: a request is logged as its answer
	// is written, and some handlers write while holding mu.
	logMu    sync.Mutex
	reqs     []RequestRecord
	counters Counters

	closed    chan struct{}
	closeOnce sync.Once
}

// New returns an emulator with no portals. Serve it with Handler.
func New(opts ...Option) *Emulator {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	e := &Emulator{
		cfg:        cfg,
		log:        cfg.logger,
		portals:    map[int64]*portal{},
		nextListID: 1000, // HubSpot list IDs are small numeric strings; start away from 0/1 so tests can't hard-code them by accident.
		tokens:     map[string]*accessToken{},
		refresh:    map[string]*refreshToken{},
		apps:       map[string]*oauthApp{},
		codes:      map[string]*authCode{},
		nextApp:    1000000,
		rate:       map[int64]*rateState{},
		rateLimit:  cfg.rateLimit,
		dailyLimit: cfg.dailyLimit,
		rng:        rand.New(rand.NewSource(cfg.faultSeed)),
		counters:   Counters{ByStatus: map[int]int{}},
		closed:     make(chan struct{}),
	}
	e.mux = http.NewServeMux()
	e.admin = e.adminMux()
	e.routeLists()
	e.routeOAuth()
	e.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, http.StatusNotFound, CategoryNotFound, "No route for "+r.Method+" "+r.URL.Path)
	})
	return e
}

// Handler returns the HTTP handler serving the API and the /_emulator/ admin API.
func (e *Emulator) Handler() http.Handler { return http.HandlerFunc(e.serveHTTP) }

// Close releases requests held by hang faults so that a server can shut down.
// The emulator's state stays readable.
func (e *Emulator) Close() {
	e.closeOnce.Do(func() { close(e.closed) })
}

type ctxKey struct{}

// reqState travels in the request context so that handlers can fill in the log record.
type reqState struct {
	rec *RequestRecord
	tok *accessToken
}

func stateOf(r *http.Request) *reqState {
	if s, ok := r.Context().Value(ctxKey{}).(*reqState); ok {
		return s
	}
	return &reqState{rec: &RequestRecord{}}
}

func correlationID(r *http.Request) string {
	if id := stateOf(r).rec.CorrelationID; id != "" {
		return id
	}
	return uuid.NewString()
}

func (e *Emulator) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_emulator/") {
		e.serveAdmin(w, r)
		return
	}
	path, query := logPath(r.URL)
	rec := &RequestRecord{Time: e.cfg.now(), Method: r.Method, Path: path, Query: query, CorrelationID: uuid.NewString()}
	r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, &reqState{rec: rec}))
	w.Header().Set("X-HubSpot-Correlation-Id", rec.CorrelationID) // HubSpot sends it on every response
	// The request is logged as its answer is decided, before a byte of it
	// (or a dropped connection) reaches the client, so a test that reads
	// the log after its call returned never finds it lagging.
	sw := &statusWriter{ResponseWriter: w, onStatus: func(status int) { e.logOnce(rec, status) }}
	defer func() { e.logOnce(rec, sw.status) }() // hangs and handlers that wrote nothing

	if f := e.pickFault(r.Method, r.URL.Path); f != nil {
		e.serveFault(sw, r, rec, *f)
		return
	}
	rec.Applied = true
	e.mux.ServeHTTP(sw, r)
}

// statusWriter remembers the status for the request log and reports it
// once, before the header goes out.
type statusWriter struct {
	http.ResponseWriter
	status   int
	onStatus func(int)
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
		w.onStatus(code)
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach Hijack for dropped-connection faults.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
