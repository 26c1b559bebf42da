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

-- +goose Down
DROP TABLE import_uploads;
DROP INDEX findings_import_ref_key;
ALTER TABLE findings DROP COLUMN import_ref;
