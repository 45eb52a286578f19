package browser

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A page with a frame too short for its six lines, as the Temporal UI sizes
// its Markdown frames: the first lines are shown, the last ones cut off.
func TestShownTellsVisibleFromCutOff(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if r.URL.Path == "/frame" {
			var b strings.Builder
			b.WriteString(`<body style="margin:0;font:16px/20px sans-serif"><p style="margin:0">`)
			for i := 1; i <= 6; i++ {
				fmt.Fprintf(&b, "<strong>Line %d:</strong> value %d<br>\n", i, i)
			}
			b.WriteString(`</p></body>`)
			fmt.Fprint(w, b.String())
			return
		}
		fmt.Fprint(w, `<body><h1>Page title</h1><div style="display:none">hidden words</div>
<iframe src="/frame" height="70" style="border:0;width:600px"></iframe></body>`)
	}))
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b, err := Start(ctx, Options{Width: 800, Height: 600})
	require.NoError(t, err)
	defer b.Close()
	p, err := b.NewPage(ctx)
	require.NoError(t, err)
	require.NoError(t, p.Navigate(ctx, srv.URL))

	var text string
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(text, "Line 6: value 6") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		text, err = p.Text(ctx)
		require.NoError(t, err)
	}
	assert.Contains(t, text, "Page title")
	assert.Contains(t, text, "Line 1: value 1", "the frame's text follows the page's")
	assert.NotContains(t, text, "hidden words")

	found, err := p.Shown(ctx, "Page title", "Line 1: value 1", "Line 3: value 3", "Line 4: value 4", "Line 6: value 6", "hidden words")
	require.NoError(t, err)
	shown := map[string]bool{}
	for _, f := range found {
		shown[f.Text] = f.Shown
	}
	assert.Equal(t, map[string]bool{"Page title": true, "Line 1: value 1": true, "Line 3: value 3": true,
		"Line 4: value 4": false, "Line 6: value 6": false, "hidden words": false}, shown, "%+v", found)
	assert.Contains(t, found[4].Why, "cut off by its frame")
	assert.Equal(t, "not on the page", found[5].Why)

	cut, err := p.CutOff(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"Line 4: value 4", "Line 5: value 5", "Line 6: value 6"}, cut)

	file := filepath.Join(t.TempDir(), "page.png")
	require.NoError(t, p.Screenshot(ctx, file))
	png, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")), "a PNG file")
}

func TestStartWithoutChromiumSaysHowToInstallIt(t *testing.T) {
	t.Setenv("CHROMIUM", filepath.Join(t.TempDir(), "no-such-chromium"))
	_, err := Start(context.Background(), Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "CHROMIUM=")
}
