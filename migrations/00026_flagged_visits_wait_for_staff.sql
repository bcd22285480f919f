-- +goose Up
-- A visit flagged for review (its times came from a door device's queue
-- more than 15 minutes late, or it was checked out automatically at
-- closing) is never charged to a saved card without a staff click on Bills
-- to collect. approved_at is when staff clicked to take a card payment; the
-- reconciler charges or captures for a flagged visit only once it is set.
ALTER TABLE payments ADD COLUMN approved_at timestamptz;

-- Card charges of flagged visits made by themselves before this rule:
-- those never sent to Stripe are given up, and their bills wait for staff.
UPDATE payments p SET status = 'canceled', claimed_until = NULL, updated_at = now(),
       failure_reason = 'Not charged: the visit is flagged for staff review; charge it from Bills to collect.'
FROM visits v
WHERE v.id = p.visit_id AND v.needs_review AND v.checked_out_at IS NOT NULL
  AND p.method = 'card_on_file' AND NOT p.is_hold AND p.status = 'pending' AND p.stripe_sent_at IS NULL;
-- Those already sent may have taken money: the reconciler finishes them
-- (it looks them up, or sends them again under their own key, which Stripe
-- never charges twice).
UPDATE payments p SET approved_at = p.stripe_sent_at
FROM visits v
WHERE v.id = p.visit_id AND v.needs_review AND v.checked_out_at IS NOT NULL
  AND p.method = 'card_on_file' AND NOT p.is_hold AND p.status = 'pending' AND p.stripe_sent_at IS NOT NULL;
-- Holds of flagged visits set to capture their bill are released instead.
UPDATE payments p SET amount = 0, needs_attention = false, updated_at = now(),
       failure_reason = 'Released, not captured: the visit is flagged for staff review; charge it from Bills to collect.'
FROM visits v
WHERE v.id = p.visit_id AND v.needs_review AND v.checked_out_at IS NOT NULL
  AND p.is_hold AND p.status = 'authorized' AND v.amount > 0;
