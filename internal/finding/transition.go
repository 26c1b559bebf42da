package finding

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/date"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

// TransitionInput asks for one step of the life cycle.
type TransitionInput struct {
	Verb    Verb
	Reason  string
	Version int
	// ReopenActionIDs: for reject, the actions to return to todo.
	ReopenActionIDs []int64
}

// Transition moves a finding along its life cycle as the table allows,
// writing the event and queueing its notifications in the same
// transaction. Errors: NotFound (p may not see it), Forbidden (p's role
// may not, or p would close their own submission), Conflict (stale
// version; or the state does not allow it, with AllowedActions), Invalid
// (unknown verb, missing reason, unmet requirements).
func (s *Service) Transition(ctx context.Context, p identity.Principal, id int64, in TransitionInput) (Detail, error) {
	db := s.db.WithContext(ctx)
	if in.Verb != Reject || len(in.ReopenActionIDs) == 0 {
		// A step that changes the finding alone reads it with its actions in
		// one round trip and writes in one statement, checked against the
		// head of its history instead of a lock held in between: every change
		// to a finding, its actions or its evidence appends an event, so an
		// unchanged head means that what was read still holds.
		d, err := s.readDetail(ctx, p, id)
		if err != nil {
			return Detail{}, err
		}
		st, err := s.step(db, p, d.Finding, in)
		if err != nil {
			return Detail{}, err
		}
		f, _, err := recordAtHead(ctx, s.db, d.Finding, st.ev, st.n, st.set, st.args...)
		if err == nil {
			d.Finding = f
			return d, nil
		}
		if !errors.Is(err, errHeadMoved) {
			return Detail{}, err
		}
		// Another change came first: decide again under the lock.
	}
	var out Finding
	err := db.Transaction(func(tx *gorm.DB) error {
		cur, err := s.load(tx, p, id, true)
		if err != nil {
			return err
		}
		st, err := s.step(tx, p, cur, in)
		if err != nil {
			return err
		}
		out, _, err = recordNotice(tx, cur, st.ev, st.n, st.set, st.args...)
		if err != nil {
			return err
		}
		if st.verb == Reject && len(in.ReopenActionIDs) > 0 {
			err := tx.Exec(`UPDATE actions SET status = 'todo', completed_at = NULL, completed_by = NULL, version = version + 1, updated_at = ?
				WHERE finding_id = ? AND id = ANY(?)`, st.ev.CreatedAt, cur.ID, postgres.Array[int64](in.ReopenActionIDs)).Error
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Detail{}, err
	}
	return s.detail(db, out)
}

// transitionStep is what a transition writes: its event and notification,
// and the finding's columns it sets.
type transitionStep struct {
	verb Verb
	ev   Event
	n    *notice
	set  string
	args []any
}

// step checks that in may move cur (as read by tx) and works out what the
// move writes.
func (s *Service) step(tx *gorm.DB, p identity.Principal, cur Finding, in TransitionInput) (transitionStep, error) {
	t, err := Check(in.Verb, cur.Situation(p))
	if err != nil {
		return transitionStep{}, err
	}
	if cur.Version != in.Version {
		return transitionStep{}, staleVersion(in.Version, cur.Version)
	}
	data := map[string]any{}
	set := `, state = ?, version = version + 1`
	args := []any{t.To}
	if t.Verb == Issue && cur.DueDate.IsZero() {
		// A finding issued without a due date takes its review kind's
		// default, counted from the day of issue.
		due, err := s.defaultDue(tx, cur.ReviewID)
		if err != nil {
			return transitionStep{}, err
		}
		if !due.IsZero() {
			cur.DueDate = due
			set += `, due_date = ?`
			args = append(args, due)
			data["due_date"] = due
			data["due_date_default"] = true
		}
	}
	if err := s.requirements(tx, t, cur, in); err != nil {
		return transitionStep{}, err
	}
	now := s.instant()
	if r := strings.TrimSpace(in.Reason); r != "" {
		data["reason"] = r
	}
	switch t.Verb {
	case Issue:
		set += `, issued_at = ?`
		args = append(args, now)
	case Submit:
		set += `, submitted_by = ?, submitted_at = ?`
		args = append(args, p.UserID, now)
	case Reject:
		set += `, submitted_by = NULL, submitted_at = NULL`
		if len(in.ReopenActionIDs) > 0 {
			data["reopened_action_ids"] = in.ReopenActionIDs
		}
	case Close, MarkNotActionable:
		set += `, closed_at = ?`
		args = append(args, now)
	case Reopen:
		set += `, submitted_by = NULL, submitted_at = NULL, closed_at = NULL`
	}
	var n *notice
	switch t.Verb {
	case Submit:
		n = &notice{kind: NoticeSubmitted, to: toAuditors}
	case Reject:
		n = &notice{kind: NoticeRejected, to: toManagersAndAssignees, args: []any{cur.ID, cur.ID}}
	case Close:
		n = &notice{kind: NoticeClosed, to: toUnitManagers, args: []any{cur.ID}}
	case MarkNotActionable:
		n = &notice{kind: NoticeNotActionable, to: toUnitManagers, args: []any{cur.ID}}
	}
	return transitionStep{verb: t.Verb, n: n, set: set, args: args,
		ev: Event{Kind: string(t.Verb), ActorID: &p.UserID, FromState: &cur.State, ToState: &t.To, CreatedAt: now, Data: eventData(data)}}, nil
}

// defaultDue is the due date a finding of review reviewID gets when it is
// issued today without one: none when its kind has no default.
func (s *Service) defaultDue(tx *gorm.DB, reviewID int64) (date.Date, error) {
	var kind string
	if err := tx.Raw(`SELECT kind FROM reviews WHERE id = ?`, reviewID).Scan(&kind).Error; err != nil {
		return date.Date{}, err
	}
	days := s.deadlines.DefaultDueDays[kind]
	if days <= 0 {
		return date.Date{}, nil
	}
	return s.Today().AddDays(days), nil
}

// requirements checks what t needs beyond state and role, naming every
// missing thing.
func (s *Service) requirements(tx *gorm.DB, t Transition, cur Finding, in TransitionInput) error {
	var v apperr.Validation
	if t.Requires&NeedsReason != 0 {
		checkText(&v, "reason", in.Reason, true, 5000)
	} else {
		checkText(&v, "reason", in.Reason, false, 5000)
	}
	if t.Verb != Reject && len(in.ReopenActionIDs) > 0 {
		v.Add("reopen_action_ids", "only a rejection reopens actions")
	}
	if t.Requires&NeedsIssueFields != 0 {
		if cur.UnitID == nil {
			v.Add("unit_id", "the finding needs a responsible unit before it is issued")
		}
		if strings.TrimSpace(cur.Recommendation) == "" {
			v.Add("recommendation", "the finding needs a recommendation before it is issued")
		}
		if cur.DueDate.IsZero() {
			v.Add("due_date", "the finding needs a due date before it is issued")
		}
	}
	if t.Requires&NeedsFollowUp != 0 {
		var st struct {
			TodoTitle postgres.Array[string]
			Artifacts int
		}
		err := tx.Raw(`SELECT
				ARRAY(SELECT '#' || id || ' ' || title FROM actions WHERE finding_id = ? AND status = 'todo' ORDER BY id) AS todo_title,
				(SELECT count(*) FROM artifacts ar JOIN actions a ON a.id = ar.action_id
					WHERE a.finding_id = ? AND ar.removed_at IS NULL) AS artifacts`, cur.ID, cur.ID).Scan(&st).Error
		if err != nil {
			return err
		}
		if len(st.TodoTitle) > 0 {
			v.Add("actions", "every action must be done first; still to do: %s", strings.Join(st.TodoTitle, "; "))
		}
		if st.Artifacts == 0 {
			v.Add("artifacts", "attach at least one evidence document (bukti dukung) before submitting")
		}
	}
	if t.Verb == Reject && len(in.ReopenActionIDs) > 0 {
		var ids []int64
		if err := tx.Raw(`SELECT id FROM actions WHERE finding_id = ?`, cur.ID).Scan(&ids).Error; err != nil {
			return err
		}
		for i, id := range in.ReopenActionIDs {
			if !slices.Contains(ids, id) {
				v.Add(fmt.Sprintf("reopen_action_ids[%d]", i), "action %d is not an action of this finding", id)
			}
		}
	}
	return v.Err()
}
