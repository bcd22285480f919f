// Package stripeapi implements billing.Gateway: Stripe against the real API
// or stripe-mock, and Fake, which scripts Stripe's behaviour (declines,
// required authentication, outages, slow answers) for tests. The state
// machine that decides what a payment is lives in internal/billing; these
// adapters only carry requests and report what Stripe said.
package stripeapi

import "github.com/clockroom/clockroom/internal/billing"

var (
	_ billing.Gateway = (*Stripe)(nil)
	_ billing.Gateway = (*Fake)(nil)
)
