-- One unit's findings in every state by due date: a manager's own list
-- (every state but draft) and an auditor's list of one unit, with or
-- without the overdue filter. findings_unit_state_due_idx yields that order
-- only within one state, so without this index each page of these lists
-- sorted all of the unit's findings: 17–110 ms a page for the biggest unit
-- of a 100,000-finding table, 0.1–2 ms with it (internal/finding/plan_test.go).

-- +goose Up
CREATE INDEX findings_unit_due_idx ON findings (unit_id, due_sort, id);

-- +goose Down
DROP INDEX findings_unit_due_idx;
