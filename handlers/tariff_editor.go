package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/clockroom/clockroom/internal/tariff"
	"github.com/clockroom/clockroom/models"
)

// tariffEditor is the tariff editor page: a structured form, a calculator
// beside it that prices a stay by the tariff as typed, and the same tariff
// as JSON for those who prefer it.
type tariffEditor struct {
	New      bool
	Name     string // the tariff edited; "" for a new one
	Version  int    // its newest version
	Base     int    // the version the editor was opened on (0: a new tariff), sent back with a save
	Standard bool
	Action   string
	Currency string
	Example  string // an amount as typed in the currency: "2.50"
	Problems []problem
	Groups   []string // for the calculator
	Result   *calcResult
	JSON     string
	JSONOpen bool
	venue    models.Venue
}

// calcResult is the calculator's answer on the page, when it was asked
// without JavaScript.
type calcResult struct {
	Tariff string
	Lines  []string
	Total  string
}

// editorFor is the editor of the tariff the path names (a 404 when there
// is none), or of a new one.
func (a *App) editorFor(c echo.Context) (tariffEditor, *tariff.Tariff, error) {
	ctx := c.Request().Context()
	v, err := a.store.Venue(ctx)
	if err != nil {
		return tariffEditor{}, nil, err
	}
	ed := tariffEditor{venue: v, Currency: v.Currency, Example: models.MajorUnits(250, v.Currency)}
	if strings.HasSuffix(c.Path(), "/new") {
		ed.New, ed.Action = true, "/admin/tariffs/new"
		return ed, &tariff.Tariff{TimeStep: 1}, nil
	}
	tv, err := a.store.TariffByName(ctx, tariffName(c))
	if err != nil {
		return ed, nil, err
	}
	ed.Name, ed.Version, ed.Standard, ed.Action = tv.Name, tv.Version, tv.Standard, tariffPath(tv.Name)+"/edit"
	ed.Base = tv.Version
	if b, err := strconv.Atoi(c.FormValue("base_version")); err == nil && b >= 0 && b <= tv.Version {
		ed.Base = b // a save: the version the page was opened on
	}
	return ed, tv.Tariff, nil
}

// tariffName reads the :name path parameter (Echo leaves it escaped when
// the path had to be: a name with a slash).
func tariffName(c echo.Context) string {
	name := c.Param("name")
	if c.Request().URL.RawPath != "" {
		if n, err := url.PathUnescape(name); err == nil {
			return n
		}
	}
	return name
}

// tariffPath is where a tariff's pages are.
func tariffPath(name string) string { return "/admin/tariffs/" + url.PathEscape(name) }

// tariffEditPage shows the editor, filled with the newest version (or a
// new tariff's defaults), and the calculator set for this evening.
func (a *App) tariffEditPage(c echo.Context) error {
	ed, t, err := a.editorFor(c)
	if err != nil {
		return err
	}
	ed.JSON = tariffJSON(*t)
	return a.renderEditor(c, http.StatusOK, ed, formOf(t, ed.Currency), &formProblems{})
}

// renderEditor shows the editor with what was typed and what is wrong.
func (a *App) renderEditor(c echo.Context, status int, ed tariffEditor, f tariffForm, probs *formProblems) error {
	ed.Problems, ed.Groups = probs.list, f.groupNames()
	f = f.withStay(a.now().In(ed.venue.Location()))
	title := "New tariff"
	if !ed.New {
		title = "Edit " + ed.Name
	}
	return a.render(c, status, "admin_tariff_edit", page{Title: title, Form: f.view(probs.byField), Errors: probs.byField, Data: ed})
}

// saveTariff saves the editor's form as the tariff's next version (or a
// new tariff); its Calculate button, without JavaScript, shows the page
// again with the bill instead.
func (a *App) saveTariff(c echo.Context) error {
	ed, saved, err := a.editorFor(c)
	if err != nil {
		return err
	}
	values, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	if values.Has("json") {
		return a.saveTariffJSON(c, ed, saved, values.Get("json"))
	}
	f := readTariffForm(values)
	probs := &formProblems{}
	t := f.tariff(ed.Currency, probs)
	if !ed.New {
		t.Name = ed.Name
	}
	ed.JSON = tariffJSON(t)
	if values.Has("calculate") {
		return a.calculateOnPage(c, ed, f, t, probs)
	}
	return a.saveAsTyped(c, ed, t, probs, func(probs *formProblems) error {
		return a.renderEditor(c, http.StatusUnprocessableEntity, ed, f, probs)
	})
}

// saveAsTyped saves t, or shows the editor again (refused) with what is
// wrong with it: a figure that is not one, the engine's refusals, a new
// tariff with a name already taken.
func (a *App) saveAsTyped(c echo.Context, ed tariffEditor, t tariff.Tariff, probs *formProblems, refused func(*formProblems) error) error {
	ctx := c.Request().Context()
	if ed.New {
		switch _, err := a.store.TariffByName(ctx, t.Name); {
		case err == nil:
			probs.add("name", "There is already a tariff called "+t.Name+": edit it from the list of tariffs instead.")
		case !errors.Is(err, models.ErrNotFound):
			return err
		}
	}
	probs.validate(t)
	if !probs.ok() {
		return refused(probs)
	}
	saved, err := a.store.SaveTariffOver(ctx, t, ed.Base, currentUser(c).ID)
	var te *models.TariffError
	switch {
	case errors.Is(err, models.ErrTariffChanged):
		probs.add("form", "Someone else saved "+t.Name+" while you were editing it, so this was not saved: open it again from the list of tariffs to see their changes, then make yours.")
		return refused(probs)
	case errors.As(err, &te):
		probs.engine(te.Problems)
		return refused(probs)
	case errors.Is(err, models.ErrTariffCurrency):
		probs.add("form", "The tariff is in another currency than the venue's ("+ed.Currency+").")
		return refused(probs)
	case err != nil:
		return err
	}
	return a.seeOther(c, "/admin/tariffs", savedWords(saved, ed.Version))
}

// savedWords says what a save did.
func savedWords(saved models.TariffVersion, before int) string {
	switch {
	case saved.Version == before:
		return fmt.Sprintf("Nothing changed: %s stays at version %d.", saved.Name, saved.Version)
	case saved.Standard:
		return fmt.Sprintf("Saved %s as version %d. It prices guests admitted from now on; guests inside keep the version they came in under.", saved.Name, saved.Version)
	}
	return fmt.Sprintf("Saved %s as version %d. It is not the standard tariff: make it standard to price new stays with it.", saved.Name, saved.Version)
}

// saveTariffJSON saves a tariff typed as JSON (Edit as JSON), or shows
// the editor again with the JSON and what is wrong with it (the form
// showing the tariff saved when the JSON cannot be read).
func (a *App) saveTariffJSON(c echo.Context, ed tariffEditor, saved *tariff.Tariff, typed string) error {
	ed.JSON, ed.JSONOpen = typed, true
	probs := &formProblems{}
	t, err := decodeTariff(typed)
	switch {
	case err != nil:
		probs.add("json", "The JSON could not be read: "+err.Error()+".")
	case !ed.New && t.Name != ed.Name:
		probs.add("json", "The name must stay "+ed.Name+" here. To make another tariff, use New tariff.")
	}
	if t == nil {
		t = saved
	}
	refused := func(probs *formProblems) error {
		for i, p := range probs.list { // the JSON's own paths, not the form's words
			if p.Path != "" {
				probs.list[i].Where = "JSON " + p.Path
			}
		}
		return a.renderEditor(c, http.StatusUnprocessableEntity, ed, formOf(t, ed.Currency), probs)
	}
	if !probs.ok() {
		return refused(probs)
	}
	return a.saveAsTyped(c, ed, *t, probs, refused)
}

// calculateOnPage shows the editor again with the bill of the calculator's
// stay by the tariff as typed (the calculator without JavaScript).
func (a *App) calculateOnPage(c echo.Context, ed tariffEditor, f tariffForm, t tariff.Tariff, probs *formProblems) error {
	loc := ed.venue.Location()
	b, err := priceAsTyped(t, f, loc, probs)
	if err != nil {
		return err
	}
	if !probs.ok() {
		return a.renderEditor(c, http.StatusUnprocessableEntity, ed, f, probs)
	}
	q, err := quoteOf(b, ed.Currency, loc)
	if err != nil {
		return err
	}
	ed.Result = &calcResult{Tariff: q.Tariff, Total: models.FormatMoney(q.Amount, q.Currency)}
	for _, l := range q.Lines {
		ed.Result.Lines = append(ed.Result.Lines, l.Label)
	}
	return a.renderEditor(c, http.StatusOK, ed, f, probs)
}

// priceAsTyped prices the calculator's stay by t, a tariff not saved; what
// is wrong with t or the stay is noted in probs.
func priceAsTyped(t tariff.Tariff, f tariffForm, loc *time.Location, probs *formProblems) (tariff.Bill, error) {
	if strings.TrimSpace(t.Name) == "" {
		t.Name = "New tariff" // the name prices nothing
	}
	probs.validate(t)
	in, out, field, why := stayBetween(f.Arrive, f.Leave, loc)
	if why != "" {
		probs.add(field, why)
	}
	if !probs.ok() {
		return tariff.Bill{}, nil
	}
	b, err := t.Price(tariff.Stay{Intervals: []tariff.Interval{{In: in, Out: out}}, Location: loc, Group: f.Group})
	if errors.Is(err, tariff.ErrUnknownGroup) {
		probs.add("group", "Choose one of the tariff's groups, or none.")
		return b, nil
	}
	return b, err
}

// previewTariff is POST /admin/tariffs/preview: the calculator's stay
// priced by the editor's form as typed, unsaved, answered as /staff/quote
// answers; what is wrong comes back as the API's refusal, naming the field.
func (a *App) previewTariff(c echo.Context) error {
	v, err := a.store.Venue(c.Request().Context())
	if err != nil {
		return err
	}
	values, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	f, probs, loc := readTariffForm(values), &formProblems{}, v.Location()
	b, err := priceAsTyped(f.tariff(v.Currency, probs), f, loc, probs)
	if err != nil {
		return err
	}
	if !probs.ok() {
		p := probs.list[0]
		return apiRefusal(c, http.StatusUnprocessableEntity, apiError{Error: p.Where + ": " + p.Message, Field: p.Field})
	}
	q, err := quoteOf(b, v.Currency, loc)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, q)
}
