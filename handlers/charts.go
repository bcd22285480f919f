package handlers

import (
	"fmt"
	"strconv"

	"github.com/clockroom/clockroom/models"
)

// chart is a bar chart drawn on the server as SVG, with the same numbers as
// a table beside it: no script, readable by screen readers (the SVG is an
// image with a title and a description; the table carries the values).
type chart struct {
	ID, Title, Desc string
	Label, Unit     string // the table's column heads
	Bars            []bar
	W, H            int // the drawing's size (viewBox)
}

// bar is one bar, placed.
type bar struct {
	Label, Text   string // under the bar (may be blank to thin them), and its value as written
	Name          string // the label in the table
	X, Y, Wd, Ht  int
	LabelX, TextY int
}

const (
	chartW, chartH = 600, 220
	chartTop       = 22 // room for the values above the bars
	chartBottom    = 30 // room for the labels under them
)

// barChart lays out values (with their names and their text) as bars.
func barChart(id, title, desc, label, unit string, names []string, values []int64, texts []string) chart {
	c := chart{ID: id, Title: title, Desc: desc, Label: label, Unit: unit, W: chartW, H: chartH}
	if len(values) == 0 {
		return c
	}
	var top int64 = 1
	for _, v := range values {
		top = max(top, v)
	}
	slot := chartW / len(values)
	every := max(1, (len(values)+11)/12) // at most twelve labels under the bars
	for i, v := range values {
		h := int(int64(chartH-chartTop-chartBottom) * v / top)
		b := bar{Name: names[i], Text: texts[i], X: i*slot + slot/8, Wd: max(1, slot*3/4), Ht: h, Y: chartH - chartBottom - h}
		b.LabelX, b.TextY = b.X+b.Wd/2, b.Y-5
		if i%every == 0 {
			b.Label = names[i]
		}
		c.Bars = append(c.Bars, b)
	}
	return c
}

// chartBars is how many nights a chart of nights shows: the latest.
const chartBars = 60

// chartNights says which nights of rs the charts of nights show.
func chartNights(rs []models.NightReport) string {
	if len(rs) > chartBars {
		return fmt.Sprintf("each of the latest %d nights of the range", chartBars)
	}
	return "each night of the range"
}

// reportCharts draws the range's charts: who came night by night, when
// guests arrive, how long they stay, and the money by method.
func reportCharts(rs []models.NightReport, sh models.ReportShape, currency string, dates func(models.NightReport) string) []chart {
	var names, texts []string
	var values []int64
	for i := len(rs) - 1; i >= 0 && len(rs)-i <= chartBars; i-- { // oldest first, the latest chartBars
		r := rs[i]
		names = append(names, dates(r))
		n := int64(r.Attended + r.WalkIns)
		values, texts = append(values, n), append(texts, strconv.FormatInt(n, 10))
	}
	came := barChart("chart-came", "Who came, night by night", "Guests who came to "+chartNights(rs)+", ticket holders and walk-ins, oldest first.",
		"Night", "Guests", names, values, texts)

	count := func(cs []models.Count, from, to int, name func(int) string) ([]string, []int64, []string) {
		by := map[int]int64{}
		for _, c := range cs {
			by[c.Key] = c.Value
		}
		var ns, ts []string
		var vs []int64
		for k := from; k <= to; k++ {
			ns, vs, ts = append(ns, name(k)), append(vs, by[k]), append(ts, strconv.FormatInt(by[k], 10))
		}
		return ns, vs, ts
	}
	n, v, t := count(sh.Arrivals, -4, 11, func(k int) string {
		switch {
		case k == -4:
			return "≤ −60′"
		case k == 11:
			return "≥ +165′"
		case k < 0:
			return fmt.Sprintf("−%d′", -15*k)
		}
		return fmt.Sprintf("+%d′", 15*k)
	})
	arrivals := barChart("chart-arrivals", "When guests arrive", "Entries per quarter hour, from an hour before the start to three hours after: the door's rush.",
		"From the start", "Entries", n, v, t)
	n, v, t = count(sh.Stays, 0, 6, func(k int) string {
		if k == 6 {
			return "3 h or more"
		}
		return fmt.Sprintf("%d–%d min", 30*k, 30*k+30)
	})
	stays := barChart("chart-stays", "How long guests stay", "Stays by length, in half hours.", "Length", "Stays", n, v, t)
	names, values, texts = nil, nil, nil
	by := map[int]int64{}
	for _, c := range sh.Revenue {
		by[c.Key] = c.Value
	}
	for i, m := range models.PaymentMethods {
		names, values, texts = append(names, methodName(m)), append(values, by[i]), append(texts, models.FormatMoney(by[i], currency))
	}
	money := barChart("chart-money", "Revenue by how guests paid", "Money taken, net of refunds, by payment method.", "Method", "Revenue", names, values, texts)
	return []chart{came, arrivals, stays, money}
}

// communityCharts draws, night by night, the guests who came for the first
// time, and the share of confirmed guests who did not come.
func communityCharts(rs []models.NightReport, cm models.Community, dates func(models.NightReport) string) []chart {
	var names, firstTexts, noShowTexts []string
	var first, noShows []int64
	for i := len(rs) - 1; i >= 0 && len(rs)-i <= chartBars; i-- {
		r := rs[i]
		names = append(names, dates(r))
		n := cm.FirstTime[r.EventID]
		first, firstTexts = append(first, int64(n)), append(firstTexts, fmt.Sprintf("%d of %d", n, r.Attended))
		pct := int64(0)
		if r.RSVPs > 0 {
			pct = int64(100 * r.NoShows / r.RSVPs)
		}
		noShows, noShowTexts = append(noShows, pct), append(noShowTexts, fmt.Sprintf("%d%%", pct))
	}
	return []chart{
		barChart("chart-first", "First-time guests, night by night", "Of the ticket holders who came to "+chartNights(rs)+", those who had never come before; the rest were returning.",
			"Night", "First time", names, first, firstTexts),
		barChart("chart-noshows", "No-show rate, night by night", "The share of the confirmed guests of "+chartNights(rs)+" who did not come.", "Night", "No-shows", names, noShows, noShowTexts),
	}
}
