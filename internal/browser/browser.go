// Package browser drives a real headless Chromium over the DevTools protocol
// (--remote-debugging-pipe), with the standard library only: open a page,
// read what it shows, click, take screenshots. Tests use it to check what a
// person sees in the Temporal Web UI. A missing Chromium is an error that
// says how to install it; nothing here skips.
package browser

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
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

// message is one DevTools protocol message: a reply (ID set) or an event.
type message struct {
	ID        int64           `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error,omitempty"`
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

// read delivers replies to their callers until Chromium closes its pipe.
func (b *Browser) read(r io.ReadCloser) {
	defer r.Close()
	br := bufio.NewReaderSize(r, 1<<20)
	var err error
	for {
		var raw []byte
		raw, err = br.ReadBytes(0)
		if err != nil {
			break
		}
		var m message
		if json.Unmarshal(raw[:len(raw)-1], &m) != nil || m.ID == 0 {
			continue // events are not used
		}
		b.mu.Lock()
		ch := b.pending[m.ID]
		delete(b.pending, m.ID)
		b.mu.Unlock()
		if ch != nil {
			ch <- m
		}
	}
	b.mu.Lock()
	b.readErr = fmt.Errorf("Chromium closed the DevTools pipe (%v)", err)
	b.mu.Unlock()
	close(b.done)
}

// call sends one DevTools command and decodes its result into out (if not nil).
func (b *Browser) call(ctx context.Context, session, method string, params, out any) error {
	b.mu.Lock()
	if b.readErr != nil {
		err := b.readErr
		b.mu.Unlock()
		return err
	}
	b.nextID++
	id := b.nextID
	ch := make(chan message, 1)
	b.pending[id] = ch
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		delete(b.pending, id)
		b.mu.Unlock()
	}()

	if params == nil {
		params = struct{}{}
	}
	req, err := json.Marshal(struct {
		ID        int64  `json:"id"`
		Method    string `json:"method"`
		SessionID string `json:"sessionId,omitempty"`
		Params    any    `json:"params"`
	}{id, method, session, params})
	if err != nil {
		return err
	}
	b.wmu.Lock()
	_, err = b.toChrome.Write(append(req, 0))
	b.wmu.Unlock()
	if err != nil {
		return fmt.Errorf("%s: writing to Chromium: %w", method, err)
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			return fmt.Errorf("%s: %s (code %d)", method, m.Error.Message, m.Error.Code)
		}
		if out != nil {
			if err := json.Unmarshal(m.Result, out); err != nil {
				return fmt.Errorf("%s: decoding the reply: %w", method, err)
			}
		}
		return nil
	case <-b.done:
		b.mu.Lock()
		defer b.mu.Unlock()
		return fmt.Errorf("%s: %w", method, b.readErr)
	case <-ctx.Done():
		return fmt.Errorf("%s: %w", method, ctx.Err())
	}
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

// Page is one browser tab.
type Page struct {
	b       *Browser
	session string
}

// NewPage opens a blank tab with the browser's viewport size.
func (b *Browser) NewPage(ctx context.Context) (*Page, error) {
	var created struct {
		TargetID string `json:"targetId"`
	}
	if err := b.call(ctx, "", "Target.createTarget", map[string]any{"url": "about:blank"}, &created); err != nil {
		return nil, err
	}
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	if err := b.call(ctx, "", "Target.attachToTarget", map[string]any{"targetId": created.TargetID, "flatten": true}, &attached); err != nil {
		return nil, err
	}
	p := &Page{b: b, session: attached.SessionID}
	if err := p.call(ctx, "Page.enable", nil, nil); err != nil {
		return nil, err
	}
	if err := p.call(ctx, "Emulation.setDeviceMetricsOverride", map[string]any{
		"width": b.opts.Width, "height": b.opts.Height, "deviceScaleFactor": 1, "mobile": false}, nil); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Page) call(ctx context.Context, method string, params, out any) error {
	return p.b.call(ctx, p.session, method, params, out)
}

// Navigate loads url; it returns once the navigation is committed, not when
// the page has finished loading its data: poll Text for what should show.
func (p *Page) Navigate(ctx context.Context, url string) error {
	var r struct {
		ErrorText string `json:"errorText"`
	}
	if err := p.call(ctx, "Page.navigate", map[string]any{"url": url}, &r); err != nil {
		return err
	}
	if r.ErrorText != "" {
		return fmt.Errorf("opening %s: %s", url, r.ErrorText)
	}
	return nil
}

// Eval evaluates a JavaScript expression in the page (awaiting a promise)
// and decodes its JSON value into out (if not nil).
func (p *Page) Eval(ctx context.Context, expr string, out any) error {
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	if err := p.call(ctx, "Runtime.evaluate", map[string]any{
		"expression": expr, "returnByValue": true, "awaitPromise": true}, &r); err != nil {
		return err
	}
	if e := r.ExceptionDetails; e != nil {
		return fmt.Errorf("evaluating %.80q: %s %s", expr, e.Text, e.Exception.Description)
	}
	if out == nil || len(r.Result.Value) == 0 {
		return nil
	}
	return json.Unmarshal(r.Result.Value, out)
}

// Text is what the page shows as text (innerText: what a person can read,
// without hidden elements), followed by the text of each same-origin frame
// inside it (the Temporal UI renders Markdown in iframes).
func (p *Page) Text(ctx context.Context) (string, error) {
	var s string
	err := p.Eval(ctx, `(() => {
  const out = [];
  const walk = doc => {
    if (!doc || !doc.body) return;
    out.push(doc.body.innerText);
    for (const f of doc.querySelectorAll('iframe, frame')) {
      let inner = null;
      try { inner = f.contentDocument; } catch (e) {}
      walk(inner);
    }
  };
  walk(document);
  return out.join("\n");
})()`, &s)
	return s, err
}

// Finding says whether a text is shown to a person, and if not, why.
type Finding struct {
	Text  string `json:"want"`
	Shown bool   `json:"shown"`
	Why   string `json:"why,omitempty"`
}

// Shown checks, for each text, that a person sees it without scrolling
// inside a frame: in the page's rendered text, or inside a same-origin
// frame's visible box (the Temporal UI renders Markdown in iframes sized by
// script; text beyond a frame's height is cut off). Text in the page itself
// counts as shown even when the page must be scrolled to reach it.
func (p *Page) Shown(ctx context.Context, texts ...string) ([]Finding, error) {
	arg, err := json.Marshal(texts)
	if err != nil {
		return nil, err
	}
	var out []Finding
	err = p.Eval(ctx, `((wants) => {
  const norm = s => s.replace(/\s+/g, ' ');
  const frames = [];
  const collect = doc => {
    for (const f of doc.querySelectorAll('iframe, frame')) {
      let w = null;
      try { w = f.contentWindow; if (!w.document || !w.document.body) continue; } catch (e) { continue; }
      frames.push(w);
      collect(w.document);
    }
  };
  collect(document);
  // window.find scrolls to what it finds: put every scrolled box back.
  const scrolled = [...document.querySelectorAll('*')].filter(e => e.scrollHeight > e.clientHeight).map(e => [e, e.scrollTop]);
  const page = norm(document.body ? document.body.innerText : '');
  const res = wants.map(want => {
    if (page.includes(norm(want))) return {want, shown: true};
    let why = 'not on the page';
    for (const win of frames) {
      const sel = win.getSelection();
      sel.removeAllRanges();
      for (let n = 0; n < 50 && win.find(want, true, false, false, false, false, false); n++) {
        const rects = [...sel.getRangeAt(0).getClientRects()].filter(r => r.width > 0 && r.height > 0);
        const x = win.scrollX, y = win.scrollY, h = win.innerHeight, w = win.innerWidth;
        win.scrollTo(0, 0);
        if (rects.length === 0) { why = 'in a frame but not rendered'; continue; }
        const cut = rects.find(r => r.top + y < -0.5 || r.left + x < -0.5 || r.bottom + y > h + 0.5 || r.right + x > w + 0.5);
        if (!cut) { sel.removeAllRanges(); return {want, shown: true}; }
        why = 'cut off by its frame: it lies at ' + Math.round(cut.top + y) + '..' + Math.round(cut.bottom + y) +
          ' px in a frame ' + h + ' px tall';
      }
      sel.removeAllRanges();
    }
    return {want, shown: false, why};
  });
  for (const [e, top] of scrolled) e.scrollTop = top;
  return res;
})(`+string(arg)+`)`, &out)
	return out, err
}

// CutOff lists the lines of text inside same-origin frames that lie
// (wholly or partly) beyond the frame's visible box: what a person does not
// see without scrolling inside the frame.
func (p *Page) CutOff(ctx context.Context) ([]string, error) {
	var out []string
	err := p.Eval(ctx, `(() => {
  const out = [];
  const walk = doc => {
    for (const f of doc.querySelectorAll('iframe, frame')) {
      let w = null;
      try { w = f.contentWindow; if (!w.document || !w.document.body) continue; } catch (e) { continue; }
      const h = w.innerHeight, y = w.scrollY;
      const chars = [];
      const it = w.document.createTreeWalker(w.document.body, NodeFilter.SHOW_TEXT);
      for (let n = it.nextNode(); n; n = it.nextNode()) {
        const r = w.document.createRange();
        r.selectNodeContents(n);
        if (![...r.getClientRects()].some(b => b.height > 0 && b.bottom + y > h + 0.5)) continue;
        for (let i = 0; i < n.nodeValue.length; i++) { // character by character: a node may wrap
          r.setStart(n, i);
          r.setEnd(n, i + 1);
          const b = r.getBoundingClientRect();
          if (b.height > 0 && b.bottom + y > h + 0.5) chars.push({top: b.top + y, left: b.left, h: b.height, c: n.nodeValue[i]});
        }
      }
      // Characters whose tops are within half a line belong to one line.
      chars.sort((a, b) => a.top - b.top);
      const lines = [];
      for (const ch of chars) {
        const last = lines[lines.length - 1];
        if (last && ch.top - last.top < ch.h / 2) last.chars.push(ch); else lines.push({top: ch.top, chars: [ch]});
      }
      for (const l of lines) {
        const s = l.chars.sort((a, b) => a.left - b.left).map(ch => ch.c).join('').replace(/\s+/g, ' ').trim();
        if (s) out.push(s);
      }
      walk(w.document);
    }
  };
  walk(document);
  return out;
})()`, &out)
	return out, err
}

// Screenshot writes the whole page (up to 6000 px tall) as a PNG file.
func (p *Page) Screenshot(ctx context.Context, file string) error {
	var m struct {
		CSSContentSize struct {
			Width, Height float64
		} `json:"cssContentSize"`
	}
	if err := p.call(ctx, "Page.getLayoutMetrics", nil, &m); err != nil {
		return err
	}
	w := max(m.CSSContentSize.Width, float64(p.b.opts.Width))
	h := min(max(m.CSSContentSize.Height, float64(p.b.opts.Height)), 6000)
	var r struct {
		Data string `json:"data"`
	}
	if err := p.call(ctx, "Page.captureScreenshot", map[string]any{
		"format": "png", "captureBeyondViewport": true,
		"clip": map[string]any{"x": 0, "y": 0, "width": w, "height": h, "scale": 1}}, &r); err != nil {
		return err
	}
	png, err := base64.StdEncoding.DecodeString(r.Data)
	if err != nil {
		return fmt.Errorf("decoding the screenshot: %w", err)
	}
	return os.WriteFile(file, png, 0o644)
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
