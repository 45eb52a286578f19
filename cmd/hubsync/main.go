// Command hubsync is the operator's and the orchestration scripts' command
// line over package starter (activate connectors on an audience, send
// membership changes, read status, operate a sync) plus the HubSpot chores
// of setting a connector up (find or create a list, authorize an account).
//
// Run `hubsync -help` for the commands and exit codes.
package main

import (
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is the whole program minus os.Exit, so tests can drive it in-process.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return newApp(stdin, stdout, stderr).run(args)
}
