package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"log/slog"
)

// devServer is a Temporal dev server child process. It runs in its own
// process group and is told to die with us, so Ctrl-C leaves nothing behind.
type devServer struct {
	cmd  *exec.Cmd
	done chan error
}

func startDevServer(ctx context.Context, cli, dbFile string, port, uiPort int, logTo io.Writer) (*devServer, client.Client, error) {
	args := []string{"server", "start-dev", "--ip", "127.0.0.1", "--port", strconv.Itoa(port),
		"--ui-port", strconv.Itoa(uiPort), "--db-filename", dbFile, "--log-level", "warn", "--namespace", "default"}
	cmd := exec.Command(cli, args...)
	cmd.Stdout, cmd.Stderr = logTo, logTo
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, nil, fmt.Errorf("starting the Temporal dev server %s: %w (build it with scripts/temporal-cli.sh)", cli, err)
	}
	d := &devServer{cmd: cmd, done: make(chan error, 1)}
	go func() { d.done <- cmd.Wait() }()

	// Ready when a client connects and the health check passes.
	deadline := time.Now().Add(60 * time.Second)
	quiet := tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))
	for {
		c, err := client.DialContext(ctx, client.Options{HostPort: fmt.Sprintf("127.0.0.1:%d", port), Namespace: "default", Logger: quiet})
		if err == nil {
			if _, err = c.CheckHealth(ctx, &client.CheckHealthRequest{}); err == nil {
				return d, c, nil
			}
			c.Close()
		}
		select {
		case exitErr := <-d.done:
			return nil, nil, fmt.Errorf("the Temporal dev server exited before it was ready (%v); is port %d or %d in use? Its log: %s", exitErr, port, uiPort, logName(logTo))
		case <-ctx.Done():
			d.stop()
			return nil, nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			d.stop()
			return nil, nil, errors.New("the Temporal dev server was not ready within 60s")
		}
	}
}

func logName(w io.Writer) string {
	if f, ok := w.(*os.File); ok {
		return f.Name()
	}
	return "(not kept)"
}

// stop asks the whole process group to stop, then kills it if it lingers.
func (d *devServer) stop() {
	if d == nil || d.cmd.Process == nil {
		return
	}
	pgid := -d.cmd.Process.Pid
	_ = syscall.Kill(pgid, syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(pgid, syscall.SIGKILL)
		<-d.done
	}
}
