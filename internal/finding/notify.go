package finding

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
// finding's id as its parameter (an action's assignee, written by the
// same statement, is named: toAssignee). A
// notification is queued in its event's statement (recordNotice), keyed by
// the event so that it exists once, and only when there is somebody to
// tell.
const (
	toAuditors     = `ARRAY(SELECT id FROM users WHERE role = 'auditor' AND active ORDER BY id)`
	toUnitManagers = `ARRAY(SELECT u.id FROM users u JOIN findings f ON f.unit_id = u.unit_id
		WHERE f.id = ? AND u.role = 'manager' AND u.active ORDER BY u.id)`
	toManagersAndAssignees = `ARRAY(SELECT u.id FROM users u JOIN findings f ON f.unit_id = u.unit_id
		WHERE f.id = ? AND u.role = 'manager' AND u.active
		UNION SELECT a.assignee_id FROM actions a WHERE a.finding_id = ? ORDER BY 1)`
	// toAssignee takes the assignee's id.
	toAssignee = `ARRAY[?::bigint]`
)
