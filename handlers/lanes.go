package handlers

import (
	"net/http"
	"runtime"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/clockroom/clockroom/models"
)

// Lanes bound how many requests work at once, so that a rush on one kind of
// request cannot hold every database connection, and every CPU, while others
// wait behind it: five hundred people pressing RSVP together must not stall
// the door. The door's API has a lane of its own; every other page shares
// one. Both together stay under the pool's size, leaving connections for the
// background jobs. A request waits for its lane without holding a
// connection, for at most laneWait, then gets a 503 asking to retry.
//
// The general lane is as wide as the machine has cores (two at the least):
// more pages at work at once than PostgreSQL and the server can run side
// by side only queue for a core, and the door's round trips queue with
// them. Measured with `make bench` on two cores: twelve at work made the
// door's slowest scans 449 ms, six 104 to 250 ms, two 24 to 29 ms, and
// RSVPs went no slower (RSVPs on one night take turns on its row anyway).
var (
	doorLane    = models.PoolSize / 3
	generalLane = max(2, runtime.GOMAXPROCS(0))
)

const laneWait = 15 * time.Second

const laneKey = "clockroom.lane"

// leaveLane gives the request's lane slot back before it waits on something
// outside (Stripe): a slot bounds work on the database and the CPU, and a
// request waiting on the network does neither.
func leaveLane(c echo.Context) {
	if release, ok := c.Get(laneKey).(func()); ok {
		release()
	}
}

// lanes is the middleware that admits requests into their lane.
func lanes(general, door int, wait time.Duration) echo.MiddlewareFunc {
	generalSlots, doorSlots := make(chan struct{}, general), make(chan struct{}, door)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			slots := generalSlots
			if isAPI(c) {
				slots = doorSlots
			}
			select {
			case slots <- struct{}{}: // the fast path: no timer when there is room
			default:
				t := time.NewTimer(wait)
				defer t.Stop()
				select {
				case slots <- struct{}{}:
				case <-c.Request().Context().Done():
					return c.Request().Context().Err() // the client has gone
				case <-t.C:
					c.Response().Header().Set("Retry-After", "5")
					return echo.NewHTTPError(http.StatusServiceUnavailable, "Clockroom is very busy just now. Please try again in a few seconds.")
				}
			}
			var once sync.Once
			release := func() { once.Do(func() { <-slots }) }
			defer release()
			c.Set(laneKey, release)
			return next(c)
		}
	}
}
