package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"time"
)

// app holds the program's environment and global options. Tests build one
// with fakes in place of Temporal and the terminal.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	// dial connects to Temporal; tests replace it with a fake orchestrator.
	dial dialFunc
	// isTerminal decides between a \r progress line and periodic lines.
	isTerminal func(io.Writer) bool
	now        func() time.Time
	// reconcilePoll is how often a reconcile's status is read while the
	// command waits for it; tests shorten it.
	reconcilePoll time.Duration

	// Global options, also accepted after the command name.
	configPath string
	jsonOut    bool
	timeout    time.Duration
	wait       time.Duration
	verbose    bool
}

func newApp(stdin io.Reader, stdout, stderr io.Writer) *app {
	return &app{
		stdin: stdin, stdout: stdout, stderr: stderr,
		getenv:     os.Getenv,
		dial:       dialTemporal,
		isTerminal: isTerminal,
		now:        time.Now,

		reconcilePoll: time.Second,
	}
}

// command is one subcommand: its usage line, one-line summary, longer help,
// and the function that runs it with the arguments after its name.
type command struct {
	name, args, summary, help string
	run                       func(ctx context.Context, a *app, fs *flag.FlagSet, args []string) error
	flags                     func(fs *flag.FlagSet) // the command's own flags; nil if none
}

// registry collects the commands; each command group's file adds its own
// (registerOrchestrate and so on), so this one stays small.
type registry []*command

func (r *registry) add(c *command) { *r = append(*r, c) }

// commands is every command, built on demand: no package state.
func commands() registry {
	var r registry
	for _, group := range []func(*registry){registerOrchestrate, registerImport, registerReconcile, registerStatus, registerList,
		registerLog, registerOperate, registerLists, registerConnect} {
		group(&r)
	}
	return r
}

func lookup(name string) *command {
	for _, c := range commands() {
		if c.name == name {
			return c
		}
	}
	return nil
}

// globalFlags registers the options accepted before and after the command.
// The defaults are the current values, so a global flag given before the
// command survives the command's own parse.
func (a *app) globalFlags(fs *flag.FlagSet) {
	fs.StringVar(&a.configPath, "config", a.configPath, "connectors `file` (env HUBSYNC_CONFIG)")
	fs.BoolVar(&a.jsonOut, "json", a.jsonOut, "print results as JSON on stdout")
	fs.DurationVar(&a.timeout, "timeout", a.timeout, "deadline of each call to Temporal or HubSpot")
	fs.DurationVar(&a.wait, "max-wait", a.wait, "how long enter, leave and import wait for the audience to take each change (back-pressure, no worker, the server down: the error says which) before giving up; 0 = no limit")
	fs.BoolVar(&a.verbose, "v", a.verbose, "log details on stderr")
}

func (a *app) run(args []string) int {
	a.configPath = a.getenv("HUBSYNC_CONFIG")
	if a.configPath == "" {
		a.configPath = "connectors.yaml"
	}
	a.timeout = 30 * time.Second
	a.wait = 30 * time.Minute

	top := flag.NewFlagSet("hubsync", flag.ContinueOnError)
	top.SetOutput(a.stderr)
	a.globalFlags(top)
	top.Usage = func() { a.usage(top) }
	if err := top.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage // flag already printed the error and the usage
	}
	rest := top.Args()
	if len(rest) == 0 {
		a.usage(top)
		return exitUsage
	}
	name, rest := rest[0], rest[1:]
	if name == "help" {
		return a.help(top, rest)
	}
	cmd := lookup(name)
	if cmd == nil {
		fmt.Fprintf(a.stderr, "hubsync: unknown command %q; run 'hubsync -help' for the list\n", name)
		return exitUsage
	}

	fs := a.flagSet(cmd)
	positional, err := parseInterspersed(fs, rest)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	err = cmd.run(ctx, a, fs, positional)
	if err == nil {
		return exitOK
	}
	fmt.Fprintf(a.stderr, "hubsync %s: %v\n", cmd.name, err)
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(a.stderr, "usage: hubsync %s %s (see 'hubsync %s -help')\n", cmd.name, cmd.args, cmd.name)
	}
	return exitCode(err)
}

// flagSet builds a command's flags: its own plus the global ones.
func (a *app) flagSet(cmd *command) *flag.FlagSet {
	fs := flag.NewFlagSet("hubsync "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	if cmd.flags != nil {
		cmd.flags(fs)
	}
	a.globalFlags(fs)
	fs.Usage = func() {
		fmt.Fprintf(a.stderr, "Usage: hubsync %s %s\n\n%s\n", cmd.name, cmd.args, cmd.summary)
		if cmd.help != "" {
			fmt.Fprintf(a.stderr, "\n%s\n", cmd.help)
		}
		fmt.Fprintf(a.stderr, "\nFlags (flags may follow the arguments; use -- before an argument starting with '-'):\n")
		fs.PrintDefaults()
	}
	return fs
}

// parseInterspersed parses flags anywhere among the arguments (the flag
// package stops at the first positional one), so `hubsync status aud -json`
// works. Everything after "--" is positional.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		consumed := len(args) - fs.NArg()
		if consumed > 0 && args[consumed-1] == "--" {
			return append(positional, fs.Args()...), nil
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func (a *app) help(top *flag.FlagSet, args []string) int {
	if len(args) == 0 {
		a.usage(top)
		return exitOK
	}
	cmd := lookup(args[0])
	if cmd == nil {
		fmt.Fprintf(a.stderr, "hubsync: unknown command %q; run 'hubsync -help' for the list\n", args[0])
		return exitUsage
	}
	a.flagSet(cmd).Usage()
	return exitOK
}

// logger logs to stderr: warnings only unless -v.
func (a *app) logger() *slog.Logger {
	level := slog.LevelWarn
	if a.verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: level}))
}

// callCtx bounds one call to Temporal or HubSpot by -timeout.
func (a *app) callCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	if a.timeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, a.timeout)
}

// sendCtx bounds one Enter or Leave call by -max-wait: the call returns once
// the audience has taken the change, which back-pressure, a missing worker
// or an unreachable server may delay (its error then says which).
func (a *app) sendCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	if a.wait <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, a.wait)
}

// isTerminal reports whether w is a character device (a terminal), without
// a dependency on x/term: that is all the progress display needs.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
