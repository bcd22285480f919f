package handlers

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/clockroom/clockroom/internal/testkit/browsertest"
)

func TestBrowserSignUpSignOutSignIn(t *testing.T) {
	ta := newTestApp(t, nil)
	ctx := browsertest.New(t)
	text := func(sel string) string { t.Helper(); return browsertest.Text(t, ctx, sel) }
	do := func(actions ...chromedp.Action[chromedp.Void]) { t.Helper(); browsertest.Do(t, ctx, actions...) }

	// Sign up with a too-short password first: the error sits by the field.
	do(chromedp.Navigate(ta.srv.URL+"/signup"),
		chromedp.SendKeys(chromedp.ID("f-name"), "Ada Lovelace"),
		chromedp.SendKeys(chromedp.ID("f-email"), "ada@example.com"),
		chromedp.SendKeys(chromedp.ID("f-password"), "short"),
		browsertest.Loaded(), chromedp.Click(chromedp.CSS(`form[action="/signup"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("f-password-error")))
	if got := text("#f-password-error"); !strings.Contains(got, "at least 10 characters") {
		t.Fatalf("password error: %q", got)
	}
	browsertest.Screenshot(t, ctx, "signup-error")
	browsertest.FitsWidth(t, ctx)
	if v, _ := chromedp.Run(ctx, chromedp.Value(chromedp.ID("f-email"))); v != "ada@example.com" {
		t.Fatalf("the email typed must be kept, got %q", v)
	}

	do(chromedp.SendKeys(chromedp.ID("f-password"), "a long enough password"),
		browsertest.Loaded(), chromedp.Click(chromedp.CSS(`form[action="/signup"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".flash")))
	if got := text(".flash"); !strings.Contains(got, "Welcome to Clockroom, Ada Lovelace") {
		t.Fatalf("after sign-up: %q", got)
	}
	browsertest.Screenshot(t, ctx, "home-signed-in")
	browsertest.FitsWidth(t, ctx)

	do(browsertest.Loaded(), chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS(`nav a[href="/login"]`)))
	if got := text(".flash"); !strings.Contains(got, "signed out") {
		t.Fatalf("after sign-out: %q", got)
	}

	do(chromedp.Navigate(ta.srv.URL+"/login"),
		chromedp.SendKeys(chromedp.ID("f-email"), "ada@example.com"),
		chromedp.SendKeys(chromedp.ID("f-password"), "the wrong password"),
		browsertest.Loaded(), chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".form-error")))
	if got := text(".form-error"); got != "Email or password is wrong." {
		t.Fatalf("wrong password: %q", got)
	}
	do(chromedp.SendKeys(chromedp.ID("f-password"), "a long enough password"),
		browsertest.Loaded(), chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".flash")))
	if got := text(".flash"); !strings.Contains(got, "Signed in as Ada Lovelace") {
		t.Fatalf("after sign-in: %q", got)
	}
}
