package handlers

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/clockroom/clockroom/internal/tariff"
	"github.com/clockroom/clockroom/models"
)

var linkEscape = strings.NewReplacer("[", "%5b", "]", "%5d")

var everyDay = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// typedTariff is acceptance case 1's tariff as an owner types it into the
// editor: 6p a minute, an evening window from 18:00 at 8p, and the
// calculator's stay from 17:40 to 18:25.
func typedTariff(name string) url.Values {
	f := form("name", name, "grace_minutes", "0", "time_step_minutes", "1", "day_start", "04:00",
		"steps[0].from_minute", "0", "steps[0].rate", "minute", "steps[0].price", "0.06",
		"windows[0].name", "Evening", "windows[0].start", "18:00", "windows[0].end", "04:00", "windows[0].mode", "steps",
		"windows[0].steps[0].from_minute", "0", "windows[0].steps[0].rate", "minute", "windows[0].steps[0].price", "0.08",
		"caps.day.per", "business_day", "groups[0].name", "Students", "groups[0].percent_off", "20",
		"arrive", "2026-12-08T17:40", "leave", "2026-12-08T18:25")
	f["windows[0].days"] = everyDay
	f["caps.day.weekend_days"] = []string{"sat", "sun"}
	return f
}

// with is f with the pairs set (an empty value: the field removed).
func with(f url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, v := range f {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			out.Del(kv[i])
		} else {
			out.Set(kv[i], kv[i+1])
		}
	}
	return out
}

// preview asks the calculator's route as its script does: the CSRF token
// in the header.
func (c *client) preview(f url.Values) response {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.base+"/admin/tariffs/preview", strings.NewReader(f.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-CSRF-Token", c.csrf)
	return c.do(req)
}

// followFlash follows a redirect and returns the flash shown there.
func (c *client) followFlash(res response) string {
	c.t.Helper()
	if res.StatusCode != http.StatusSeeOther {
		c.t.Fatalf("%s: %d, want a redirect\n%s", res.Request.URL.Path, res.StatusCode, res.body)
	}
	page := c.get(res.Header.Get("Location"))
	_, flash, _ := strings.Cut(page.body, `<article class="flash" role="status">`)
	flash, _, _ = strings.Cut(flash, "</article>")
	return flash
}

// An admin makes a tariff in the editor, saves it (version 1), saves it
// unchanged (no new version) and changed (version 2), and sees it listed.
func TestAdminSavesATariffFromTheEditor(t *testing.T) {
	ta := newTestApp(t, nil)
	ta.venue(t)
	admin, _ := ta.signedIn(t, "admin@example.com", models.RoleAdmin)
	wantBody(t, admin.get("/admin/tariffs/new"), `name="steps[0].from_minute"`, `id="f-windows[0].days"`, `name="passes[0].covers"`,
		`name="groups[0].percent_off"`, `<legend>Calculator</legend>`, `aria-live="polite"`, `T17:40"`, `T18:25"`, `/static/js/tariff-calculator.js`)

	if flash := admin.followFlash(admin.post("/admin/tariffs/new", typedTariff("Evening rate"))); !strings.Contains(flash, "Saved Evening rate as version 1. It is not the standard tariff") {
		t.Fatalf("after saving a new tariff: %q", flash)
	}
	tv, err := ta.store.TariffByName(t.Context(), "Evening rate")
	if err != nil || tv.Version != 1 || tv.Tariff.Steps[0].PerMinute != 6 || tv.Tariff.Windows[0].Steps[0].PerMinute != 8 ||
		tv.Tariff.Windows[0].Days != 0 || tv.Tariff.DayStart != tariff.At(4, 0) || tv.Tariff.Groups[0].PercentOffBP != 2000 || tv.Tariff.Currency != "GBP" {
		t.Fatalf("saved: %+v %v", tv.Tariff, err)
	}
	edit := "/admin/tariffs/Evening%20rate/edit"
	wantBody(t, admin.get(edit), `value="0.06"`, `value="0.08"`, `value="18:00"`, `value="20"`, "Save as version 2")
	// The form as shown, posted back, says nothing new.
	if flash := admin.followFlash(admin.post(edit, typedTariff("Evening rate"))); !strings.Contains(flash, "Nothing changed: Evening rate stays at version 1.") {
		t.Fatalf("saving it unchanged: %q", flash)
	}
	if flash := admin.followFlash(admin.post(edit, with(typedTariff("ignored"), "windows[0].steps[0].price", "0.10"))); !strings.Contains(flash, "Saved Evening rate as version 2.") {
		t.Fatalf("saving a change: %q", flash)
	}
	// A row marked to be removed is not saved: this is version 2 again.
	removed := with(typedTariff(""), "windows[0].steps[0].price", "0.10", "steps[1].from_minute", "60", "steps[1].price", "0.05", "steps[1].remove", "1")
	if flash := admin.followFlash(admin.post(edit, removed)); !strings.Contains(flash, "Nothing changed") {
		t.Fatalf("saving with a row removed: %q", flash)
	}
	wantBody(t, admin.get("/admin/tariffs"), "Evening rate", "version 2", "Every day 18:00–04:00 (Evening): 10p a minute", "Students: 20% off")
	var audits int
	ta.store.DB.Get(&audits, `SELECT count(*) FROM audit_log WHERE action = 'tariff.save'`)
	if audits != 2 {
		t.Fatalf("%d saves audited, want 2", audits)
	}
}

// What the engine refuses, and figures that are not figures, come back as
// a 422 with the message by the field it names, what was typed kept, and
// nothing saved.
func TestTariffEditorRefusals(t *testing.T) {
	ta := newTestApp(t, nil)
	ta.venue(t)
	admin, _ := ta.signedIn(t, "admin@example.com", models.RoleAdmin)
	admin.get("/admin/tariffs/new")
	wantStatus(t, admin.post("/admin/tariffs/new", typedTariff("Taken")), http.StatusSeeOther)
	good := typedTariff("Fresh")
	overlapping := with(good, "windows[1].name", "Late", "windows[1].start", "20:00", "windows[1].end", "22:00", "windows[1].mode", "multiplier", "windows[1].multiplier", "1.5")
	overlapping["windows[1].days"] = []string{"fri"}
	cases := []struct {
		name  string
		form  url.Values
		field string // the form field the message is by ("" for a row's)
		words string
		typed string // what was typed, shown again
	}{
		{"not money", with(good, "steps[0].price", "six"), "steps[0].price", "Enter an amount like 2.50", `value="six"`},
		{"too much", with(good, "steps[0].price", "20000"), "steps[0].price", "at most £10,000.00", `value="20000"`},
		{"steps backwards", with(good, "steps[1].from_minute", "60", "steps[1].price", "0.05", "steps[2].from_minute", "30", "steps[2].price", "0.04"),
			"steps[2].from_minute", "before the step above it (minute 60): steps go in order", `value="30"`},
		{"overlapping windows", overlapping, "", "Overlaps &#34;Evening&#34; on Fridays from 20:00: windows may not overlap.", `value="Late"`},
		{"cap below the minimum", with(good, "minimum_charge", "3.00", "caps.stay", "2.00"), "caps.stay", "below the minimum charge", `value="2.00"`},
		{"day cap below the minimum", with(good, "minimum_charge", "3.00", "caps.day.weekday", "2.50"), "caps.day.weekday", "below the minimum charge", `value="2.50"`},
		{"a time that is not one", with(good, "windows[0].start", "6pm"), "windows[0].start", "Enter a time of day like 18:00.", `value="6pm"`},
		{"no days", with(good, "windows[0].days", ""), "windows[0].days", "Tick at least one day.", `value="Evening"`},
		{"a multiplier that is not one", with(good, "windows[0].mode", "multiplier", "windows[0].multiplier", "double"), "windows[0].multiplier", "Enter a multiplier like 1.5.", `value="double"`},
		{"a block with no length", with(good, "steps[0].rate", "block"), "steps[0].block_minutes", "Enter whole minutes", `value="0.06"`},
		{"a pass covering nothing", with(good, "passes[0].name", "Pack", "passes[0].kind", "hours", "passes[0].price", "9", "passes[0].covers", "minutes"),
			"passes[0].covers.minutes", "Enter whole minutes", `value="Pack"`},
		{"a name taken", typedTariff("Taken"), "name", "There is already a tariff called Taken", `value="Taken"`},
		{"no name", with(good, "name", ""), "name", "Is required.", `value="0.06"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := admin.post("/admin/tariffs/new", tc.form)
			wantStatus(t, res, http.StatusUnprocessableEntity)
			wantBody(t, res, tc.words, tc.typed, `class="error-summary"`)
			if tc.field != "" {
				// The summary links to the field (html/template escapes a
				// link's brackets; browsers find the id either way).
				wantBody(t, res, `id="f-`+tc.field+`-error"`, `aria-describedby="f-`+tc.field+`-error"`, `href="#f-`+linkEscape.Replace(tc.field)+`"`)
			}
		})
	}
	var n int
	ta.store.DB.Get(&n, `SELECT count(*) FROM tariffs`)
	if n != 1 {
		t.Fatalf("%d tariff versions after refusals, want 1", n)
	}
}

// The calculator prices the tariff as typed, unsaved: the preview route
// answers the quote's JSON (acceptance case 1: £3.20 in two lines), and
// without JavaScript the Calculate button shows the page again with the bill.
func TestTariffCalculator(t *testing.T) {
	ta := newTestApp(t, nil)
	ta.venue(t)
	admin, _ := ta.signedIn(t, "admin@example.com", models.RoleAdmin)
	admin.get("/admin/tariffs/new")

	res := admin.preview(typedTariff(""))
	wantStatus(t, res, http.StatusOK)
	var q quoteJSON
	if err := json.Unmarshal([]byte(res.body), &q); err != nil || q.Amount != 320 || q.Currency != "GBP" || q.Tariff != "New tariff" || len(q.Lines) != 2 ||
		q.Lines[0].Amount != 120 || q.Lines[1].Amount != 200 || q.Lines[0].Label != "17:40–18:00 · 20 min × 6p = £1.20" || q.Lines[1].From != "2026-12-08T18:00:00Z" {
		t.Fatalf("preview: %s", res.body)
	}
	if res := admin.preview(with(typedTariff("Draft"), "group", "Students")); !strings.Contains(res.body, `"amount":256`) {
		t.Fatalf("a student's preview: %s", res.body)
	}
	wantRefusal(t, admin.preview(with(typedTariff("Draft"), "steps[0].price", "six")), http.StatusUnprocessableEntity, "steps[0].price", "Rate step 1 · price: Enter an amount like 2.50")
	overlapping := with(typedTariff("Draft"), "windows[1].name", "Late", "windows[1].start", "20:00", "windows[1].end", "21:00", "windows[1].mode", "multiplier", "windows[1].multiplier", "2")
	overlapping["windows[1].days"] = []string{"fri"}
	wantRefusal(t, admin.preview(overlapping), http.StatusUnprocessableEntity, "windows[1]", "Window 2: Overlaps")
	wantRefusal(t, admin.preview(with(typedTariff("Draft"), "group", "Pensioners")), http.StatusUnprocessableEntity, "group", "Choose one of the tariff's groups")
	wantRefusal(t, admin.preview(with(typedTariff("Draft"), "leave", "2026-12-08T17:00")), http.StatusUnprocessableEntity, "leave", "after the arrival")
	stale := *admin
	stale.csrf = "not-the-token"
	wantRefusal(t, stale.preview(typedTariff("Draft")), http.StatusForbidden, "", "This form has expired")

	page := admin.post("/admin/tariffs/new", with(typedTariff("Draft"), "calculate", "1"))
	wantStatus(t, page, http.StatusOK)
	wantBody(t, page, "17:40–18:00 · 20 min × 6p = £1.20", "18:00–18:25 · 25 min × 8p = £2.00", "Total £3.20", `value="0.08"`)
	page = admin.post("/admin/tariffs/new", with(typedTariff("Draft"), "calculate", "1", "windows[0].steps[0].price", "lots"))
	wantStatus(t, page, http.StatusUnprocessableEntity)
	wantBody(t, page, `id="f-windows[0].steps[0].price-error"`, "Enter an amount like 2.50")
	if _, err := ta.store.TariffByName(t.Context(), "Draft"); err == nil {
		t.Fatal("calculating saved the tariff")
	}
}

// Only admins edit tariffs, and every form carries its CSRF token.
func TestTariffEditorIsForAdmins(t *testing.T) {
	ta := newTestApp(t, nil)
	ta.venue(t)
	for _, role := range []models.Role{models.RoleAttendee, models.RoleHost, models.RoleStaff} {
		c, _ := ta.signedIn(t, string(role)+"@example.com", role)
		for _, path := range []string{"/admin/tariffs", "/admin/tariffs/new", "/admin/tariffs/export"} {
			wantStatus(t, c.get(path), http.StatusForbidden)
		}
		wantStatus(t, c.post("/admin/tariffs/new", typedTariff("Mine")), http.StatusForbidden)
		wantRefusal(t, c.preview(typedTariff("Mine")), http.StatusForbidden, "", "cannot")
	}
	signedOut := ta.client(t).get("/admin/tariffs")
	wantStatus(t, signedOut, http.StatusSeeOther)
	admin, _ := ta.signedIn(t, "admin@example.com", models.RoleAdmin)
	wantStatus(t, admin.postRaw("/admin/tariffs/new", typedTariff("No token")), http.StatusForbidden)
	if _, err := ta.store.TariffByName(t.Context(), "Mine"); err == nil {
		t.Fatal("someone not an admin saved a tariff")
	}
	wantStatus(t, admin.get("/admin/tariffs/Nothing/edit"), http.StatusNotFound)
	wantBody(t, admin.get("/admin/users"), `href="/admin/tariffs"`)
}

// Edit as JSON saves a tariff typed in the file's format, and refuses
// JSON that cannot be read, that renames the tariff, or that the engine
// refuses, by its JSON path.
func TestTariffEditAsJSON(t *testing.T) {
	ta := newTestApp(t, nil)
	ta.venue(t)
	admin, u := ta.signedIn(t, "admin@example.com", models.RoleAdmin)
	ta.standardTariff(t, eveningTariff(8), u)
	edit := "/admin/tariffs/Standard/edit"
	page := admin.get(edit)
	wantBody(t, page, `<textarea id="f-json" name="json"`, `&#34;per_minute&#34;: 8`)

	tt := eveningTariff(9)
	tt.Passes = []tariff.Pass{{Name: "Day pass", Kind: tariff.DayPass, Price: 1500, Covers: tariff.Cover{BusinessDay: true}}}
	body, _ := json.Marshal(tt)
	if flash := admin.followFlash(admin.post(edit, form("json", string(body)))); !strings.Contains(flash, "Saved Standard as version 2. It prices guests admitted from now on") {
		t.Fatalf("saving JSON: %q", flash)
	}
	for _, bad := range []struct{ json, words string }{
		{`{"name": "Standard", "per_minut": 8}`, "The JSON could not be read: json: unknown field &#34;per_minut&#34;"},
		{`{"name": "Other"}`, "The name must stay Standard here"},
		{strings.Replace(string(body), `"per_minute":9`, `"per_minute":-9`, 1), "JSON windows[0].steps[0].per_minute: Must not be negative."},
	} {
		res := admin.post(edit, form("json", bad.json))
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, bad.words, `<details class="tf-json" open>`)
	}
	if tv, _ := ta.store.TariffByName(t.Context(), "Standard"); tv.Version != 2 || len(tv.Tariff.Passes) != 1 {
		t.Fatalf("after refused JSON: version %d", tv.Version)
	}
	// The form shows the pass, and a group's own tariff, which the form
	// does not edit, goes through it as it is.
	tt.Groups = append(tt.Groups, tariff.Group{Name: "Staff", Tariff: &tariff.Tariff{Name: "Staff", Steps: []tariff.Step{{}}}})
	body, _ = json.Marshal(tt)
	wantStatus(t, admin.post(edit, form("json", string(body))), http.StatusSeeOther)
	page = admin.get(edit)
	wantBody(t, page, `value="Day pass"`, `<option value="business_day" selected>business day</option>`,
		`name="groups[1].tariff" value="{&#34;name&#34;:&#34;Staff&#34;`, "Prices of their own")
	own := with(typedTariff(""), "groups[1].name", "Staff", "groups[1].tariff", `{"name":"Staff","version":0,"steps":[{"from_minute":0}]}`)
	wantStatus(t, admin.post(edit, own), http.StatusSeeOther)
	if tv, _ := ta.store.TariffByName(t.Context(), "Standard"); tv.Version != 4 || len(tv.Tariff.Groups) != 2 || tv.Tariff.Groups[1].Tariff == nil {
		t.Fatalf("a group's own tariff through the form: version %d, %+v", tv.Version, tv.Tariff.Groups)
	}
	bad := with(typedTariff(""), "groups[1].name", "Staff", "groups[1].tariff", `{"name":"Staff","steps":[{"from_minute":0,"per_minute":-1}]}`)
	res := admin.post(edit, bad)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, "Its own tariff, steps[0].per_minute: must not be negative.")
}

// Two admins edit one tariff at once: the second save, made over the
// version both opened, is refused rather than dropping the first's changes.
func TestTariffEditorRefusesASaveOverAnother(t *testing.T) {
	ta := newTestApp(t, nil)
	ta.venue(t)
	admin, _ := ta.signedIn(t, "admin@example.com", models.RoleAdmin)
	other, _ := ta.signedIn(t, "other@example.com", models.RoleAdmin)
	admin.followFlash(admin.post("/admin/tariffs/new", typedTariff("Evening rate")))
	edit := "/admin/tariffs/Evening%20rate/edit"
	wantBody(t, other.get(edit), `name="base_version" value="1"`)
	if flash := admin.followFlash(admin.post(edit, with(typedTariff("ignored"), "windows[0].steps[0].price", "0.10", "base_version", "1"))); !strings.Contains(flash, "version 2") {
		t.Fatalf("the first save: %q", flash)
	}
	res := other.post(edit, with(typedTariff("ignored"), "windows[0].steps[0].price", "0.12", "base_version", "1"))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, "Someone else saved Evening rate while you were editing it", `name="base_version" value="1"`)
	if tv, _ := ta.store.TariffByName(t.Context(), "Evening rate"); tv.Version != 2 || tv.Tariff.Windows[0].Steps[0].PerMinute != 10 {
		t.Fatalf("the first save was lost: version %d, %+v", tv.Version, tv.Tariff.Windows)
	}
}
