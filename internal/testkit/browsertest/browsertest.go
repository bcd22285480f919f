// Package browsertest starts headless Chromium for tests that click through
// Clockroom's pages the way people do. `make test` installs Debian's Chromium;
// a missing browser fails the test rather than skipping it.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Size is a viewport in CSS pixels.
type Size struct{ Width, Height int64 }

// The sizes pages are tried at: the narrowest phone still in use (an
// iPhone SE's 320 px), a common phone, and a laptop.
var (
	SmallPhone = Size{320, 568}
	Phone      = Size{390, 844}
	Laptop     = Size{1280, 800}
)

// ExecPath finds Chromium: CHROMIUM_PATH, then chromium, chromium-browser or
// google-chrome on PATH.
func ExecPath() (string, error) {
	if p := os.Getenv("CHROMIUM_PATH"); p != "" {
		return p, nil
	}
	var err error
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		var p string
		if p, err = exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", err
}

// New returns a browser context with a phone-sized viewport, closed when the
// test ends. extra adds Chromium flags (a fake camera, say).
func New(t testing.TB, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	return NewAt(t, Phone, extra...)
}

// NewAt is New with a viewport of the given size. Headless Chromium will not
// make a window narrower than 500 px, so the page's viewport is set as a
// phone's is (device metrics, with touch), not by the window.
func NewAt(t testing.TB, size Size, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	path, err := ExecPath()
	if err != nil {
		t.Fatalf("no Chromium found (make test installs Debian's chromium): %v", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.DisableGPU,
		chromedp.WindowSize(int(max(size.Width, 500)), int(size.Height)),
		chromedp.UserDataDir(t.TempDir()),
		// The build machines have no outside network: stop Chromium reaching for it.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // Chromium refuses to run as root with its sandbox
	}
	opts = append(opts, extra...)
	opts = append(opts, chromedp.Flag("autoplay-policy", "no-user-gesture-required"))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	// Start the browser and its tab now, on this long-lived context: chromedp
	// ties them to the context of the first call, and Do's steps use shorter
	// ones.
	var viewport []chromedp.EmulateViewportOption
	if size.Width < 800 {
		viewport = append(viewport, chromedp.EmulateMobile)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(size.Width, size.Height, viewport...)); err != nil {
		cancelTimeout()
		cancel()
		cancelAlloc()
		t.Fatalf("start Chromium: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			Screenshot(t, ctx, "failure")
		}
		cancelTimeout()
		cancel()
		cancelAlloc()
	})
	return ctx
}

// Do runs actions as one step with its own time limit, so a step that hangs
// fails with its own name and leaves the tab usable for a screenshot.
func Do(t testing.TB, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	step, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(step, actions...); err != nil {
		Screenshot(t, ctx, "step-failed")
		t.Fatalf("browser step failed: %v", err)
	}
}

// Loaded waits until the page and everything on it (CSS, images) has
// loaded, so a click lands where the person would see the button.
func Loaded() chromedp.Action[chromedp.Void] { return Until("document.readyState === 'complete'") }

// Until waits until the JavaScript expression is true on the page.
func Until(expression string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.Poll[bool](expression)(ctx, t)
		return chromedp.Void{}, err
	}
}

// FitsWidth fails the test if the page is wider than the window, so that
// nothing is cut off at the side (on a phone, people do not scroll sideways).
// The failure names the elements that stick out, to say what to fix.
func FitsWidth(t testing.TB, ctx context.Context) {
	t.Helper()
	w, err := chromedp.Run(ctx, chromedp.Evaluate[wideness](wideScript))
	if err != nil {
		t.Fatalf("measure the page: %v", err)
	}
	if w.Page > w.Window {
		Screenshot(t, ctx, "too-wide")
		t.Fatalf("the page is %d px wide in a %d px window; sticking out:\n\t%s", w.Page, w.Window, strings.Join(w.Culprits, "\n\t"))
	}
}

// wideness is what wideScript measures.
type wideness struct {
	Page     int      `json:"page"`
	Window   int      `json:"window"`
	Culprits []string `json:"culprits"`
}

// wideScript measures the page and names what sticks out past the window's
// right edge: the innermost such elements (a button, not the nav around
// it), and the elements whose own text runs out (a long word or email).
// What a scrolling box (a table's wrapper) holds is that box's business.
const wideScript = `(() => {
  const root = document.documentElement, w = root.clientWidth;
  // clipped: a box between el and the page cuts it off. An absolutely
  // positioned element escapes boxes up to its positioned ancestor.
  const clipped = el => {
    let pos = getComputedStyle(el).position;
    for (let a = el.parentElement; a && a !== document.body && a !== root; a = a.parentElement) {
      if (pos === 'fixed') return false;
      const s = getComputedStyle(a);
      if (pos === 'absolute' && s.position === 'static') continue;
      if (s.overflowX !== 'visible') return true;
      pos = s.position;
    }
    return false;
  };
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    [...el.classList].map(c => '.' + c).join('');
  const path = el => {
    const parts = [];
    for (let a = el; a && a !== document.body && parts.length < 5; a = a.parentElement) parts.unshift(name(a));
    return parts.join(' > ');
  };
  const out = new Set();
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if ((r.width === 0 && r.height === 0) || clipped(el)) continue;
    if (r.right > w + 0.5 && ![...el.children].some(c => c.getBoundingClientRect().right > w + 0.5)) {
      out.add(path(el) + ' (' + Math.round(r.left) + '–' + Math.round(r.right) + ' px)');
    }
    if (getComputedStyle(el).overflowX !== 'visible') continue; // it cuts off its own text
    for (const n of el.childNodes) {
      if (n.nodeType !== Node.TEXT_NODE || !n.textContent.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(n);
      const tr = range.getBoundingClientRect();
      if (tr.right > w + 0.5) out.add(path(el) + ': text "' + n.textContent.trim().slice(0, 40) + '" to ' + Math.round(tr.right) + ' px');
    }
  }
  return {page: root.scrollWidth, window: w, culprits: [...out].slice(0, 8)};
})()`

// Text reads the visible text of the first element matching the CSS selector.
func Text(t testing.TB, ctx context.Context, css string) string {
	t.Helper()
	step, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	s, err := chromedp.Run(step, chromedp.Text(chromedp.CSS(css), chromedp.NodeVisible))
	if err != nil {
		Screenshot(t, ctx, "read-failed")
		t.Fatalf("read %s: %v", css, err)
	}
	return s
}

// Screenshot saves the page as a PNG in SCREENSHOT_DIR, if that is set, so a
// person can look at what the test saw.
func Screenshot(t testing.TB, ctx context.Context, name string) {
	dir := os.Getenv("SCREENSHOT_DIR")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100 gives a PNG
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	path := filepath.Join(dir, strings.ReplaceAll(t.Name(), "/", "-")+"-"+name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Logf("screenshot %s: %v", name, err)
	}
}
