-- +goose Up
-- An amount keeps the currency it was priced in. A stay's currency is
-- frozen with its tariff when the guest is admitted, and its bill, the door,
-- the receipts and Stripe use it; a later change of the venue's currency
-- (refused while bills are unpaid or nights with their own prices are to
-- come) never re-labels it: £8.40 never becomes ¥840. Payments carry their
-- own currency already.
ALTER TABLE visits ADD COLUMN currency text CHECK (currency ~ '^[A-Z]{3}$');
UPDATE visits v SET currency = ve.currency
FROM events e JOIN venues ve ON ve.id = e.venue_id
WHERE e.id = v.event_id;
-- A stay already paid was priced in the currency its payment took.
UPDATE visits v SET currency = p.currency
FROM (SELECT DISTINCT ON (visit_id) visit_id, currency FROM payments ORDER BY visit_id, id) p
WHERE p.visit_id = v.id AND v.currency <> p.currency;
ALTER TABLE visits ALTER COLUMN currency SET NOT NULL;
