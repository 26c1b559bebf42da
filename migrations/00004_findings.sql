-- The findings workflow: applications, assessments with their milestones and
-- scores, reviews, findings with their actions and evidence metadata, the
-- hash-chained history of every finding, and the queue of notifications
-- that the workflow's events produce.

-- +goose Up
-- Trigram indexes make text search work for Indonesian, where words take
-- prefixes and suffixes (kebijakan, kebijakannya) that no stemmer knows.
-- pg_trgm is a trusted extension: a database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE applications (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    unit_id     bigint      NOT NULL REFERENCES units (id),
    kind        text        NOT NULL CHECK (kind IN ('administrasi', 'publik')),
    url         text        CHECK (url IS NULL OR length(url) <= 2048),
    integrated  boolean     NOT NULL DEFAULT false,
    status      text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
    version     integer     NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX applications_name_key ON applications (lower(name));
CREATE INDEX applications_unit_idx ON applications (unit_id);

CREATE TABLE assessments (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    year         integer     NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    name         text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    framework_id bigint      NOT NULL REFERENCES frameworks (id),
    version      integer     NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX assessments_name_key ON assessments (lower(name));

-- Dated milestones of an assessment. A milestone keeps its id while its name
-- stays, so that reminders planned for it are not planned again after an
-- edit of the assessment.
CREATE TABLE assessment_milestones (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    assessment_id bigint NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    name          text   NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    on_date       date   NOT NULL
);
CREATE UNIQUE INDEX assessment_milestones_name_key ON assessment_milestones (assessment_id, lower(name));
CREATE INDEX assessment_milestones_date_idx ON assessment_milestones (on_date);

-- The current and target level of one indicator in one assessment.
CREATE TABLE assessment_scores (
    assessment_id  bigint      NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    indicator_code text        NOT NULL,
    level          smallint    NOT NULL CHECK (level BETWEEN 1 AND 5),
    target_level   smallint    NOT NULL CHECK (target_level BETWEEN 1 AND 5),
    updated_by     bigint      REFERENCES users (id),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (assessment_id, indicator_code)
);

CREATE TABLE reviews (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind           text        NOT NULL CHECK (kind IN ('application_review', 'spbe_evaluation', 'ict_audit', 'internal_audit')),
    title          text        NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    conducted_on   date        NOT NULL,
    application_id bigint      REFERENCES applications (id),
    assessment_id  bigint      REFERENCES assessments (id),
    summary        text        NOT NULL DEFAULT '' CHECK (length(summary) <= 20000),
    created_by     bigint      NOT NULL REFERENCES users (id),
    version        integer     NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reviews_assessment_idx ON reviews (assessment_id) WHERE assessment_id IS NOT NULL;
CREATE INDEX reviews_conducted_idx ON reviews (conducted_on DESC, id DESC);

-- The last sequence number handed out per year for finding codes
-- (TL-<year>-<sequence>). Numbers are taken outside the finding's own
-- transaction, so a failed creation leaves a gap rather than making every
-- creation wait for the previous one to commit.
CREATE TABLE finding_code_counters (
    year integer PRIMARY KEY,
    last integer NOT NULL CHECK (last > 0)
);

CREATE TABLE findings (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code            text        NOT NULL UNIQUE CHECK (code ~ '^TL-[0-9]{4}-[0-9]{4,}$'),
    review_id       bigint      NOT NULL REFERENCES reviews (id),
    title           text        NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    condition       text        NOT NULL DEFAULT '' CHECK (length(condition) <= 20000),
    criteria        text        NOT NULL DEFAULT '' CHECK (length(criteria) <= 20000),
    cause           text        NOT NULL DEFAULT '' CHECK (length(cause) <= 20000),
    effect          text        NOT NULL DEFAULT '' CHECK (length(effect) <= 20000),
    recommendation  text        NOT NULL DEFAULT '' CHECK (length(recommendation) <= 20000),
    severity        text        NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    unit_id         bigint      REFERENCES units (id),
    application_id  bigint      REFERENCES applications (id),
    indicator_codes text[]      NOT NULL DEFAULT '{}',
    due_date        date,
    -- Keyset order of lists: by due date, findings without one last.
    due_sort        date        GENERATED ALWAYS AS (coalesce(due_date, 'infinity'::date)) STORED,
    state           text        NOT NULL DEFAULT 'draft'
                    CHECK (state IN ('draft', 'open', 'in_progress', 'submitted', 'closed', 'not_actionable')),
    created_by      bigint      NOT NULL REFERENCES users (id),
    issued_at       timestamptz,
    -- Who submitted the current submission: they may not close it.
    submitted_by    bigint      REFERENCES users (id),
    submitted_at    timestamptz,
    closed_at       timestamptz,
    -- The head of the event chain: number and hash of the last event.
    event_count     integer     NOT NULL DEFAULT 0,
    head_hash       bytea,
    version         integer     NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (state = 'draft' OR (unit_id IS NOT NULL AND due_date IS NOT NULL AND recommendation <> ''))
);
-- The lists served: one unit's findings in some states by due date (the
-- managers' view and the overdue filter), all findings in some states, all
-- findings, and by review.
CREATE INDEX findings_unit_state_due_idx ON findings (unit_id, state, due_sort, id);
CREATE INDEX findings_state_due_idx ON findings (state, due_sort, id);
CREATE INDEX findings_due_idx ON findings (due_sort, id);
CREATE INDEX findings_review_idx ON findings (review_id, due_sort, id);
CREATE INDEX findings_indicators_idx ON findings USING gin (indicator_codes);
-- Text search over code, title, condition and recommendation; queries use
-- exactly this expression.
CREATE INDEX findings_search_idx ON findings USING gin
    ((code || ' ' || title || ' ' || condition || ' ' || recommendation) gin_trgm_ops);

CREATE TABLE actions (
    id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    finding_id              bigint      NOT NULL REFERENCES findings (id),
    title                   text        NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    description             text        NOT NULL DEFAULT '' CHECK (length(description) <= 20000),
    assignee_id             bigint      NOT NULL REFERENCES users (id),
    due_date                date        NOT NULL,
    required_artifact_kinds text[]      NOT NULL DEFAULT '{}'
        CHECK (required_artifact_kinds <@ ARRAY['sk', 'surat_edaran', 'peraturan', 'tata_kelola', 'pedoman', 'peta_rencana', 'sop', 'laporan', 'lainnya']),
    status                  text        NOT NULL DEFAULT 'todo' CHECK (status IN ('todo', 'done')),
    completion_note         text        NOT NULL DEFAULT '' CHECK (length(completion_note) <= 20000),
    completed_by            bigint      REFERENCES users (id),
    completed_at            timestamptz,
    created_by              bigint      NOT NULL REFERENCES users (id),
    version                 integer     NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'done') = (completed_at IS NOT NULL))
);
CREATE INDEX actions_finding_idx ON actions (finding_id, id);
CREATE INDEX actions_assignee_idx ON actions (assignee_id, finding_id);
CREATE INDEX actions_todo_due_idx ON actions (due_date) WHERE status = 'todo';

-- Evidence documents (bukti dukung). The bytes live in the content-addressed
-- store under their SHA-256; a row appears only once they are durable.
CREATE TABLE artifacts (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    action_id   bigint      NOT NULL REFERENCES actions (id),
    kind        text        NOT NULL
        CHECK (kind IN ('sk', 'surat_edaran', 'peraturan', 'tata_kelola', 'pedoman', 'peta_rencana', 'sop', 'laporan', 'lainnya')),
    title       text        NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    doc_number  text        NOT NULL DEFAULT '' CHECK (length(doc_number) <= 200),
    doc_date    date,
    signer      text        NOT NULL DEFAULT '' CHECK (length(signer) <= 200),
    file_name   text        NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
    media_type  text        NOT NULL,
    size        bigint      NOT NULL CHECK (size > 0),
    sha256      bytea       NOT NULL CHECK (length(sha256) = 32),
    uploaded_by bigint      NOT NULL REFERENCES users (id),
    removed_at  timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX artifacts_action_idx ON artifacts (action_id) WHERE removed_at IS NULL;
CREATE INDEX artifacts_sha256_idx ON artifacts (sha256);

-- The history of a finding. Each event's hash is SHA-256 over the previous
-- event's hash and a canonical encoding of the event, so any later edit of a
-- row breaks the chain from there on (tindaklanjut verify-history).
CREATE TABLE finding_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    finding_id  bigint      NOT NULL REFERENCES findings (id),
    seq         integer     NOT NULL CHECK (seq > 0),
    kind        text        NOT NULL,
    actor_id    bigint      REFERENCES users (id),
    from_state  text,
    to_state    text,
    data        jsonb       NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL,
    prev_hash   bytea       CHECK (prev_hash IS NULL OR length(prev_hash) = 32),
    hash        bytea       NOT NULL CHECK (length(hash) = 32),
    UNIQUE (finding_id, seq),
    CHECK ((seq = 1) = (prev_hash IS NULL))
);

-- +goose StatementBegin
CREATE FUNCTION finding_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'finding_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
-- +goose StatementEnd
CREATE TRIGGER finding_events_no_update_delete BEFORE UPDATE OR DELETE ON finding_events
    FOR EACH ROW EXECUTE FUNCTION finding_events_append_only();
CREATE TRIGGER finding_events_no_truncate BEFORE TRUNCATE ON finding_events
    FOR EACH STATEMENT EXECUTE FUNCTION finding_events_append_only();

-- Every email the service decided to send. The workflow queues event
-- notifications here in the transaction of the event; the sender renders
-- and delivers them. dedup_key makes each notification planned once.
CREATE TABLE notifications (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dedup_key       text        NOT NULL UNIQUE,
    kind            text        NOT NULL,
    finding_id      bigint      REFERENCES findings (id),
    action_id       bigint      REFERENCES actions (id),
    event_id        bigint      REFERENCES finding_events (id),
    to_user_ids     bigint[]    NOT NULL DEFAULT '{}',
    cc_user_ids     bigint[]    NOT NULL DEFAULT '{}',
    data            jsonb       NOT NULL DEFAULT '{}',
    status          text        NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'kept', 'skipped')),
    due_at          timestamptz NOT NULL DEFAULT now(),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    attempts        integer     NOT NULL DEFAULT 0,
    last_error      text,
    subject         text,
    body_text       text,
    body_html       text,
    sent_at         timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notifications_due_idx ON notifications (next_attempt_at) WHERE status = 'pending';

-- +goose Down
DROP TABLE notifications;
DROP TABLE finding_events;
DROP FUNCTION finding_events_append_only();
DROP TABLE artifacts;
DROP TABLE actions;
DROP TABLE findings;
DROP TABLE finding_code_counters;
DROP TABLE reviews;
DROP TABLE assessment_scores;
DROP TABLE assessment_milestones;
DROP TABLE assessments;
DROP TABLE applications;
