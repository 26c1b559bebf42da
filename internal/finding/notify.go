package finding

import "gorm.io/gorm"

// The notifications queued by events (PRODUCT.md, "On events"). The
// reminders' sender renders and delivers them; here they are only decided,
// in the transaction of their event, so that none is lost or invented.
const (
	NoticeActionAssigned = "action_assigned"
	NoticeSubmitted      = "finding_submitted"
	NoticeRejected       = "finding_rejected"
	NoticeClosed         = "finding_closed"
	NoticeNotActionable  = "finding_not_actionable"
)

// recipients are SQL expressions yielding user ids; each takes the
// finding's id (and the action's, for one assignee) as its parameter.
const (
	toAuditors     = `ARRAY(SELECT id FROM users WHERE role = 'auditor' AND active ORDER BY id)`
	toUnitManagers = `ARRAY(SELECT u.id FROM users u JOIN findings f ON f.unit_id = u.unit_id
		WHERE f.id = ? AND u.role = 'manager' AND u.active ORDER BY u.id)`
	toManagersAndAssignees = `ARRAY(SELECT u.id FROM users u JOIN findings f ON f.unit_id = u.unit_id
		WHERE f.id = ? AND u.role = 'manager' AND u.active
		UNION SELECT a.assignee_id FROM actions a WHERE a.finding_id = ? ORDER BY 1)`
	toAssignee = `ARRAY(SELECT assignee_id FROM actions WHERE id = ?)`
)

// queue inserts the notification of event ev for the recipients that to
// yields (with args), unless there is nobody to tell. It is keyed by the
// event, so it exists once.
func queue(tx *gorm.DB, kind string, ev Event, actionID *int64, to string, args ...any) error {
	all := append([]any{ev.ID, kind, ev.FindingID, actionID, ev.ID, ev.CreatedAt, ev.CreatedAt}, args...)
	return tx.Exec(`INSERT INTO notifications (dedup_key, kind, finding_id, action_id, event_id, due_at, next_attempt_at, to_user_ids)
		SELECT 'event:' || ?::bigint, ?, ?, ?::bigint, ?::bigint, ?::timestamptz, ?::timestamptz, r
		FROM (SELECT `+to+` AS r) AS recipients WHERE cardinality(r) > 0`, all...).Error
}
