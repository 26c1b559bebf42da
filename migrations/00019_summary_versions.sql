-- A version of everything the summary is made of, so that a reader can
-- tell in one small read whether the summary it answered last is still
-- exact (report.Service keeps it with its version).
--
-- finding_counts_versions holds a counter per writers' stripe (-1 to -16,
-- finding_counts_stripe(), as the counts' stripes of 00014) and one for
-- the catalogue (0): the units' codes and names and the evaluation models'
-- domains, aspects, indicators and mapping. A transaction that changes the
-- counts adds one to its stripe's counter once, before it takes any count
-- row; one that changes the catalogue, or counts everything again, adds one
-- to the catalogue's. Two snapshots that read the same counters therefore
-- see the same committed changes of the counts and the catalogue: a
-- stripe's counter is only ever raised by one writer at a time, each after
-- the commit of the one before, so a snapshot that sees a stripe's n-th
-- raise sees the n-1 before it.
--
-- Lock order: a writer takes its stripe's counter before any count row, so
-- writers of one stripe queue there (as they did on the stripe's group
-- rows) and writers of different stripes never meet on it. The day's
-- finding_counts_advance changes no figure (the counts are shifted to any
-- day as they are read) and raises nothing.

-- +goose Up
CREATE TABLE finding_counts_versions (
    stripe  bigint PRIMARY KEY,
    version bigint NOT NULL DEFAULT 0
);
INSERT INTO finding_counts_versions (stripe) SELECT -s FROM generate_series(0, 16) AS s;

-- Adds one to the counter of stripe once per transaction (a transaction-
-- local setting remembers it, and is undone with a savepoint rolled back).
-- +goose StatementBegin
CREATE FUNCTION finding_counts_touch(stripe bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    flag text := 'tindaklanjut.counts_touched_' || -stripe;
BEGIN
    IF current_setting(flag, true) IS DISTINCT FROM 'on' THEN
        UPDATE finding_counts_versions v SET version = v.version + 1 WHERE v.stripe = finding_counts_touch.stripe;
        PERFORM set_config(flag, 'on', true);
    END IF;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION finding_counts_touch_stripe() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM finding_counts_touch(finding_counts_stripe());
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION finding_counts_touch_catalogue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM finding_counts_touch(0);
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- On the changes the count triggers of 00014 count, and named to fire
-- before them (AFTER ROW triggers fire in name order; the indicator counts'
-- statement triggers of 00017 fire after every row trigger).
CREATE TRIGGER findings_counts_0version_insert AFTER INSERT OR DELETE ON findings
    FOR EACH ROW EXECUTE FUNCTION finding_counts_touch_stripe();
CREATE TRIGGER findings_counts_0version_update AFTER UPDATE OF state, unit_id, due_date, indicator_codes ON findings
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.unit_id IS DISTINCT FROM NEW.unit_id
        OR OLD.due_date IS DISTINCT FROM NEW.due_date OR OLD.indicator_codes IS DISTINCT FROM NEW.indicator_codes)
    EXECUTE FUNCTION finding_counts_touch_stripe();

-- The catalogue, and the recount (finding_counts_refresh empties the
-- counts first; nothing else deletes them).
CREATE TRIGGER units_counts_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON units
    FOR EACH STATEMENT EXECUTE FUNCTION finding_counts_touch_catalogue();
CREATE TRIGGER frameworks_counts_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON frameworks
    FOR EACH STATEMENT EXECUTE FUNCTION finding_counts_touch_catalogue();
CREATE TRIGGER framework_domains_counts_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON framework_domains
    FOR EACH STATEMENT EXECUTE FUNCTION finding_counts_touch_catalogue();
CREATE TRIGGER framework_aspects_counts_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON framework_aspects
    FOR EACH STATEMENT EXECUTE FUNCTION finding_counts_touch_catalogue();
CREATE TRIGGER framework_indicators_counts_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON framework_indicators
    FOR EACH STATEMENT EXECUTE FUNCTION finding_counts_touch_catalogue();
CREATE TRIGGER framework_mapping_pairs_counts_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON framework_mapping_pairs
    FOR EACH STATEMENT EXECUTE FUNCTION finding_counts_touch_catalogue();
CREATE TRIGGER finding_counts_version AFTER DELETE OR TRUNCATE ON finding_counts
    FOR EACH STATEMENT EXECUTE FUNCTION finding_counts_touch_catalogue();
CREATE TRIGGER finding_due_counts_version AFTER DELETE OR TRUNCATE ON finding_due_counts
    FOR EACH STATEMENT EXECUTE FUNCTION finding_counts_touch_catalogue();

-- +goose Down
DROP TRIGGER finding_due_counts_version ON finding_due_counts;
DROP TRIGGER finding_counts_version ON finding_counts;
DROP TRIGGER framework_mapping_pairs_counts_version ON framework_mapping_pairs;
DROP TRIGGER framework_indicators_counts_version ON framework_indicators;
DROP TRIGGER framework_aspects_counts_version ON framework_aspects;
DROP TRIGGER framework_domains_counts_version ON framework_domains;
DROP TRIGGER frameworks_counts_version ON frameworks;
DROP TRIGGER units_counts_version ON units;
DROP TRIGGER findings_counts_0version_update ON findings;
DROP TRIGGER findings_counts_0version_insert ON findings;
DROP FUNCTION finding_counts_touch_catalogue();
DROP FUNCTION finding_counts_touch_stripe();
DROP FUNCTION finding_counts_touch(bigint);
DROP TABLE finding_counts_versions;
