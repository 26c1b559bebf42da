package finding

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/date"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

// Extension is a request for a later due date of an action or of a
// finding (permohonan perpanjangan), and its decision.
type Extension struct {
	ID           int64
	FindingID    int64
	ActionID     *int64
	OldDueDate   date.Date
	DueDate      date.Date
	Reason       string
	Status       string
	RequestedBy  int64
	DecidedBy    *int64
	DecisionNote string
	DecidedAt    *time.Time
	Version      int
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Subject is what the request would move: "action" or "finding".
func (e Extension) Subject() string {
	if e.ActionID != nil {
		return "action"
	}
	return "finding"
}

// SubjectID is the id of the action or finding.
func (e Extension) SubjectID() int64 {
	if e.ActionID != nil {
		return *e.ActionID
	}
	return e.FindingID
}

// The statuses of an extension request, and the decisions.
const (
	ExtensionPending  = "pending"
	ExtensionApproved = "approved"
	ExtensionRefused  = "refused"
	DecisionApprove   = "approve"
	DecisionRefuse    = "refuse"
)

// ExtensionStatuses are the statuses a list filters by.
var ExtensionStatuses = []string{ExtensionPending, ExtensionApproved, ExtensionRefused}

// The events of extension requests, on the finding's history.
const (
	EventExtensionRequested = "extension_requested"
	EventExtensionApproved  = "extension_approved"
	EventExtensionRefused   = "extension_refused"
)

// The notifications of extension requests: a request to the auditors, a
// decision to the requester and the unit's managers.
const (
	NoticeExtensionRequested = "extension_requested"
	NoticeExtensionDecided   = "extension_decided"
)

// maxExtensionDays bounds how far one request moves a date; maxReason the
// length of a reason or a decision's note.
const (
	maxExtensionDays = 365
	maxReason        = 2000
)

const extensionColumns = `id, finding_id, action_id, old_due_date, due_date, reason, status, requested_by, decided_by,
	decision_note, decided_at, version, created_at, updated_at`

// ExtensionInput asks for a later due date.
type ExtensionInput struct {
	DueDate *string
	Reason  string
}

// RequestExtension asks for a later due date of an action (subject
// "action": its assignee or the unit's manager) or of a finding
// ("finding": the unit's manager), and tells the auditors. Errors:
// NotFound, Forbidden, Conflict (the subject no longer runs, a request is
// pending, or the limit of approved extensions is reached), Invalid (a
// date not later than the current one or more than 365 days after it, a
// missing or overlong reason).
func (s *Service) RequestExtension(ctx context.Context, p identity.Principal, subject string, id int64, in ExtensionInput) (Extension, error) {
	var out Extension
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var f Finding
		var actionID *int64
		var current date.Date
		// stale is why the date no longer runs, told after the input is
		// judged.
		var stale error
		switch subject {
		case "action":
			var a Action
			var err error
			if f, a, err = s.action(tx, p, id); err != nil {
				return err
			}
			if err := identity.Authorize(p, identity.ExtensionRequest, nil); err != nil {
				return err
			}
			if p.Role == identity.RoleOfficer && a.AssigneeID != p.UserID {
				return apperr.E(apperr.Forbidden, "Only the action's assignee or the unit's manager may ask for more time.")
			}
			if a.Status != Todo {
				stale = apperr.E(apperr.Conflict, "The action is done: its due date no longer runs.")
			}
			actionID, current = &a.ID, a.DueDate
		default:
			var err error
			if f, err = s.load(tx, p, id, true); err != nil {
				return err
			}
			if p.Role != identity.RoleManager {
				return apperr.E(apperr.Forbidden, "Only the unit's manager may ask for more time for a finding.")
			}
			current = f.DueDate
		}
		if f.UnitID == nil || (p.Role == identity.RoleManager && *f.UnitID != p.UnitID) {
			return apperr.E(apperr.Forbidden, "Only the responsible unit may ask for more time.")
		}
		if !f.State.Active() {
			stale = apperr.E(apperr.Conflict, "Due dates are extended while the finding is open or in progress; it is %s.", f.State)
		}
		var v apperr.Validation
		due := parseDate(&v, "due_date", in.DueDate, true)
		if !due.IsZero() && !v.Has("due_date") {
			switch {
			case !due.After(current):
				v.Add("due_date", "must be later than the current due date, %s", current)
			case due.After(current.AddDays(maxExtensionDays)):
				v.Add("due_date", "must be at most %d days after the current due date, %s", maxExtensionDays, current)
			}
		}
		checkText(&v, "reason", in.Reason, true, maxReason)
		if err := v.Err(); err != nil {
			return err
		}
		if stale != nil {
			return stale
		}
		var counts struct{ Pending, Approved int }
		if err := tx.Raw(`SELECT count(*) FILTER (WHERE status = 'pending') AS pending, count(*) FILTER (WHERE status = 'approved') AS approved
			FROM extension_requests WHERE finding_id = ? AND action_id IS NOT DISTINCT FROM ?`, f.ID, actionID).Scan(&counts).Error; err != nil {
			return err
		}
		if counts.Pending > 0 {
			return apperr.E(apperr.Conflict, "An extension request of this %s is already pending: wait for its decision.", subject)
		}
		if counts.Approved >= s.deadlines.ExtensionLimit {
			return apperr.E(apperr.Conflict, "The limit of %d approved extensions of this %s is reached.", s.deadlines.ExtensionLimit, subject)
		}
		now := s.instant()
		err := tx.Raw(`INSERT INTO extension_requests (finding_id, action_id, old_due_date, due_date, reason, requested_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING `+extensionColumns,
			f.ID, actionID, current, due, strings.TrimSpace(in.Reason), p.UserID, now, now).Scan(&out).Error
		if code, _ := postgres.Violation(err); code == postgres.UniqueViolation {
			return apperr.E(apperr.Conflict, "An extension request of this %s is already pending: wait for its decision.", subject)
		}
		if err != nil {
			return err
		}
		_, _, err = recordNotice(tx, f, Event{Kind: EventExtensionRequested, ActorID: &p.UserID, FromState: &f.State, ToState: &f.State,
			CreatedAt: now, Data: eventData(extensionData(out, map[string]any{"reason": out.Reason}))},
			&notice{kind: NoticeExtensionRequested, actionID: actionID, to: toAuditors}, "")
		return err
	})
	return out, err
}

// extensionData is an extension's event data: the subject and both dates,
// with more.
func extensionData(e Extension, more map[string]any) map[string]any {
	out := map[string]any{"extension_id": e.ID, "subject": e.Subject(), "action_id": e.ActionID,
		"old_due_date": e.OldDueDate, "due_date": e.DueDate}
	for k, v := range more {
		out[k] = v
	}
	return out
}

// toRequesterAndManagers are the requester (the first parameter) and the
// active managers of the finding's unit (the second).
const toRequesterAndManagers = `ARRAY(SELECT u.id FROM users u WHERE u.id = ? AND u.active
	UNION SELECT u.id FROM users u JOIN findings f ON f.unit_id = u.unit_id
	WHERE f.id = ? AND u.role = 'manager' AND u.active ORDER BY 1)`

// DecideExtension approves or refuses a pending request (an auditor or an
// admin, never its requester), with a note (required to refuse). Approval
// moves the due date in the same transaction. Both outcomes write an
// event with both dates and tell the requester and the unit's managers.
// Errors: NotFound, Forbidden, Conflict (stale version, decided already,
// the subject no longer runs, or the limit reached), Invalid.
func (s *Service) DecideExtension(ctx context.Context, p identity.Principal, id int64, version int, decision, note string) (Extension, error) {
	var out Extension
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var findingID int64
		res := tx.Raw(`SELECT finding_id FROM extension_requests WHERE id = ?`, id).Scan(&findingID)
		if res.Error != nil {
			return res.Error
		}
		missing := apperr.E(apperr.NotFound, "There is no extension request %d.", id)
		if res.RowsAffected == 0 {
			return missing
		}
		f, err := s.load(tx, p, findingID, true)
		if apperr.KindOf(err) == apperr.NotFound {
			return missing
		}
		if err != nil {
			return err
		}
		var cur Extension
		if err := tx.Raw(`SELECT `+extensionColumns+` FROM extension_requests WHERE id = ?`, id).Scan(&cur).Error; err != nil {
			return err
		}
		if err := identity.Authorize(p, identity.ExtensionDecide, nil); err != nil {
			return err
		}
		if cur.RequestedBy == p.UserID {
			return apperr.E(apperr.Forbidden, "Nobody decides their own extension request.")
		}
		if cur.Version != version {
			return staleVersion(version, cur.Version)
		}
		if cur.Status != ExtensionPending {
			return apperr.E(apperr.Conflict, "The extension request was %s already.", cur.Status)
		}
		var v apperr.Validation
		switch decision {
		case DecisionApprove:
			checkText(&v, "note", note, false, maxReason)
		case DecisionRefuse:
			checkText(&v, "note", note, true, maxReason)
		default:
			v.Add("decision", "must be one of approve, refuse")
			checkText(&v, "note", note, false, maxReason)
		}
		if err := v.Err(); err != nil {
			return err
		}
		now := s.instant()
		status, kind := ExtensionRefused, EventExtensionRefused
		set := ""
		var args []any
		if decision == DecisionApprove {
			status, kind = ExtensionApproved, EventExtensionApproved
			if err := s.moveDueDate(tx, f, cur, now, &set, &args); err != nil {
				return err
			}
		}
		err = tx.Raw(`UPDATE extension_requests SET status = ?, decided_by = ?, decision_note = ?, decided_at = ?, version = version + 1,
				updated_at = ? WHERE id = ? RETURNING `+extensionColumns,
			status, p.UserID, strings.TrimSpace(note), now, now, id).Scan(&out).Error
		if err != nil {
			return err
		}
		_, _, err = recordNotice(tx, f, Event{Kind: kind, ActorID: &p.UserID, FromState: &f.State, ToState: &f.State, CreatedAt: now,
			Data: eventData(extensionData(out, map[string]any{"note": out.DecisionNote, "requested_by": out.RequestedBy}))},
			&notice{kind: NoticeExtensionDecided, actionID: out.ActionID, to: toRequesterAndManagers, args: []any{out.RequestedBy, f.ID}},
			set, args...)
		return err
	})
	return out, err
}

// moveDueDate sets the request's new date on its action, or (through the
// event's statement: set and args) on its finding, once it is checked that
// the subject still runs on the date the request extends.
func (s *Service) moveDueDate(tx *gorm.DB, f Finding, e Extension, now time.Time, set *string, args *[]any) error {
	if !f.State.Active() {
		return apperr.E(apperr.Conflict, "Due dates are extended while the finding is open or in progress; it is %s.", f.State)
	}
	var approved int
	if err := tx.Raw(`SELECT count(*) FROM extension_requests WHERE finding_id = ? AND action_id IS NOT DISTINCT FROM ? AND status = 'approved'`,
		e.FindingID, e.ActionID).Scan(&approved).Error; err != nil {
		return err
	}
	if approved >= s.deadlines.ExtensionLimit {
		return apperr.E(apperr.Conflict, "The limit of %d approved extensions of this %s is reached.", s.deadlines.ExtensionLimit, e.Subject())
	}
	if e.ActionID == nil {
		if !e.DueDate.After(f.DueDate) {
			return apperr.E(apperr.Conflict, "The due date was moved to %s since the request; it asks for %s. Refuse it, and ask again.", f.DueDate, e.DueDate)
		}
		*set, *args = `, due_date = ?, version = version + 1`, []any{e.DueDate}
		return nil
	}
	var a Action
	if err := tx.Raw(`SELECT `+actionColumns+` FROM actions WHERE id = ?`, *e.ActionID).Scan(&a).Error; err != nil {
		return err
	}
	if a.Status != Todo {
		return apperr.E(apperr.Conflict, "The action is done: its due date no longer runs.")
	}
	if !e.DueDate.After(a.DueDate) {
		return apperr.E(apperr.Conflict, "The due date was moved to %s since the request; it asks for %s. Refuse it, and ask again.", a.DueDate, e.DueDate)
	}
	return tx.Exec(`UPDATE actions SET due_date = ?, version = version + 1, updated_at = ? WHERE id = ?`, e.DueDate, now, a.ID).Error
}

// GetExtension returns a request of a finding p may see. Errors: NotFound.
func (s *Service) GetExtension(ctx context.Context, p identity.Principal, id int64) (Extension, error) {
	db := s.db.WithContext(ctx)
	var e Extension
	res := db.Raw(`SELECT `+extensionColumns+` FROM extension_requests WHERE id = ?`, id).Scan(&e)
	if res.Error != nil {
		return Extension{}, res.Error
	}
	if res.RowsAffected > 0 {
		_, err := s.load(db, p, e.FindingID, false)
		if err == nil {
			return e, nil
		}
		if apperr.KindOf(err) != apperr.NotFound {
			return Extension{}, err
		}
	}
	return Extension{}, apperr.E(apperr.NotFound, "There is no extension request %d.", id)
}

// ExtensionFilter narrows the list of extension requests.
type ExtensionFilter struct {
	Status    string
	FindingID *int64
}

// ListExtensions returns the requests of the findings p may see that match
// f, newest first, after the id afterID (0: from the newest), at most
// limit. Errors: Invalid (an unknown status).
func (s *Service) ListExtensions(ctx context.Context, p identity.Principal, f ExtensionFilter, afterID int64, limit int) ([]Extension, error) {
	if f.Status != "" {
		var v apperr.Validation
		oneOf(&v, "status", f.Status, ExtensionStatuses)
		if err := v.Err(); err != nil {
			return nil, err
		}
	}
	scope, args := visibleFindings(p)
	q := `SELECT ` + extensionColumns + ` FROM extension_requests e
		WHERE (?::text = '' OR e.status = ?::text) AND (?::bigint IS NULL OR e.finding_id = ?::bigint)
			AND (?::bigint = 0 OR e.id < ?::bigint)
			AND EXISTS (SELECT 1 FROM findings f WHERE f.id = e.finding_id AND ` + scope + `)
		ORDER BY e.id DESC LIMIT ?`
	all := append([]any{f.Status, f.Status, f.FindingID, f.FindingID, afterID, afterID}, args...)
	all = append(all, limit)
	out := []Extension{}
	err := s.db.WithContext(ctx).Raw(q, all...).Scan(&out).Error
	return out, err
}

// visibleFindings is the SQL condition on findings f that p may see, as
// visible decides it for one finding, with its parameters.
func visibleFindings(p identity.Principal) (string, []any) {
	switch p.ScopeOf("finding") {
	case identity.ScopeAll:
		return "true", nil
	case identity.ScopeUnit:
		return `f.state <> 'draft' AND (f.unit_id = ? OR EXISTS (SELECT 1 FROM actions a WHERE a.finding_id = f.id AND a.assignee_id = ?))`,
			[]any{p.UnitID, p.UserID}
	case identity.ScopeOwn:
		return `f.state <> 'draft' AND EXISTS (SELECT 1 FROM actions a WHERE a.finding_id = f.id AND a.assignee_id = ?)`, []any{p.UserID}
	}
	return "false", nil
}

// ExtensionItem is a request with what a list of them shows: the finding's
// code and title, the action's title (for an action's request) and who
// asked.
type ExtensionItem struct {
	Extension
	Code        string
	Title       string
	ActionTitle string
	Requester   string
}

// ExtensionsOf returns the requests of the findings p may see that match
// f, newest first, at most limit, with what a list of them shows. Errors:
// Invalid (an unknown status).
func (s *Service) ExtensionsOf(ctx context.Context, p identity.Principal, f ExtensionFilter, limit int) ([]ExtensionItem, error) {
	list, err := s.ListExtensions(ctx, p, f, 0, limit)
	if err != nil || len(list) == 0 {
		return []ExtensionItem{}, err
	}
	ids := make([]int64, len(list))
	for i, e := range list {
		ids[i] = e.ID
	}
	var rows []struct {
		ID          int64
		Code        string
		Title       string
		ActionTitle string
		Requester   string
	}
	err = s.db.WithContext(ctx).Raw(`SELECT e.id, f.code, f.title, coalesce(a.title, '') AS action_title, u.name AS requester
		FROM extension_requests e JOIN findings f ON f.id = e.finding_id LEFT JOIN actions a ON a.id = e.action_id
		JOIN users u ON u.id = e.requested_by WHERE e.id = ANY(?)`, postgres.Array[int64](ids)).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]int, len(rows))
	for i, r := range rows {
		byID[r.ID] = i
	}
	out := make([]ExtensionItem, len(list))
	for i, e := range list {
		r := rows[byID[e.ID]]
		out[i] = ExtensionItem{Extension: e, Code: r.Code, Title: r.Title, ActionTitle: r.ActionTitle, Requester: r.Requester}
	}
	return out, nil
}
