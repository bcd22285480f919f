package handlers

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/clockroom/clockroom/internal/tariff"
	"github.com/clockroom/clockroom/models"
	"github.com/clockroom/clockroom/templates"
)

// page is what every template gets: the layout's needs plus the page's own.
type page struct {
	Title     string
	User      *models.User
	Flash     string
	CSRF      string
	TestMode  bool
	RequestID string
	Path      string
	Form      any               // what the user typed, to re-show it
	Errors    map[string]string // field name → message
	Data      any               // the page's own data
	Kiosk     bool              // a full-screen page with no site navigation (the door)
}

// funcs is fixed at start-up; it never changes per request.
var funcs = template.FuncMap{
	"datetime":  func(t time.Time, loc *time.Location) string { return t.In(loc).Format("Mon 2 Jan, 15:04") },
	"clock":     func(t time.Time, loc *time.Location) string { return t.In(loc).Format("15:04") },
	"isoTime":   func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"plural":    plural,
	"money":     models.FormatMoney,
	"tariff":    tariffText,
	"quoteNext": quoteNext,
	"priceList": priceList,
	"passes": func(o models.PassOffer, action, csrf string) passesView {
		return passesView{Offer: o, Action: action, CSRF: csrf}
	},
	"billLines": billLines,
	"billView":  newBillView,
	"method":    methodName,
	"deref":     func(p *int64) int64 { return *p },
	"derefText": func(p *string) string { return *p },
	"add":       func(a, b int) int { return a + b },
	"sub":       func(a, b int) int { return a - b },
	"percent":   func(f float64) float64 { return 100 * f },
	"stars":     func() []int { return []int{5, 4, 3, 2, 1} },
	"starText":  func(n int) string { return strings.Repeat("★", n) + strings.Repeat("☆", 5-n) },
	"field": func(name, label, typ, value, autocomplete string, errs map[string]string) fieldView {
		return fieldView{Name: name, Label: label, Type: typ, Value: value, Autocomplete: autocomplete, Error: errs[name]}
	},
	"days": func(name, legend string, boxes []dayBox, errs map[string]string) daysView {
		return daysView{Name: name, Legend: legend, Boxes: boxes, Error: errs[name]}
	},
}

// daysView is a set of weekday checkboxes under a legend, with its error.
type daysView struct {
	Name, Legend, Error string
	Boxes               []dayBox
}

// fieldView is one labelled form input with its error, for partials/input.
type fieldView struct {
	Name, Label, Type, Value, Autocomplete, Error string
}

// parsePages parses one template set per page: the layout, the partials and
// the page itself.
func parsePages() (map[string]*template.Template, error) {
	names, err := fs.Glob(templates.FS, "pages/*.html")
	if err != nil {
		return nil, err
	}
	pages := make(map[string]*template.Template, len(names))
	for _, name := range names {
		t, err := template.New(path.Base(name)).Funcs(funcs).ParseFS(templates.FS, "layouts/*.html", "partials/*.html", name)
		if err != nil {
			return nil, fmt.Errorf("parse template %s: %w", name, err)
		}
		pages[strings.TrimSuffix(path.Base(name), ".html")] = t
	}
	for _, required := range []string{"error", "home", "login", "signup"} {
		if pages[required] == nil {
			return nil, fmt.Errorf("template pages/%s.html is missing", required)
		}
	}
	return pages, nil
}

// render writes the named page with status. It renders into a buffer first so
// a template error becomes a clean 500, not half a page.
func (a *App) render(c echo.Context, status int, name string, p page) error {
	body, err := a.renderBytes(c, status, name, p)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.HTMLBlob(status, body)
}

// renderBytes renders page name in the layout, for c's visitor.
func (a *App) renderBytes(c echo.Context, status int, name string, p page) ([]byte, error) {
	t, ok := a.pages[name]
	if !ok {
		return nil, fmt.Errorf("no template %q", name)
	}
	a.fillPage(c, status, &p)
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "base", p); err != nil {
		return nil, fmt.Errorf("render %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

// fillPage adds what the layout needs: user, flash, CSRF token, banner. Only
// a successful page takes the flash: an error page (a missing favicon, say)
// must not swallow the message meant for the page the person is going to.
func (a *App) fillPage(c echo.Context, status int, p *page) {
	p.User = currentUser(c)
	p.TestMode = a.cfg.StripeTestMode()
	p.RequestID = requestID(c)
	p.Path = c.Request().URL.Path
	if tok, ok := c.Get("csrf").(string); ok {
		p.CSRF = tok
	}
	if status < 300 {
		if f := a.popFlash(c); p.Flash == "" { // a page may say its own (a payment being confirmed)
			p.Flash = f
		}
	}
}

// seeOther redirects after a successful POST, with a flash message.
func (a *App) seeOther(c echo.Context, to, flash string) error {
	if flash != "" {
		a.flash(c, flash)
	}
	return c.Redirect(http.StatusSeeOther, to)
}

// tariffText says a tariff in words: "£0.08 a minute, first 5 minutes free,
// at least £3.00, at most £24.00 a day".
func tariffText(t models.Tariff, currency string) string {
	if t.PerMinute == 0 && t.MinimumCharge == nil {
		return "Free"
	}
	s := models.FormatMoney(t.PerMinute, currency) + " a minute"
	switch {
	case t.GraceMinutes == 1:
		s += ", first minute free"
	case t.GraceMinutes > 1:
		s += fmt.Sprintf(", first %d minutes free", t.GraceMinutes)
	}
	if t.MinimumCharge != nil && *t.MinimumCharge > 0 {
		s += ", at least " + models.FormatMoney(*t.MinimumCharge, currency)
	}
	if t.DailyCap != nil {
		s += ", at most " + models.FormatMoney(*t.DailyCap, currency) + " a day"
	}
	return s
}

// quoteNext says what comes next for a stay still running: the next change
// of price ("from 18:00, 8p a minute", "the day cap of £15.00 is reached at
// 14:30") and a pass cheaper than the minutes, which the bill already uses
// ("priced as a Day pass: £3.00 less than by the minute"), or "" when
// nothing changes.
func quoteNext(q tariff.Quote, currency string) string {
	f, err := tariff.NewFormatter(currency, "en")
	if err != nil {
		return ""
	}
	var parts []string
	for _, c := range q.Next {
		parts = append(parts, f.Change(c, q.Now))
	}
	// The bill is always the cheapest way to pay: a pass cheaper than the
	// minutes is already what the guest pays, with nothing to buy.
	if q.Saving != nil {
		parts = append(parts, fmt.Sprintf("priced as a %s: %s less than by the minute", q.Saving.Pass, f.Money(q.Saving.Saves)))
	}
	if len(parts) == 0 {
		return ""
	}
	s := strings.Join(parts, "; ")
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

// billLines writes an explained bill a line each ("17:40–18:00 · 20 min ×
// 6p = £1.20"), nothing for a bill kept without its lines.
func billLines(b *tariff.Bill, currency string) []string {
	if b == nil {
		return nil
	}
	f, err := tariff.NewFormatter(currency, "en")
	if err != nil {
		return nil
	}
	lines := make([]string, len(b.Lines))
	for i, l := range b.Lines {
		lines[i] = f.Line(l)
	}
	return lines
}

// billView is a kept bill as the partial "bill-lines" shows it: its lines,
// then the night's total and, when the guest was in earlier that night,
// what this stay added.
type billView struct {
	Lines         []string
	Night, Amount int64
	Currency      string
}

// Resumed reports whether the bill's night had earlier stays.
func (v billView) Resumed() bool { return v.Night != v.Amount }

func newBillView(b models.Bill, currency string) billView {
	return billView{Lines: billLines(b.Explained, currency), Night: b.Night, Amount: b.Amount, Currency: currency}
}

// priceList says what a night's stays cost: its simple price in a sentence,
// or its tariff's price list, clause by clause.
func priceList(p models.EventPrice) string {
	if p.Simple != nil {
		return tariffText(*p.Simple, p.Currency)
	}
	f, err := tariff.NewFormatter(p.Currency, "en")
	if err != nil {
		return ""
	}
	return strings.Join(f.Describe(p.Tariff), "; ")
}

// passesView is what the passes partial shows: the night's pass offer and
// where its form posts.
type passesView struct {
	Offer        models.PassOffer
	Action, CSRF string
}
