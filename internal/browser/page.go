package browser

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
)

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
