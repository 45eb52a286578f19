package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/audiencesync/hubspot-list-sync/accounts"
	"github.com/audiencesync/hubspot-list-sync/config"
	"github.com/audiencesync/hubspot-list-sync/hubspot"
)

func registerLists(r *registry) {
	r.add(&command{name: "lists", args: "[-account A] [-query Q]",
		summary: "search the account's lists (id, name, type, size)",
		help:    "-account may be left out when the config file declares a single account.",
		flags: func(fs *flag.FlagSet) {
			fs.String("account", "", "account `ID` from the config file")
			fs.String("query", "", "part of the list name")
			fs.Int("limit", 100, "show at most `N` lists")
		},
		run: runLists})
	r.add(&command{name: "create-list", args: "[-account A] NAME",
		summary: "create a MANUAL contact list to use as a connector's listId",
		help:    "HubSpot requires list names to be unique within the account.",
		flags:   func(fs *flag.FlagSet) { fs.String("account", "", "account `ID` from the config file") },
		run:     runCreateList})
}

// account picks the -account from the config file, or its only account.
func (a *app) account(fs *flag.FlagSet) (config.Account, error) {
	f, err := a.loadConfig()
	if err != nil {
		return config.Account{}, err
	}
	id := fs.Lookup("account").Value.String()
	if id == "" {
		if len(f.Accounts) == 1 {
			return f.Accounts[0], nil
		}
		ids := make([]string, len(f.Accounts))
		for i, acct := range f.Accounts {
			ids[i] = acct.ID
		}
		return config.Account{}, usagef("name the account with -account (one of %s in %s)", strings.Join(ids, ", "), f.Path)
	}
	acct, ok := f.Account(id)
	if !ok {
		return config.Account{}, &notFoundError{fmt.Errorf("account %q is not in %s: add it under accounts", id, f.Path)}
	}
	return acct, nil
}

// hubspotClient builds the account's client. ctx must outlive it (OAuth
// refreshes use it), so pass the command's context, not a call's.
func (a *app) hubspotClient(ctx context.Context, acct config.Account) (*hubspot.Client, error) {
	// A one-off command has the account's budget to itself.
	return accounts.NewClient(ctx, acct, accounts.Shared{})
}

func runLists(ctx context.Context, a *app, fs *flag.FlagSet, args []string) error {
	if err := wantArgs(args, 0, 0); err != nil {
		return err
	}
	acct, err := a.account(fs)
	if err != nil {
		return err
	}
	limit := fs.Lookup("limit").Value.(flag.Getter).Get().(int)
	if limit <= 0 {
		return usagef("-limit must be positive")
	}
	client, err := a.hubspotClient(ctx, acct)
	if err != nil {
		return err
	}
	req := hubspot.SearchListsRequest{Query: fs.Lookup("query").Value.String(), Count: min(limit, 500)}
	var lists []hubspot.List
	total := 0
	for len(lists) < limit {
		cctx, cancel := a.callCtx(ctx)
		page, err := client.SearchLists(cctx, req)
		cancel()
		if err != nil {
			return err
		}
		lists = append(lists, page.Lists...)
		total = page.Total
		if !page.HasMore || len(page.Lists) == 0 {
			break
		}
		req.Offset = page.NextOffset
	}
	lists = lists[:min(len(lists), limit)]
	if a.jsonOut {
		return a.printJSON(map[string]any{"account": acct.ID, "total": total, "lists": lists})
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tTYPE\tOBJECT\tSIZE\tSYNCABLE")
	for _, l := range lists {
		syncable := "yes"
		if l.CheckWritableContactList() != nil {
			syncable = "no"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", l.ListID, l.Name, l.ProcessingType, l.ObjectTypeID, l.Size, syncable)
	}
	tw.Flush()
	if total > len(lists) {
		fmt.Fprintf(a.stdout, "(%d of %d lists shown: narrow with -query or raise -limit)\n", len(lists), total)
	}
	return nil
}

func runCreateList(ctx context.Context, a *app, fs *flag.FlagSet, args []string) error {
	if err := wantArgs(args, 1, 1); err != nil {
		return err
	}
	acct, err := a.account(fs)
	if err != nil {
		return err
	}
	client, err := a.hubspotClient(ctx, acct)
	if err != nil {
		return err
	}
	cctx, cancel := a.callCtx(ctx)
	defer cancel()
	l, err := client.CreateManualContactList(cctx, args[0])
	if err != nil {
		return err
	}
	if a.jsonOut {
		return a.printJSON(l)
	}
	fmt.Fprintf(a.stdout, "created list %s (%q, %s) in account %s: set listId: %q on its connector\n",
		l.ListID, l.Name, l.ProcessingType, acct.ID, l.ListID)
	return nil
}
