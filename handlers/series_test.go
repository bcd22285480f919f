package handlers

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/clockroom/clockroom/models"
)

// seriesValues is the new-series form for a rule of one's own, the first
// night tomorrow at hour (London time).
func seriesValues(rule string, hour int, minutes string) url.Values {
	loc, _ := time.LoadLocation("Europe/London")
	y, m, d := time.Now().In(loc).AddDate(0, 0, 1).Date()
	first := time.Date(y, m, d, hour, 0, 0, 0, loc)
	return url.Values{"title": {"Talk"}, "description": {"x"}, "capacity": {"10"}, "first_start": {first.Format(formTimeLayout)},
		"minutes": {minutes}, "repeat": {"custom"}, "rule": {rule}}
}

// countSeries is how many series and nights there are.
func countSeries(t *testing.T, ta *testApp) (series, nights int) {
	t.Helper()
	if err := ta.store.DB.QueryRow(`SELECT (SELECT count(*) FROM series), (SELECT count(*) FROM events)`).Scan(&series, &nights); err != nil {
		t.Fatal(err)
	}
	return series, nights
}

// A rule by the hour, minute or second, or of two nights a day, is refused
// next to the rule field with what to do, and nothing is made; a daily rule
// makes a night a day; nights made so long they would overlap are refused
// by the series' edit.
func TestSeriesFormRefusesFloods(t *testing.T) {
	ta := newTestApp(t, nil)
	ta.venue(t)
	host, _ := ta.signedIn(t, "host@example.com", models.RoleHost)
	host.get("/host/series/new")
	for _, c := range []struct {
		rule, minutes string
		hour          int
		says          string
	}{
		{"FREQ=HOURLY", "120", 19, "A series repeats at most once a day"},
		{"FREQ=MINUTELY", "120", 19, "A series repeats at most once a day"},
		{"FREQ=SECONDLY", "120", 19, "A series repeats at most once a day"},
		{"FREQ=DAILY;BYHOUR=18,19", "120", 18, "nights of a series must not overlap"},
		{"FREQ=DAILY;BYHOUR=10,18", "120", 10, "a day would have more than one night"},
	} {
		res := host.post("/host/series/new", seriesValues(c.rule, c.hour, c.minutes))
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, `id="f-rule-error"`, c.says, `value="`+c.rule+`"`)
		if series, nights := countSeries(t, ta); series != 0 || nights != 0 {
			t.Fatalf("%s refused, yet %d series and %d nights", c.rule, series, nights)
		}
	}

	res := host.post("/host/series/new", seriesValues("FREQ=DAILY", 19, "120"))
	wantStatus(t, res, http.StatusSeeOther)
	series, nights := countSeries(t, ta)
	if series != 1 || nights < 55 || nights > 57 {
		t.Fatalf("a daily series: %d series, %d nights in eight weeks", series, nights)
	}
	var id int64
	ta.store.DB.Get(&id, `SELECT id FROM series`)
	path := "/series/" + itoa(id)
	host.get(path)
	res = host.post("/host/series/"+itoa(id)+"/edit", url.Values{"title": {"Talk"}, "description": {"x"}, "capacity": {"10"},
		"at": {"19:00"}, "minutes": {"1440"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, "Nights that long would overlap the next night of the series")
	if sr, _ := ta.store.SeriesByID(t.Context(), id); sr.Minutes != 120 {
		t.Fatalf("a refused edit made the nights %d minutes long", sr.Minutes)
	}
}
