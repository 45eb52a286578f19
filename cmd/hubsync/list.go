package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/audiencesync/hubspot-list-sync/config"
	"github.com/audiencesync/hubspot-list-sync/starter"
)

func registerList(r *registry) {
	r.add(&command{name: "list", args: "[-state S] [-audience A] [-all]",
		summary: "list the syncs: state, pending changes, last error",
		help: "Reads Temporal's visibility store (the search attributes HubSyncState, HubSyncAudience,\n" +
			"HubSyncConnector and HubSyncListId the syncs keep current), then asks each sync for its\n" +
			"status. Running syncs only unless -all (-state stopped includes closed ones). A sync that\n" +
			"does not answer in -query-timeout shows '?' and why; the others are still listed (exit\n" +
			"code 4). Visibility lags about a second behind a change of state.\n" +
			"  hubsync list -state blocked          which syncs wait for an operator?\n" +
			"  hubsync list -audience aud-42 -json  every sync of one audience, for scripts\n" +
			"The same filter in the Web UI: HubSyncState = \"blocked\".",
		flags: func(fs *flag.FlagSet) {
			fs.String("state", "", "only syncs in this `state`: "+strings.Join(starter.SyncStates, ", "))
			fs.String("audience", "", "only the syncs of this `audience`")
			fs.Bool("all", false, "include closed syncs (stopped, terminated, failed)")
			fs.Duration("query-timeout", starter.DefaultListQueryTimeout, "how long each sync's status query may take")
		},
		run: runList})
}

// inspector is the part of *starter.Starter that reads Temporal's
// visibility and histories.
type inspector interface {
	List(ctx context.Context, opts starter.ListOptions) ([]starter.SyncSummary, error)
	Log(ctx context.Context, audienceID, connectorID string, opts starter.LogOptions) (starter.SyncLog, error)
}

var _ inspector = (*starter.Starter)(nil)

// withInspector is withStarter for commands that read visibility and history.
func (a *app) withInspector(ctx context.Context, fn func(ins inspector) error) error {
	return a.withStarter(ctx, func(_ *config.File, o orchestrator) error {
		ins, ok := o.(inspector)
		if !ok {
			return errors.New("this connection cannot read Temporal's visibility or histories")
		}
		return fn(ins)
	})
}

func runList(ctx context.Context, a *app, fs *flag.FlagSet, args []string) error {
	if err := wantArgs(args, 0, 0); err != nil {
		return err
	}
	opts := starter.ListOptions{
		State:        fs.Lookup("state").Value.String(),
		Audience:     fs.Lookup("audience").Value.String(),
		All:          fs.Lookup("all").Value.String() == "true",
		QueryTimeout: fs.Lookup("query-timeout").Value.(flag.Getter).Get().(time.Duration),
	}
	if _, err := starter.ListQuery(opts); err != nil {
		return usagef("-state: %v", err)
	}
	return a.withInspector(ctx, func(ins inspector) error {
		cctx, cancel := a.callCtx(ctx)
		defer cancel()
		syncs, err := ins.List(cctx, opts)
		if err != nil {
			return err
		}
		if a.jsonOut {
			if syncs == nil {
				syncs = []starter.SyncSummary{}
			}
			err = a.printJSON(syncs)
		} else {
			printSyncs(a.stdout, syncs, opts)
		}
		if err != nil {
			return err
		}
		var errs []error
		for _, s := range syncs {
			if s.Error != "" {
				errs = append(errs, fmt.Errorf("%s: %s", s.WorkflowID, s.Error))
			}
		}
		if len(errs) > 0 {
			return &partialError{fmt.Errorf("%d sync(s) did not answer their status query:\n%w", len(errs), errors.Join(errs...))}
		}
		return nil
	})
}

func printSyncs(w io.Writer, syncs []starter.SyncSummary, opts starter.ListOptions) {
	if len(syncs) == 0 {
		fmt.Fprintf(w, "no sync workflow matches (%s)\n", describeFilter(opts))
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "AUDIENCE\tCONNECTOR\tLIST\tSTATE\tEXECUTION\tPENDING +/-\tLAST ERROR")
	for _, s := range syncs {
		pending, lastErr := "?", "status query failed: "+oneLine(s.Error, 80)
		if st := s.Status; st != nil {
			pending, lastErr = fmt.Sprintf("%d/%d", st.PendingAdds, st.PendingRemoves), ""
			if e := st.LastError; e != nil {
				lastErr = fmt.Sprintf("HTTP %d %s (correlationId %s): %s", e.Status, e.Category, e.CorrelationID, oneLine(e.Message, 60))
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.AudienceID, s.ConnectorID, s.ListID, orDash(s.State), s.Execution, pending, lastErr)
	}
	tw.Flush()
	fmt.Fprintf(w, "%d sync(s) (%s)\n", len(syncs), describeFilter(opts))
}

func describeFilter(o starter.ListOptions) string {
	var f []string
	if o.All || o.State == "stopped" {
		f = append(f, "running and closed")
	} else {
		f = append(f, "running")
	}
	if o.State != "" {
		f = append(f, "state "+o.State)
	}
	if o.Audience != "" {
		f = append(f, "audience "+o.Audience)
	}
	return strings.Join(f, ", ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
