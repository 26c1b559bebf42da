-- The carry-over counts (00009: active findings per indicator) kept per
-- stripe instead of per unit, as the summary's groups are (00014): an
-- assessment's index summed every unit's row of each of its indicators
-- (12,000 rows for 20 indicators at 600 units, the national data set) and
-- now sums 16 a indicator, few enough for the dashboard to compute the index
-- at every view instead of keeping it for a while (a closed finding moves
-- the projected index at once). Nothing reads the counts per unit.
--
-- A write counts in its session's stripe (finding_counts_stripe), so two
-- writers share a row only when their sessions share a stripe; the rows of
-- a statement are still taken in key order. A writer of findings with
-- indicators has taken the stripe's summary rows of their groups before
-- (row triggers fire before these statement triggers), and a batch takes
-- all of its stripe's first (finding.lockUnitCounts), so writers of one
-- stripe queue there, in one order.

-- +goose Up
ALTER TABLE finding_indicator_counts RENAME COLUMN unit_id TO stripe;

-- Points 00011's three statement triggers at the function named
-- finding_indicator_counts_track_rows, both ways.
-- +goose StatementBegin
CREATE FUNCTION finding_indicator_counts_retrigger() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT * FROM (VALUES ('insert', 'INSERT', 'NEW TABLE AS new_rows'),
            ('update', 'UPDATE', 'OLD TABLE AS old_rows NEW TABLE AS new_rows'),
            ('delete', 'DELETE', 'OLD TABLE AS old_rows')) AS v (suffix, event, tables) LOOP
        EXECUTE format('DROP TRIGGER findings_indicator_counts_%s ON findings', t.suffix);
        EXECUTE format('CREATE TRIGGER findings_indicator_counts_%s AFTER %s ON findings REFERENCING %s '
            'FOR EACH STATEMENT EXECUTE FUNCTION finding_indicator_counts_track_rows()', t.suffix, t.event, t.tables);
    END LOOP;
END $$;
-- +goose StatementEnd

-- 00011's and 00009's functions stay, renamed, for the way back.
ALTER FUNCTION finding_indicator_counts_track_rows() RENAME TO finding_indicator_counts_track_units;
ALTER FUNCTION finding_indicator_counts_refresh() RENAME TO finding_indicator_counts_refresh_units;

-- +goose StatementBegin
CREATE FUNCTION finding_indicator_counts_track_rows() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    s bigint := finding_counts_stripe();
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO finding_indicator_counts AS c (indicator_code, stripe, active)
        SELECT t.code, s, count(*)
        FROM new_rows n CROSS JOIN LATERAL unnest(finding_indicator_targets(n.indicator_codes)) AS t(code)
        WHERE n.state IN ('open', 'in_progress', 'submitted')
        GROUP BY 1 ORDER BY 1
        ON CONFLICT (indicator_code, stripe) DO UPDATE SET active = c.active + EXCLUDED.active;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO finding_indicator_counts AS c (indicator_code, stripe, active)
        SELECT t.code, s, -count(*)
        FROM old_rows o CROSS JOIN LATERAL unnest(finding_indicator_targets(o.indicator_codes)) AS t(code)
        WHERE o.state IN ('open', 'in_progress', 'submitted')
        GROUP BY 1 ORDER BY 1
        ON CONFLICT (indicator_code, stripe) DO UPDATE SET active = c.active + EXCLUDED.active;
    ELSE
        -- Only a change of state or indicators moves a count now.
        WITH ch AS (
            SELECT o.indicator_codes AS old_codes, o.state IN ('open', 'in_progress', 'submitted') AS was_active,
                n.indicator_codes AS new_codes, n.state IN ('open', 'in_progress', 'submitted') AS now_active
            FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE o.state IS DISTINCT FROM n.state OR o.indicator_codes IS DISTINCT FROM n.indicator_codes)
        INSERT INTO finding_indicator_counts AS c (indicator_code, stripe, active)
        SELECT code, s, sum(delta) FROM (
            SELECT t.code, -1 AS delta
            FROM ch CROSS JOIN LATERAL unnest(finding_indicator_targets(ch.old_codes)) AS t(code) WHERE ch.was_active
            UNION ALL
            SELECT t.code, 1
            FROM ch CROSS JOIN LATERAL unnest(finding_indicator_targets(ch.new_codes)) AS t(code) WHERE ch.now_active) d
        GROUP BY code HAVING sum(delta) <> 0
        ORDER BY code
        ON CONFLICT (indicator_code, stripe) DO UPDATE SET active = c.active + EXCLUDED.active;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
SELECT finding_indicator_counts_retrigger();

-- The recount puts every count in the first stripe.
-- +goose StatementBegin
CREATE FUNCTION finding_indicator_counts_refresh() RETURNS void LANGUAGE sql AS $$
    LOCK TABLE finding_indicator_counts IN EXCLUSIVE MODE;
    DELETE FROM finding_indicator_counts;
    INSERT INTO finding_indicator_counts (indicator_code, stripe, active)
    SELECT t.code, -1, count(*)
    FROM findings f CROSS JOIN LATERAL unnest(finding_indicator_targets(f.indicator_codes)) AS t(code)
    WHERE f.state IN ('open', 'in_progress', 'submitted')
    GROUP BY 1;
$$;
-- +goose StatementEnd
SELECT finding_indicator_counts_refresh();

-- +goose Down
ALTER FUNCTION finding_indicator_counts_track_rows() RENAME TO finding_indicator_counts_track_stripes;
ALTER FUNCTION finding_indicator_counts_track_units() RENAME TO finding_indicator_counts_track_rows;
SELECT finding_indicator_counts_retrigger();
DROP FUNCTION finding_indicator_counts_track_stripes();
DROP FUNCTION finding_indicator_counts_retrigger();
DROP FUNCTION finding_indicator_counts_refresh();
ALTER FUNCTION finding_indicator_counts_refresh_units() RENAME TO finding_indicator_counts_refresh;
ALTER TABLE finding_indicator_counts RENAME COLUMN stripe TO unit_id;
SELECT finding_indicator_counts_refresh();
