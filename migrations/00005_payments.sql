-- +goose Up
-- Payments for visits. A payment row is committed before any Stripe call it
-- describes, and its idempotency key is derived from the row, so a retry or
-- a crash between commit and call can never charge twice. At most one live
-- payment per visit; a failed one may be followed by another method. The
-- idempotency keys are derived from the row id (models.Payment.Key), not stored.
CREATE TABLE payments (
    id                       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    visit_id                 bigint NOT NULL REFERENCES visits (id),
    method                   text   NOT NULL CHECK (method IN ('card_on_file', 'pay_by_phone', 'cash', 'terminal', 'waived')),
    amount                   bigint NOT NULL CHECK (amount >= 0),
    currency                 text   NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    -- authorized: a hold placed at check-in, to be captured at check-out
    status                   text   NOT NULL CHECK (status IN ('pending', 'authorized', 'succeeded', 'failed', 'refunded', 'partially_refunded', 'canceled')),
    is_hold                  boolean NOT NULL DEFAULT false,
    refunded_amount          bigint NOT NULL DEFAULT 0,
    stripe_payment_intent    text,
    stripe_checkout_session  text,
    stripe_checkout_url      text,
    failure_reason           text,
    note                     text   NOT NULL DEFAULT '',
    needs_attention          boolean NOT NULL DEFAULT false,
    stripe_sent_at           timestamptz, -- when a request claimed the row to send it to Stripe
    created_by               bigint REFERENCES users (id),
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now(),
    CHECK (refunded_amount BETWEEN 0 AND amount)
);
CREATE UNIQUE INDEX payments_payment_intent ON payments (stripe_payment_intent);
CREATE UNIQUE INDEX payments_checkout_session ON payments (stripe_checkout_session);
CREATE UNIQUE INDEX payments_one_live_per_visit ON payments (visit_id) WHERE status IN ('pending', 'authorized', 'succeeded', 'refunded', 'partially_refunded');
CREATE INDEX payments_pending_idx ON payments (created_at) WHERE status = 'pending';

-- Card refunds staff asked Stripe for. The row is committed before the call,
-- whose idempotency key is derived from it; what Stripe has refunded shows on
-- the payment when charge.refunded arrives.
CREATE TABLE refunds (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payment_id       bigint NOT NULL REFERENCES payments (id),
    amount           bigint NOT NULL CHECK (amount > 0),
    status           text   NOT NULL CHECK (status IN ('pending', 'sent')),
    request_key      text   NOT NULL, -- from the form, so a double submit is one refund
    note             text   NOT NULL DEFAULT '',
    created_by       bigint REFERENCES users (id),
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refunds_payment_idx ON refunds (payment_id);
CREATE UNIQUE INDEX refunds_request_key ON refunds (payment_id, request_key);

-- Stripe webhook events, to process each exactly once.
CREATE TABLE stripe_events (
    id           text PRIMARY KEY,
    type         text NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now()
);

-- Hold at check-in: authorise the daily cap (or hold_amount when there is no
-- cap) on the guest's saved card when they are admitted.
ALTER TABLE venues ADD COLUMN hold_at_checkin boolean NOT NULL DEFAULT false;
ALTER TABLE venues ADD COLUMN hold_amount bigint CHECK (hold_amount > 0);

ALTER TABLE users ADD COLUMN stripe_customer_id text;
ALTER TABLE users ADD COLUMN stripe_payment_method text;
ALTER TABLE users ADD COLUMN card_label text;
CREATE UNIQUE INDEX users_stripe_customer ON users (stripe_customer_id);
