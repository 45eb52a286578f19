// Package browser drives a real headless Chromium over the DevTools protocol
// (--remote-debugging-pipe), with the standard library only: open a page,
// read what it shows, click, take screenshots. Tests use it to check what a
// person sees in the Temporal Web UI. A missing Chromium is an error that
// says how to install it; nothing here skips.
package browser

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Find returns the Chromium to run: $CHROMIUM if set, else the first of
// chromium, chromium-browser, google-chrome, google-chrome-stable on PATH.
func Find() (string, error) {
	if p := os.Getenv("CHROMIUM"); p != "" {
		if _, err := exec.LookPath(p); err != nil {
			return "", fmt.Errorf("CHROMIUM=%s is not executable: %w (point it at a Chromium, or unset it to use chromium from PATH)", p, err)
		}
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no Chromium on PATH: install it (Debian: apt-get install -y chromium; scripts/test.sh does this) or set CHROMIUM to its path")
}

// Options say how to start the browser. Zero values are defaults.
type Options struct {
	// Path is the browser binary; empty means Find().
	Path string
	// Width and Height of every page's viewport; default 1400×1000.
	Width, Height int
	// Log receives the browser's stderr (noisy); nil discards it. The last
	// lines are kept for error messages either way.
	Log io.Writer
}

// Browser is a running headless Chromium.
type Browser struct {
	opts    Options
	cmd     *exec.Cmd
	profile string
	stderr  *tail

	wmu sync.Mutex // serialises writes to toChrome
	// toChrome is the pipe Chromium reads commands from (its fd 3).
	toChrome *os.File

	mu      sync.Mutex
	nextID  int64
	pending map[int64]chan message
	readErr error
	done    chan struct{} // closed when the reader stops (Chromium exited or closed its pipe)
	exited  chan struct{} // closed when the process has been waited for
	waitErr error

	closeOnce sync.Once
}

// Start runs Chromium headless with a fresh temporary profile. Close stops
// it; it is also killed if this process dies.
func Start(ctx context.Context, o Options) (*Browser, error) {
	if o.Path == "" {
		p, err := Find()
		if err != nil {
			return nil, err
		}
		o.Path = p
	}
	if o.Width == 0 {
		o.Width = 1400
	}
	if o.Height == 0 {
		o.Height = 1000
	}
	profile, err := os.MkdirTemp("", "hubsync-chromium-")
	if err != nil {
		return nil, err
	}
	// Chromium reads commands from fd 3 and writes replies to fd 4.
	cmdR, cmdW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	respR, respW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	b := &Browser{opts: o, profile: profile, stderr: &tail{max: 8 << 10}, toChrome: cmdW,
		pending: map[int64]chan message{}, done: make(chan struct{}), exited: make(chan struct{})}
	var log io.Writer = b.stderr
	if o.Log != nil {
		log = io.MultiWriter(b.stderr, o.Log)
	}
	b.cmd = exec.Command(o.Path,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--disable-background-networking", "--disable-extensions", "--disable-sync",
		"--no-first-run", "--no-default-browser-check", "--mute-audio",
		"--remote-debugging-pipe", "--user-data-dir="+profile,
		"--window-size="+strconv.Itoa(o.Width)+","+strconv.Itoa(o.Height),
		"about:blank")
	b.cmd.ExtraFiles = []*os.File{cmdR, respW}
	b.cmd.Stdout, b.cmd.Stderr = log, log
	b.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := b.cmd.Start(); err != nil {
		cmdR.Close()
		cmdW.Close()
		respR.Close()
		respW.Close()
		os.RemoveAll(profile)
		return nil, fmt.Errorf("starting Chromium %s: %w (install it: apt-get install -y chromium)", o.Path, err)
	}
	cmdR.Close()
	respW.Close()
	go func() { b.waitErr = b.cmd.Wait(); close(b.exited) }()
	go b.read(respR)

	// The browser answers once it is up.
	var v struct {
		Product string `json:"product"`
	}
	readyCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := b.call(readyCtx, "", "Browser.getVersion", nil, &v); err != nil {
		b.Close()
		return nil, fmt.Errorf("Chromium %s did not start: %w; its last output:\n%s", o.Path, err, b.stderr)
	}
	return b, nil
}

// Close stops the browser (gracefully, then by force) and removes its profile.
func (b *Browser) Close() {
	b.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		_ = b.call(ctx, "", "Browser.close", nil, nil)
		cancel()
		b.toChrome.Close()
		select {
		case <-b.exited:
		case <-time.After(5 * time.Second):
		}
		// Chromium's helpers share its process group.
		_ = syscall.Kill(-b.cmd.Process.Pid, syscall.SIGKILL)
		<-b.exited
		os.RemoveAll(b.profile)
	})
}

// tail keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = t.buf[over:]
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(bytes.TrimSpace(t.buf))
}
