-- Importing registers kept in spreadsheets: the source's finding number is
-- the key of an imported finding within its review, so that importing the
-- same file again changes nothing; and the files shown in a preview are
-- kept until the preview is confirmed, so that the confirmation writes
-- exactly the file that was previewed.

-- +goose Up
ALTER TABLE findings ADD COLUMN import_ref text CHECK (import_ref IS NULL OR length(import_ref) BETWEEN 1 AND 100);
CREATE UNIQUE INDEX findings_import_ref_key ON findings (review_id, import_ref) WHERE import_ref IS NOT NULL;

CREATE TABLE import_uploads (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    review_id   bigint      NOT NULL REFERENCES reviews (id),
    created_by  bigint      NOT NULL REFERENCES users (id),
    file_name   text        NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
    sha256      bytea       NOT NULL CHECK (length(sha256) = 32),
    content     bytea       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX import_uploads_created_idx ON import_uploads (created_at);

-- The active-finding counts per indicator and unit (00009) are kept by
-- statement-level triggers over transition tables instead of a trigger per
-- row: an import writes thousands of findings in one statement, and a row
-- trigger's upsert of the same (indicator, unit) row thousands of times in
-- one transaction walks an ever longer chain of its versions (quadratic).
-- One upsert per statement, in key order as before. The UPDATE trigger
-- cannot name columns with transition tables; it looks only at rows whose
-- state, unit or indicators changed.
DROP TRIGGER findings_indicator_counts ON findings;

-- +goose StatementBegin
CREATE FUNCTION finding_indicator_counts_track_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO finding_indicator_counts AS c (indicator_code, unit_id, active)
        SELECT t.code, coalesce(n.unit_id, 0), count(*)
        FROM new_rows n CROSS JOIN LATERAL unnest(finding_indicator_targets(n.indicator_codes)) AS t(code)
        WHERE n.state IN ('open', 'in_progress', 'submitted')
        GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (indicator_code, unit_id) DO UPDATE SET active = c.active + EXCLUDED.active;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO finding_indicator_counts AS c (indicator_code, unit_id, active)
        SELECT t.code, coalesce(o.unit_id, 0), -count(*)
        FROM old_rows o CROSS JOIN LATERAL unnest(finding_indicator_targets(o.indicator_codes)) AS t(code)
        WHERE o.state IN ('open', 'in_progress', 'submitted')
        GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (indicator_code, unit_id) DO UPDATE SET active = c.active + EXCLUDED.active;
    ELSE
        WITH ch AS (
            SELECT o.unit_id AS old_unit, o.indicator_codes AS old_codes, o.state IN ('open', 'in_progress', 'submitted') AS was_active,
                n.unit_id AS new_unit, n.indicator_codes AS new_codes, n.state IN ('open', 'in_progress', 'submitted') AS now_active
            FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE o.state IS DISTINCT FROM n.state OR o.unit_id IS DISTINCT FROM n.unit_id OR o.indicator_codes IS DISTINCT FROM n.indicator_codes)
        INSERT INTO finding_indicator_counts AS c (indicator_code, unit_id, active)
        SELECT code, unit_id, sum(delta) FROM (
            SELECT t.code, coalesce(ch.old_unit, 0) AS unit_id, -1 AS delta
            FROM ch CROSS JOIN LATERAL unnest(finding_indicator_targets(ch.old_codes)) AS t(code) WHERE ch.was_active
            UNION ALL
            SELECT t.code, coalesce(ch.new_unit, 0), 1
            FROM ch CROSS JOIN LATERAL unnest(finding_indicator_targets(ch.new_codes)) AS t(code) WHERE ch.now_active) d
        GROUP BY code, unit_id HAVING sum(delta) <> 0
        ORDER BY code, unit_id
        ON CONFLICT (indicator_code, unit_id) DO UPDATE SET active = c.active + EXCLUDED.active;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER findings_indicator_counts_insert AFTER INSERT ON findings
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION finding_indicator_counts_track_rows();
CREATE TRIGGER findings_indicator_counts_update AFTER UPDATE ON findings
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION finding_indicator_counts_track_rows();
CREATE TRIGGER findings_indicator_counts_delete AFTER DELETE ON findings
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION finding_indicator_counts_track_rows();

-- +goose Down
DROP TRIGGER findings_indicator_counts_delete ON findings;
DROP TRIGGER findings_indicator_counts_update ON findings;
DROP TRIGGER findings_indicator_counts_insert ON findings;
DROP FUNCTION finding_indicator_counts_track_rows();
CREATE TRIGGER findings_indicator_counts AFTER INSERT OR DELETE OR UPDATE OF state, unit_id, indicator_codes ON findings
    FOR EACH ROW EXECUTE FUNCTION finding_indicator_counts_track();
DROP TABLE import_uploads;
DROP INDEX findings_import_ref_key;
ALTER TABLE findings DROP COLUMN import_ref;
