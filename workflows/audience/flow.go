package audience

import "github.com/audiencesync/hubspot-list-sync/contract"

// The audience's side of back-pressure (the sync's side is audiencesync/flow.go): per
// connector, how many record IDs it has forwarded and what the sync last
// reported, from which it estimates the sync's backlog without asking.

// reconcileFlows returns one flow per active connector, in the same order,
// keeping the bookkeeping of connectors that stay. Pure: called from both
// loops, it adds no workflow command.
func (a *audience) reconcileFlows(old []contract.ConnectorFlow) []contract.ConnectorFlow {
	out := make([]contract.ConnectorFlow, 0, len(a.connectors))
	for _, c := range a.connectors {
		f := contract.ConnectorFlow{ConnectorID: c.ConnectorID}
		for _, o := range old {
			if o.ConnectorID == c.ConnectorID {
				f = o
			}
		}
		f.Backlog = 0
		if in, err := contract.Normalize(c); err == nil {
			f.MaxBacklog = in.MaxBacklog
		}
		out = append(out, f)
	}
	return out
}

// onProgress keeps a sync's newest report.
func (a *audience) onProgress(p contract.SyncProgress) {
	for i := range a.flows {
		if a.flows[i].ConnectorID == p.ConnectorID && p.Report > a.flows[i].Reported.Report {
			a.flows[i].Reported = p
		}
	}
}

// room is how many record IDs may be forwarded now: the least room of any
// connector (changes go to every connector in one order). With no
// connector there is no limit: the changes have nowhere to go.
func (a *audience) room() int64 {
	if len(a.flows) == 0 {
		return 1 << 62
	}
	r := a.flows[0].Room()
	for _, f := range a.flows[1:] {
		r = min(r, f.Room())
	}
	return r
}
