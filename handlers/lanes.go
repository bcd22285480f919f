package handlers

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/clockroom/clockroom/models"
)

// Lanes bound how many requests work at once, so that a rush on one kind of
// request cannot hold every database connection, and every CPU, while others
// wait behind it: five hundred people pressing RSVP together must not stall
// the door. The door's API has a lane of its own; every other page of
// someone signed in shares one; requests with no session share a third.
// With the session lookups that choose between them (sessionLookups) they
// stay under the pool's size, leaving connections for the background jobs.
// A request waits for its lane without holding a connection, for at most
// laneWait, then gets a 503 asking to retry.
//
// The general lane is as wide as the machine has cores (two at the least):
// more pages at work at once than PostgreSQL and the server can run side
// by side only queue for a core, and the door's round trips queue with
// them. Measured with `make bench` on two cores: twelve at work made the
// door's slowest scans 449 ms, six 104 to 250 ms, two 24 to 29 ms, and
// RSVPs went no slower (RSVPs on one night take turns on its row anyway).
var (
	doorLane      = models.PoolSize / 3
	generalLane   = max(2, runtime.GOMAXPROCS(0))
	anonymousLane = max(1, generalLane/2)
)

const laneWait = 15 * time.Second

// laneWrite is how long a request may take, from getting its lane slot, to
// make and send its whole answer: a client that stops reading (or reads a
// byte a minute) holds its slot no longer, and the write fails. The
// server's WriteTimeout (cmd/clockroom) is not that bound: it runs from the
// request's headers, so it must also cover the body's arrival and the wait
// for a slot, and is a minute. The slowest answer to make is a year's
// reports (well under a second, BENCHMARKS); pages and CSV exports are made
// in memory before they are sent, and 20 s sends a megabyte at 400 kbit/s.
const laneWrite = 20 * time.Second

const laneKey = "clockroom.lane"

// laneConfig is the lanes' widths and times.
type laneConfig struct {
	general, door, anonymous int
	wait                     time.Duration // the longest wait for a slot, then a 503
	write                    time.Duration // the longest a request takes from its slot to its last byte
	outside                  time.Duration // the same, from leaving its slot early (leaveLane) to wait on Stripe
}

// leaveLane gives the request's lane slot back before it waits on something
// outside (Stripe): a slot bounds work on the database and the CPU, and a
// request waiting on the network does neither. Its answer then has until
// the lanes' outside time to be written.
func leaveLane(c echo.Context) {
	if release, ok := c.Get(laneKey).(func()); ok {
		release()
	}
}

// lanes is the middleware that admits requests into their lane, before the
// session is read, so that reading sessions and users is bounded too (left
// outside, 500 people RSVPing at once held the pool and the door's scans
// waited 220 ms instead of 32). Bodies are already read (readBodies), and
// once in its lane a request has cfg.write to send its answer, so no request
// can hold a slot by dawdling. Requests without a session that exists
// (strangers, bots, forged or stale cookies: knownSessions) share a lane of
// their own and can never starve members, staff or the door; the door's API
// with a session takes the door's lane.
func lanes(cfg laneConfig, sessions *knownSessions) echo.MiddlewareFunc {
	generalSlots, doorSlots, anonymousSlots := make(chan struct{}, cfg.general), make(chan struct{}, cfg.door), make(chan struct{}, cfg.anonymous)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			began := time.Now()
			token, err := sessions.token(c)
			if err != nil {
				return err
			}
			slots := anonymousSlots
			if token != "" && isAPI(c) {
				slots = doorSlots
			} else if token != "" {
				slots = generalSlots
			}
			select {
			case slots <- struct{}{}: // the fast path: no timer when there is room
			default:
				t := time.NewTimer(cfg.wait)
				defer t.Stop()
				select {
				case slots <- struct{}{}:
				case <-c.Request().Context().Done():
					return c.Request().Context().Err() // the client has gone
				case <-t.C:
					return busy(c)
				}
			}
			// Not every writer can take a deadline (a test's recorder):
			// then the server's WriteTimeout is the bound.
			rc := http.NewResponseController(c.Response())
			_ = rc.SetWriteDeadline(time.Now().Add(cfg.write))
			var once sync.Once
			release := func() { once.Do(func() { <-slots }) }
			defer release()
			c.Set(laneKey, func() {
				release()
				_ = rc.SetWriteDeadline(time.Now().Add(cfg.outside))
			})
			c.Set(stopwatchKey, stopwatch{began: began, inLane: time.Now()})
			return next(c)
		}
	}
}

// busy is the 503 for a request that found its lane full for the whole
// wait.
func busy(c echo.Context) error {
	c.Response().Header().Set("Retry-After", "5")
	return echo.NewHTTPError(http.StatusServiceUnavailable, "Clockroom is very busy just now. Please try again in a few seconds.")
}

// readBodies reads a request's whole body (already bounded in size) before
// anything else looks at it, with its own short deadline: a client that
// sends headers and then nothing holds no lane, no session lookup and no
// database connection while it dawdles; it gets a 408.
func readBodies(limit time.Duration) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			if r.Body == nil || r.Body == http.NoBody || r.Method == http.MethodGet || r.Method == http.MethodHead {
				return next(c)
			}
			rc := http.NewResponseController(c.Response())
			_ = rc.SetReadDeadline(time.Now().Add(limit)) // not every writer can: then the server's ReadTimeout bounds it
			body, err := io.ReadAll(r.Body)
			_ = rc.SetReadDeadline(time.Time{})
			switch {
			case errors.Is(err, echo.ErrStatusRequestEntityTooLarge):
				return err
			case errors.Is(err, os.ErrDeadlineExceeded):
				c.Response().Header().Set(echo.HeaderConnection, "close")
				return echo.NewHTTPError(http.StatusRequestTimeout, "The request took too long to arrive. Please try again.")
			case err != nil:
				return echo.NewHTTPError(http.StatusBadRequest, "The request could not be read. Please try again.")
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			return next(c)
		}
	}
}

// bodyWait is how long a request's body may take to arrive.
const bodyWait = 5 * time.Second
