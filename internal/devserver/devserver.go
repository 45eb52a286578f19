// Package devserver runs the pinned Temporal CLI's `server start-dev` as a
// child process: on given loopback ports, with its state in a SQLite file
// or in memory, in its own process group so that stopping it (or our own
// death) leaves nothing behind.
package devserver

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
)

// Options say how to start the dev server. Zero values are defaults.
type Options struct {
	// CLI is the Temporal CLI binary; empty means FindCLI().
	CLI string
	// Port is the frontend (gRPC) port; 0 picks a free one.
	Port int
	// UIPort is the Web UI port; 0 runs headless (no Web UI).
	UIPort int
	// DBFile keeps the server's state in a SQLite file; empty keeps it in memory.
	DBFile string
	// Namespace is registered at start and used by Client; default "default".
	Namespace string
	// LogLevel of the server: debug, info, warn or error; default "warn".
	LogLevel string
	// Log receives the server's stdout and stderr; nil discards them.
	Log io.Writer
	// ReadyTimeout bounds the wait for a healthy server; default 60 s.
	ReadyTimeout time.Duration
	// Logger is the client's logger; nil keeps the client quiet.
	Logger *slog.Logger
}

// Server is a running dev server and a client connected to it.
type Server struct {
	// Address is the frontend's host:port.
	Address   string
	Namespace string
	// Client is connected to Address and closed by Stop.
	Client client.Client

	cmd      *exec.Cmd
	done     chan struct{}
	exitErr  error
	stopOnce sync.Once
}

// Start starts the dev server, with the workflows' search attributes
// registered on its namespace, and returns once a client connects and the
// health check passes. On failure nothing is left running.
func Start(ctx context.Context, o Options) (*Server, error) {
	if err := o.fill(); err != nil {
		return nil, err
	}
	args := []string{"server", "start-dev", "--ip", "127.0.0.1", "--port", strconv.Itoa(o.Port),
		"--log-level", o.LogLevel, "--namespace", o.Namespace}
	args = append(args, SearchAttributeArgs()...)
	args = append(args, OnePartitionArgs()...)
	if o.UIPort == 0 {
		args = append(args, "--headless")
	} else {
		args = append(args, "--ui-port", strconv.Itoa(o.UIPort))
	}
	if o.DBFile != "" {
		args = append(args, "--db-filename", o.DBFile)
	}
	cmd := exec.Command(o.CLI, args...)
	cmd.Stdout, cmd.Stderr = o.Log, o.Log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the Temporal dev server %s: %w (build it with scripts/temporal-cli.sh)", o.CLI, err)
	}
	s := &Server{Address: net.JoinHostPort("127.0.0.1", strconv.Itoa(o.Port)), Namespace: o.Namespace, cmd: cmd, done: make(chan struct{})}
	go func() { s.exitErr = cmd.Wait(); close(s.done) }()
	c, err := s.awaitReady(ctx, o)
	if err != nil {
		s.Stop()
		return nil, err
	}
	s.Client = c
	return s, nil
}

func (o *Options) fill() error {
	if o.CLI == "" {
		cli, err := FindCLI()
		if err != nil {
			return err
		}
		o.CLI = cli
	}
	if o.Port == 0 {
		p, err := FreePort()
		if err != nil {
			return err
		}
		o.Port = p
	}
	if o.Namespace == "" {
		o.Namespace = "default"
	}
	if o.LogLevel == "" {
		o.LogLevel = "warn"
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.ReadyTimeout == 0 {
		o.ReadyTimeout = 60 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return nil
}

// awaitReady dials until a client connects and the health check passes.
func (s *Server) awaitReady(ctx context.Context, o Options) (client.Client, error) {
	deadline := time.Now().Add(o.ReadyTimeout)
	logger := tlog.NewStructuredLogger(o.Logger)
	for {
		c, err := client.DialContext(ctx, client.Options{HostPort: s.Address, Namespace: o.Namespace, Logger: logger})
		if err == nil {
			if _, err = c.CheckHealth(ctx, &client.CheckHealthRequest{}); err == nil {
				return c, nil
			}
			c.Close()
		}
		select {
		case <-s.done:
			return nil, fmt.Errorf("the Temporal dev server exited before it was ready (%v); is port %d or %d in use? Its log: %s",
				s.exitErr, o.Port, o.UIPort, logName(o.Log))
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for the Temporal dev server on %s: %w", s.Address, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("the Temporal dev server was not ready within %s (last error: %v); its log: %s", o.ReadyTimeout, err, logName(o.Log))
		}
	}
}

func logName(w io.Writer) string {
	if f, ok := w.(*os.File); ok {
		return f.Name()
	}
	return "(not kept)"
}

// PID is the server process's ID (also its process group's), e.g. to read
// its memory use from /proc.
func (s *Server) PID() int { return s.cmd.Process.Pid }

// Done is closed once the server process has exited.
func (s *Server) Done() <-chan struct{} { return s.done }

// Stop closes the client, asks the whole process group to stop, and kills
// it if it lingers past 10 s. It is safe to call more than once.
func (s *Server) Stop() {
	if s == nil {
		return
	}
	s.stopOnce.Do(func() {
		if s.Client != nil {
			s.Client.Close()
		}
		pgid := -s.cmd.Process.Pid
		_ = syscall.Kill(pgid, syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(pgid, syscall.SIGKILL)
			<-s.done
		}
	})
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free loopback port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
