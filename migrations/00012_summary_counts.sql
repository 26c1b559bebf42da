-- The summary's counts kept with the writes: what GET /reports/summary and
-- the dashboard read instead of counting every finding (seconds at 100,000
-- findings, and a saturated database under a few viewers).
--
-- finding_counts holds, per unit (0: drafts without one) and group ('' all
-- findings, 'd<id>' a domain, 'a<id>' an aspect of the current model), the
-- findings in each state and, for the open and in-progress ones, how many
-- are due before three anchors: asof, asof+8 and asof+31.
-- finding_due_counts holds the open and in-progress findings per unit,
-- group and due date. The overdue count on any day T is then
--     due_lt0 + (those due in [asof, T))      (or minus [T, asof) if T < asof)
-- and the due-within-7 (30) days counts are the same shift of due_lt8
-- (due_lt31) minus the overdue count: exact on every date, read from one
-- row per unit and group when asof is today, plus a range of a few day rows
-- otherwise. finding_counts_advance(day) moves asof (the scheduler calls it
-- daily); figures never depend on it having run.
--
-- Triggers keep both in the transaction of every change of a finding's
-- state, unit, due date or indicators, by any writer. Rows are per unit, so
-- writes in different units never wait on each other; every write of a
-- unit locks its unit's rows in key order (the '' row first), so writers of
-- one unit queue on them in one order and cannot deadlock.

-- +goose Up
-- The groups a finding with these indicator codes counts in: '' (all),
-- the domains of its indicators (any model) and the aspects of the current
-- model (spbe-2020 when none is current) its indicators or the indicators
-- they map onto belong to, as the summary defines them.
-- +goose StatementBegin
CREATE FUNCTION finding_summary_groups(codes text[]) RETURNS text[] LANGUAGE sql STABLE AS $$
    SELECT array_agg(g ORDER BY g) FROM (
        SELECT '' AS g
        UNION
        SELECT 'd' || a.domain_id FROM framework_indicators i JOIN framework_aspects a ON a.id = i.aspect_id
        WHERE i.code = ANY (codes) AND a.domain_id IS NOT NULL
        UNION
        SELECT 'a' || i.aspect_id FROM framework_indicators i JOIN frameworks fw ON fw.id = i.framework_id
        WHERE cardinality(codes) > 0 AND i.code = ANY (finding_indicator_targets(codes))
            AND fw.code = coalesce((SELECT code FROM frameworks WHERE is_current), 'spbe-2020')) t
$$;
-- +goose StatementEnd

-- The groups each indicator code counts in (beyond ''), kept so that the
-- trigger reads them with one cached index lookup; made again with the
-- counts when the models change. A finding's groups are the union of its
-- codes' (a mapping's targets are per code).
CREATE TABLE finding_code_groups (
    code text NOT NULL,
    grp  text NOT NULL,
    PRIMARY KEY (code, grp)
);

-- The carry-over trigger's finding_indicator_targets (00009), the same
-- query in PL/pgSQL for the same reason: its plan is kept per session.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION finding_indicator_targets(codes text[]) RETURNS text[] LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF cardinality(codes) = 0 THEN
        RETURN '{}';
    END IF;
    RETURN (SELECT coalesce(array_agg(c ORDER BY c), '{}') FROM (
        SELECT unnest(codes) AS c
        UNION
        SELECT p.to_code FROM framework_mapping_pairs p WHERE p.from_code = ANY (codes)) t);
END $$;
-- +goose StatementEnd

CREATE TABLE finding_counts (
    unit_id        bigint  NOT NULL,
    grp            text    NOT NULL,
    -- No CHECK (>= 0) on the counts, as in finding_indicator_counts: a
    -- decrement is proposed as a row of -1 before it meets the existing one.
    -- TestSummaryCountersMatchRecount compares them with a recount.
    draft          integer NOT NULL DEFAULT 0,
    open           integer NOT NULL DEFAULT 0,
    in_progress    integer NOT NULL DEFAULT 0,
    submitted      integer NOT NULL DEFAULT 0,
    closed         integer NOT NULL DEFAULT 0,
    not_actionable integer NOT NULL DEFAULT 0,
    -- A new row counts nothing before -infinity.
    asof           date    NOT NULL DEFAULT '-infinity',
    due_lt0        integer NOT NULL DEFAULT 0,
    due_lt8        integer NOT NULL DEFAULT 0,
    due_lt31       integer NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_id, grp)
) WITH (fillfactor = 50); -- room on each page for HOT updates: every write updates rows here

CREATE TABLE finding_due_counts (
    unit_id  bigint  NOT NULL,
    grp      text    NOT NULL,
    due_date date    NOT NULL,
    n        integer NOT NULL,
    PRIMARY KEY (unit_id, grp, due_date)
) WITH (fillfactor = 70);

-- The open and in-progress findings of a unit and group due in [a, b), or
-- minus those due in [b, a) when b is before a.
-- +goose StatementBegin
CREATE FUNCTION finding_due_shift(u bigint, g text, a date, b date) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN a = b THEN 0
        WHEN a < b THEN (SELECT coalesce(sum(n), 0) FROM finding_due_counts
            WHERE unit_id = u AND grp = g AND due_date >= a AND due_date < b)
        ELSE -(SELECT coalesce(sum(n), 0) FROM finding_due_counts
            WHERE unit_id = u AND grp = g AND due_date >= b AND due_date < a) END
$$;
-- +goose StatementEnd

-- Moves every row's anchor to day. The rows are locked first (in key
-- order, waiting for the writers holding them); the sums are then read in
-- a statement of their own, which sees those writers' day rows.
-- +goose StatementBegin
CREATE FUNCTION finding_counts_advance(day date) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    us bigint[];
    gs text[];
BEGIN
    SELECT array_agg(unit_id), array_agg(grp) INTO us, gs FROM (
        SELECT unit_id, grp FROM finding_counts WHERE asof <> day ORDER BY unit_id, grp FOR UPDATE) l;
    UPDATE finding_counts c SET
        due_lt0 = c.due_lt0 + finding_due_shift(c.unit_id, c.grp, c.asof, day),
        due_lt8 = c.due_lt8 + finding_due_shift(c.unit_id, c.grp, c.asof + 8, day + 8),
        due_lt31 = c.due_lt31 + finding_due_shift(c.unit_id, c.grp, c.asof + 31, day + 31),
        asof = day
    FROM unnest(us, gs) AS k (u, g) WHERE c.unit_id = k.u AND c.grp = k.g;
END $$;
-- +goose StatementEnd

-- finding_summary_groups from the kept code groups: what the trigger uses,
-- in PL/pgSQL so that its plan is made once per session (an SQL function
-- that is not inlined is planned at every call: milliseconds a row).
-- +goose StatementBegin
CREATE FUNCTION finding_groups(codes text[]) RETURNS text[] LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF cardinality(codes) = 0 THEN
        RETURN '{""}';
    END IF;
    RETURN ARRAY(SELECT '' UNION SELECT grp FROM finding_code_groups WHERE code = ANY (codes) ORDER BY 1);
END $$;
-- +goose StatementEnd

-- Counts everything again from the findings, as of day: for the upgrade,
-- a bulk load, and a change of the models the groups are made of.
-- +goose StatementBegin
CREATE FUNCTION finding_counts_refresh(day date) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE finding_counts, finding_due_counts, finding_code_groups IN EXCLUSIVE MODE;
    DELETE FROM finding_counts;
    DELETE FROM finding_due_counts;
    DELETE FROM finding_code_groups;
    INSERT INTO finding_code_groups (code, grp)
    SELECT i.code, g FROM framework_indicators i CROSS JOIN LATERAL unnest(finding_summary_groups(ARRAY[i.code])) AS g
    WHERE g <> '';
    -- The groups once per distinct list of codes, not once per finding.
    CREATE TEMP TABLE finding_counts_src ON COMMIT DROP AS
    WITH cg AS (SELECT c, finding_groups(c) AS gs FROM (SELECT DISTINCT indicator_codes AS c FROM findings) d)
    SELECT coalesce(f.unit_id, 0) AS u, g, f.state, f.due_date
    FROM findings f JOIN cg ON cg.c = f.indicator_codes CROSS JOIN LATERAL unnest(cg.gs) AS g;
    INSERT INTO finding_counts (unit_id, grp, draft, open, in_progress, submitted, closed, not_actionable,
        asof, due_lt0, due_lt8, due_lt31)
    SELECT u, g, count(*) FILTER (WHERE state = 'draft'), count(*) FILTER (WHERE state = 'open'),
        count(*) FILTER (WHERE state = 'in_progress'), count(*) FILTER (WHERE state = 'submitted'),
        count(*) FILTER (WHERE state = 'closed'), count(*) FILTER (WHERE state = 'not_actionable'),
        day,
        count(*) FILTER (WHERE state IN ('open', 'in_progress') AND due_date < day),
        count(*) FILTER (WHERE state IN ('open', 'in_progress') AND due_date < day + 8),
        count(*) FILTER (WHERE state IN ('open', 'in_progress') AND due_date < day + 31)
    FROM finding_counts_src GROUP BY u, g;
    INSERT INTO finding_due_counts (unit_id, grp, due_date, n)
    SELECT u, g, due_date, count(*) FROM finding_counts_src
    WHERE state IN ('open', 'in_progress') GROUP BY u, g, due_date;
    DROP TABLE finding_counts_src;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION finding_counts_track() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was  boolean := TG_OP <> 'INSERT';
    now  boolean := TG_OP <> 'DELETE';
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
    -- One statement in key order: the state columns by the rows' deltas,
    -- the anchored counts against each row's own asof as locked.
    INSERT INTO finding_counts AS c (unit_id, grp, draft, open, in_progress, submitted, closed, not_actionable)
    SELECT u, g,
        coalesce(sum(d) FILTER (WHERE st = 'draft'), 0), coalesce(sum(d) FILTER (WHERE st = 'open'), 0),
        coalesce(sum(d) FILTER (WHERE st = 'in_progress'), 0), coalesce(sum(d) FILTER (WHERE st = 'submitted'), 0),
        coalesce(sum(d) FILTER (WHERE st = 'closed'), 0), coalesce(sum(d) FILTER (WHERE st = 'not_actionable'), 0)
    FROM (
        SELECT ou AS u, g, OLD.state AS st, -1 AS d FROM unnest(og) AS g WHERE was
        UNION ALL
        SELECT nu, g, NEW.state, 1 FROM unnest(ng) AS g WHERE now) x
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
            - (oact AND c.unit_id = ou AND c.grp = ANY (og) AND odue < c.asof)::int
            + (nact AND c.unit_id = nu AND c.grp = ANY (ng) AND ndue < c.asof)::int,
        due_lt8 = c.due_lt8
            - (oact AND c.unit_id = ou AND c.grp = ANY (og) AND odue < c.asof + 8)::int
            + (nact AND c.unit_id = nu AND c.grp = ANY (ng) AND ndue < c.asof + 8)::int,
        due_lt31 = c.due_lt31
            - (oact AND c.unit_id = ou AND c.grp = ANY (og) AND odue < c.asof + 31)::int
            + (nact AND c.unit_id = nu AND c.grp = ANY (ng) AND ndue < c.asof + 31)::int;
    -- The day rows, only ever touched while their unit's rows are held.
    IF oact OR nact THEN
        INSERT INTO finding_due_counts AS c (unit_id, grp, due_date, n)
        SELECT u, g, due, sum(d) FROM (
            SELECT ou AS u, g, odue AS due, -1 AS d FROM unnest(og) AS g WHERE oact
            UNION ALL
            SELECT nu, g, ndue, 1 FROM unnest(ng) AS g WHERE nact) x
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

-- The groups are made of the models: a change of a model, of the current
-- model or of a mapping counts everything again, once, when its
-- transaction commits (a model import writes hundreds of rows).
CREATE TABLE finding_counts_stale (
    stale boolean PRIMARY KEY CHECK (stale)
);
-- +goose StatementBegin
CREATE FUNCTION finding_counts_mark_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO finding_counts_stale VALUES (true) ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION finding_counts_recount_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM finding_counts_stale;
    PERFORM finding_counts_refresh(coalesce((SELECT max(asof) FROM finding_counts WHERE asof > '-infinity'), current_date));
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE CONSTRAINT TRIGGER finding_counts_stale_recount AFTER INSERT ON finding_counts_stale
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION finding_counts_recount_stale();
CREATE TRIGGER frameworks_counts_stale AFTER INSERT OR DELETE OR UPDATE OF code, is_current ON frameworks
    FOR EACH STATEMENT EXECUTE FUNCTION finding_counts_mark_stale();
CREATE TRIGGER framework_aspects_counts_stale AFTER INSERT OR DELETE OR UPDATE OF domain_id, framework_id ON framework_aspects
    FOR EACH STATEMENT EXECUTE FUNCTION finding_counts_mark_stale();
CREATE TRIGGER framework_indicators_counts_stale AFTER INSERT OR DELETE OR UPDATE OF code, aspect_id, framework_id ON framework_indicators
    FOR EACH STATEMENT EXECUTE FUNCTION finding_counts_mark_stale();
CREATE TRIGGER framework_mapping_pairs_counts_stale AFTER INSERT OR DELETE OR UPDATE ON framework_mapping_pairs
    FOR EACH STATEMENT EXECUTE FUNCTION finding_counts_mark_stale();

SELECT finding_counts_refresh(current_date);

-- +goose Down
-- Finding codes come from a sequence per year (finding_code_seq_<year>, made
-- by the service on the year's first code) instead of the counters; going
-- back, the counters take over where the sequences stopped.
-- +goose StatementBegin
DO $$
DECLARE
    r record;
    v bigint;
BEGIN
    FOR r IN SELECT c.relname, substr(c.relname, 18)::int AS y FROM pg_class c
            WHERE c.relkind = 'S' AND c.relname ~ '^finding_code_seq_[0-9]+$' LOOP
        EXECUTE format('SELECT last_value FROM %I', r.relname) INTO v;
        INSERT INTO finding_code_counters AS c (year, last) VALUES (r.y, v)
        ON CONFLICT (year) DO UPDATE SET last = greatest(c.last, EXCLUDED.last);
        EXECUTE format('DROP SEQUENCE %I', r.relname);
    END LOOP;
END $$;
-- +goose StatementEnd
DROP TRIGGER framework_mapping_pairs_counts_stale ON framework_mapping_pairs;
DROP TRIGGER framework_indicators_counts_stale ON framework_indicators;
DROP TRIGGER framework_aspects_counts_stale ON framework_aspects;
DROP TRIGGER frameworks_counts_stale ON frameworks;
DROP TABLE finding_counts_stale;
DROP FUNCTION finding_counts_recount_stale();
DROP FUNCTION finding_counts_mark_stale();
DROP TRIGGER findings_counts_update ON findings;
DROP TRIGGER findings_counts_insert ON findings;
DROP FUNCTION finding_counts_track();
DROP FUNCTION finding_counts_refresh(date);
DROP FUNCTION finding_counts_advance(date);
DROP FUNCTION finding_due_shift(bigint, text, date, date);
DROP FUNCTION finding_groups(text[]);
DROP TABLE finding_due_counts;
DROP TABLE finding_counts;
DROP TABLE finding_code_groups;
DROP FUNCTION finding_summary_groups(text[]);
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION finding_indicator_targets(codes text[]) RETURNS text[] LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(c ORDER BY c), '{}') FROM (
        SELECT unnest(codes) AS c
        UNION
        SELECT p.to_code FROM framework_mapping_pairs p WHERE p.from_code = ANY (codes)) t
$$;
-- +goose StatementEnd
