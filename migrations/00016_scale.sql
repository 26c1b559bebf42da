-- The reminder planner's pass looks only at the open actions whose
-- reminders may have changed since its last pass, instead of every open
-- action (1.5 s over 250,000 of them, growing with the table):
--
-- * those whose due date puts a threshold (a day before the due date, the
--   day after it, an overdue or escalation step) between the last pass and
--   this one, found by due date through actions_todo_due_idx;
-- * those marked remind_check: new actions, and actions whose due date or
--   status changed, or whose finding came back into work, since.
--
-- reminder_plan_marks holds where the last committed pass stood and under
-- which rules; without it (the first pass, rules changed, a pass as of an
-- earlier date) the pass looks at every open action, as before.

-- The text search of the finding list (ILIKE '%word%' over the trigram
-- index's expression) is served either by the trigram index, visiting every
-- finding that holds the word, or by the due-date order, checking findings
-- until a page is full; which is cheaper depends on how common the word is,
-- and the planner estimates that from a sample of the expression. The
-- default sample of 100 values saw a word in 4 % of a million findings as
-- 0.01 % of them and visited 37,000 findings (1.8 s) instead of checking
-- 1,400 in order (30 ms); 1,000 values see down to 0.1 %.

-- +goose Up
ALTER INDEX findings_search_idx ALTER COLUMN 1 SET STATISTICS 1000;
ANALYZE findings;

-- Existing actions are not marked: the first pass looks at all of them.
ALTER TABLE actions ADD COLUMN remind_check boolean NOT NULL DEFAULT false;
ALTER TABLE actions ALTER COLUMN remind_check SET DEFAULT true;
CREATE INDEX actions_remind_check_idx ON actions (id) WHERE remind_check AND status = 'todo';

-- +goose StatementBegin
CREATE FUNCTION actions_remind_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.remind_check := true;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER actions_remind_check BEFORE UPDATE OF due_date, status, due_set_at ON actions
    FOR EACH ROW WHEN (NEW.due_date IS DISTINCT FROM OLD.due_date OR NEW.status IS DISTINCT FROM OLD.status
        OR NEW.due_set_at IS DISTINCT FROM OLD.due_set_at)
    EXECUTE FUNCTION actions_remind_check();

-- A finding back in work (reopened, rejected): its open actions are
-- looked at again, since nothing was planned for them meanwhile.
-- +goose StatementBegin
CREATE FUNCTION findings_remind_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE actions SET remind_check = true WHERE finding_id = NEW.id AND status = 'todo' AND NOT remind_check;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER findings_remind_check AFTER UPDATE OF state ON findings
    FOR EACH ROW WHEN (NEW.state IN ('open', 'in_progress') AND OLD.state NOT IN ('open', 'in_progress'))
    EXECUTE FUNCTION findings_remind_check();

-- One row: the rules (their thresholds) and the dates (Rules.SendDate's
-- working day on or before it, and the last day whose due thresholds it
-- sent) of the last committed pass.
CREATE TABLE reminder_plan_marks (
    id    boolean PRIMARY KEY DEFAULT true CHECK (id),
    rules text NOT NULL,
    pd    date NOT NULL,
    ed    date NOT NULL
);

-- +goose Down
ALTER INDEX findings_search_idx ALTER COLUMN 1 SET STATISTICS -1;
DROP TABLE reminder_plan_marks;
DROP TRIGGER findings_remind_check ON findings;
DROP FUNCTION findings_remind_check();
DROP TRIGGER actions_remind_check ON actions;
DROP FUNCTION actions_remind_check();
DROP INDEX actions_remind_check_idx;
ALTER TABLE actions DROP COLUMN remind_check;
