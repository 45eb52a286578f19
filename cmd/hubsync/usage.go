package main

import (
	"flag"
	"fmt"
	"strings"
)

const usageHeader = `hubsync keeps HubSpot lists in sync with audiences, through Temporal.

Usage:
  hubsync [global flags] COMMAND [flags] [arguments]
`

const usageFooter = `A missing CONNECTOR means every connector active on the audience.
Record IDs are HubSpot Contact Record IDs (positive decimal integers).

Exit codes:
  0  success
  1  the operation failed; the message says why and what to do
  2  usage error: unknown command or flag, bad arguments or unreadable
     input; nothing was sent
  3  not found or not active: the audience or connector has no running
     workflow (run activate first), or the connector, account or list is
     unknown to the config file or to HubSpot
  4  partially done: some of the work was done and the output says what,
     e.g. an import with malformed lines (every valid line was sent) or one
     stopped midway (it says which line to resume from)

Run 'hubsync help COMMAND' or 'hubsync COMMAND -help' for a command's flags.
`

// groups order the commands in the usage.
var groups = []struct{ title, names string }{
	{"Audience commands (through Temporal):", "activate enter leave import reconcile status pause resume retarget discard stop"},
	{"Inspection (Temporal's visibility store and workflow histories):", "list log"},
	{"HubSpot commands (with an account's credentials from the config file):", "lists create-list connect"},
}

func (a *app) usage(top *flag.FlagSet) {
	w := a.stderr
	fmt.Fprint(w, usageHeader)
	for _, g := range groups {
		fmt.Fprintf(w, "\n%s\n", g.title)
		for _, name := range strings.Fields(g.names) {
			c := lookup(name)
			if c == nil {
				continue
			}
			fmt.Fprintf(w, "  %-48s %s\n", c.name+" "+c.args, c.summary)
		}
	}
	fmt.Fprintf(w, "\nGlobal flags (also accepted after COMMAND):\n")
	top.PrintDefaults()
	fmt.Fprintf(w, "\n%s", usageFooter)
}
