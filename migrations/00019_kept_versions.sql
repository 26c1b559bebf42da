-- A version of everything the summary and an assessment's index are made
-- of, so that a reader can tell in one small read whether the answer it
-- gave last is still exact (package kept keeps answers with it).
--
-- kept_versions holds a counter per writers' stripe (-1 to -16,
-- finding_counts_stripe(), as the counts' stripes of 00014) and one for
-- the catalogue (0): the units' codes and names, the evaluation models,
-- their mappings, and the assessments with their scores. A transaction
-- that changes the counts (finding_counts, finding_due_counts,
-- finding_indicator_counts) adds one to its stripe's counter once, before
-- it takes any count row; one that changes the catalogue, or counts
-- everything again, adds one to the catalogue's. Two snapshots that read
-- the same counters therefore see the same committed changes of all of
-- it: a counter is only ever raised by one writer at a time, each after
-- the commit of the one before, so a snapshot that sees its n-th raise
-- sees the n-1 before it.
--
-- Lock order: a writer takes its stripe's counter before any count row, so
-- writers of one stripe queue there (as they did on the stripe's group
-- rows) and writers of different stripes never meet on it. The day's
-- finding_counts_advance changes no figure (the counts are shifted to any
-- day as they are read) and raises nothing.

-- +goose Up
CREATE TABLE kept_versions (
    stripe  bigint PRIMARY KEY,
    version bigint NOT NULL DEFAULT 0
);
INSERT INTO kept_versions (stripe) SELECT -s FROM generate_series(0, 16) AS s;

-- Adds one to the counter of stripe once per transaction (a transaction-
-- local setting remembers it, and is undone with a savepoint rolled back).
-- +goose StatementBegin
CREATE FUNCTION kept_versions_touch(stripe bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    flag text := 'tindaklanjut.kept_touched_' || -stripe;
BEGIN
    IF current_setting(flag, true) IS DISTINCT FROM 'on' THEN
        UPDATE kept_versions v SET version = v.version + 1 WHERE v.stripe = kept_versions_touch.stripe;
        PERFORM set_config(flag, 'on', true);
    END IF;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION kept_versions_touch_stripe() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM kept_versions_touch(finding_counts_stripe());
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION kept_versions_touch_catalogue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM kept_versions_touch(0);
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- The tables of the catalogue.
-- +goose StatementBegin
CREATE FUNCTION kept_versions_catalogue() RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY['units', 'frameworks', 'framework_levels', 'framework_predicates', 'framework_domains',
        'framework_aspects', 'framework_indicators', 'framework_mappings', 'framework_mapping_pairs',
        'framework_mapping_unmapped', 'assessments', 'assessment_scores']
$$;
-- +goose StatementEnd

-- On the changes the count triggers of 00014 count, and named to fire
-- before them (AFTER ROW triggers fire in name order; the indicator counts'
-- statement triggers of 00017 fire after every row trigger).
CREATE TRIGGER findings_counts_0version_insert AFTER INSERT OR DELETE ON findings
    FOR EACH ROW EXECUTE FUNCTION kept_versions_touch_stripe();
CREATE TRIGGER findings_counts_0version_update AFTER UPDATE OF state, unit_id, due_date, indicator_codes ON findings
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.unit_id IS DISTINCT FROM NEW.unit_id
        OR OLD.due_date IS DISTINCT FROM NEW.due_date OR OLD.indicator_codes IS DISTINCT FROM NEW.indicator_codes)
    EXECUTE FUNCTION kept_versions_touch_stripe();

-- The catalogue, and the recounts (finding_counts_refresh and
-- finding_indicator_counts_refresh empty the counts first; nothing else
-- deletes them).
-- +goose StatementBegin
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY kept_versions_catalogue() LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I '
            'FOR EACH STATEMENT EXECUTE FUNCTION kept_versions_touch_catalogue()', t || '_kept_version', t);
    END LOOP;
    FOREACH t IN ARRAY ARRAY['finding_counts', 'finding_due_counts', 'finding_indicator_counts'] LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE OR TRUNCATE ON %I '
            'FOR EACH STATEMENT EXECUTE FUNCTION kept_versions_touch_catalogue()', t || '_kept_version', t);
    END LOOP;
END $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY kept_versions_catalogue() || ARRAY['finding_counts', 'finding_due_counts', 'finding_indicator_counts'] LOOP
        EXECUTE format('DROP TRIGGER %I ON %I', t || '_kept_version', t);
    END LOOP;
END $$;
-- +goose StatementEnd
DROP TRIGGER findings_counts_0version_update ON findings;
DROP TRIGGER findings_counts_0version_insert ON findings;
DROP FUNCTION kept_versions_catalogue();
DROP FUNCTION kept_versions_touch_catalogue();
DROP FUNCTION kept_versions_touch_stripe();
DROP FUNCTION kept_versions_touch(bigint);
DROP TABLE kept_versions;
