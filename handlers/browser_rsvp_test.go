package handlers

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/clockroom/clockroom/internal/testkit/browsertest"
	"github.com/clockroom/clockroom/models"
)

func TestBrowserRSVPWaitlistAndPromotion(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venue(t)
	host := ta.user(t, "host@example.com", models.RoleHost)
	ta.event(t, v, host, "Open night", 5)
	ta.event(t, v, host, "One-seat night", 1)
	ctx := browsertest.New(t)
	do := func(actions ...chromedp.Action[chromedp.Void]) { t.Helper(); browsertest.Do(t, ctx, actions...) }
	text := func(sel string) string { t.Helper(); return browsertest.Text(t, ctx, sel) }
	signUp := func(name, email string) {
		t.Helper()
		do(chromedp.Navigate(ta.srv.URL+"/signup"),
			chromedp.SendKeys(chromedp.ID("f-name"), name),
			chromedp.SendKeys(chromedp.ID("f-email"), email),
			chromedp.SendKeys(chromedp.ID("f-password"), "a long enough password"),
			browsertest.Loaded(), chromedp.Click(chromedp.CSS(`form[action="/signup"] button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(".flash")))
		// Confirm the address with the emailed link, as the guest would.
		do(chromedp.Navigate(ta.srv.URL+lastLink(t, ta, email)), browsertest.Loaded(),
			chromedp.Click(chromedp.CSS(`main form button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(".flash")))
		if got := text(".flash"); !strings.Contains(got, "Your email is confirmed") {
			t.Fatalf("after confirming: %q", got)
		}
	}
	signIn := func(email string) {
		t.Helper()
		do(chromedp.Navigate(ta.srv.URL+"/login"),
			chromedp.SendKeys(chromedp.ID("f-email"), email),
			chromedp.SendKeys(chromedp.ID("f-password"), "a long enough password"),
			browsertest.Loaded(), chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(".flash")))
	}
	signOut := func() {
		t.Helper()
		// The sign-in link appears only once signed out; a flash from the page
		// before would match too early.
		do(browsertest.Loaded(), chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS(`nav a[href="/login"]`)))
	}
	rsvpTo := func(title string) {
		t.Helper()
		do(chromedp.Navigate(ta.srv.URL+"/"),
			chromedp.Click(chromedp.Search("//a[text()='"+title+"']")),
			chromedp.WaitVisible(chromedp.CSS(`form[action$="/rsvp"] button`)),
			browsertest.Loaded(), chromedp.Click(chromedp.CSS(`form[action$="/rsvp"] button`)),
			chromedp.WaitVisible(chromedp.CSS(".ticket .status")))
	}

	signUp("Ada Lovelace", "ada@example.com")
	rsvpTo("Open night")
	if got := text(".flash"); !strings.Contains(got, "You're in!") {
		t.Fatalf("after RSVP: %q", got)
	}
	if got := text(".ticket .status"); !strings.Contains(got, "Confirmed") {
		t.Fatalf("ticket status: %q", got)
	}
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(async () => { const i = document.querySelector('.qr img'); await i.decode(); return i.naturalWidth >= 256; })()`, chromedp.EvalAwaitPromise))
	if err != nil || !loaded {
		t.Fatalf("the QR image did not load: %v", err)
	}
	browsertest.Screenshot(t, ctx, "ticket")
	browsertest.FitsWidth(t, ctx)
	rsvpTo("One-seat night")
	signOut()

	signUp("Bob Babbage", "bob@example.com")
	rsvpTo("One-seat night")
	if got := text(".ticket .status"); !strings.Contains(got, "#1 on the waitlist") {
		t.Fatalf("Bob on a full night: %q", got)
	}
	browsertest.Screenshot(t, ctx, "waitlisted")
	browsertest.FitsWidth(t, ctx)
	signOut()

	signIn("ada@example.com")
	do(chromedp.Navigate(ta.srv.URL+"/me/tickets"),
		chromedp.Click(chromedp.Search("//a[strong[text()='One-seat night']]")),
		chromedp.WaitVisible(chromedp.CSS(".cancel-form button")),
		browsertest.Loaded(), chromedp.Click(chromedp.CSS(".cancel-form button")),
		chromedp.WaitVisible(chromedp.CSS(".flash")))
	if got := text(".flash"); !strings.Contains(got, "Your seat has gone to the next person") {
		t.Fatalf("after cancelling: %q", got)
	}
	signOut()

	signIn("bob@example.com")
	do(chromedp.Navigate(ta.srv.URL+"/me/tickets"),
		chromedp.Click(chromedp.Search("//a[strong[text()='One-seat night']]")),
		chromedp.WaitVisible(chromedp.CSS(".ticket .status")))
	if got := text(".ticket .status"); !strings.Contains(got, "Confirmed") {
		t.Fatalf("Bob was not promoted: %q", got)
	}
	msgs, _ := ta.store.MessagesTo(t.Context(), "bob@example.com")
	if len(msgs) == 0 || msgs[len(msgs)-1].Kind != models.MsgPromoted {
		t.Fatalf("Bob was not told: %+v", msgs)
	}
}
