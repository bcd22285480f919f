package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/clockroom/clockroom/models"
)

// A guest who left without paying is emailed the bill, sees it on My
// tickets and their ticket, pays it themselves on Stripe's page, and gets
// a receipt; a refund sends another.
func TestGuestPaysNowAndGetsReceipts(t *testing.T) {
	ta, staff, e := billingSetup(t)
	now := time.Now()
	ta.store.SetClock(func() time.Time { return now })
	visit, code := admitted(t, ta, e, "ada@example.com", now.Add(-60*time.Minute))
	st, body := staff.apiPost(scanPath(e), map[string]string{"code": code, "direction": "out"})
	if pay, _ := body["payment"].(map[string]any); st != http.StatusOK || pay["status"] != "unpaid" {
		t.Fatalf("exit: %d %v", st, body)
	}
	ms, _ := ta.store.MessagesTo(t.Context(), "ada@example.com")
	bill := ms[len(ms)-1]
	if bill.Kind != models.MsgBillDue || !strings.Contains(bill.Subject, "£4.80") || !strings.Contains(bill.Body, ta.ticketURL(code)) ||
		!strings.Contains(bill.Body, "60 minutes: £4.80") {
		t.Fatalf("bill email: %+v", bill)
	}

	ada := ta.client(t)
	ada.login("ada@example.com")
	wantBody(t, ada.get("/me/tickets"), "To pay", "Pay £4.80 now")
	wantBody(t, ada.get("/tickets/"+code), "To pay", "Pay £4.80 now")

	// Pay now opens Stripe's page for the exact amount; again, the same page.
	pay := func() string {
		res := ada.post("/tickets/"+code+"/pay", url.Values{"visit": {fmt.Sprint(visit)}})
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "https://checkout.stripe.test/c/pay/") {
			t.Fatalf("pay now: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		return res.Header.Get("Location")
	}
	if first, again := pay(), pay(); first != again {
		t.Fatalf("a second click opened another page: %s, %s", first, again)
	}
	ps, _ := ta.store.VisitPayments(t.Context(), visit)
	if len(ps) != 1 || ps[0].Method != models.PayByPhone || ps[0].Amount != 480 || ps[0].Status != models.PaymentPending {
		t.Fatalf("payments: %+v", ps)
	}
	// Another ticket's code cannot pay (or see) this bill.
	other := ta.ticket(t, e, ta.user(t, "bob@example.com", models.RoleAttendee))
	res := ada.post("/tickets/"+other+"/pay", url.Values{"visit": {fmt.Sprint(visit)}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/tickets/"+other {
		t.Fatalf("paying another ticket's bill: %d %s", res.StatusCode, res.Header.Get("Location"))
	}

	ta.sendWebhook(t, "evt_paid", "checkout.session.completed", map[string]any{"status": "complete", "id": *ps[0].CheckoutSession, "mode": "payment",
		"payment_intent": "pi_ada", "amount_total": 480, "currency": "gbp", "client_reference_id": fmt.Sprint(ps[0].ID), "payment_status": "paid"}, testWebhookSecret, time.Now())
	ms, _ = ta.store.MessagesTo(t.Context(), "ada@example.com")
	receipt := ms[len(ms)-1]
	if receipt.Kind != models.MsgReceipt || !strings.Contains(receipt.Body, "Paid: £4.80, by card") || !strings.Contains(receipt.Body, fmt.Sprintf("Receipt number: %d", ps[0].ID)) {
		t.Fatalf("receipt: %+v", receipt)
	}
	if strings.Contains(ada.get("/me/tickets").body, "To pay") {
		t.Fatal("a paid bill is still shown as to pay")
	}
	// Stripe confirms a refund (twice, as it may): one refund email.
	for range 2 {
		ta.sendWebhook(t, "evt_refund", "charge.refunded", map[string]any{"id": "ch_ada", "payment_intent": "pi_ada", "amount": 480, "amount_refunded": 100, "currency": "gbp"}, testWebhookSecret, time.Now())
	}
	ta.sendWebhook(t, "evt_refund_again", "charge.refunded", map[string]any{"id": "ch_ada", "payment_intent": "pi_ada", "amount": 480, "amount_refunded": 100, "currency": "gbp"}, testWebhookSecret, time.Now())
	ms, _ = ta.store.MessagesTo(t.Context(), "ada@example.com")
	var refunds int
	for _, m := range ms {
		if m.Kind == models.MsgRefund {
			refunds++
			if !strings.Contains(m.Body, "refunded £1.00 of your £4.80 payment") {
				t.Fatalf("refund email: %s", m.Body)
			}
		}
	}
	if refunds != 1 {
		t.Fatalf("%d refund emails, want 1", refunds)
	}
}

// Cash at the counter sends a receipt; a waiver sends none; a cash refund
// says so.
func TestCounterPaymentsSendReceipts(t *testing.T) {
	ta, staff, e := billingSetup(t)
	ada := closedVisit(t, ta, e, "ada@example.com", "")
	bob := closedVisit(t, ta, e, "bob@example.com", "")
	// The payment, its audit entry and its receipt carry the store's clock
	// (they once carried year 1).
	paidAt := time.Now().UTC().Truncate(time.Minute).Add(2 * time.Minute)
	ta.store.SetClock(func() time.Time { return paidAt })
	staff.post(fmt.Sprintf("/staff/visits/%d/payments", ada), url.Values{"method": {"cash"}})
	venue, _ := ta.store.Venue(t.Context())
	if ms, _ := ta.store.MessagesTo(t.Context(), "ada@example.com"); !strings.Contains(ms[len(ms)-1].Body, "on "+paidAt.In(venue.Location()).Format("Mon 2 Jan 2006, 15:04")+".") {
		t.Fatalf("the receipt does not say when it was paid (%s):\n%s", paidAt, ms[len(ms)-1].Body)
	}
	var audited time.Time
	ta.store.DB.Get(&audited, `SELECT created_at FROM audit_log WHERE action = 'payment.cash' ORDER BY id DESC LIMIT 1`)
	if cash, _ := ta.store.VisitPayments(t.Context(), ada); len(cash) != 1 || !cash[0].CreatedAt.Equal(paidAt) || !audited.Equal(paidAt) {
		t.Fatalf("the cash payment's times: %+v, audited at %s; want %s", cash, audited, paidAt)
	}
	staff.post(fmt.Sprintf("/staff/visits/%d/payments", bob), url.Values{"method": {"waived"}, "note": {"birthday"}})
	kinds := func(email string) []string {
		ms, _ := ta.store.MessagesTo(t.Context(), email)
		var ks []string
		for _, m := range ms {
			ks = append(ks, m.Kind)
		}
		return ks
	}
	if ks := kinds("ada@example.com"); ks[len(ks)-1] != models.MsgReceipt {
		t.Fatalf("ada's mail after cash: %v", ks)
	}
	if ks := kinds("bob@example.com"); ks[len(ks)-1] == models.MsgReceipt {
		t.Fatalf("a waiver sent a receipt: %v", ks)
	}
	ps, _ := ta.store.VisitPayments(t.Context(), ada)
	staff.post(fmt.Sprintf("/staff/payments/%d/refund", ps[0].ID), url.Values{"amount": {"1.50"}})
	ms, _ := ta.store.MessagesTo(t.Context(), "ada@example.com")
	if last := ms[len(ms)-1]; last.Kind != models.MsgRefund || !strings.Contains(last.Body, "refunded £1.50") || !strings.Contains(last.Body, "in cash") {
		t.Fatalf("cash refund email: %+v", last)
	}
}

// A guest in the room cannot cancel the seat they are using: the ticket
// offers no cancel button and a forced request is refused with a reason.
func TestCancelWhileInsideIsRefused(t *testing.T) {
	ta, _, e := billingSetup(t)
	_, code := admitted(t, ta, e, "ada@example.com", time.Now().Add(-10*time.Minute))
	ada := ta.client(t)
	ada.login("ada@example.com")
	page := ada.get("/tickets/" + code)
	wantBody(t, page, "so far")
	if strings.Contains(page.body, "Cancel my seat") {
		t.Fatal("the ticket of a guest inside offers to cancel the seat")
	}
	ada.post("/tickets/"+code+"/cancel", nil)
	wantBody(t, ada.get("/tickets/"+code), "You are inside now, so your seat cannot be cancelled")
	r, _ := ta.store.RSVPFor(t.Context(), e.ID, mustUser(t, ta, "ada@example.com").ID)
	if r.Status != models.RSVPConfirmed {
		t.Fatalf("the seat of a guest inside was cancelled: %s", r.Status)
	}
}
