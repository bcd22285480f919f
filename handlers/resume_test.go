package handlers

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/clockroom/clockroom/models"
)

// A guest who goes out and comes back the same night has one bill: one
// grace period, one minimum and one daily cap across their stays, minutes
// summed; the entry says it resumed, with what is still unpaid.
func TestReentryResumesTheNightsBill(t *testing.T) {
	ta, e, at, scan := resumeDoor(t)
	amount := func(body map[string]any) float64 { return body["visit"].(map[string]any)["amount"].(float64) }

	// Ada: 30 minutes (the £3.00 minimum), out, back, 30 minutes more: the
	// night is 60 minutes, £4.80, so the second stay is £1.80.
	ada := ta.ticket(t, e, ta.user(t, "ada@example.com", models.RoleAttendee))
	at(-85) // the door opened an hour before the night, at -90
	if body := scan(ada, "in"); body["resumed"] != nil {
		t.Fatalf("a first entry is not resumed: %v", body)
	}
	at(-55)
	if body := scan(ada, "out"); amount(body) != 300 {
		t.Fatalf("first stay: %v", body)
	}
	at(-40)
	body := scan(ada, "in")
	owed, _ := body["outstanding"].(map[string]any)
	if body["result"] != "admitted" || body["resumed"] != true || owed["amount"] != float64(300) || !strings.Contains(body["message"].(string), "£3.00 from earlier is still to pay") {
		t.Fatalf("re-entry: %v", body)
	}
	at(-20)
	if inside, _ := ta.store.InsideNow(t.Context()); len(inside) != 1 || inside[0].Bill.Amount != 100 {
		t.Fatalf("running bill of the second stay: %+v", inside) // 50 minutes in all, £4.00, less £3.00
	}
	at(-10)
	body = scan(ada, "out")
	visit := body["visit"].(map[string]any)
	if visit["amount"] != float64(180) || visit["minutes"] != float64(30) {
		t.Fatalf("second stay: %v", visit)
	}

	// Bob: a 3-minute visit inside the free minutes, then 10 minutes: one
	// grace period for the night, so 13 minutes at the £3.00 minimum.
	bob := ta.ticket(t, e, ta.user(t, "bob@example.com", models.RoleAttendee))
	at(-60)
	scan(bob, "in")
	at(-57)
	if body := scan(bob, "out"); amount(body) != 0 {
		t.Fatalf("a stay in the free minutes: %v", body)
	}
	at(-50)
	scan(bob, "in")
	at(-40)
	if body := scan(bob, "out"); amount(body) != 300 {
		t.Fatalf("the free minutes came twice: %v", body)
	}

	// Cy, under a £10.00 daily cap: 100 minutes (£8.00), then 60 more: one
	// cap for the night, so the second stay is £2.00.
	ta.store.DB.MustExec(`UPDATE venues SET daily_cap = 1000`)
	cy := ta.ticket(t, e, ta.user(t, "cy@example.com", models.RoleAttendee))
	at(-85)
	scan(cy, "in")
	at(15)
	if body := scan(cy, "out"); amount(body) != 800 {
		t.Fatalf("100 minutes: %v", body)
	}
	at(20)
	scan(cy, "in")
	at(80)
	if body := scan(cy, "out"); amount(body) != 200 {
		t.Fatalf("the cap came twice: %v", body)
	}
	var night int64
	ta.store.DB.Get(&night, `SELECT sum(amount) FROM visits v JOIN rsvps r ON r.id = v.rsvp_id JOIN users u ON u.id = r.user_id WHERE u.email = 'cy@example.com'`)
	if night != 1000 {
		t.Fatalf("cy's night came to %d, want the cap 1000", night)
	}
}

// A resumed stay's exit says what the stay added and the night's total, and
// where the night stands; a first stay's exit keeps its words.
func TestResumedExitSaysWhatTheStayAddedAndTheNight(t *testing.T) {
	ta, e, at, scan := resumeDoor(t)
	// A first stay of 10 minutes: the £3.00 minimum, worded as before. Ann
	// pays it in cash; Bob does not.
	ann := ta.ticket(t, e, ta.user(t, "ann@example.com", models.RoleAttendee))
	bob := ta.ticket(t, e, ta.user(t, "bob@example.com", models.RoleAttendee))
	at(-80)
	scan(ann, "in")
	scan(bob, "in")
	at(-70)
	first := scan(ann, "out")
	if first["message"] != "Goodbye, ann: 10 minutes, £3.00." {
		t.Fatalf("a first stay's exit: %v", first)
	}
	scan(bob, "out")
	visit := int64(first["visit"].(map[string]any)["id"].(float64))
	if _, err := ta.store.CreatePayment(t.Context(), models.NewPayment{VisitID: visit, Method: models.PayCash}); err != nil {
		t.Fatal(err)
	}
	// Back for 6 minutes: 16 minutes in all, still the minimum.
	at(-60)
	scan(ann, "in")
	scan(bob, "in")
	at(-54)
	body := scan(ann, "out")
	v := body["visit"].(map[string]any)
	if body["message"] != "Goodbye, ann: 6 min more · £0.00 more · tonight £3.00, paid." ||
		v["resumed"] != true || v["night"] != float64(300) || v["minutes"] != float64(6) || v["amount"] != float64(0) || body["outstanding"] != nil {
		t.Fatalf("ann's second exit: %v", body)
	}
	body = scan(bob, "out")
	if owed, _ := body["outstanding"].(map[string]any); body["message"] != "Goodbye, bob: 6 min more · £0.00 more · tonight £3.00, £3.00 to pay." ||
		owed["amount"] != float64(300) {
		t.Fatalf("bob's second exit, the first stay unpaid: %v", body)
	}
	// Back again for 30 minutes: 46 minutes in all, £3.68, so £0.68 more.
	at(-50)
	scan(bob, "in")
	at(-20)
	if body := scan(bob, "out"); body["message"] != "Goodbye, bob: 30 min more · £0.68 more · tonight £3.68, £3.68 to pay." {
		t.Fatalf("bob's third exit: %v", body)
	}
}

// resumeDoor is a night at the door with the billing setup's tariff (8p a
// minute, 5 free minutes, at least £3.00, at most £24.00 a day): at moves
// the store's clock to minutes from now, scan is staff scanning a code.
func resumeDoor(t *testing.T) (*testApp, models.Event, func(minutes int), func(code, dir string) map[string]any) {
	ta, staff, e := billingSetup(t)
	base := time.Now()
	at := func(minutes int) {
		ta.store.SetClock(func() time.Time { return base.Add(time.Duration(minutes) * time.Minute) })
	}
	scan := func(code, dir string) map[string]any {
		t.Helper()
		st, body := staff.apiPost(scanPath(e), map[string]string{"code": code, "direction": dir})
		if st != http.StatusOK {
			t.Fatalf("scan %s: %d %v", dir, st, body)
		}
		return body
	}
	return ta, e, at, scan
}
