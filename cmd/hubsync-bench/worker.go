package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/audiencesync/hubspot-list-sync/internal/devserver"
)

// buildWorker builds ./cmd/hubsync-worker into dir, once per run.
func buildWorker(ctx context.Context, dir string, log *slog.Logger) (string, error) {
	root, err := devserver.FindRepoRoot()
	if err != nil {
		return "", fmt.Errorf("building the worker: %w (run from the repository, or pass -worker-bin)", err)
	}
	bin := filepath.Join(dir, "hubsync-worker")
	log.Info("building the worker", "package", "./cmd/hubsync-worker", "to", bin)
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/hubsync-worker")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/hubsync-worker: %w\n%s(fix the build, or pass a binary with -worker-bin)", err, out)
	}
	return bin, nil
}

// workerProc is the worker running as its own process, in its own process
// group, killed if we die.
type workerProc struct {
	cmd     *exec.Cmd
	logPath string
	done    chan struct{}
	exitErr error
}

func startWorker(bin, configPath, logPath string, tokens []string, metricsAddr string) (*workerProc, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("creating the worker log: %w", err)
	}
	args := []string{"-config", configPath, "-log-format", "text", "-log-level", "info"}
	if metricsAddr != "" {
		args = append(args, "-metrics-addr", metricsAddr)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = workerEnv(tokens)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("starting the worker %s: %w (rebuild it, or drop -worker-bin to build one)", bin, err)
	}
	w := &workerProc{cmd: cmd, logPath: logPath, done: make(chan struct{})}
	go func() { w.exitErr = cmd.Wait(); logFile.Close(); close(w.done) }()
	return w, nil
}

func (w *workerProc) pid() int { return w.cmd.Process.Pid }

// awaitReady waits until the worker polls the task queue for workflow and
// activity tasks.
func (w *workerProc) awaitReady(ctx context.Context, c client.Client, taskQueue string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	for {
		ready := true
		for _, t := range []enumspb.TaskQueueType{enumspb.TASK_QUEUE_TYPE_WORKFLOW, enumspb.TASK_QUEUE_TYPE_ACTIVITY} {
			resp, err := c.DescribeTaskQueue(ctx, taskQueue, t)
			if err != nil || len(resp.GetPollers()) == 0 {
				ready = false
			}
		}
		if ready {
			return nil
		}
		select {
		case <-w.done:
			return fmt.Errorf("the worker exited before serving (%v): see its log %s", w.exitErr, w.logPath)
		case <-ctx.Done():
			return fmt.Errorf("the worker did not poll task queue %q: %w (see its log %s)", taskQueue, ctx.Err(), w.logPath)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// stop sends SIGTERM (the worker lets in-flight batches finish) and kills
// the process group if it has not exited within 15 s.
func (w *workerProc) stop() {
	select {
	case <-w.done:
		return
	default:
	}
	pgid := -w.cmd.Process.Pid
	_ = syscall.Kill(pgid, syscall.SIGTERM)
	select {
	case <-w.done:
	case <-time.After(15 * time.Second):
		_ = syscall.Kill(pgid, syscall.SIGKILL)
		<-w.done
	}
}
