package audience

import (
	"fmt"
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/workflows/internal/uitext"
)

// audienceUI remembers what the Web UI was last told.
type audienceUI struct {
	details string
	tagged  bool
}

// refreshUI tags the run once with its search attributes and keeps its
// current details up to date.
func (a *audience) refreshUI(ctx workflow.Context) {
	if !a.ui.tagged {
		if err := workflow.UpsertTypedSearchAttributes(ctx, contract.SearchAttrAudience.ValueSet(a.id),
			contract.SearchAttrState.ValueSet(contract.StateAudience)); err != nil {
			workflow.GetLogger(ctx).Error("Search attributes not updated", "Error", err)
		}
		a.ui.tagged = true
	}
	if d := a.currentDetails(); d != a.ui.details {
		workflow.SetCurrentDetails(ctx, uitext.WithUpdated(ctx, d))
		a.ui.details = d
	}
}

func (a *audience) currentDetails() string { return AudienceDetails(a.status()) }

// AudienceDetails is the Markdown an audience shows as its current details
// in the Web UI: a pure function of its status, as the connectors query
// answers it.
func AudienceDetails(st contract.AudienceStatus) string {
	var b strings.Builder
	line := func(format string, args ...any) { b.WriteString(fmt.Sprintf(format, args...) + "  \n") }
	if len(st.Flows) == 0 {
		line("**Connectors:** none active: run `hubsync activate %s CONNECTOR`", st.AudienceID)
	}
	for i, f := range st.Flows {
		c := st.Connectors[i]
		note := ""
		if f.Room() <= 0 {
			note = " · **full: senders wait until it drains**"
		}
		line("**Connector %s:** list %s, sync `%s`, backlog about %s of %s IDs%s", c.ConnectorID, c.ListID,
			contract.SyncWorkflowID(st.AudienceID, c.ConnectorID), uitext.Thousands(f.Estimate()), uitext.Thousands(int64(f.MaxBacklog)), note)
	}
	line("**Queue:** %s IDs waiting for room · %d senders held", uitext.Thousands(int64(st.Queued)), st.Waiting)
	line("**Totals:** admitted %s IDs · forwarded %s changes · overflowed %s IDs (%d signals) · unrouted %s IDs",
		uitext.Thousands(st.Admitted), uitext.Thousands(st.Forwarded), uitext.Thousands(st.Overflowed),
		st.OverflowedSignals, uitext.Thousands(st.Unrouted))
	if st.RefusedSignals > 0 {
		line("**Refused signals:** %d (each is in the problems)", st.RefusedSignals)
	}
	if n := len(st.Problems); n > 0 {
		line("**Last problem** (of %d, see the `connectors` query): %s", n, uitext.OneLine(st.Problems[n-1], 300))
	}
	return b.String()
}
