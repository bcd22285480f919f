package handlers

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/clockroom/clockroom/models"
)

// billsPage is every bill still to collect, with the ways to collect it.
type billsPage struct {
	Bills  []models.OwedBill
	Nights []models.Event
	Night  int64 // the night shown; 0 for all
	Total  map[string]int64
	Loc    *time.Location
}

// staffBills lists checked-out visits with an amount still owed, oldest
// first, optionally for one night (?event=ID).
func (a *App) staffBills(c echo.Context) error {
	ctx := c.Request().Context()
	night, err := billsNight(c)
	if err != nil {
		return err
	}
	bills, err := a.store.OwedBills(ctx, night, 500)
	if err != nil {
		return err
	}
	nights, err := a.store.NightsWithOwedBills(ctx)
	if err != nil {
		return err
	}
	venue, err := a.venue(ctx)
	if err != nil {
		return err
	}
	p := billsPage{Bills: bills, Nights: nights, Night: night, Total: map[string]int64{}, Loc: venue.Location()}
	for _, b := range bills {
		p.Total[b.Currency] += *b.Amount
	}
	return a.render(c, http.StatusOK, "bills", page{Title: "Bills to collect", Data: p})
}

// staffBillsCSV exports the same list, money in major units, each bill's
// explained lines joined by " / " (empty for a bill kept without them).
func (a *App) staffBillsCSV(c echo.Context) error {
	ctx := c.Request().Context()
	night, err := billsNight(c)
	if err != nil {
		return err
	}
	bills, err := a.store.OwedBills(ctx, night, 100000)
	if err != nil {
		return err
	}
	venue, err := a.venue(ctx)
	if err != nil {
		return err
	}
	loc := venue.Location()
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"visit", "date", "night", "guest", "checked_in", "checked_out", "minutes", "amount", "currency", "state", "lines"})
	for _, o := range bills {
		minutes := 0
		if o.BilledMinutes != nil {
			minutes = *o.BilledMinutes
		}
		_ = w.Write([]string{strconv.FormatInt(o.ID, 10), o.EventStartsAt.In(loc).Format("2006-01-02"), csvSafe(o.EventTitle), csvSafe(o.GuestName),
			o.CheckedInAt.In(loc).Format("2006-01-02 15:04"), o.CheckedOutAt.In(loc).Format("2006-01-02 15:04"),
			strconv.Itoa(minutes), models.MajorUnits(*o.Amount, o.Currency), o.Currency, string(o.State),
			csvSafe(strings.Join(billLines(o.Bill().Explained, o.Currency), " / "))})
	}
	w.Flush()
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="clockroom-bills.csv"`)
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", []byte(b.String()))
}

// billsNight reads the ?event= filter: empty for every night.
func billsNight(c echo.Context) (int64, error) {
	raw := c.QueryParam("event")
	if raw == "" || raw == "0" {
		return 0, nil
	}
	id, err := parseID(raw)
	if err != nil {
		return 0, echo.NewHTTPError(http.StatusUnprocessableEntity, "Choose a night from the list.")
	}
	return id, nil
}

// backTo is where a staff payment form returns: the page it was sent from
// when that is a staff page (the bills list), else the visit.
func backTo(c echo.Context, visit string) string {
	next := safeNext(c.FormValue("next"), visit)
	if !strings.HasPrefix(next, "/staff/") {
		return visit
	}
	return next
}
