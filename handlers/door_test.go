package handlers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clockroom/clockroom/internal/testkit/testdb"
	"github.com/clockroom/clockroom/models"
)

// apiPost sends JSON with the session's CSRF token, as the door page does.
func (c *client) apiPost(path string, body any) (int, map[string]any) {
	c.t.Helper()
	return c.apiPostTo(c.base, path, body)
}

func (c *client) apiPostTo(base, path string, body any) (int, map[string]any) {
	c.t.Helper()
	if c.csrf == "" {
		c.get("/login")
	}
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, base+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", c.csrf)
	req.Header.Set("X-Door-Device", "test-door")
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

func scanPath(e models.Event) string { return fmt.Sprintf("/api/v1/events/%d/scan", e.ID) }

func wantResult(t testing.TB, status int, body map[string]any, result string) {
	t.Helper()
	if status != http.StatusOK || body["result"] != result {
		t.Fatalf("scan: %d %v, want result %q", status, body, result)
	}
}

func TestScanResults(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venue(t)
	host, hostUser := ta.signedIn(t, "host@example.com", models.RoleHost)
	e := ta.tonight(t, v, hostUser, 1)
	ada := ta.ticket(t, e, ta.user(t, "ada@example.com", models.RoleAttendee))
	wait := ta.ticket(t, e, ta.user(t, "wes@example.com", models.RoleAttendee))
	gone := ta.user(t, "gil@example.com", models.RoleAttendee)
	other := ta.event(t, v, hostUser, "Tomorrow's night", 5)
	otherTicket := ta.ticket(t, other, gone)

	st, body := host.apiPost(scanPath(e), map[string]string{"code": ada, "direction": "in"})
	wantResult(t, st, body, "admitted")
	if body["attendee"].(map[string]any)["name"] != "ada" || body["visit"] == nil {
		t.Fatalf("admitted body %v", body)
	}
	st, body = host.apiPost(scanPath(e), map[string]string{"code": ta.ticketURL(ada), "direction": "in"})
	wantResult(t, st, body, "already_inside")
	st, body = host.apiPost(scanPath(e), map[string]string{"code": wait, "direction": "in"})
	wantResult(t, st, body, "waitlisted")
	if body["can_admit_anyway"] == true {
		t.Fatal("only staff are offered admit anyway")
	}
	st, body = host.apiPost(scanPath(e), map[string]string{"code": otherTicket})
	wantResult(t, st, body, "wrong_event")
	if body["right_event"].(map[string]any)["title"] != "Tomorrow's night" {
		t.Fatalf("wrong_event must name the right night: %v", body)
	}
	for _, bad := range []string{"nonsense", ada[:len(ada)-3] + "AAA", ta.storeWithOtherKey().Code(models.NewTicketID()), ""} {
		st, body = host.apiPost(scanPath(e), map[string]string{"code": bad})
		wantResult(t, st, body, "not_found")
	}
	// Before the door opens for tomorrow's night.
	st, body = host.apiPost(scanPath(other), map[string]string{"code": otherTicket})
	wantResult(t, st, body, "not_open")
	// A cancelled ticket.
	r, _ := ta.store.RSVPFor(t.Context(), other.ID, gone.ID)
	ta.store.CancelRSVP(t.Context(), r.ID, gone.ID)
	ta.store.SetClock(func() time.Time { return other.StartsAt.Add(time.Minute) })
	st, body = host.apiPost(scanPath(other), map[string]string{"code": otherTicket})
	wantResult(t, st, body, "cancelled")
	ta.store.SetClock(time.Now)

	// Exit: 47 minutes later, at 8p a minute.
	ta.store.SetClock(func() time.Time { return time.Now().Add(47 * time.Minute) })
	st, body = host.apiPost(scanPath(e), map[string]string{"code": ada, "direction": "out"})
	wantResult(t, st, body, "checked_out")
	visit := body["visit"].(map[string]any)
	if pay, _ := body["payment"].(map[string]any); pay["status"] != "unpaid" || pay["amount"] != visit["amount"] || pay["currency"] != "GBP" {
		t.Fatalf("an exit with no card on file is unpaid: %v", body)
	}
	if visit["minutes"].(float64) < 47 || visit["minutes"].(float64) > 48 || !strings.HasPrefix(visit["amount_text"].(string), "£3.") {
		t.Fatalf("exit bill %v", visit)
	}
	st, body = host.apiPost(scanPath(e), map[string]string{"code": ada, "direction": "out"})
	wantResult(t, st, body, "checked_out")
	if pay, _ := body["payment"].(map[string]any); !strings.Contains(body["message"].(string), "Already checked out at ") ||
		body["already_checked_out"] != true || pay["status"] != "unpaid" || pay["amount"] != visit["amount"] {
		t.Fatalf("a second exit scan must say so, with the bill still to pay: %v", body)
	}
	if _, err := ta.store.CreatePayment(t.Context(), models.NewPayment{VisitID: int64(visit["id"].(float64)), Method: models.PayCash}); err != nil {
		t.Fatal(err)
	}
	st, body = host.apiPost(scanPath(e), map[string]string{"code": ada, "direction": "out"})
	if pay, _ := body["payment"].(map[string]any); st != http.StatusOK || pay["status"] != "paid" {
		t.Fatalf("an exit scan after paying: %d %v", st, body)
	}
	st, body = host.apiPost(scanPath(e), map[string]string{"code": wait, "direction": "out"})
	wantResult(t, st, body, "not_inside")
	st, _ = host.apiPost(scanPath(e), map[string]string{"code": ada, "direction": "sideways"})
	if st != http.StatusUnprocessableEntity {
		t.Fatalf("bad direction: %d", st)
	}

	// Staff may admit a waitlisted guest while the room has space.
	staff, _ := ta.signedIn(t, "staff@example.com", models.RoleStaff)
	st, body = staff.apiPost(scanPath(e), map[string]string{"code": wait})
	if body["can_admit_anyway"] != true {
		t.Fatalf("staff must be offered admit anyway: %v", body)
	}
	st, body = staff.apiPost(scanPath(e), map[string]any{"code": wait, "admit_anyway": true})
	wantResult(t, st, body, "admitted")
	var audits int
	ta.store.DB.Get(&audits, `SELECT count(*) FROM audit_log WHERE action = 'door.admit_waitlisted'`)
	var devices int
	ta.store.DB.Get(&devices, `SELECT count(*) FROM door_scans WHERE device = 'test-door' AND actor_id IS NOT NULL`)
	if audits != 1 || devices < 10 {
		t.Fatalf("audit: %d overrides, %d scans with device and actor", audits, devices)
	}
}

func TestScanRoleChecks(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venue(t)
	_, owner := ta.signedIn(t, "owner@example.com", models.RoleHost)
	e := ta.tonight(t, v, owner, 5)
	code := ta.ticket(t, e, ta.user(t, "ada@example.com", models.RoleAttendee))
	guest, _ := ta.signedIn(t, "g@example.com", models.RoleAttendee)
	otherHost, _ := ta.signedIn(t, "h2@example.com", models.RoleHost)
	for _, c := range []*client{guest, otherHost} {
		if st, _ := c.apiPost(scanPath(e), map[string]string{"code": code}); st != http.StatusForbidden {
			t.Fatalf("scan by a non-host: %d", st)
		}
		for _, p := range []string{"/stats", "/guests?q=ada"} {
			wantStatus(t, c.get(fmt.Sprintf("/api/v1/events/%d%s", e.ID, p)), http.StatusForbidden)
		}
		wantStatus(t, c.get(fmt.Sprintf("/host/events/%d/door", e.ID)), http.StatusForbidden)
	}
	if st, _ := ta.client(t).apiPost(scanPath(e), map[string]string{"code": code}); st != http.StatusUnauthorized {
		t.Fatalf("anonymous scan: %d", st)
	}
	owner2 := ta.client(t)
	owner2.login("owner@example.com")
	owner2.csrf = "forged"
	if st, _ := owner2.apiPost(scanPath(e), map[string]string{"code": code}); st != http.StatusForbidden {
		t.Fatalf("scan without the CSRF token: %d", st)
	}
	var visits int
	ta.store.DB.Get(&visits, `SELECT count(*) FROM visits`)
	if visits != 0 {
		t.Fatalf("refused scans made %d visits", visits)
	}
}

func TestScanRaces(t *testing.T) {
	db := testdb.New(t)
	a := newTestAppOn(t, db, nil)
	b := newTestAppOn(t, db, nil)
	v := a.venueWith(t, 500)
	host, hostUser := a.signedIn(t, "host@example.com", models.RoleHost)
	e := a.tonight(t, v, hostUser, 300)

	// 20 devices scan the same ticket at once, on two instances.
	code := a.ticket(t, e, a.user(t, "ada@example.com", models.RoleAttendee))
	var wg sync.WaitGroup
	results := make(chan string, 20)
	for i := range 20 {
		base := []string{a.srv.URL, b.srv.URL}[i%2]
		wg.Go(func() {
			_, body := host.apiPostTo(base, scanPath(e), map[string]string{"code": code})
			results <- fmt.Sprint(body["result"])
		})
	}
	wg.Wait()
	close(results)
	count := map[string]int{}
	for r := range results {
		count[r]++
	}
	if count["admitted"] != 1 || count["already_inside"] != 19 {
		t.Fatalf("20 scans of one ticket: %v", count)
	}

	// 50 door devices admit 200 different guests at once.
	codes := make([]string, 200)
	for i := range codes {
		codes[i] = a.ticket(t, e, a.user(t, fmt.Sprintf("g%03d@example.com", i), models.RoleAttendee))
	}
	failures := make(chan string, 200)
	for d := range 50 {
		base := []string{a.srv.URL, b.srv.URL}[d%2]
		wg.Go(func() {
			for _, c := range codes[d*4 : d*4+4] {
				if _, body := host.apiPostTo(base, scanPath(e), map[string]string{"code": c}); body["result"] != "admitted" {
					failures <- fmt.Sprint(body)
				}
			}
		})
	}
	wg.Wait()
	close(failures)
	for f := range failures {
		t.Fatal(f)
	}
	var visits int
	a.store.DB.Get(&visits, `SELECT count(*) FROM visits WHERE event_id = $1`, e.ID)
	st, _ := a.store.DoorStats(t.Context(), e.ID)
	if visits != 201 || st.InsideNow != 201 || st.Arrived != 201 || st.Confirmed != 201 || st.NotYetArrived != 0 {
		t.Fatalf("%d visits, stats %+v", visits, st)
	}
	stats := host.get(fmt.Sprintf("/api/v1/events/%d/stats", e.ID))
	wantBody(t, stats, `"inside_now":201`, `"arrived":201`)
}

func TestOfflineScansSyncOnceWithTheirTimes(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venue(t)
	host, hostUser := ta.signedIn(t, "host@example.com", models.RoleHost)
	e := ta.tonight(t, v, hostUser, 5)
	ada := ta.ticket(t, e, ta.user(t, "ada@example.com", models.RoleAttendee))
	bob := ta.ticket(t, e, ta.user(t, "bob@example.com", models.RoleAttendee))
	in := time.Now().Add(-20 * time.Minute).UTC().Truncate(time.Second)
	queue := []map[string]string{
		{"code": ada, "direction": "in", "key": "offline-0001", "scanned_at": in.Format(time.RFC3339)},
		{"code": bob, "direction": "in", "key": "offline-0002", "scanned_at": in.Add(time.Minute).Format(time.RFC3339)},
		{"code": ada, "direction": "out", "key": "offline-0003", "scanned_at": in.Add(13 * time.Minute).Format(time.RFC3339)},
	}
	for round := range 2 { // the device syncs, loses the answers, and syncs again
		for i, s := range queue {
			st, body := host.apiPost(scanPath(e), s)
			want := []string{"admitted", "admitted", "checked_out"}[i]
			wantResult(t, st, body, want)
			if round == 1 && body["replayed"] != true {
				t.Fatalf("the second sync must replay the first answer: %v", body)
			}
		}
	}
	var vs []struct {
		In      time.Time  `db:"checked_in_at"`
		Out     *time.Time `db:"checked_out_at"`
		Minutes *int       `db:"billed_minutes"`
	}
	ta.store.DB.Select(&vs, `SELECT checked_in_at, checked_out_at, billed_minutes FROM visits ORDER BY id`)
	if len(vs) != 2 || !vs[0].In.Equal(in) || !vs[1].In.Equal(in.Add(time.Minute)) || vs[0].Out == nil || !vs[0].Out.Equal(in.Add(13*time.Minute)) || *vs[0].Minutes != 13 {
		t.Fatalf("visits %+v", vs)
	}
	// Synced 20 minutes late: accepted, and flagged for staff to check.
	var flagged int
	ta.store.DB.Get(&flagged, `SELECT count(*) FROM visits WHERE needs_review`)
	if flagged != 2 {
		t.Fatalf("%d visits flagged for review, want both late ones", flagged)
	}
	staff, _ := ta.signedIn(t, "staff@example.com", models.RoleStaff)
	wantBody(t, staff.get("/staff/live"), "check time")
	// A device clock a minute fast is read as now: no time is stored ahead
	// of the server's clock.
	cy := ta.ticket(t, e, ta.user(t, "cy@example.com", models.RoleAttendee))
	st, body := host.apiPost(scanPath(e), map[string]string{"code": cy, "direction": "in", "key": "offline-fast", "scanned_at": time.Now().Add(time.Minute).Format(time.RFC3339)})
	wantResult(t, st, body, "admitted")
	var cyIn time.Time
	ta.store.DB.Get(&cyIn, `SELECT checked_in_at FROM visits ORDER BY id DESC LIMIT 1`)
	if cyIn.After(time.Now()) {
		t.Fatalf("a fast device clock stored %v, after now", cyIn)
	}

	for _, bad := range []struct{ at, reason string }{
		{time.Now().Add(time.Hour).Format(time.RFC3339), "in the future"},
		{e.StartsAt.Add(-2 * time.Hour).Format(time.RFC3339), "before the door opened"},
		{"yesterday", "RFC 3339"},
	} {
		st, body := host.apiPost(scanPath(e), map[string]string{"code": bob, "direction": "out", "key": "bad-" + bad.reason, "scanned_at": bad.at})
		if st != http.StatusUnprocessableEntity || !strings.Contains(fmt.Sprint(body["error"]), bad.reason) {
			t.Fatalf("scan at %s: %d %v", bad.at, st, body)
		}
	}
	var open int
	ta.store.DB.Get(&open, `SELECT count(*) FROM visits WHERE checked_out_at IS NULL`)
	if open != 2 {
		t.Fatal("a rejected scan changed a visit")
	}
}

func TestWalkIns(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venueWith(t, 2)
	host, hostUser := ta.signedIn(t, "host@example.com", models.RoleHost)
	staff, _ := ta.signedIn(t, "staff@example.com", models.RoleStaff)
	e := ta.tonight(t, v, hostUser, 2)
	path := fmt.Sprintf("/api/v1/events/%d/walkins", e.ID)

	if st, body := host.apiPost(path, map[string]string{"name": " "}); st != http.StatusUnprocessableEntity || body["field"] != "name" {
		t.Fatalf("nameless walk-in: %d %v", st, body)
	}
	if st, body := host.apiPost(path, map[string]string{"name": "Wanda", "email": "not-an-email"}); st != http.StatusUnprocessableEntity || body["field"] != "email" {
		t.Fatalf("bad email: %d %v", st, body)
	}
	for _, name := range []string{"Wanda", "Walt"} {
		st, body := host.apiPost(path, map[string]string{"name": name})
		wantResult(t, st, body, "admitted")
	}
	st, body := host.apiPost(path, map[string]string{"name": "Wes"})
	if st != http.StatusConflict || body["result"] != "room_full" {
		t.Fatalf("a full room must refuse: %d %v", st, body)
	}
	if st, _ := host.apiPost(path, map[string]string{"name": "Wes", "override_reason": "fire marshal said ok"}); st != http.StatusForbidden {
		t.Fatalf("a host cannot override: %d", st)
	}
	st, body = staff.apiPost(path, map[string]string{"name": "Wes", "override_reason": "a musician for the night"})
	wantResult(t, st, body, "admitted")
	var reason string
	ta.store.DB.Get(&reason, `SELECT detail->>'reason' FROM audit_log WHERE action = 'door.walk_in' AND detail ? 'over_limit'`)
	if reason != "a musician for the night" {
		t.Fatalf("the override was not audited: %q", reason)
	}
	st2, _ := ta.store.DoorStats(t.Context(), e.ID)
	if st2.WalkIns != 3 || st2.InsideNow != 3 {
		t.Fatalf("stats %+v", st2)
	}
}

func TestDoorNameSearch(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venue(t)
	host, hostUser := ta.signedIn(t, "host@example.com", models.RoleHost)
	e := ta.tonight(t, v, hostUser, 5)
	ta.ticket(t, e, ta.user(t, "ada.l@example.com", models.RoleAttendee))
	ta.ticket(t, e, ta.user(t, "bob@example.com", models.RoleAttendee))
	res := host.get(fmt.Sprintf("/api/v1/events/%d/guests?q=ADA", e.ID))
	var gs []doorGuest
	if err := json.Unmarshal([]byte(res.body), &gs); err != nil || len(gs) != 1 || gs[0].Name != "ada.l" || gs[0].RSVPID == 0 {
		t.Fatalf("search: %s", res.body)
	}
	wantBody(t, host.get(fmt.Sprintf("/api/v1/events/%d/guests?q=%%25", e.ID)), "[]")
	wantBody(t, host.get(fmt.Sprintf("/host/events/%d/door", e.ID)), `id="scan-input"`, `id="camera"`, "Entry", "Exit", "Add a walk-in")
}

// A scan's idempotency key is the sender's own: another account sending the
// same key gets its own scan, never the first one's answer.
func TestScanKeysBelongToTheirSender(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venue(t)
	host, hostUser := ta.signedIn(t, "host@example.com", models.RoleHost)
	staff, _ := ta.signedIn(t, "staff@example.com", models.RoleStaff)
	e := ta.tonight(t, v, hostUser, 10)
	ada := ta.ticket(t, e, ta.user(t, "ada@example.com", models.RoleAttendee))
	bob := ta.ticket(t, e, ta.user(t, "bob@example.com", models.RoleAttendee))
	st, body := host.apiPost(scanPath(e), map[string]string{"code": ada, "key": "shared-key-0001"})
	wantResult(t, st, body, "admitted")
	st, body = staff.apiPost(scanPath(e), map[string]string{"code": bob, "key": "shared-key-0001"})
	wantResult(t, st, body, "admitted")
	if who := body["attendee"].(map[string]any)["name"]; who != "bob" || body["replayed"] == true {
		t.Fatalf("another account's key answered with %v (replayed %v)", who, body["replayed"])
	}
	st, body = host.apiPost(scanPath(e), map[string]string{"code": ada, "key": "shared-key-0001"})
	if body["replayed"] != true || body["attendee"].(map[string]any)["name"] != "ada" {
		t.Fatalf("the sender's own replay: %d %v", st, body)
	}
}

// The room's limit holds for ticket holders too: at the limit a confirmed
// guest is refused, staff may admit them with a reason (audited), and a
// host may not.
func TestRoomLimitHoldsForTicketHolders(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venueWith(t, 2)
	host, hostUser := ta.signedIn(t, "host@example.com", models.RoleHost)
	staff, _ := ta.signedIn(t, "staff@example.com", models.RoleStaff)
	e := ta.tonight(t, v, hostUser, 2)
	for _, name := range []string{"Wanda", "Walt"} { // walk-ins fill the room
		if st, body := host.apiPost(fmt.Sprintf("/api/v1/events/%d/walkins", e.ID), map[string]string{"name": name}); st != http.StatusOK {
			t.Fatalf("walk-in %s: %d %v", name, st, body)
		}
	}
	ada := ta.ticket(t, e, ta.user(t, "ada@example.com", models.RoleAttendee))
	st, body := host.apiPost(scanPath(e), map[string]string{"code": ada})
	wantResult(t, st, body, "room_full")
	if body["can_admit_anyway"] == true {
		t.Fatal("a host is offered to admit over the limit")
	}
	if st, _ := host.apiPost(scanPath(e), map[string]string{"code": ada, "override_reason": "she is the speaker"}); st != http.StatusForbidden {
		t.Fatalf("a host overriding the limit: %d", st)
	}
	st, body = staff.apiPost(scanPath(e), map[string]string{"code": ada})
	if st != http.StatusOK || body["result"] != "room_full" || body["can_admit_anyway"] != true {
		t.Fatalf("staff at a full room: %d %v", st, body)
	}
	st, body = staff.apiPost(scanPath(e), map[string]string{"code": ada, "override_reason": "she is the speaker"})
	wantResult(t, st, body, "admitted")
	var audited int
	ta.store.DB.Get(&audited, `SELECT count(*) FROM audit_log WHERE action = 'door.admit_over_limit' AND detail->>'reason' = 'she is the speaker'`)
	if audited != 1 {
		t.Fatal("the override was not audited with its reason")
	}
}

// Short codes at the scan API: a right one admits; a door session that gets
// too many wrong is told to wait, even for a right one, and other door
// sessions are not.
func TestShortCodeGuessingIsLimitedPerDoorSession(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venue(t)
	host, hostUser := ta.signedIn(t, "host@example.com", models.RoleHost)
	e := ta.tonight(t, v, hostUser, 10)
	short := func(email string) string {
		t.Helper()
		id, _ := ta.store.Tickets.Verify(ta.ticket(t, e, ta.user(t, email, models.RoleAttendee)))
		tk, err := ta.store.TicketByID(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		return tk.ShortCode
	}
	ada, bob := short("ada@example.com"), short("bob@example.com")
	st, body := host.apiPost(scanPath(e), map[string]string{"code": strings.ToLower(ada[:3]) + "-" + ada[3:]})
	wantResult(t, st, body, "admitted")
	wrong := "222222"
	for wrong == bob {
		wrong = "333333"
	}
	for range models.ShortCodeMisses {
		st, body := host.apiPost(scanPath(e), map[string]string{"code": wrong})
		wantResult(t, st, body, "not_found")
	}
	st, body = host.apiPost(scanPath(e), map[string]string{"code": bob})
	if st != http.StatusTooManyRequests || !strings.Contains(fmt.Sprint(body["error"]), "Too many wrong codes") {
		t.Fatalf("a right code after %d wrong ones: %d %v", models.ShortCodeMisses, st, body)
	}
	other, _ := ta.signedIn(t, "host2@example.com", models.RoleStaff)
	st, body = other.apiPost(scanPath(e), map[string]string{"code": bob})
	wantResult(t, st, body, "admitted")
}

// A scan's answer says where its time went on the server (Server-Timing),
// for a browser's developer tools and the benchmark.
func TestScanAnswerHasServerTiming(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venue(t)
	host, hostUser := ta.signedIn(t, "host@example.com", models.RoleHost)
	e := ta.tonight(t, v, hostUser, 10)
	ada := ta.ticket(t, e, ta.user(t, "ada@example.com", models.RoleAttendee))
	host.get("/login")
	b, _ := json.Marshal(map[string]string{"code": ada})
	req, _ := http.NewRequest(http.MethodPost, host.base+scanPath(e), bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", host.csrf)
	res, err := host.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	h := res.Header.Get("Server-Timing")
	if res.StatusCode != http.StatusOK || !regexp.MustCompile(`^lane;dur=[0-9.]+, auth;dur=[0-9.]+, scan;dur=[0-9.]+, commit;dur=[0-9.]+, total;dur=[0-9.]+$`).MatchString(h) {
		t.Fatalf("%d, Server-Timing %q", res.StatusCode, h)
	}
}

// A guest found by name is admitted by RSVP id through the scan's own
// rules: the room's limit (staff override it with a reason), the waitlist,
// a repeat, the scan's key, and only guests of this night.
func TestDoorAdmitsAGuestFoundByName(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venueWith(t, 2)
	host, hostUser := ta.signedIn(t, "host@example.com", models.RoleHost)
	staff, _ := ta.signedIn(t, "staff@example.com", models.RoleStaff)
	e := ta.tonight(t, v, hostUser, 2)
	ta.store.DB.MustExec(`UPDATE venues SET room_capacity = 1 WHERE id = $1`, v.ID) // a fire door closed
	ada := ta.ticket(t, e, ta.user(t, "ada@example.com", models.RoleAttendee))
	ta.ticket(t, e, ta.user(t, "bob@example.com", models.RoleAttendee))
	ta.ticket(t, e, ta.user(t, "wes@example.com", models.RoleAttendee)) // waitlisted
	theirs := ta.tonight(t, v, ta.user(t, "other@example.com", models.RoleHost), 5)
	stranger := ta.reserveAt(t, theirs, ta.user(t, "sam@example.com", models.RoleAttendee), time.Now())
	find := func(name string) float64 {
		t.Helper()
		res := host.get(fmt.Sprintf("/api/v1/events/%d/guests?q=%s", e.ID, name))
		var gs []map[string]any
		if err := json.Unmarshal([]byte(res.body), &gs); err != nil || len(gs) != 1 || gs[0]["name"] != name {
			t.Fatalf("search %s: %s", name, res.body)
		}
		if _, ok := gs[0]["code"]; ok {
			t.Fatalf("the search gives the ticket code: %s", res.body)
		}
		return gs[0]["rsvp_id"].(float64)
	}

	st, body := host.apiPost(scanPath(e), map[string]any{"rsvp_id": find("ada"), "key": "by-name-ada-1"})
	wantResult(t, st, body, "admitted")
	if body["attendee"].(map[string]any)["name"] != "ada" {
		t.Fatalf("admitted %v", body)
	}
	st, again := host.apiPost(scanPath(e), map[string]any{"rsvp_id": find("ada"), "key": "by-name-ada-1"})
	if st != http.StatusOK || again["replayed"] != true || again["result"] != "admitted" {
		t.Fatalf("the same key again: %d %v", st, again)
	}
	st, body = host.apiPost(scanPath(e), map[string]any{"rsvp_id": find("ada")})
	wantResult(t, st, body, "already_inside")
	st, body = host.apiPost(scanPath(e), map[string]string{"code": ada})
	wantResult(t, st, body, "already_inside")

	// The room holds one: Bob is refused, and staff admit him with a reason.
	st, body = host.apiPost(scanPath(e), map[string]any{"rsvp_id": find("bob")})
	wantResult(t, st, body, "room_full")
	st, body = staff.apiPost(scanPath(e), map[string]any{"rsvp_id": find("bob"), "override_reason": "fire door reopened"})
	wantResult(t, st, body, "admitted")
	st, body = host.apiPost(scanPath(e), map[string]any{"rsvp_id": find("wes")})
	wantResult(t, st, body, "waitlisted")

	// Another night's guest is no guest of this door, and is not named.
	st, body = host.apiPost(scanPath(e), map[string]any{"rsvp_id": stranger.ID})
	wantResult(t, st, body, "not_found")
	if body["attendee"] != nil {
		t.Fatalf("another night's guest named: %v", body)
	}
	if st, _ = host.apiPost(scanPath(e), map[string]any{"rsvp_id": find("ada"), "code": ada}); st != http.StatusUnprocessableEntity {
		t.Fatalf("a code and an RSVP id at once: %d", st)
	}

	// Exit by name closes Ada's stay.
	st, body = host.apiPost(scanPath(e), map[string]any{"rsvp_id": find("ada"), "direction": "out"})
	wantResult(t, st, body, "checked_out")
	var visits int
	ta.store.DB.Get(&visits, `SELECT count(*) FROM visits WHERE event_id = $1`, e.ID)
	if visits != 2 {
		t.Fatalf("%d visits, want Ada's and Bob's", visits)
	}
}
