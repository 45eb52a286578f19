package hubspottest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"
)

// FaultKind says how an injected fault fails a request.
type FaultKind string

// Fault kinds. The plain kinds change no state; the ApplyThen kinds run the
// request for real and then lose the answer, like a network that fails late.
const (
	FaultStatus          FaultKind = "status"            // answer Status in HubSpot's error shape
	FaultDrop            FaultKind = "drop"              // close the connection without an answer
	FaultHang            FaultKind = "hang"              // never answer until the client gives up or Close
	FaultDelay           FaultKind = "delay"             // wait Latency, then serve normally
	FaultApplyThenStatus FaultKind = "apply-then-status" // apply, then answer Status
	FaultApplyThenDrop   FaultKind = "apply-then-drop"   // apply, then close the connection
	FaultApplyThenHang   FaultKind = "apply-then-hang"   // apply, then never answer
)

func (k FaultKind) valid() bool {
	switch k {
	case FaultStatus, FaultDrop, FaultHang, FaultDelay, FaultApplyThenStatus, FaultApplyThenDrop, FaultApplyThenHang:
		return true
	}
	return false
}

func (k FaultKind) needsStatus() bool { return k == FaultStatus || k == FaultApplyThenStatus }

// Fault is one scripted failure.
type Fault struct {
	Method       string        `json:"method,omitempty"`       // "" matches any method
	PathContains string        `json:"pathContains,omitempty"` // "" matches any path
	Kind         FaultKind     `json:"kind"`
	Status       int           `json:"status,omitempty"`
	Latency      time.Duration `json:"-"`
	Times        int           `json:"times,omitempty"` // 0 means 1
}

// RandomFaults fails each matching request with probability Probability,
// picking a kind from Kinds (default FaultStatus) and a status from Statuses
// (default 429, 500, 502, 503, 504). Latency is added to every matching request.
type RandomFaults struct {
	Probability  float64
	Method       string
	PathContains string
	Kinds        []FaultKind
	Statuses     []int
	Latency      time.Duration
}

func matches(method, pathContains, reqMethod, reqPath string) bool {
	return (method == "" || strings.EqualFold(method, reqMethod)) && strings.Contains(reqPath, pathContains)
}

func (f Fault) validate() error {
	if !f.Kind.valid() {
		return fmt.Errorf("unknown fault kind %q", f.Kind)
	}
	if f.Kind.needsStatus() && (f.Status < 400 || f.Status > 599) {
		return fmt.Errorf("fault kind %q needs a status between 400 and 599, got %d", f.Kind, f.Status)
	}
	return nil
}

// InjectFault appends scripted faults; each request takes the first one that
// matches it, so faults for one path are consumed in order. It panics on an
// invalid fault, which is a bug in the test.
func (e *Emulator) InjectFault(faults ...Fault) {
	for _, f := range faults {
		if err := f.validate(); err != nil {
			panic("hubspottest: " + err.Error())
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, f := range faults {
		f.Times = max(f.Times, 1)
		e.script = append(e.script, f)
	}
}

// SetRandomFaults replaces the probabilistic fault set (the RNG keeps its sequence).
func (e *Emulator) SetRandomFaults(r RandomFaults) {
	for _, k := range r.Kinds {
		if err := (Fault{Kind: k, Status: 500}).validate(); err != nil {
			panic("hubspottest: " + err.Error())
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.random = &r
}

// ClearFaults removes scripted and probabilistic faults.
func (e *Emulator) ClearFaults() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.script, e.random = nil, nil
}

// PendingFaults counts the scripted fault applications not yet consumed.
func (e *Emulator) PendingFaults() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, f := range e.script {
		n += f.Times
	}
	return n
}

func (e *Emulator) pickFault(method, path string) *Fault {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := range e.script {
		f := e.script[i]
		if !matches(f.Method, f.PathContains, method, path) {
			continue
		}
		if e.script[i].Times--; e.script[i].Times <= 0 {
			e.script = append(e.script[:i:i], e.script[i+1:]...)
		}
		return &f
	}
	rf := e.random
	if rf == nil || !matches(rf.Method, rf.PathContains, method, path) {
		return nil
	}
	if e.rng.Float64() >= rf.Probability {
		if rf.Latency > 0 {
			return &Fault{Kind: FaultDelay, Latency: rf.Latency}
		}
		return nil
	}
	kinds, statuses := rf.Kinds, rf.Statuses
	if len(kinds) == 0 {
		kinds = []FaultKind{FaultStatus}
	}
	if len(statuses) == 0 {
		statuses = []int{429, 500, 502, 503, 504}
	}
	return &Fault{Kind: kinds[e.rng.Intn(len(kinds))], Status: statuses[e.rng.Intn(len(statuses))], Latency: rf.Latency}
}

func (e *Emulator) serveFault(w http.ResponseWriter, r *http.Request, rec *RequestRecord, f Fault) {
	rec.Fault = f.Kind
	e.describeFaulted(r, rec)
	if f.Latency > 0 && !e.sleep(r.Context(), f.Latency) {
		return
	}
	switch f.Kind {
	case FaultDelay:
		rec.Applied = true
		e.mux.ServeHTTP(w, r)
		return
	case FaultApplyThenStatus, FaultApplyThenDrop, FaultApplyThenHang:
		rec.Applied = true
		e.mux.ServeHTTP(httptest.NewRecorder(), r) // the real answer is lost on the way back
	}
	switch f.Kind {
	case FaultStatus, FaultApplyThenStatus:
		e.writeFaultStatus(w, r, f.Status)
	case FaultDrop, FaultApplyThenDrop:
		e.logOnce(rec, 0) // before the client can see the drop
		dropConnection(w)
	case FaultHang, FaultApplyThenHang:
		select {
		case <-r.Context().Done():
		case <-e.closed:
			dropConnection(w) // returning would let net/http send an empty 200
		}
	}
}

// sleep waits d; false if the client went away or the emulator closed.
func (e *Emulator) sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-e.closed:
		return false
	}
}

func (e *Emulator) writeFaultStatus(w http.ResponseWriter, r *http.Request, status int) {
	if status == http.StatusTooManyRequests {
		w.Header().Set("X-HubSpot-RateLimit-Interval-Milliseconds", "10000")
		w.Header().Set("X-HubSpot-RateLimit-Remaining", "0")
		e.writeRateLimited(w, r, stateOf(r).rec.PortalID, "TEN_SECONDLY_ROLLING", rateWindow)
		return
	}
	writeError(w, r, status, categoryForStatus(status),
		fmt.Sprintf("Injected fault: %d %s", status, http.StatusText(status)))
}

// dropConnection closes the TCP connection without writing a response.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // e.g. HTTP/2: aborting the handler resets the stream
	}
	_ = conn.Close()
}
