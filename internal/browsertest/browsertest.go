// Package browsertest starts headless Chromium for tests that click through
// Clockroom's pages the way people do. `make test` installs Debian's Chromium;
// a missing browser fails the test rather than skipping it.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// PhoneWidth and PhoneHeight are a common phone viewport, in CSS pixels.
const (
	PhoneWidth  = 390
	PhoneHeight = 844
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

// New returns a browser context with a phone-sized window, closed when the
// test ends. extra adds Chromium flags (a fake camera, say).
func New(t testing.TB, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	path, err := ExecPath()
	if err != nil {
		t.Fatalf("no Chromium found (make test installs Debian's chromium): %v", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.DisableGPU,
		chromedp.WindowSize(PhoneWidth, PhoneHeight),
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
	if err := chromedp.Do(ctx); err != nil {
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
	path := filepath.Join(dir, filepath.Base(t.Name())+"-"+name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Logf("screenshot %s: %v", name, err)
	}
}
