package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/audiencesync/hubspot-list-sync/config"
	"github.com/audiencesync/hubspot-list-sync/contract"
	"github.com/audiencesync/hubspot-list-sync/starter"
)

func registerOrchestrate(r *registry) {
	r.add(&command{name: "activate", args: "AUDIENCE CONNECTOR... [-snapshot FILE]",
		summary: "start syncing the audience to each connector's list",
		help: "Starts the audience's workflow if needed and activates each connector (declared in the\n" +
			"config file) on it. Activating an active connector again is harmless. A connector\n" +
			"receives the changes sent after its activation.\n\n" +
			"To backfill, give -snapshot FILE (or - for stdin) with the audience's current members,\n" +
			"one record ID per line as for 'hubsync reconcile': the connector is activated and its\n" +
			"list made equal to the snapshot in one ordered step, so no change falls between them;\n" +
			"members the list has and the snapshot lacks are removed. One connector per snapshot.\n" +
			"Progress, report and exit codes are those of reconcile. Without -snapshot, enter or\n" +
			"import the members afterwards, or reconcile later.",
		flags: func(fs *flag.FlagSet) {
			fs.String("snapshot", "", "activate one connector and make its list equal to the members in `FILE` (- for stdin)")
			reconcileFlags(fs, " (with -snapshot)")
		},
		run: runActivate})
	r.add(&command{name: "enter", args: "AUDIENCE ID...",
		summary: "profiles entered the audience: add them to every list",
		help:    "Fails with exit code 3 if the audience was never activated (run activate first).",
		run: func(ctx context.Context, a *app, _ *flag.FlagSet, args []string) error {
			return a.membership(ctx, contract.OpEnter, args)
		}})
	r.add(&command{name: "leave", args: "AUDIENCE ID...",
		summary: "profiles left the audience: remove them from every list",
		help:    "Fails with exit code 3 if the audience was never activated (run activate first).",
		run: func(ctx context.Context, a *app, _ *flag.FlagSet, args []string) error {
			return a.membership(ctx, contract.OpLeave, args)
		}})
}

func runActivate(ctx context.Context, a *app, fs *flag.FlagSet, args []string) error {
	if err := wantArgs(args, 2, -1); err != nil {
		return err
	}
	audience, connectors := args[0], args[1:]
	if snapshot := fs.Lookup("snapshot").Value.String(); snapshot != "" {
		return a.activateWithSnapshot(ctx, fs, audience, connectors, snapshot)
	}
	var stray []string
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "id" || f.Name == "allow-empty" || f.Name == "wait" {
			stray = append(stray, "-"+f.Name)
		}
	})
	if len(stray) > 0 {
		return usagef("%s only apply with -snapshot FILE; nothing was activated", strings.Join(stray, ", "))
	}
	return a.withStarter(ctx, func(f *config.File, o orchestrator) error {
		// Check the names here too, so a typo is "not found" (exit 3)
		// before anything is sent.
		for _, id := range connectors {
			if _, _, err := f.Connector(id); err != nil {
				return &notFoundError{err}
			}
		}
		cctx, cancel := a.callCtx(ctx)
		defer cancel()
		if err := o.Activate(cctx, audience, connectors...); err != nil {
			return err
		}
		if a.jsonOut {
			return a.printJSON(map[string]any{"audienceId": audience, "activated": connectors,
				"workflowId": contract.AudienceWorkflowID(audience)})
		}
		fmt.Fprintf(a.stdout, "activated %s on audience %s (workflow %s)\n",
			strings.Join(connectors, ", "), audience, contract.AudienceWorkflowID(audience))
		return nil
	})
}

// activateWithSnapshot activates one connector and reconciles its list to
// the snapshot in the same ordered step.
func (a *app) activateWithSnapshot(ctx context.Context, fs *flag.FlagSet, audience string, connectors []string, snapshot string) error {
	if len(connectors) > 1 {
		return usagef("-snapshot backfills one connector, got %d (%s): activate each with its own snapshot, in separate commands; nothing was activated",
			len(connectors), strings.Join(connectors, ", "))
	}
	job, err := a.newReconcileJob(fs, audience, connectors[0], snapshot, true)
	if err != nil {
		return err
	}
	return a.withStarter(ctx, func(f *config.File, o orchestrator) error {
		if _, _, err := f.Connector(job.connector); err != nil {
			return &notFoundError{err}
		}
		return a.reconcile(ctx, o, job)
	})
}

// membership sends enter or leave for IDs given on the command line. The IDs
// are checked first and the command refuses to send any if one is not a
// record ID: a typo is better caught here than counted as rejected later.
func (a *app) membership(ctx context.Context, op contract.Op, args []string) error {
	if err := wantArgs(args, 2, -1); err != nil {
		return err
	}
	audience, ids := args[0], args[1:]
	var bad []string
	for _, id := range ids {
		if _, ok := contract.ParseRecordID(id); !ok {
			bad = append(bad, id)
		}
	}
	if len(bad) > 0 {
		return usagef("not HubSpot record IDs (positive decimal integers): %q; nothing was sent", bad)
	}
	return a.withStarter(ctx, func(_ *config.File, o orchestrator) error {
		cctx, cancel := a.sendCtx(ctx)
		defer cancel()
		cctx = starter.WithWaitReporter(cctx, func(w starter.WaitInfo) {
			fmt.Fprintf(a.stderr, "%s: %s\n", op, w)
		})
		send := o.Enter
		if op == contract.OpLeave {
			send = o.Leave
		}
		acc, err := send(cctx, audience, ids)
		if a.jsonOut {
			if perr := a.printJSON(map[string]any{"audienceId": audience, "op": op, "sent": acc.IDs,
				"total": len(ids), "signals": acc.Signals, "changeIds": acc.ChangeIDs}); perr != nil {
				return perr
			}
		} else if acc.IDs > 0 || err == nil {
			fmt.Fprintf(a.stdout, "%s: sent %d of %d IDs to audience %s in %d signal(s)\n", op, acc.IDs, len(ids), audience, acc.Signals)
		}
		if err != nil && acc.IDs > 0 {
			return &partialError{fmt.Errorf("%w; resend the IDs after the first %d", err, acc.IDs)}
		}
		return err
	})
}

// operate runs one operator command on a connector, or on every active
// connector when connectorID is empty, reporting each outcome.
func (a *app) operate(ctx context.Context, audience, connectorID, done string, fn func(ctx context.Context, o orchestrator, connectorID string) error) error {
	return a.withStarter(ctx, func(_ *config.File, o orchestrator) error {
		targets := []string{connectorID}
		if connectorID == "" {
			cctx, cancel := a.callCtx(ctx)
			st, err := o.Connectors(cctx, audience)
			cancel()
			if err != nil {
				return err
			}
			if len(st.Connectors) == 0 {
				return fmt.Errorf("audience %s has no active connector: %w", audience, starter.ErrConnectorNotActive)
			}
			targets = targets[:0]
			for _, c := range st.Connectors {
				targets = append(targets, c.ConnectorID)
			}
		}
		type outcome struct {
			ConnectorID string `json:"connectorId"`
			OK          bool   `json:"ok"`
			Error       string `json:"error,omitempty"`
		}
		var results []outcome
		var errs []error
		for _, id := range targets {
			cctx, cancel := a.callCtx(ctx)
			err := fn(cctx, o, id)
			cancel()
			r := outcome{ConnectorID: id, OK: err == nil}
			if err != nil {
				r.Error = err.Error()
				errs = append(errs, err)
			} else if !a.jsonOut {
				fmt.Fprintf(a.stdout, "%s: %s\n", id, done)
			}
			results = append(results, r)
		}
		if a.jsonOut {
			if err := a.printJSON(map[string]any{"audienceId": audience, "results": results}); err != nil {
				return err
			}
		}
		err := errors.Join(errs...)
		if err != nil && len(errs) < len(targets) {
			return &partialError{err}
		}
		return err
	})
}

// audienceAndConnector reads "AUDIENCE [CONNECTOR]".
func audienceAndConnector(args []string) (string, string, error) {
	if err := wantArgs(args, 1, 2); err != nil {
		return "", "", err
	}
	if len(args) == 2 {
		return args[0], args[1], nil
	}
	return args[0], "", nil
}

func defaultDiscardReason() string {
	who := os.Getenv("USER")
	if who == "" {
		who = "an operator"
	}
	return "discarded by " + who + " with hubsync"
}
