// Package uitext formats what both workflows show in the Temporal Web UI:
// numbers and times for people, one-line messages, and the static summary,
// details and search attributes a sync starts with (the audience starts
// syncs, so it sets them).
package uitext

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/workflows/internal/payload"
)

// SyncSummary is the one-line static summary of a sync workflow.
func SyncSummary(in contract.SyncInput) string {
	return fmt.Sprintf("Sync audience %s → HubSpot list %s (connector %s)", in.AudienceID, in.ListID, in.ConnectorID)
}

// SyncStaticDetails are a sync's static details (Markdown): what it is
// and how it is tuned. Never a secret: only names.
func SyncStaticDetails(in contract.SyncInput) string {
	account := in.Account
	if account == "" {
		account = "(see the connectors file)"
	}
	flush := in.FlushInterval
	if flush == 0 {
		flush = contract.DefaultFlushInterval
	}
	// The last line is a footnote: the Web UI (2.42) draws Markdown boxes a
	// line short, so whatever comes last may be cut off.
	return fmt.Sprintf("**Audience:** %s · **Connector:** %s  \n**HubSpot account:** %s · **List:** %s  \n"+
		"**Flush interval:** %s · **Batch size:** %s · **Max backlog:** %s IDs  \n_Names only: credentials stay in the worker._",
		in.AudienceID, in.ConnectorID, account, in.ListID, flush,
		orDefault(in.MaxBatchSize, contract.DefaultMaxBatchSize), orDefault(in.MaxBacklog, contract.DefaultMaxBacklog))
}

func orDefault(v, def int) string {
	if v == 0 {
		v = def
	}
	return Thousands(int64(v))
}

// Thousands formats n as 12,345 for people.
func Thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// WithUpdated ends current details with when they were set. It is also a
// footnote line for the Web UI (2.42), which cuts off a box's last line.
func WithUpdated(ctx workflow.Context, d string) string {
	return d + "_updated " + Stamp(workflow.Now(ctx)) + "_"
}

func Stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

func OrDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func OneLine(s string, max int) string {
	return payload.Truncate(strings.Join(strings.Fields(s), " "), max)
}

// stateSearchAttrs are a sync's search attributes at its start.
func SyncSearchAttributes(in contract.SyncInput) temporal.SearchAttributes {
	return temporal.NewSearchAttributes(contract.SearchAttrAudience.ValueSet(in.AudienceID), contract.SearchAttrConnector.ValueSet(in.ConnectorID),
		contract.SearchAttrListID.ValueSet(in.ListID), contract.SearchAttrState.ValueSet(contract.StateActive))
}
