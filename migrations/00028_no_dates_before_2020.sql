-- +goose Up
-- Counter payments (cash, card terminal, waived) and the demo's were stamped
-- with Go's zero time, year 1: the payment, its audit entry and its emailed
-- receipt. The best evidence of when such a payment was taken is when its
-- visit was checked out (staff record it as the guest leaves); failing that,
-- when the guest came in.
UPDATE payments p
SET created_at = COALESCE(v.checked_out_at, v.checked_in_at, v.created_at)
FROM visits v
WHERE v.id = p.visit_id AND p.created_at < '2020-01-01';
UPDATE payments SET updated_at = created_at WHERE updated_at < '2020-01-01';
UPDATE payments SET approved_at = created_at WHERE approved_at < '2020-01-01';

UPDATE audit_log a
SET created_at = COALESCE(v.checked_out_at, v.checked_in_at, v.created_at)
FROM visits v
WHERE a.created_at < '2020-01-01' AND a.subject = 'visit:' || v.id;

-- A receipt's dedupe key names its payment; its text says when it was paid.
UPDATE outbox o
SET created_at = p.created_at,
    send_after = GREATEST(o.send_after, p.created_at),
    body = regexp_replace(o.body, 'on [A-Z][a-z]{2} [0-9]{1,2} [A-Z][a-z]{2} 000[01], [0-9]{2}:[0-9]{2}',
           'on ' || to_char(p.created_at AT TIME ZONE COALESCE((SELECT time_zone FROM venues ORDER BY id LIMIT 1), 'UTC'), 'Dy FMDD Mon YYYY, HH24:MI'))
FROM payments p
WHERE o.created_at < '2020-01-01' AND o.dedupe_key = 'receipt:' || p.id;

-- From now on the database refuses any moment before 2020 in a column that
-- records when something happened (or will): a time forgotten by its
-- caller fails loudly on its first write instead of being stored. A column
-- that still holds such a value after the repairs above (none is known)
-- keeps its check for new rows only, and says so.
-- +goose StatementBegin
DO $$
DECLARE
    c record;
    name text;
BEGIN
    FOR c IN
        SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = 'public' AND data_type = 'timestamp with time zone'
          AND table_name <> 'goose_db_version'
        ORDER BY table_name, column_name
    LOOP
        name := left(c.table_name || '_' || c.column_name || '_after_2020', 63);
        EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (%I >= %L) NOT VALID',
                       c.table_name, name, c.column_name, '2020-01-01T00:00:00Z');
        BEGIN
            EXECUTE format('ALTER TABLE %I VALIDATE CONSTRAINT %I', c.table_name, name);
        EXCEPTION WHEN check_violation THEN
            RAISE WARNING '%.% holds dates before 2020: its check holds for new rows only', c.table_name, c.column_name;
        END;
    END LOOP;
END $$;
-- +goose StatementEnd
