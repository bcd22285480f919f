package handlers

import (
	"fmt"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/clockroom/clockroom/models"
)

// stopwatchKey holds a request's stopwatch in its echo.Context.
const stopwatchKey = "clockroom.stopwatch"

// stopwatch is when a request reached the lanes (its body read) and when
// it got its lane.
type stopwatch struct{ began, inLane time.Time }

// scanTiming sets the door scan's Server-Timing header: where its time went
// on the server, as a browser's developer tools and the benchmark read it.
// lane: checking the session cookie and waiting for a door lane; auth: the
// session, CSRF, user and night lookups; scan: the scan's statements;
// commit: its COMMIT (the room's check, the WAL flush); total: all of it,
// from the lanes to the answer.
func scanTiming(c echo.Context, handlerAt time.Time, took models.ScanTimes) {
	sw, ok := c.Get(stopwatchKey).(stopwatch)
	if !ok {
		return
	}
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d.Microseconds())/1000) }
	c.Response().Header().Set("Server-Timing", fmt.Sprintf(
		"lane;dur=%s, auth;dur=%s, scan;dur=%s, commit;dur=%s, total;dur=%s",
		ms(sw.inLane.Sub(sw.began)), ms(handlerAt.Sub(sw.inLane)), ms(took.Work), ms(took.Commit), ms(time.Since(sw.began))))
}
