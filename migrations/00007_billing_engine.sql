-- +goose Up
-- The billing service claims a row before it talks to Stripe about it: a
-- claim is a lease (claimed_until), so two instances, or a staff click and a
-- background charge, never send the same payment or refund at once, and a
-- claimer that dies gives the row back when its lease ends.
ALTER TABLE payments ADD COLUMN claimed_until timestamptz;
ALTER TABLE refunds ADD COLUMN claimed_until timestamptz;
ALTER TABLE refunds ADD COLUMN sent_at timestamptz;
-- Failed: Stripe refused the refund for good (its message is kept).
ALTER TABLE refunds DROP CONSTRAINT refunds_status_check;
ALTER TABLE refunds ADD CONSTRAINT refunds_status_check CHECK (status IN ('pending', 'sent', 'failed'));
ALTER TABLE refunds ADD COLUMN failure_reason text;

-- A webhook is kept whole until it has been applied: one that names a
-- payment this database does not hold yet is applied when the row appears.
ALTER TABLE stripe_events ADD COLUMN payload jsonb;
ALTER TABLE stripe_events ADD COLUMN applied_at timestamptz;
UPDATE stripe_events SET applied_at = received_at;
CREATE INDEX stripe_events_unapplied ON stripe_events (received_at) WHERE applied_at IS NULL;
