package main

import (
	"context"

	"go.temporal.io/sdk/client"

	"github.com/audiencesync/hubspot-list-sync/contract"
)

func (r *report) fillSending(s *sendStats) {
	r.Changes, r.Calls, r.Signals, r.SendRetries = s.accepted.Load(), s.calls.Load(), s.signals.Load(), s.retries.Load()
	if !s.finished.IsZero() {
		r.SendSeconds = s.finished.Sub(s.started).Seconds()
	}
	if r.SendSeconds > 0 {
		r.ChangesPerSecond = float64(r.Changes) / r.SendSeconds
	}
}

// fillLists compares every list with its expected set; Converged is true
// only if all are exact. With more than historyLimit lists, only those
// that differ are listed (ListsTotal and ListsExact count them all), so
// the report of a many-audience run stays readable and small.
func (r *report) fillLists(emu *emulator, w *watcher) {
	r.Converged = true
	for i, t := range w.targets {
		got := emu.Members(t.portal, t.listID)
		missing, extra := diff(got, t.want)
		l := listFigures{Audience: t.audience, Connector: t.connector, ListID: t.listID, Expected: len(t.want), Size: len(got),
			Missing: len(missing), Extra: len(extra), SampleMissing: missing[:min(5, len(missing))], SampleExtra: extra[:min(5, len(extra))]}
		if s := w.last[i].Status; s != nil {
			l.BatchesSent, l.TotalAdded, l.TotalRemoved = s.BatchesSent, s.TotalAdded, s.TotalRemoved
		}
		exact := len(missing)+len(extra) == 0
		r.ListsTotal++
		if exact {
			r.ListsExact++
		}
		if !exact || len(w.targets) <= historyLimit {
			r.Lists = append(r.Lists, l)
		}
		r.Converged = r.Converged && exact
	}
}

// diff returns the IDs of want missing from got and those of got not in
// want; both inputs are ascending.
func diff(got, want []int64) (missing, extra []int64) {
	i, j := 0, 0
	for i < len(got) || j < len(want) {
		switch {
		case j == len(want) || (i < len(got) && got[i] < want[j]):
			extra = append(extra, got[i])
			i++
		case i == len(got) || want[j] < got[i]:
			missing = append(missing, want[j])
			j++
		default:
			i++
			j++
		}
	}
	return missing, extra
}

// fillHistories reads every run of each audience and sync workflow.
func (r *report) fillHistories(ctx context.Context, c client.Client, w *watcher, secrets []string) error {
	for i, t := range w.targets {
		aud, err := walkHistory(ctx, c, contract.AudienceWorkflowID(t.audience), "audience", secrets)
		if err != nil {
			return err
		}
		aud.Generation = w.audGen[i]
		sync, err := walkHistory(ctx, c, contract.SyncWorkflowID(t.audience, t.connector), "sync", secrets)
		if err != nil {
			return err
		}
		if s := w.last[i].Status; s != nil {
			sync.Generation = s.Generation
		}
		for _, f := range []historyFigures{aud, sync} {
			r.Workflows = append(r.Workflows, f)
			r.MaxPayloadBytes = max(r.MaxPayloadBytes, f.LargestPayloadBytes)
			r.MaxIncomingBytes = max(r.MaxIncomingBytes, f.LargestIncomingBytes)
			r.MaxRunBytes = max(r.MaxRunBytes, f.MaxRunBytes)
			r.MaxRunEvents = max(r.MaxRunEvents, f.MaxRunEvents)
			r.SecretsInHistory += f.SecretHits
		}
	}
	return nil
}
