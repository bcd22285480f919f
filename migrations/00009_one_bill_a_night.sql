-- +goose Up
-- One stay, one bill: a guest who leaves and comes back the same night
-- resumes their bill. Each stay keeps its own visit row (times, who let them
-- in and out, its own payment), and remembers what the guest's earlier
-- stays that night came to, so the night has one grace period, one minimum
-- and one daily cap: a stay is billed the night's total less the earlier
-- stays' bills.
ALTER TABLE visits
    ADD COLUMN resumed         boolean NOT NULL DEFAULT false,
    ADD COLUMN earlier_us      bigint  NOT NULL DEFAULT 0 CHECK (earlier_us >= 0),
    ADD COLUMN earlier_minutes integer NOT NULL DEFAULT 0 CHECK (earlier_minutes >= 0),
    ADD COLUMN earlier_amount  bigint  NOT NULL DEFAULT 0 CHECK (earlier_amount >= 0);
