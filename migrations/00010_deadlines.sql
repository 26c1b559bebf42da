-- Governed deadlines: the working-day calendar (weekends are implied; the
-- national holidays and cuti bersama of 2026 and 2027 ship here, from the
-- joint decrees; admins add regional days), when each due date was set (a
-- reminder threshold that passed before its date was set is not sent),
-- extension requests, and each user's notification preferences.

-- +goose Up
CREATE TABLE holidays (
    day        date        PRIMARY KEY,
    name       text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind       text        NOT NULL CHECK (kind IN ('libur_nasional', 'cuti_bersama', 'regional')),
    created_by bigint      REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO holidays (day, name, kind) VALUES
    ('2026-01-01', 'Tahun Baru 2026 Masehi', 'libur_nasional'),
    ('2026-01-16', 'Isra Mikraj Nabi Muhammad S.A.W.', 'libur_nasional'),
    ('2026-02-16', 'Cuti Bersama Tahun Baru Imlek 2577 Kongzili', 'cuti_bersama'),
    ('2026-02-17', 'Tahun Baru Imlek 2577 Kongzili', 'libur_nasional'),
    ('2026-03-18', 'Cuti Bersama Hari Suci Nyepi (Tahun Baru Saka 1948)', 'cuti_bersama'),
    ('2026-03-19', 'Hari Suci Nyepi (Tahun Baru Saka 1948)', 'libur_nasional'),
    ('2026-03-20', 'Cuti Bersama Idulfitri 1447 Hijriah', 'cuti_bersama'),
    ('2026-03-21', 'Idulfitri 1447 Hijriah', 'libur_nasional'),
    ('2026-03-22', 'Idulfitri 1447 Hijriah', 'libur_nasional'),
    ('2026-03-23', 'Cuti Bersama Idulfitri 1447 Hijriah', 'cuti_bersama'),
    ('2026-03-24', 'Cuti Bersama Idulfitri 1447 Hijriah', 'cuti_bersama'),
    ('2026-04-03', 'Wafat Yesus Kristus', 'libur_nasional'),
    ('2026-04-05', 'Kebangkitan Yesus Kristus (Paskah)', 'libur_nasional'),
    ('2026-05-01', 'Hari Buruh Internasional', 'libur_nasional'),
    ('2026-05-14', 'Kenaikan Yesus Kristus', 'libur_nasional'),
    ('2026-05-15', 'Cuti Bersama Kenaikan Yesus Kristus', 'cuti_bersama'),
    ('2026-05-27', 'Iduladha 1447 Hijriah', 'libur_nasional'),
    ('2026-05-28', 'Cuti Bersama Iduladha 1447 Hijriah', 'cuti_bersama'),
    ('2026-05-31', 'Hari Raya Waisak 2570 BE', 'libur_nasional'),
    ('2026-06-01', 'Hari Lahir Pancasila', 'libur_nasional'),
    ('2026-06-16', '1 Muharam Tahun Baru Islam 1448 Hijriah', 'libur_nasional'),
    ('2026-08-17', 'Proklamasi Kemerdekaan', 'libur_nasional'),
    ('2026-08-25', 'Maulid Nabi Muhammad S.A.W.', 'libur_nasional'),
    ('2026-12-24', 'Cuti Bersama Kelahiran Yesus Kristus', 'cuti_bersama'),
    ('2026-12-25', 'Kelahiran Yesus Kristus', 'libur_nasional'),
    ('2027-01-01', 'Tahun Baru 2027 Masehi', 'libur_nasional'),
    ('2027-01-05', 'Isra Mikraj Nabi Muhammad S.A.W.', 'libur_nasional'),
    ('2027-02-05', 'Cuti Bersama Tahun Baru Imlek 2578 Kongzili', 'cuti_bersama'),
    ('2027-02-06', 'Tahun Baru Imlek 2578 Kongzili', 'libur_nasional'),
    ('2027-03-08', 'Hari Suci Nyepi (Tahun Baru Saka 1949)', 'libur_nasional'),
    ('2027-03-09', 'Cuti Bersama Idulfitri 1448 Hijriah', 'cuti_bersama'),
    ('2027-03-10', 'Idulfitri 1448 Hijriah', 'libur_nasional'),
    ('2027-03-11', 'Idulfitri 1448 Hijriah', 'libur_nasional'),
    ('2027-03-12', 'Cuti Bersama Idulfitri 1448 Hijriah', 'cuti_bersama'),
    ('2027-03-15', 'Cuti Bersama Idulfitri 1448 Hijriah', 'cuti_bersama'),
    ('2027-03-25', 'Cuti Bersama Wafat Yesus Kristus', 'cuti_bersama'),
    ('2027-03-26', 'Wafat Yesus Kristus', 'libur_nasional'),
    ('2027-03-28', 'Kebangkitan Yesus Kristus (Paskah)', 'libur_nasional'),
    ('2027-05-01', 'Hari Buruh Internasional', 'libur_nasional'),
    ('2027-05-06', 'Kenaikan Yesus Kristus', 'libur_nasional'),
    ('2027-05-17', 'Iduladha 1448 Hijriah', 'libur_nasional'),
    ('2027-05-18', 'Cuti Bersama Iduladha 1448 Hijriah', 'cuti_bersama'),
    ('2027-05-19', 'Cuti Bersama Hari Raya Waisak 2571 BE', 'cuti_bersama'),
    ('2027-05-20', 'Hari Raya Waisak 2571 BE', 'libur_nasional'),
    ('2027-06-01', 'Hari Lahir Pancasila', 'libur_nasional'),
    ('2027-06-06', '1 Muharam Tahun Baru Islam 1449 Hijriah', 'libur_nasional'),
    ('2027-08-15', 'Maulid Nabi Muhammad S.A.W.', 'libur_nasional'),
    ('2027-08-17', 'Proklamasi Kemerdekaan', 'libur_nasional'),
    ('2027-12-24', 'Cuti Bersama Kelahiran Yesus Kristus', 'cuti_bersama'),
    ('2027-12-25', 'Kelahiran Yesus Kristus', 'libur_nasional'),
    ('2027-12-26', 'Isra Mikraj Nabi Muhammad S.A.W.', 'libur_nasional');

-- When the current due date was set: at creation, then whenever it
-- changes (an edit, an approved extension), at the change's updated_at
-- (the service's clock, not the database's).
ALTER TABLE actions ADD COLUMN due_set_at timestamptz;
UPDATE actions SET due_set_at = created_at;
ALTER TABLE actions ALTER COLUMN due_set_at SET NOT NULL;
ALTER TABLE findings ADD COLUMN due_set_at timestamptz;
UPDATE findings SET due_set_at = coalesce(issued_at, created_at);
ALTER TABLE findings ALTER COLUMN due_set_at SET NOT NULL;
-- +goose StatementBegin
CREATE FUNCTION due_set_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.due_set_at := coalesce(NEW.due_set_at, NEW.created_at);
    ELSIF NEW.due_date IS DISTINCT FROM OLD.due_date THEN
        NEW.due_set_at := NEW.updated_at;
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER actions_due_set_at BEFORE INSERT OR UPDATE OF due_date ON actions
    FOR EACH ROW EXECUTE FUNCTION due_set_at();
CREATE TRIGGER findings_due_set_at BEFORE INSERT OR UPDATE OF due_date ON findings
    FOR EACH ROW EXECUTE FUNCTION due_set_at();

-- Reminder keys name the due date they concern, so that a new date gets
-- its own thresholds and nothing more is planned for the old one:
-- action:17:due-7 becomes action:17:2024-09-02:due-7.
UPDATE notifications SET dedup_key = regexp_replace(dedup_key, '^action:([0-9]+):', 'action:\1:' || (data->>'due_date') || ':')
WHERE kind IN ('action_due', 'action_overdue') AND dedup_key ~ '^action:[0-9]+:(due|overdue)-' AND data ? 'due_date';

-- Extension requests (permohonan perpanjangan) of an action's or a
-- finding's due date. One may be pending per subject.
CREATE TABLE extension_requests (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    finding_id    bigint      NOT NULL REFERENCES findings (id),
    action_id     bigint      REFERENCES actions (id),
    old_due_date  date        NOT NULL,
    due_date      date        NOT NULL CHECK (due_date > old_due_date),
    reason        text        NOT NULL CHECK (length(reason) BETWEEN 1 AND 4000),
    status        text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'refused')),
    requested_by  bigint      NOT NULL REFERENCES users (id),
    decided_by    bigint      REFERENCES users (id),
    decision_note text        NOT NULL DEFAULT '' CHECK (length(decision_note) <= 4000),
    decided_at    timestamptz,
    version       integer     NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'pending') = (decided_at IS NULL)),
    CHECK (decided_by IS NULL OR decided_by <> requested_by)
);
CREATE UNIQUE INDEX extension_requests_pending_key ON extension_requests (finding_id, coalesce(action_id, 0)) WHERE status = 'pending';
CREATE INDEX extension_requests_subject_idx ON extension_requests (finding_id, action_id, status);
CREATE INDEX extension_requests_status_idx ON extension_requests (status, id);

-- Each user's choices of optional mail: the digest weekly, daily or off,
-- and the kinds of event mail switched off. No row: the defaults.
CREATE TABLE notification_preferences (
    user_id    bigint      PRIMARY KEY REFERENCES users (id),
    digest     text        NOT NULL DEFAULT 'weekly' CHECK (digest IN ('weekly', 'daily', 'off')),
    events_off text[]      NOT NULL DEFAULT '{}',
    version    integer     NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE notification_preferences;
DROP TABLE extension_requests;
-- Of the reminders of one action and threshold for several dates, the
-- latest takes the undated key; the others keep theirs.
UPDATE notifications SET dedup_key = regexp_replace(dedup_key, '^action:([0-9]+):[0-9]{4}-[0-9]{2}-[0-9]{2}:', 'action:\1:')
WHERE id IN (SELECT DISTINCT ON (regexp_replace(dedup_key, '^action:([0-9]+):[0-9]{4}-[0-9]{2}-[0-9]{2}:', 'action:\1:')) id
    FROM notifications WHERE kind IN ('action_due', 'action_overdue') AND dedup_key ~ '^action:[0-9]+:[0-9]{4}-'
    ORDER BY regexp_replace(dedup_key, '^action:([0-9]+):[0-9]{4}-[0-9]{2}-[0-9]{2}:', 'action:\1:'), id DESC);
DROP TRIGGER findings_due_set_at ON findings;
DROP TRIGGER actions_due_set_at ON actions;
DROP FUNCTION due_set_at();
ALTER TABLE findings DROP COLUMN due_set_at;
ALTER TABLE actions DROP COLUMN due_set_at;
DROP TABLE holidays;
