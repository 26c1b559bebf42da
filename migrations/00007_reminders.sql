-- Reminders and email delivery: when each milestone was added (a reminder
-- whose threshold passed before its milestone existed is not sent), the
-- queue the senders claim from (pending rows, and rows whose sender's lease
-- ran out while sending), when a notification's retries began, and a wake-up
-- call to every sender when notifications are queued.

-- +goose Up
ALTER TABLE assessment_milestones ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();
UPDATE assessment_milestones m SET created_at = a.created_at FROM assessments a WHERE a.id = m.assessment_id;

-- The first delivery attempt: retries end in 'failed' a configured time
-- after it (TINDAKLANJUT_MAIL_RETRY_FOR). An admin's retry clears it.
ALTER TABLE notifications ADD COLUMN first_attempt_at timestamptz;

-- A sender claims rows with status pending, or sending whose lease
-- (next_attempt_at) has run out because the sender holding it died.
DROP INDEX notifications_due_idx;
CREATE INDEX notifications_queue_idx ON notifications (next_attempt_at, id) WHERE status IN ('pending', 'sending');
-- The admins' list, newest first, all or by status.
CREATE INDEX notifications_status_idx ON notifications (status, id);

-- +goose StatementBegin
CREATE FUNCTION notifications_wake() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM queued) THEN
        PERFORM pg_notify('tindaklanjut_outbox', '');
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER notifications_wake AFTER INSERT ON notifications
    REFERENCING NEW TABLE AS queued
    FOR EACH STATEMENT EXECUTE FUNCTION notifications_wake();

-- +goose Down
DROP TRIGGER notifications_wake ON notifications;
DROP FUNCTION notifications_wake();
DROP INDEX notifications_status_idx;
DROP INDEX notifications_queue_idx;
CREATE INDEX notifications_due_idx ON notifications (next_attempt_at) WHERE status = 'pending';
ALTER TABLE notifications DROP COLUMN first_attempt_at;
ALTER TABLE assessment_milestones DROP COLUMN created_at;
