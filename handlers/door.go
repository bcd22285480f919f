package handlers

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/clockroom/clockroom/models"
)

// doorPage shows the door: camera, scanner input, name search, walk-ins and
// the room count.
func (a *App) doorPage(c echo.Context) error {
	e, venue, err := a.managedEventAndVenue(c)
	if err != nil {
		return err
	}
	now, loc := a.now(), venue.Location()
	opens := e.StartsAt.Add(-models.DoorOpensBefore)
	return a.render(c, http.StatusOK, "door", page{Title: "Door: " + e.Title, Kiosk: true, Data: map[string]any{
		"Event": e, "Loc": loc, "Staff": currentUser(c).IsStaff(),
		"BeforeDoor": now.Before(opens), "OpensAt": opens, "Over": !now.Before(e.EndsAt),
		"Today": opens.In(loc).Format(time.DateOnly) == now.In(loc).Format(time.DateOnly),
	}})
}

// scanRequest is the JSON a door device posts.
type scanRequest struct {
	Code string `json:"code"`
	// RSVPID admits a guest found by name: the door's search gives the
	// host RSVP ids, never ticket codes.
	RSVPID      int64  `json:"rsvp_id"`
	Direction   string `json:"direction"`
	Key         string `json:"key"`          // the device's idempotency key for this scan
	ScannedAt   string `json:"scanned_at"`   // RFC 3339; set for scans queued while offline
	AdmitAnyway bool   `json:"admit_anyway"` // staff admit a waitlisted guest
	// OverrideReason is staff's reason to admit a ticket holder over the
	// room's limit (audited).
	OverrideReason string `json:"override_reason"`
}

// scan is POST /api/v1/events/{id}/scan: admit or check out a ticket, by
// its code or, for a guest found by name, by the RSVP's id.
func (a *App) scan(c echo.Context) error {
	e, err := a.managedEvent(c)
	handlerAt := time.Now()
	if err != nil {
		return err
	}
	var in scanRequest
	if err := c.Bind(&in); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "Send JSON like {\"code\": \"...\", \"direction\": \"in\"}.")
	}
	u := currentUser(c)
	req := models.ScanRequest{EventID: e.ID, Event: &e, Direction: in.Direction, Key: in.Key, Device: deviceName(c),
		ActorID: u.ID, AdmitWaitlisted: in.AdmitAnyway && u.IsStaff()}
	if reason := strings.TrimSpace(in.OverrideReason); reason != "" {
		if !u.IsStaff() {
			return apiRefusal(c, http.StatusForbidden, apiError{Error: "Only venue staff can admit over the room's limit.", Field: "override_reason"})
		}
		if !maxChars(reason, 500) || !oneLine(reason) {
			return apiRefusal(c, http.StatusUnprocessableEntity, apiError{Error: "Give the reason on one line, in up to 500 characters.", Field: "override_reason"})
		}
		req.Override = reason
	}
	if req.Direction == "" {
		req.Direction = models.ScanIn
	}
	if req.Direction != models.ScanIn && req.Direction != models.ScanOut {
		return apiRefusal(c, http.StatusUnprocessableEntity, apiError{Error: `direction must be "in" or "out"`, Field: "direction"})
	}
	if req.Key == "" {
		req.Key = randomKey()
	} else if len(req.Key) < 8 || len(req.Key) > 100 {
		return apiRefusal(c, http.StatusUnprocessableEntity, apiError{Error: "key must be 8 to 100 characters", Field: "key"})
	}
	if in.ScannedAt != "" { // a queued scan, timed by the device; a live one is timed by the store
		if req.At, err = time.Parse(time.RFC3339Nano, in.ScannedAt); err != nil {
			return apiRefusal(c, http.StatusUnprocessableEntity, apiError{Error: "scanned_at must be an RFC 3339 time", Field: "scanned_at"})
		}
		req.Queued = true
	}
	code := ticketCode(in.Code)
	if code != "" && in.RSVPID != 0 {
		return apiRefusal(c, http.StatusUnprocessableEntity, apiError{Error: "Send a code or an rsvp_id, not both.", Field: "rsvp_id"})
	}
	req.RSVPID = in.RSVPID
	if id, ok := a.store.Tickets.Verify(code); ok {
		req.TicketID = id
	} else if short, ok := models.ShortCode(code); ok {
		id, err := a.store.TicketByShortCode(c.Request().Context(), e.ID, short, a.doorSession(c))
		switch {
		case errors.Is(err, models.ErrTooManyMisses):
			c.Response().Header().Set("Retry-After", "600")
			return apiRefusal(c, http.StatusTooManyRequests, apiError{Result: "rejected", Field: "code",
				Error: "Too many wrong codes from this door: scan the QR or search the name, or try a code again in 10 minutes."})
		case errors.Is(err, models.ErrAmbiguousCode):
			return apiRefusal(c, http.StatusConflict, apiError{Result: "rejected", Field: "code",
				Error: "Two tickets tonight share this code: scan the QR or search the name."})
		case err == nil:
			req.TicketID = id
		case !errors.Is(err, models.ErrNotFound):
			return err
		}
	}
	resp, err := a.billing.Scan(c.Request().Context(), req)
	var late *models.ScanTimeError
	if errors.As(err, &late) {
		return apiRefusal(c, http.StatusUnprocessableEntity, apiError{Result: "rejected", Error: scanTimeWords(late.Why), Field: "scanned_at", Attendee: late.Who})
	}
	if err != nil {
		return err
	}
	resp.CanAdmitAnyway = resp.CanAdmitAnyway && u.IsStaff()
	if resp.Message == "" { // scans stored before the words moved here keep theirs
		resp.Message = scanWords(resp, func() *time.Location { return a.location(c.Request().Context()) })
	}
	scanTiming(c, handlerAt, resp.Took)
	return c.JSON(http.StatusOK, resp)
}

// apiError is the JSON body of a refused API request.
type apiError struct {
	Result    string           `json:"result,omitempty"`
	Error     string           `json:"error"`
	Field     string           `json:"field,omitempty"`
	Attendee  *models.Attendee `json:"attendee,omitempty"` // whom a refused scan was of, when known
	RequestID string           `json:"request_id"`
}

// apiRefusal answers an API request with e, the API's one shape of error
// (handleError answers the others in it too), and the request's id.
func apiRefusal(c echo.Context, status int, e apiError) error {
	e.RequestID = requestID(c)
	return c.JSON(status, e)
}

// doorStats is GET /api/v1/events/{id}/stats: the live room count.
func (a *App) doorStats(c echo.Context) error {
	e, err := a.managedEvent(c)
	if err != nil {
		return err
	}
	st, err := a.store.DoorStats(c.Request().Context(), e.ID)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, st)
}

// doorGuest is one match of the door's name search. It carries the RSVP's
// id, which the scan API admits, and never the ticket code: a code opens
// the guest's own pages.
type doorGuest struct {
	RSVPID           int64  `json:"rsvp_id"`
	Name             string `json:"name"`
	Status           string `json:"status"`
	WaitlistPosition int    `json:"waitlist_position,omitempty"`
	Inside           bool   `json:"inside"`
}

// searchGuests is GET /api/v1/events/{id}/guests?q=: find guests by name or email.
func (a *App) searchGuests(c echo.Context) error {
	e, err := a.managedEvent(c)
	if err != nil {
		return err
	}
	q := strings.TrimSpace(c.QueryParam("q"))
	out := []doorGuest{}
	if len([]rune(q)) < 2 {
		return c.JSON(http.StatusOK, out)
	}
	gs, err := a.store.SearchGuests(c.Request().Context(), e.ID, q)
	if err != nil {
		return err
	}
	for _, g := range gs {
		out = append(out, doorGuest{RSVPID: g.RSVPID, Name: g.Name, Status: g.Status, WaitlistPosition: g.WaitlistPosition, Inside: g.Inside})
	}
	return c.JSON(http.StatusOK, out)
}

// walkInRequest is the JSON for a guest without an RSVP.
type walkInRequest struct {
	Name           string `json:"name"`
	Email          string `json:"email"`
	OverrideReason string `json:"override_reason"` // staff only: admit over the room's limit
}

// walkIn is POST /api/v1/events/{id}/walkins: admit a guest without an RSVP
// while the room has space.
func (a *App) walkIn(c echo.Context) error {
	e, venue, err := a.managedEventAndVenue(c)
	if err != nil {
		return err
	}
	var in walkInRequest
	if err := c.Bind(&in); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "Send JSON like {\"name\": \"...\"}.")
	}
	in.Name, in.Email, in.OverrideReason = strings.TrimSpace(in.Name), strings.TrimSpace(in.Email), strings.TrimSpace(in.OverrideReason)
	switch {
	case in.Name == "" || !maxChars(in.Name, models.MaxNameLength) || !oneLine(in.Name):
		return apiRefusal(c, http.StatusUnprocessableEntity, apiError{Error: "Enter the guest's name on one line (up to 100 characters).", Field: "name"})
	case in.Email != "" && !validEmail(models.NormalizeEmail(in.Email)):
		return apiRefusal(c, http.StatusUnprocessableEntity, apiError{Error: "Enter an email address like name@example.com, or leave it empty.", Field: "email"})
	case in.OverrideReason != "" && !currentUser(c).IsStaff():
		return apiRefusal(c, http.StatusForbidden, apiError{Error: "Only venue staff can admit over the room's limit.", Field: "override_reason"})
	}
	v, err := a.store.WalkIn(c.Request().Context(), models.WalkInRequest{EventID: e.ID, Name: in.Name, Email: in.Email,
		ActorID: currentUser(c).ID, Device: deviceName(c), Override: in.OverrideReason})
	var full *models.RoomFullError
	var closed *models.RSVPClosedError
	switch {
	case errors.As(err, &full):
		return apiRefusal(c, http.StatusConflict, apiError{Result: "room_full", Error: roomFullWords(full, currentUser(c).IsStaff(), venue.Location())})
	case errors.As(err, &closed):
		return apiRefusal(c, http.StatusConflict, apiError{Result: models.ResultNotOpen, Error: closedWords(closed.Why, closed.Event, time.UTC)}) // the door names no time
	case err != nil:
		return err
	}
	resp := models.ScanResponse{Result: models.ResultAdmitted,
		Attendee: &models.Attendee{Name: v.GuestName, Status: "walk_in"}, Visit: &models.VisitInfo{ID: v.ID, CheckedInAt: v.CheckedInAt}}
	resp.Message = scanWords(resp, venue.Location)
	return c.JSON(http.StatusOK, resp)
}

// ticketCode takes the code out of what a scanner read: the code itself, or
// a ticket URL that holds it.
func ticketCode(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndex(s, "/tickets/"); i >= 0 {
		s = s[i+len("/tickets/"):]
		if j := strings.IndexAny(s, "/?#"); j >= 0 {
			s = s[:j]
		}
	}
	return s
}

// doorSession names the signed-in session a door device runs in, for the
// short-code guessing limit, without keeping its token.
func (a *App) doorSession(c echo.Context) string {
	sum := sha256.Sum256([]byte(a.sessions.Token(c.Request().Context())))
	return hex.EncodeToString(sum[:8])
}

// deviceName is the door device's own name for itself, for the audit trail.
func deviceName(c echo.Context) string {
	d := strings.TrimSpace(c.Request().Header.Get("X-Door-Device"))
	if len(d) > 60 {
		d = d[:60]
	}
	return d
}

func randomKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "srv-" + hex.EncodeToString(b)
}
