package handlers

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/clockroom/clockroom/internal/testkit/browsertest"
	"github.com/clockroom/clockroom/models"
)

// field selects the editor's input by its name ("steps[0].price"; an id
// with brackets is no CSS id selector).
func field(name string) chromedp.CSS { return chromedp.CSS(`[name="` + name + `"]`) }

// unlabelled lists the form controls on the page that have no label, and
// the fieldsets that have no legend: each one a screen reader would read
// without saying what it is.
const unlabelled = `[...document.querySelectorAll('main input:not([type=hidden]), main select, main textarea')]
  .filter(el => el.labels.length === 0 && !el.getAttribute('aria-label')).map(el => el.name)
  .concat([...document.querySelectorAll('main fieldset')].filter(f => !f.querySelector(':scope > legend')).map(f => 'fieldset ' + f.id))`

// An admin states acceptance case 1 in the editor, on a phone and on a
// laptop: 6p a minute, an evening window from 18:00 at 8p; the calculator
// shows £3.20 and its two lines without a page load; saved, the tariff is
// listed with its version, and an edit saves version 2. Every control has
// a label and every section a legend; the page fits the screen.
func TestBrowserTariffEditor(t *testing.T) {
	for _, size := range sizes {
		t.Run(size.name, func(t *testing.T) {
			ta := newTestApp(t, nil)
			ta.venue(t)
			ta.user(t, "admin@example.com", models.RoleAdmin)
			ctx := browsertest.NewAt(t, size.size)
			do := func(actions ...chromedp.Action[chromedp.Void]) { t.Helper(); browsertest.Do(t, ctx, actions...) }
			text := func(sel string) string { t.Helper(); return browsertest.Text(t, ctx, sel) }
			signIn(t, ctx, ta.srv.URL, "admin@example.com", "/admin/tariffs/new", "#f-name")
			if missing := evalJS[[]string](t, ctx, unlabelled); len(missing) > 0 {
				t.Fatalf("without a label or legend: %v", missing)
			}
			browsertest.FitsWidth(t, ctx)

			do(chromedp.SendKeys(field("name"), "Evening rate"),
				chromedp.SendKeys(field("steps[0].from_minute"), "0"),
				chromedp.SendKeys(field("steps[0].price"), "0.06"),
				chromedp.SendKeys(field("windows[0].name"), "Evening"),
				chromedp.SetValue(field("windows[0].start"), "18:00"),
				chromedp.SetValue(field("windows[0].end"), "04:00"),
				chromedp.SendKeys(field("windows[0].steps[0].from_minute"), "0"),
				chromedp.SendKeys(field("windows[0].steps[0].price"), "0.08"),
				// A second step, added without a page load; from minute 60 it
				// does not reach a 45-minute stay.
				chromedp.Click(chromedp.CSS(`[data-rows="steps"] > .add-row`)),
				chromedp.WaitVisible(field("steps[1].price")),
				chromedp.SendKeys(field("steps[1].from_minute"), "60"),
				chromedp.SendKeys(field("steps[1].price"), "0.05"),
				chromedp.SetValue(field("arrive"), "2026-12-08T17:40"),
				chromedp.SetValue(field("leave"), "2026-12-08T18:25"))
			evalJS[bool](t, ctx, `window.stillThisPage = true`)
			do(chromedp.Click(chromedp.ID("calc-button")), chromedp.WaitVisible(chromedp.CSS("#calc-result .calc-total")))
			if got := text("#calc-result .calc-total"); got != "Total £3.20" {
				t.Fatalf("the calculator says %q", got)
			}
			lines := evalJS[[]string](t, ctx, `[...document.querySelectorAll('#calc-result li')].map(li => li.textContent)`)
			if len(lines) != 2 || lines[0] != "17:40–18:00 · 20 min × 6p = £1.20" || lines[1] != "18:00–18:25 · 25 min × 8p = £2.00" {
				t.Fatalf("the calculator's lines: %q", lines)
			}
			if !evalJS[bool](t, ctx, `window.stillThisPage === true`) {
				t.Fatal("the calculator reloaded the page")
			}
			do(chromedp.ScrollIntoView(chromedp.ID("calc-result")))
			browsertest.Screenshot(t, ctx, "calculated")
			browsertest.FitsWidth(t, ctx)

			// A price that is not one: the calculator says where, in place.
			do(chromedp.SetValue(field("windows[0].steps[0].price"), "eight"),
				chromedp.Click(chromedp.ID("calc-button")), chromedp.WaitVisible(chromedp.CSS("#calc-result .calc-error")))
			if got := text("#calc-result .calc-error"); !strings.Contains(got, "Window 1 · rate step 1 · price: Enter an amount like 2.50") {
				t.Fatalf("the calculator refuses with %q", got)
			}
			browsertest.FitsWidth(t, ctx)
			do(chromedp.SetValue(field("windows[0].steps[0].price"), "0.08"))

			// The editor still shows the sign-in's flash: wait for the list.
			do(browsertest.Loaded(), chromedp.Click(chromedp.CSS(`button[name=save]`)), chromedp.WaitVisible(chromedp.CSS(".tariff-list")), browsertest.Loaded())
			if got := text(".flash"); !strings.Contains(got, "Saved Evening rate as version 1") {
				t.Fatalf("after saving: %q", got)
			}
			if got := text(".tariff-card"); !strings.Contains(got, "version 1") || !strings.Contains(got, "6p a minute for the first 1 h, then 5p a minute") {
				t.Fatalf("the tariff listed: %q", got)
			}

			do(chromedp.Click(chromedp.CSS(`.tariff-card a[href$="/edit"]`)), chromedp.WaitVisible(field("windows[0].steps[0].price")), browsertest.Loaded(),
				chromedp.SetValue(field("windows[0].steps[0].price"), "0.10"),
				chromedp.Click(chromedp.CSS(`button[name=save]`)), chromedp.WaitVisible(chromedp.CSS(".tariff-list")), browsertest.Loaded())
			if got := text(".tariff-card"); !strings.Contains(got, "version 2") || !strings.Contains(got, "(Evening): 10p a minute") {
				t.Fatalf("after an edit: %q", got)
			}
			browsertest.Screenshot(t, ctx, "listed")
			browsertest.FitsWidth(t, ctx)

			// A refusal without the calculator: the message by the field.
			do(chromedp.Navigate(ta.srv.URL+"/admin/tariffs/Evening%20rate/edit"), browsertest.Loaded(),
				chromedp.SetValue(field("steps[1].from_minute"), "0"),
				chromedp.Click(chromedp.CSS(`button[name=save]`)), chromedp.WaitVisible(chromedp.CSS(".error-summary")), browsertest.Loaded())
			if got := text(`[id="f-steps[1].from_minute-error"]`); !strings.Contains(got, "tarts at the same minute as the step above it") {
				t.Fatalf("the refusal by the field: %q", got)
			}
			browsertest.Screenshot(t, ctx, "refused")
			browsertest.FitsWidth(t, ctx)
		})
	}
}

// The editor shows every part of the engine's example file (steps,
// windows by day and multiplier, caps, passes of each cover, a group with
// a tariff of its own) and saves it back unchanged: no new version.
func TestBrowserTariffEditorKeepsWhatItShows(t *testing.T) {
	ta := newTestApp(t, nil)
	ta.venue(t)
	ta.user(t, "admin@example.com", models.RoleAdmin)
	example, err := os.ReadFile(filepath.Join("..", "internal", "tariff", "testdata", "standard.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ta.store.ImportTariffs(t.Context(), example, 0); err != nil {
		t.Fatal(err)
	}
	ctx := browsertest.New(t)
	signIn(t, ctx, ta.srv.URL, "admin@example.com", "/admin/tariffs/Standard/edit", "#tariff-form")
	browsertest.Do(t, ctx, chromedp.Click(chromedp.CSS(`button[name=save]`)), chromedp.WaitVisible(chromedp.CSS(".tariff-list")), browsertest.Loaded())
	if got := browsertest.Text(t, ctx, ".flash"); got != "Nothing changed: Standard stays at version 1." {
		t.Fatalf("saving the example file's tariff as shown: %q", got)
	}
}

// Making a tariff standard reprices every guest admitted from then on, so
// the page asks first: answered no, nothing changes; yes, it is standard.
func TestBrowserMakingATariffStandardAsksFirst(t *testing.T) {
	ta := newTestApp(t, nil)
	ta.venue(t)
	admin := ta.user(t, "admin@example.com", models.RoleAdmin)
	if _, err := ta.store.SaveTariff(t.Context(), models.DemoTariff(), admin.ID); err != nil {
		t.Fatal(err)
	}
	ctx := browsertest.New(t)
	signIn(t, ctx, ta.srv.URL, "admin@example.com", "/admin/tariffs", ".tariff-list")
	button := chromedp.CSS(`form[action$="/standard"] button`)
	evalJS[bool](t, ctx, `window.asked = ''; window.confirm = (q) => { window.asked = q; return false; }; true`)
	browsertest.Do(t, ctx, chromedp.Click(button))
	if q := evalJS[string](t, ctx, `window.asked`); !strings.Contains(q, "Price every guest admitted from now on by Standard?") {
		t.Fatalf("asked %q", q)
	}
	if tv, _ := ta.store.TariffByName(t.Context(), "Standard"); tv.Standard {
		t.Fatal("answered no, yet the tariff became standard")
	}
	evalJS[bool](t, ctx, `window.confirm = () => true; true`)
	browsertest.Do(t, ctx, chromedp.Click(button), chromedp.WaitVisible(chromedp.CSS(`mark.now`)))
	if tv, _ := ta.store.TariffByName(t.Context(), "Standard"); !tv.Standard {
		t.Fatal("answered yes, yet the tariff is not standard")
	}
}
