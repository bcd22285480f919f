-- +goose Up
-- A member's wallet, kept as a ledger: every change is an entry, never an
-- edited total. An entry that adds time (a purchase, a refund put back, a
-- staff adjustment up) may expire; an entry that takes time away (a stay,
-- an expiry, a staff adjustment down) draws from one entry that adds it
-- (draws_from), so the time left on each is its minutes plus its draws,
-- and what expires is exact. Amounts (minor units, in currency) are for the
-- money balance; a time entry's amount is 0.
CREATE TABLE wallet_entries (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        text NOT NULL CHECK (kind IN ('purchase', 'stay', 'refund', 'expiry', 'adjustment')),
    minutes     integer NOT NULL DEFAULT 0,
    amount      bigint NOT NULL DEFAULT 0,
    currency    text CHECK (currency ~ '^[A-Z]{3}$'),
    source      text NOT NULL CHECK (length(source) BETWEEN 1 AND 200), -- "visit:123", "adjustment by user:5"
    draws_from  bigint REFERENCES wallet_entries (id) ON DELETE CASCADE,
    expires_at  timestamptz CHECK (expires_at >= '2020-01-01'),
    created_at  timestamptz NOT NULL CHECK (created_at >= '2020-01-01'),
    actor_id    bigint REFERENCES users (id) ON DELETE SET NULL,
    reason      text CHECK (length(reason) BETWEEN 1 AND 500),
    CHECK (minutes <> 0 OR amount <> 0),
    CHECK ((amount = 0) OR (currency IS NOT NULL)),
    -- time taken away always names the entry it is taken from; time added never does
    CHECK ((minutes < 0) = (draws_from IS NOT NULL)),
    CHECK (expires_at IS NULL OR minutes > 0),
    CHECK (kind <> 'adjustment' OR reason IS NOT NULL),
    CHECK (kind <> 'stay' OR minutes < 0)
);
-- The member's ledger, newest first.
CREATE INDEX wallet_entries_user ON wallet_entries (user_id, id DESC);
-- The draws on an entry, to know what is left on it.
CREATE INDEX wallet_entries_draws ON wallet_entries (draws_from) WHERE draws_from IS NOT NULL;

-- What the time bank covered of a stay: its minutes, and what they would
-- have cost (its bill before the bank). A night's later stay counts it as
-- billed, so the bank's minutes are never charged again.
ALTER TABLE visits
    ADD COLUMN banked_minutes integer NOT NULL DEFAULT 0 CHECK (banked_minutes >= 0),
    ADD COLUMN banked_amount  bigint  NOT NULL DEFAULT 0 CHECK (banked_amount >= 0);

-- +goose Down
ALTER TABLE visits DROP COLUMN banked_amount, DROP COLUMN banked_minutes;
DROP TABLE wallet_entries;
