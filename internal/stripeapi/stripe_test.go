package stripeapi

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/clockroom/clockroom/internal/billing"
	"github.com/clockroom/clockroom/internal/dev/stripemock"
)

// Every request the Stripe adapter builds is accepted by stripe-mock, which
// validates it against Stripe's OpenAPI spec for API version 2023-10-16
// (-strict-version-check rejects any other version).
func TestStripeRequestsAreValid(t *testing.T) {
	mock, err := stripemock.Start(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer mock.Stop()
	gw := NewStripe(stripemock.TestKey, mock.URL, 10*time.Second)
	ctx := context.Background()

	cus, err := gw.EnsureCustomer(ctx, billing.Customer{UserID: 7, Email: "ada@example.com", Name: "Ada", Key: "clockroom-customer-7"})
	if err != nil || !strings.HasPrefix(cus, "cus_") {
		t.Fatalf("customer: %q %v", cus, err)
	}
	if again, _ := gw.EnsureCustomer(ctx, billing.Customer{Existing: cus}); again != cus {
		t.Fatal("an existing customer must be reused")
	}
	setup, err := gw.SetupSession(ctx, billing.Session{CustomerID: cus, Currency: "GBP", SuccessURL: "http://localhost:8080/me/tickets?card=saved",
		CancelURL: "http://localhost:8080/me/tickets", Reference: "7", Key: "clockroom-setup-7-a"})
	if err != nil || !strings.HasPrefix(setup.ID, "cs_") {
		t.Fatalf("setup session: %+v %v", setup, err)
	}
	pay, err := gw.PaymentSession(ctx, billing.Session{Amount: 480, Currency: "GBP", Description: "Your time at Clockroom", SuccessURL: "http://localhost:8080/paid",
		CancelURL: "http://localhost:8080/", Reference: "12", Key: "clockroom-payment-12"})
	if err != nil || pay.ID == "" {
		t.Fatalf("payment session: %+v %v", pay, err)
	}
	if _, err := gw.CheckoutSession(ctx, pay.ID); err != nil {
		t.Fatalf("look up a checkout session: %v", err)
	}
	pm, label, err := gw.SavedCard(ctx, "seti_123")
	if err != nil || !strings.HasPrefix(pm, "pm_") || label == "" {
		t.Fatalf("saved card: %q %q %v", pm, label, err)
	}
	res, err := gw.ChargeSaved(ctx, billing.Charge{Amount: 480, Currency: "GBP", CustomerID: cus, PaymentMethod: pm, Description: "Clockroom visit",
		Reference: "13", Key: "clockroom-payment-13"})
	if err != nil || !strings.HasPrefix(res.PaymentIntent, "pi_") || res.Status == "" {
		t.Fatalf("charge: %+v %v", res, err)
	}
	if _, err := gw.PaymentIntent(ctx, res.PaymentIntent); err != nil {
		t.Fatalf("look up: %v", err)
	}
	if err := gw.Refund(ctx, res.PaymentIntent, 100, "clockroom-refund-13-1"); err != nil {
		t.Fatalf("refund: %v", err)
	}
	hold, err := gw.Hold(ctx, billing.Charge{Amount: 2400, Currency: "GBP", CustomerID: cus, PaymentMethod: pm, Description: "hold", Reference: "14", Key: "clockroom-hold-14"})
	if err != nil || hold.PaymentIntent == "" {
		t.Fatalf("hold: %+v %v", hold, err)
	}
	if _, err := gw.Capture(ctx, hold.PaymentIntent, 480, "clockroom-capture-14"); err != nil {
		t.Fatalf("capture: %v", err)
	}
	if err := gw.CancelHold(ctx, hold.PaymentIntent, "clockroom-release-15"); err != nil {
		t.Fatalf("cancel hold: %v", err)
	}
}
