package handlers

import (
	"database/sql/driver"
	"errors"
	"net"
	"net/http"
	"strconv"
	"syscall"

	"github.com/labstack/echo/v4"
	"github.com/lib/pq"

	"github.com/clockroom/clockroom/models"
)

// friendly are the words people see for each status when a handler gave none.
var friendly = map[int]string{
	http.StatusBadRequest:            "That request did not make sense to us.",
	http.StatusUnauthorized:          "Sign in to continue.",
	http.StatusForbidden:             "Your account cannot do that.",
	http.StatusNotFound:              "There is nothing here. The link may be old, or the night may have been removed.",
	http.StatusMethodNotAllowed:      "That page cannot be used this way.",
	http.StatusConflict:              "That cannot be done now: something changed. Reload the page and try again.",
	http.StatusUnprocessableEntity:   "Something in the form was not right. Check it and try again.",
	http.StatusRequestEntityTooLarge: "That was more than we can take in one go.",
	http.StatusTooManyRequests:       "Too many attempts. Wait a little and try again.",
	http.StatusInternalServerError:   "Something went wrong on our side. It has been logged; please try again.",
	http.StatusServiceUnavailable:    "Clockroom is not ready just now. Please try again in a moment.",
}

// handleError is Echo's one error handler. Expected errors (echo.HTTPError
// below 500) show their message; anything else is logged once with the
// request id and shown as a generic page that carries that id.
func (a *App) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, msg := http.StatusInternalServerError, ""
	var he *echo.HTTPError
	if s, ok := kindStatus[models.KindOf(err)]; ok {
		// A refusal's sentence is for people; any other model text is not,
		// and the words come from friendly.
		status, msg = s, ""
		if said, ok := models.Refused(err); ok {
			msg = said
		}
		if status == http.StatusServiceUnavailable {
			c.Response().Header().Set("Retry-After", "30")
		}
	} else if databaseDown(err) {
		// Not our bug but a passing outage (a restart, a failover): say
		// when to try again, and the door queues its scans meanwhile.
		status, msg = http.StatusServiceUnavailable, "Clockroom cannot reach its database just now. Please try again in a moment."
		c.Response().Header().Set("Retry-After", "5")
	} else if errors.As(err, &he) {
		status = he.Code
		if m, ok := he.Message.(string); ok && (status < 500 || status == http.StatusServiceUnavailable) {
			msg = m
		}
	}
	if msg == "" || msg == http.StatusText(status) {
		msg = friendly[status]
		if msg == "" {
			msg = http.StatusText(status)
		}
	}
	if status >= 500 {
		a.log.Error("request failed", "id", requestID(c), "method", c.Request().Method,
			"route", c.Path(), "uri", redactURI(c.Request().RequestURI), "error", err)
	}
	var werr error
	switch {
	case c.Request().Method == http.MethodHead:
		werr = c.NoContent(status)
	case answersJSON(c):
		werr = c.JSON(status, apiError{Error: msg, RequestID: requestID(c)})
	default:
		werr = a.render(c, status, "error", page{Title: http.StatusText(status), Data: errorPage{Status: status, Message: msg}})
	}
	if werr != nil {
		a.log.Error("write error page", "id", requestID(c), "error", werr)
		_ = c.String(status, msg+" (request "+requestID(c)+")")
	}
}

type errorPage struct {
	Status  int
	Message string
}

// databaseDown reports whether err says the database cannot be reached or
// is shutting down or starting, rather than that a query was wrong.
func databaseDown(err error) bool {
	var op *net.OpError
	var pqErr *pq.Error
	switch {
	case errors.Is(err, driver.ErrBadConn), errors.As(err, &op), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET):
		return true
	case errors.As(err, &pqErr):
		// 08: connection exceptions; 57P01-03: shutting down, crashed, starting.
		return pqErr.Code.Class() == "08" || pqErr.Code == "57P01" || pqErr.Code == "57P02" || pqErr.Code == "57P03"
	}
	return false
}

// kindStatus maps each kind of model error to its HTTP status, once.
var kindStatus = map[models.Kind]int{
	models.KindNotFound:    http.StatusNotFound,
	models.KindConflict:    http.StatusConflict,
	models.KindInvalid:     http.StatusUnprocessableEntity,
	models.KindForbidden:   http.StatusForbidden,
	models.KindUnavailable: http.StatusServiceUnavailable,
}

// pathID reads the :id path parameter; a malformed one is a 404, as a
// missing row is (listmonk's hasID).
func pathID(c echo.Context) (int64, error) { return parseID(c.Param("id")) }

// parseID reads an id from a path; anything but a positive number is a 404.
func parseID(raw string) (int64, error) {
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return 0, echo.ErrNotFound
	}
	return id, nil
}
