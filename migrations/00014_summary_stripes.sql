-- The summary of every finding in a few rows whatever the number of units.
--
-- Reading the domains and aspects of every finding from finding_counts
-- (00012) summed one row per unit and group: 732 rows at 60 units, 7,200 at
-- 600, and the read of all findings was bound by them. The groups' totals
-- are now also kept in stripes: rows of finding_counts (and day rows of
-- finding_due_counts) whose unit_id is a stripe's, -1 to -16, for every group
-- but '' (the units' '' rows are the summary's per-unit part and its total).
-- A write counts in the stripe of its session (finding_counts_stripe), so two
-- writers in different units share a stripe only when their sessions do
-- (one chance in 16), never one row for all. Every stripe holds a row for
-- every group from the start, so that a writer never creates one while
-- another of its stripe waits behind it.
--
-- Lock order stays that of 00012: a statement takes its rows in key order,
-- its stripe's (negative) before its units'; a batch across units takes its
-- stripe before its units (finding.lockUnitCounts).

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION finding_counts_stripe() RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT -1 - pg_backend_pid() % 16
$$;
-- +goose StatementEnd

-- The units' rows, read without the groups' rows beside them.
CREATE INDEX finding_counts_units ON finding_counts (unit_id) WHERE grp = '';

-- 00012's track function stays, renamed, for the way back.
ALTER FUNCTION finding_counts_track() RENAME TO finding_counts_track_units;
DROP TRIGGER findings_counts_insert ON findings;
DROP TRIGGER findings_counts_update ON findings;

-- +goose StatementBegin
CREATE FUNCTION finding_counts_track() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was  boolean := TG_OP <> 'INSERT';
    now  boolean := TG_OP <> 'DELETE';
    s    bigint := finding_counts_stripe();
    ou   bigint;
    nu   bigint;
    og   text[] := '{}';
    ng   text[] := '{}';
    oact boolean := false;
    nact boolean := false;
    odue date;
    ndue date;
BEGIN
    IF was THEN
        ou := coalesce(OLD.unit_id, 0);
        og := finding_groups(OLD.indicator_codes);
        oact := OLD.state IN ('open', 'in_progress');
        odue := OLD.due_date;
    END IF;
    IF now THEN
        nu := coalesce(NEW.unit_id, 0);
        ng := CASE WHEN was AND OLD.indicator_codes = NEW.indicator_codes THEN og
            ELSE finding_groups(NEW.indicator_codes) END;
        nact := NEW.state IN ('open', 'in_progress');
        ndue := NEW.due_date;
    END IF;
    -- As in 00012, with each group but '' counted again in the stripe: a
    -- row is the old finding's when it is its unit's or the stripe's and
    -- of one of its groups (the stripe has no '' row), the new one's alike.
    INSERT INTO finding_counts AS c (unit_id, grp, draft, open, in_progress, submitted, closed, not_actionable)
    SELECT u, g,
        coalesce(sum(d) FILTER (WHERE st = 'draft'), 0), coalesce(sum(d) FILTER (WHERE st = 'open'), 0),
        coalesce(sum(d) FILTER (WHERE st = 'in_progress'), 0), coalesce(sum(d) FILTER (WHERE st = 'submitted'), 0),
        coalesce(sum(d) FILTER (WHERE st = 'closed'), 0), coalesce(sum(d) FILTER (WHERE st = 'not_actionable'), 0)
    FROM (
        SELECT x.u, g, OLD.state AS st, -1 AS d FROM unnest(og) AS g, LATERAL (VALUES (ou), (s)) AS x (u)
        WHERE was AND (x.u = ou OR g <> '')
        UNION ALL
        SELECT x.u, g, NEW.state, 1 FROM unnest(ng) AS g, LATERAL (VALUES (nu), (s)) AS x (u)
        WHERE now AND (x.u = nu OR g <> '')) x
    GROUP BY u, g
    ORDER BY u, g
    ON CONFLICT (unit_id, grp) DO UPDATE SET
        draft = c.draft + EXCLUDED.draft,
        open = c.open + EXCLUDED.open,
        in_progress = c.in_progress + EXCLUDED.in_progress,
        submitted = c.submitted + EXCLUDED.submitted,
        closed = c.closed + EXCLUDED.closed,
        not_actionable = c.not_actionable + EXCLUDED.not_actionable,
        due_lt0 = c.due_lt0
            - (oact AND c.unit_id IN (ou, s) AND c.grp = ANY (og) AND odue < c.asof)::int
            + (nact AND c.unit_id IN (nu, s) AND c.grp = ANY (ng) AND ndue < c.asof)::int,
        due_lt8 = c.due_lt8
            - (oact AND c.unit_id IN (ou, s) AND c.grp = ANY (og) AND odue < c.asof + 8)::int
            + (nact AND c.unit_id IN (nu, s) AND c.grp = ANY (ng) AND ndue < c.asof + 8)::int,
        due_lt31 = c.due_lt31
            - (oact AND c.unit_id IN (ou, s) AND c.grp = ANY (og) AND odue < c.asof + 31)::int
            + (nact AND c.unit_id IN (nu, s) AND c.grp = ANY (ng) AND ndue < c.asof + 31)::int;
    IF oact OR nact THEN
        INSERT INTO finding_due_counts AS c (unit_id, grp, due_date, n)
        SELECT u, g, due, sum(d) FROM (
            SELECT x.u, g, odue AS due, -1 AS d FROM unnest(og) AS g, LATERAL (VALUES (ou), (s)) AS x (u)
            WHERE oact AND (x.u = ou OR g <> '')
            UNION ALL
            SELECT x.u, g, ndue, 1 FROM unnest(ng) AS g, LATERAL (VALUES (nu), (s)) AS x (u)
            WHERE nact AND (x.u = nu OR g <> '')) x
        GROUP BY u, g, due HAVING sum(d) <> 0
        ORDER BY u, g, due
        ON CONFLICT (unit_id, grp, due_date) DO UPDATE SET n = c.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER findings_counts_insert AFTER INSERT OR DELETE ON findings
    FOR EACH ROW EXECUTE FUNCTION finding_counts_track();
CREATE TRIGGER findings_counts_update AFTER UPDATE OF state, unit_id, due_date, indicator_codes ON findings
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.unit_id IS DISTINCT FROM NEW.unit_id
        OR OLD.due_date IS DISTINCT FROM NEW.due_date OR OLD.indicator_codes IS DISTINCT FROM NEW.indicator_codes)
    EXECUTE FUNCTION finding_counts_track();

-- The recount counts the units (00012's, renamed), then puts every group's
-- totals in the first stripe and empty rows in the others.
ALTER FUNCTION finding_counts_refresh(date) RENAME TO finding_counts_refresh_units;
-- +goose StatementBegin
CREATE FUNCTION finding_counts_refresh(day date) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM finding_counts_refresh_units(day);
    INSERT INTO finding_counts (unit_id, grp, draft, open, in_progress, submitted, closed, not_actionable,
        asof, due_lt0, due_lt8, due_lt31)
    SELECT -1, grp, sum(draft), sum(open), sum(in_progress), sum(submitted), sum(closed), sum(not_actionable),
        day, sum(due_lt0), sum(due_lt8), sum(due_lt31)
    FROM finding_counts WHERE grp <> '' GROUP BY grp;
    INSERT INTO finding_counts (unit_id, grp, asof)
    SELECT -s, g.grp, day FROM generate_series(1, 16) AS s, (SELECT DISTINCT grp FROM finding_code_groups) g
    ON CONFLICT DO NOTHING;
    INSERT INTO finding_due_counts (unit_id, grp, due_date, n)
    SELECT -1, grp, due_date, sum(n) FROM finding_due_counts WHERE unit_id >= 0 AND grp <> '' GROUP BY grp, due_date;
END $$;
-- +goose StatementEnd

SELECT finding_counts_refresh(coalesce((SELECT max(asof) FROM finding_counts WHERE asof > '-infinity'), current_date));

-- +goose Down
DROP TRIGGER findings_counts_insert ON findings;
DROP TRIGGER findings_counts_update ON findings;
DROP FUNCTION finding_counts_track();
ALTER FUNCTION finding_counts_track_units() RENAME TO finding_counts_track;
CREATE TRIGGER findings_counts_insert AFTER INSERT OR DELETE ON findings
    FOR EACH ROW EXECUTE FUNCTION finding_counts_track();
CREATE TRIGGER findings_counts_update AFTER UPDATE OF state, unit_id, due_date, indicator_codes ON findings
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.unit_id IS DISTINCT FROM NEW.unit_id
        OR OLD.due_date IS DISTINCT FROM NEW.due_date OR OLD.indicator_codes IS DISTINCT FROM NEW.indicator_codes)
    EXECUTE FUNCTION finding_counts_track();
DROP FUNCTION finding_counts_refresh(date);
ALTER FUNCTION finding_counts_refresh_units(date) RENAME TO finding_counts_refresh;
DELETE FROM finding_due_counts WHERE unit_id < 0;
DELETE FROM finding_counts WHERE unit_id < 0;
DROP INDEX finding_counts_units;
DROP FUNCTION finding_counts_stripe();
