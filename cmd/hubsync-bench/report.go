package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
)

// report holds every figure; it prints as tables and writes as JSON.
type report struct {
	Scenario string   `json:"scenario"`
	Settings settings `json:"settings"`
	// Converged: every list ended exactly equal to its expected set.
	Converged bool `json:"converged"`
	// Changes are the record IDs the starter accepted, over every audience.
	Changes     int64 `json:"changes"`
	Calls       int64 `json:"calls"`
	Signals     int64 `json:"signals"`
	SendRetries int64 `json:"sendRetries"`
	// SendSeconds runs from the first call to the last call's return;
	// ChangesPerSecond = Changes / SendSeconds.
	SendSeconds      float64 `json:"sendSeconds"`
	ChangesPerSecond float64 `json:"changesPerSecond"`
	// ConvergeSeconds runs from the first call to the first poll (every
	// second) that found every list exact and every sync idle.
	ConvergeSeconds float64 `json:"convergeSeconds"`
	// PeakPending is the largest sum of pending adds and removes a poll saw.
	PeakPending int              `json:"peakPending"`
	Lists       []listFigures    `json:"lists"`
	ListsTotal  int              `json:"listsTotal"`
	ListsExact  int              `json:"listsExact"`
	Workflows   []historyFigures `json:"workflows"`
	// The largest figures over every workflow.
	MaxPayloadBytes  int              `json:"maxPayloadBytes"`
	MaxIncomingBytes int              `json:"maxIncomingBytes"`
	MaxRunBytes      int              `json:"maxRunBytes"`
	MaxRunEvents     int              `json:"maxRunEvents"`
	HubSpot          hubspotFigures   `json:"hubspot"`
	PeakRSSBytes     map[string]int64 `json:"peakRssBytes"` // "worker", "devServer", "bench" (with the emulator)
	// LagSeconds runs from the last call's return to converged.
	LagSeconds        float64         `json:"lagSeconds"`
	ActivationSeconds float64         `json:"activationSeconds"`
	ActivationsPerSec float64         `json:"activationsPerSec"`
	Writes            writeFigures    `json:"writes"` // our account's membership writes
	Latency           *latencyFigures `json:"latency,omitempty"`
	Naive             *naiveFigures   `json:"naive,omitempty"`
	// IdleCPU is the CPU (cores) each process used during -idle after
	// converging.
	IdleCPU map[string]float64 `json:"idleCpu,omitempty"`
	Chaos   *chaosFigures      `json:"chaos,omitempty"`
	// Reconcile is the reconcile scenario's figures (the fields above
	// about sending changes stay empty).
	Reconcile *reconcileFigures `json:"reconcile,omitempty"`
	// SecretsInHistory and SecretsInLogs count places holding an account's
	// token: history events (payloads decoded) and lines of the worker's,
	// server's and bench's logs. Both must be 0.
	SecretsInHistory int    `json:"secretsInHistory"`
	SecretsInLogs    int    `json:"secretsInLogs"`
	DataDir          string `json:"dataDir,omitempty"`
	Error            string `json:"error,omitempty"`
}

type settings struct {
	Audiences          int     `json:"audiences"`
	Contacts           int     `json:"contacts"`
	ChangesPerAudience int     `json:"changesPerAudience"`
	Batch              int     `json:"batch"`
	Flush              string  `json:"flush"`
	Senders            int     `json:"senders"`
	PerCall            int     `json:"perCall"`
	Latency            string  `json:"latency"`
	Limit              int     `json:"limit"`
	Seed               uint64  `json:"seed"`
	MaxBacklog         int     `json:"maxBacklog,omitempty"`  // 0: the default
	MaxInFlight        int     `json:"maxInFlight,omitempty"` // 0: the default
	Rate               float64 `json:"rate,omitempty"`        // changes/s; 0: unpaced
	// Paused is how long every sync was paused from the first send (0:
	// not paused): senders are held meanwhile and go on after resume.
	Paused string `json:"paused,omitempty"`
}

type listFigures struct {
	Audience      string  `json:"audience"`
	Connector     string  `json:"connector"`
	ListID        string  `json:"listId"`
	Expected      int     `json:"expected"`
	Size          int     `json:"size"`
	Missing       int     `json:"missing"`
	Extra         int     `json:"extra"`
	SampleMissing []int64 `json:"sampleMissing,omitempty"`
	SampleExtra   []int64 `json:"sampleExtra,omitempty"`
	BatchesSent   int64   `json:"batchesSent"`
	TotalAdded    int64   `json:"totalAdded"`
	TotalRemoved  int64   `json:"totalRemoved"`
}

func newReport(o options) *report {
	return &report{Scenario: o.scenario, Settings: settings{Audiences: o.audiences, Contacts: o.contacts, ChangesPerAudience: o.changes,
		Batch: o.batch, Flush: o.flush.String(), Senders: o.senders, PerCall: o.perCall, Latency: o.latency.String(), Limit: o.limit, Seed: o.seed,
		MaxBacklog: o.backlog, MaxInFlight: o.inFlight, Rate: o.rate, Paused: pausedSetting(o.paused)}}
}

func (r *report) print(w io.Writer) {
	t := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if r.Reconcile != nil {
		r.printReconcile(w, t)
	} else {
		r.printChanges(w, t)
	}
	fmt.Fprintf(t, "tokens found\t%d in history events, %d in log lines\n", r.SecretsInHistory, r.SecretsInLogs)
	fmt.Fprintf(t, "largest payload emitted\t%s\n", kb(r.MaxPayloadBytes))
	fmt.Fprintf(t, "largest signal/update received\t%s\n", kb(r.MaxIncomingBytes))
	fmt.Fprintf(t, "largest run history\t%s, %d events (max of each)\n", kb(r.MaxRunBytes), r.MaxRunEvents)
	fmt.Fprintf(t, "peak RSS worker\t%s\n", mb(r.PeakRSSBytes["worker"]))
	fmt.Fprintf(t, "peak RSS dev server\t%s\n", mb(r.PeakRSSBytes["devServer"]))
	fmt.Fprintf(t, "peak RSS bench\t%s (this process: the emulator and the scenario's data)\n", mb(r.PeakRSSBytes["bench"]))
	t.Flush()
	if len(r.Workflows) > 0 {
		fmt.Fprintln(w)
		t = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(t, "workflow\truns\tcontinue-as-new\tgeneration\tmax run events\tmax run size\tlargest emitted\tlargest received\t")
		for _, f := range r.Workflows {
			fmt.Fprintf(t, "%s\t%d\t%d\t%d\t%d\t%s\t%s (%s)\t%s (%s)\t\n", f.WorkflowID, f.Runs, f.ContinueAsNew, f.Generation,
				f.MaxRunEvents, kb(f.MaxRunBytes), kb(f.LargestPayloadBytes), f.LargestPayloadEvent,
				kb(f.LargestIncomingBytes), f.LargestIncomingEvent)
		}
		t.Flush()
	}
	if r.DataDir != "" {
		fmt.Fprintf(w, "\ndata dir kept: %s\n", r.DataDir)
	}
}

// printChanges prints the figures of a scenario that sends changes.
func (r *report) printChanges(w io.Writer, t *tabwriter.Writer) {
	s := r.Settings
	fmt.Fprintf(w, "\nscenario %s: %d audience(s) × %d changes over %d contacts; batch %d, flush %s, %d senders × %d IDs a call, latency %s, limit %d/10s, in flight %s, rate %s\n\n",
		r.Scenario, s.Audiences, s.ChangesPerAudience, s.Contacts, s.Batch, s.Flush, s.Senders, s.PerCall, s.Latency, s.Limit,
		orDefault(s.MaxInFlight), orUnpaced(s.Rate))
	if s.Paused != "" {
		fmt.Fprintf(w, "every sync paused for the first %s of sending, then resumed\n\n", s.Paused)
	}
	fmt.Fprintf(t, "changes sent\t%d in %d calls (%d signals or updates, %d retries)\n", r.Changes, r.Calls, r.Signals, r.SendRetries)
	fmt.Fprintf(t, "sending\t%.1f s, %.0f changes/s accepted\n", r.SendSeconds, r.ChangesPerSecond)
	conv := "NO"
	if r.Converged {
		conv = fmt.Sprintf("yes, lists exact %.1f s after the first send", r.ConvergeSeconds)
	}
	fmt.Fprintf(t, "converged\t%s (last HubSpot write began at %.1f s)\n", conv, r.HubSpot.LastWriteSeconds)
	fmt.Fprintf(t, "peak pending (all syncs)\t%d\n", r.PeakPending)
	fmt.Fprintf(t, "HubSpot requests\t%d (%d add-and-remove; by status %v; rate-limited %d)\n",
		r.HubSpot.Requests, r.HubSpot.MembershipRequests, r.HubSpot.ByStatus, r.HubSpot.RateLimited)
	fmt.Fprintf(t, "lists exact\t%d of %d\n", r.ListsExact, r.ListsTotal)
	for _, l := range r.Lists {
		fmt.Fprintf(t, "list %s (%s)\t%d of %d expected, %d missing, %d extra; %d batches, +%d -%d\n",
			l.ListID, l.Connector, l.Size, l.Expected, l.Missing, l.Extra, l.BatchesSent, l.TotalAdded, l.TotalRemoved)
	}
	fmt.Fprintf(t, "lag\t%.1f s from the last call's return to converged\n", r.LagSeconds)
	fmt.Fprintf(t, "activation\t%d audiences in %.1f s (%.1f/s)\n", s.Audiences, r.ActivationSeconds, r.ActivationsPerSec)
	wf := r.Writes
	fmt.Fprintf(t, "writes\t%d requests, %d IDs in %.1f s: %.2f req/s, %.0f IDs/s; most in a rolling 10 s %d; 429s %d; most open at once %d\n",
		wf.Writes, wf.IDs, wf.Seconds, wf.ReqPerSec, wf.IDsPerSec, wf.MaxIn10s, wf.Answered, wf.MaxOverlap)
	if wf.Ceiling > 0 {
		fmt.Fprintf(t, "against the ceiling\t%.1f %% of %.0f IDs/s (%d requests / 10 s × %d IDs)\n", 100*wf.OfCeiling, wf.Ceiling, s.Limit, s.Batch)
	}
	if l := r.Latency; l != nil {
		fmt.Fprintf(t, "Enter returned → member\tp50 %.2f s, p95 %.2f s, p99 %.2f s, max %.2f s (%d contacts)\n", l.P50, l.P95, l.P99, l.Max, l.Samples)
	}
	if n := r.Naive; n != nil {
		fmt.Fprintf(t, "naive per-event client\t%d calls, lag %.1f s, list exact %v %s\n", n.Calls, n.LagSeconds, n.Exact, n.Error)
		fmt.Fprintf(t, "this project\t%d calls, lag %.1f s; minimum ⌈%d net / %d⌉ = %d calls (%.2f× the minimum)\n",
			n.OurCalls, n.OurLagSeconds, n.NetChanges, s.Batch, n.MinCalls, n.CallsOfMinimum)
		fmt.Fprintf(t, "ratios\t%.0f× fewer calls, %.0f× shorter lag\n", n.CallRatio, n.LagRatio)
	}
	if c := r.Chaos; c != nil {
		fmt.Fprintf(t, "chaos\t%d worker SIGKILLs, %d dev server restarts; %d membership requests, %d faulted, %d applied\n",
			c.WorkerKills, c.ServerRestarts, c.Requests, c.Faulted, c.AppliedRequests)
		fmt.Fprintf(t, "429s\t%d (%.1f %% of requests); %d retried, shortest wait %.1f s against HubSpot's 10 s interval, %d early\n",
			c.Answered429, 100*c.Share429, c.RetriesAfter429, c.ShortestWait429, c.EarlyRetries429)
		fmt.Fprintf(t, "one contact in two open requests\t%d times\n", c.ContactOverlaps)
		fmt.Fprintf(t, "sent inside an account's 429 pause\t%d (and %d within %s of the 429's answer, sent before it could be known)\n",
			c.SentInPause, c.RacedPause, pauseTransit)
		fmt.Fprintf(t, "recovery\t%.1f s from the last call and the last kill or restart (at %.1f s) to converged\n", c.RecoverySeconds, c.LastEventSeconds)
	}
	for _, p := range []string{"worker", "devServer"} {
		if c, ok := r.IdleCPU[p]; ok {
			fmt.Fprintf(t, "idle CPU %s\t%.3f cores\n", p, c)
		}
	}
}

func orDefault(n int) string {
	if n == 0 {
		return "default"
	}
	return fmt.Sprint(n)
}

func orUnpaced(r float64) string {
	if r == 0 {
		return "unpaced"
	}
	return fmt.Sprintf("%g changes/s", r)
}

func kb(n int) string { return fmt.Sprintf("%.1f KB", float64(n)/1024) }

func mb(n int64) string { return fmt.Sprintf("%.0f MB", float64(n)/(1<<20)) }

func (r *report) writeJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("writing -json %s: %w (choose a writable path)", path, err)
	}
	return nil
}

// mismatch says which lists differ from their expected sets, and how.
func (r *report) mismatch() string {
	var parts []string
	for _, l := range r.Lists {
		if l.Missing+l.Extra > 0 {
			parts = append(parts, fmt.Sprintf("list %s (connector %s): %d IDs missing (e.g. %v), %d extra (e.g. %v)",
				l.ListID, l.Connector, l.Missing, l.SampleMissing, l.Extra, l.SampleExtra))
		}
	}
	if len(parts) == 0 {
		return "the lists did not converge"
	}
	return "the lists do not equal their expected sets: " + strings.Join(parts, "; ")
}
