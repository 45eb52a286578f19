package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/audiencesync/hubspot-list-sync/config"
)

func registerOperate(r *registry) {
	r.add(&command{name: "pause", args: "AUDIENCE [CONNECTOR]",
		summary: "stop sending batches; changes keep accumulating in order",
		run: func(ctx context.Context, a *app, _ *flag.FlagSet, args []string) error {
			aud, conn, err := audienceAndConnector(args)
			if err != nil {
				return err
			}
			return a.operate(ctx, aud, conn, "paused", func(ctx context.Context, o orchestrator, c string) error { return o.Pause(ctx, aud, c) })
		}})
	r.add(&command{name: "resume", args: "AUDIENCE [CONNECTOR]",
		summary: "resume sending; also retries a batch owed after a failure",
		run: func(ctx context.Context, a *app, _ *flag.FlagSet, args []string) error {
			aud, conn, err := audienceAndConnector(args)
			if err != nil {
				return err
			}
			return a.operate(ctx, aud, conn, "resumed", func(ctx context.Context, o orchestrator, c string) error { return o.Resume(ctx, aud, c) })
		}})
	r.add(&command{name: "retarget", args: "AUDIENCE CONNECTOR LIST_ID",
		summary: "send every batch from now on (and an owed one) to another list",
		help: "The list is checked first with the connector's account: it must exist and be a MANUAL\n" +
			"or SNAPSHOT contact list (-check=false skips this). Update listId in the config file\n" +
			"too, or a later activation of this connector uses the old list.",
		flags: func(fs *flag.FlagSet) { fs.Bool("check", true, "check the list in HubSpot before retargeting") },
		run:   runRetarget})
	r.add(&command{name: "discard", args: "AUDIENCE CONNECTOR [-reason TEXT]",
		summary: "drop the batch owed after a failure, then carry on",
		help: "The dropped IDs are counted (idsDiscarded) and the reason is recorded in the\n" +
			"workflow's history. Those contacts will not be added or removed: re-send them with\n" +
			"enter/leave if that is wrong. CONNECTOR is required: dropping changes is never implied.",
		flags: func(fs *flag.FlagSet) {
			fs.String("reason", defaultDiscardReason(), "why the batch is dropped (kept in history)")
		},
		run: func(ctx context.Context, a *app, fs *flag.FlagSet, args []string) error {
			if err := wantArgs(args, 2, 2); err != nil {
				return err
			}
			aud, conn := args[0], args[1]
			reason := fs.Lookup("reason").Value.String()
			return a.operate(ctx, aud, conn, "owed batch discarded", func(ctx context.Context, o orchestrator, c string) error { return o.Discard(ctx, aud, c, reason) })
		}})
	r.add(&command{name: "stop", args: "AUDIENCE [CONNECTOR]",
		summary: "deactivate: flush what is pending, then stop the sync",
		help: "The stop is queued behind every change sent before it, so nothing sent earlier is\n" +
			"lost. The connector can be activated again later.",
		run: func(ctx context.Context, a *app, _ *flag.FlagSet, args []string) error {
			aud, conn, err := audienceAndConnector(args)
			if err != nil {
				return err
			}
			return a.operate(ctx, aud, conn, "stop requested (pending changes are flushed first)", func(ctx context.Context, o orchestrator, c string) error {
				if conn != "" {
					if err := a.checkStopTarget(ctx, o, aud, c); err != nil {
						return err
					}
				}
				return o.Stop(ctx, aud, c)
			})
		}})
}

// checkStopTarget refuses a stop for a connector that is neither in the
// config file nor active on the audience: the audience workflow ignores such
// a stop, so without this check a typo would be reported as done (exit 0).
// A connector active on the audience but since removed from the file can
// still be stopped. The file is checked first: it needs no worker and
// cannot race a just-sent activate.
func (a *app) checkStopTarget(ctx context.Context, o orchestrator, audience, connectorID string) error {
	f, err := a.loadConfig()
	if err != nil {
		return err
	}
	if _, _, err := f.Connector(connectorID); err == nil {
		return nil
	}
	st, err := o.Connectors(ctx, audience)
	if err != nil {
		return err
	}
	for _, c := range st.Connectors {
		if c.ConnectorID == connectorID {
			return nil
		}
	}
	return &notFoundError{fmt.Errorf("connector %q is neither in %s nor active on audience %s: nothing to stop (see 'hubsync status %s')",
		connectorID, f.Path, audience, audience)}
}

func runRetarget(ctx context.Context, a *app, fs *flag.FlagSet, args []string) error {
	if err := wantArgs(args, 3, 3); err != nil {
		return err
	}
	aud, conn, list := args[0], args[1], args[2]
	if fs.Lookup("check").Value.String() == "true" {
		f, err := a.loadConfig()
		if err != nil {
			return err
		}
		if err := a.checkList(ctx, f, conn, list); err != nil {
			return err
		}
	}
	return a.operate(ctx, aud, conn, "retargeted to list "+list, func(ctx context.Context, o orchestrator, c string) error { return o.Retarget(ctx, aud, c, list) })
}

// checkList verifies with the connector's account that the list can take
// membership writes, so a retarget does not just block the sync again.
func (a *app) checkList(ctx context.Context, f *config.File, connectorID, listID string) error {
	_, acct, err := f.Connector(connectorID)
	if err != nil {
		return &notFoundError{err}
	}
	client, err := a.hubspotClient(ctx, acct)
	if err != nil {
		return err
	}
	cctx, cancel := a.callCtx(ctx)
	defer cancel()
	l, err := client.GetList(cctx, listID)
	if err != nil {
		return err
	}
	return l.CheckWritableContactList()
}
