package handlers

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/clockroom/clockroom/internal/tariff"
	"github.com/clockroom/clockroom/models"
)

// tariffsList is the admin's list of the venue's tariffs.
type tariffsList struct {
	Tariffs  []tariffListed
	Standard bool   // the venue has a standard tariff
	Simple   string // else the venue's simple price, in words
	Loc      *time.Location
	Refused  []string // why an import was refused
}

// tariffListed is one tariff in the list, its price list in clauses.
type tariffListed struct {
	models.TariffVersion
	Clauses []string
	Path    string
}

// adminTariffs lists the venue's tariffs, the standard one first, each
// with its price list and what can be done with it.
func (a *App) adminTariffs(c echo.Context) error { return a.tariffsPage(c, http.StatusOK, nil) }

// tariffsPage shows the list, with why an import was refused.
func (a *App) tariffsPage(c echo.Context, status int, refused []string) error {
	ctx := c.Request().Context()
	v, err := a.store.Venue(ctx)
	if err != nil {
		return err
	}
	ts, err := a.store.Tariffs(ctx, true)
	if err != nil {
		return err
	}
	f, err := tariff.NewFormatter(v.Currency, "en")
	if err != nil {
		return err
	}
	list := tariffsList{Loc: v.Location(), Simple: tariffText(v.Tariff, v.Currency), Refused: refused}
	for _, t := range ts {
		list.Tariffs = append(list.Tariffs, tariffListed{TariffVersion: t, Clauses: f.Describe(t.Tariff), Path: tariffPath(t.Name)})
		list.Standard = list.Standard || t.Standard
	}
	return a.render(c, status, "admin_tariffs", page{Title: "Tariffs", Data: list})
}

// makeTariffStandard makes a tariff the venue's standard one: it prices
// the stays admitted from now on.
func (a *App) makeTariffStandard(c echo.Context) error {
	name := tariffName(c)
	err := a.store.SetStandardTariff(c.Request().Context(), name, currentUser(c).ID)
	if errors.Is(err, models.ErrTariffRetired) {
		return a.seeOther(c, "/admin/tariffs", name+" is retired: offer it again before making it the standard tariff.")
	}
	if err != nil {
		return err
	}
	return a.seeOther(c, "/admin/tariffs", name+" is now the standard tariff. It prices guests admitted from now on; guests inside keep the tariff they came in under.")
}

// useSimplePrice stops pricing new stays by a tariff: the venue's simple
// price prices them again (guests inside keep theirs).
func (a *App) useSimplePrice(c echo.Context) error {
	if err := a.store.SetStandardTariff(c.Request().Context(), "", currentUser(c).ID); err != nil {
		return err
	}
	return a.seeOther(c, "/admin/tariffs", "No tariff is standard now: the venue's simple price prices guests admitted from now on.")
}

// retireTariff stops offering a tariff, or (retired=false) offers it again.
func (a *App) retireTariff(c echo.Context) error {
	name, retire := tariffName(c), c.FormValue("retired") != "false"
	err := a.store.RetireTariff(c.Request().Context(), name, retire, currentUser(c).ID)
	if errors.Is(err, models.ErrTariffRetired) {
		return a.seeOther(c, "/admin/tariffs", "The standard tariff cannot be retired: make another tariff standard first.")
	}
	if err != nil {
		return err
	}
	if !retire {
		return a.seeOther(c, "/admin/tariffs", name+" is offered again.")
	}
	return a.seeOther(c, "/admin/tariffs", name+" is retired. Stays admitted under it keep it.")
}

// exportTariffs downloads the venue's tariffs as the documented file
// (tariffs.json), to keep in version control.
func (a *App) exportTariffs(c echo.Context) error {
	data, err := a.store.ExportTariffs(c.Request().Context())
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="tariffs.json"`)
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, "application/json; charset=utf-8", data)
}

// importTariffs saves every tariff of an uploaded file as a new version,
// all or none: a refusal names the tariff and field, and changes nothing.
func (a *App) importTariffs(c echo.Context) error {
	data, err := uploaded(c, "file")
	if err != nil {
		return a.tariffsPage(c, http.StatusUnprocessableEntity, []string{"Choose a tariffs file (tariffs.json) to import."})
	}
	if _, err := tariff.Unmarshal(data); err != nil {
		return a.tariffsPage(c, http.StatusUnprocessableEntity, []string{unreadableWords(err)})
	}
	n, err := a.store.ImportTariffs(c.Request().Context(), data, currentUser(c).ID)
	var te *models.TariffError
	switch {
	case errors.As(err, &te):
		return a.tariffsPage(c, http.StatusUnprocessableEntity, importRefusedWords(te.Problems))
	case errors.Is(err, models.ErrTariffCurrency):
		return a.tariffsPage(c, http.StatusUnprocessableEntity, []string{"A tariff in the file is in another currency than the venue's. Nothing was imported."})
	case err != nil:
		return err
	}
	switch n {
	case 0:
		return a.seeOther(c, "/admin/tariffs", "Nothing changed: the file says what the tariffs say already.")
	case 1:
		return a.seeOther(c, "/admin/tariffs", "Imported: 1 tariff changed, as a new version.")
	}
	return a.seeOther(c, "/admin/tariffs", fmt.Sprintf("Imported: %d tariffs changed, each as a new version.", n))
}

// uploaded reads the file sent in field (the body limit bounds its size).
func uploaded(c echo.Context, field string) ([]byte, error) {
	fh, err := c.FormFile(field)
	if err != nil {
		return nil, err
	}
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// unreadableWords says why a file is not a tariffs file.
func unreadableWords(err error) string {
	if errors.Is(err, tariff.ErrFormat) {
		return `That is not a Clockroom tariffs file: its "format" must be "` + tariff.Format + `". Nothing was imported.`
	}
	return "The file could not be read (" + strings.TrimPrefix(err.Error(), "tariff file: ") + "). Nothing was imported."
}

// importRefusedWords says, for each problem, which tariff and which field
// of the file is wrong.
func importRefusedWords(problems tariff.Errors) []string {
	out := []string{"Nothing was imported: the file was refused."}
	for _, p := range problems {
		name, field, _ := strings.Cut(p.Field, ": ")
		if name == "" {
			name = "(no name)"
		}
		out = append(out, fmt.Sprintf("Tariff %s, field %s: %s", name, field, sentence(p.Message)))
	}
	return out
}
