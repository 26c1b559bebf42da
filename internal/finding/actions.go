package finding

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
	"github.com/tindaklanjut/tindaklanjut/internal/opt"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

const actionColumns = `id, finding_id, title, description, assignee_id, due_date, required_artifact_kinds, status,
	completion_note, completed_by, completed_at, created_by, version, created_at, updated_at`

// ActionInput assigns a follow-up action.
type ActionInput struct {
	Title                 string
	Description           string
	AssigneeID            int64
	DueDate               *string
	RequiredArtifactKinds []string
	// DueInWorkingDays gives the due date as the N-th working day after
	// today instead of DueDate.
	DueInWorkingDays *int
}

// ActionPatch changes an action's title, description, assignee, due date
// or required evidence.
type ActionPatch struct {
	Title                 opt.Field[string]
	Description           opt.Field[string]
	AssigneeID            opt.Field[int64]
	DueDate               opt.Field[string]
	RequiredArtifactKinds opt.Field[[]string]
}

// validateAction checks an action's fields; the assignee must be an active
// officer or manager of the finding's unit. The error is the database's,
// when the assignee could not be looked up (never "no such user" for a
// database that is away).
func validateAction(tx *gorm.DB, v *apperr.Validation, f Finding, a *Action) error {
	var who assignee
	if a.AssigneeID >= 1 {
		res := tx.Raw(`SELECT true AS found, role, unit_id, active FROM users WHERE id = ?`, a.AssigneeID).Scan(&who)
		if res.Error != nil {
			return res.Error
		}
	}
	checkAction(v, f, a, who)
	return nil
}

// assignee is what an action's checks need of its assignee.
type assignee struct {
	Found  bool
	Role   identity.Role
	UnitID int64
	Active bool
}

// checkAction checks an action's fields, with its assignee as looked up.
func checkAction(v *apperr.Validation, f Finding, a *Action, who assignee) {
	checkLine(v, "title", a.Title, true, 300)
	checkText(v, "description", a.Description, false, 20000)
	seen := map[string]bool{}
	for i, k := range a.RequiredArtifactKinds {
		field := fmt.Sprintf("required_artifact_kinds[%d]", i)
		switch {
		case !slices.Contains(ArtifactKinds, k):
			v.Add(field, "must be one of %s", strings.Join(ArtifactKinds, ", "))
		case seen[k]:
			v.Add(field, "%s is listed twice", k)
		}
		seen[k] = true
	}
	switch {
	case a.AssigneeID < 1:
		v.Add("assignee_id", "is required")
	case !who.Found:
		v.Add("assignee_id", "no such user")
	case !who.Active:
		v.Add("assignee_id", "the user is inactive")
	case who.Role != identity.RoleOfficer && who.Role != identity.RoleManager:
		v.Add("assignee_id", "must be an officer or manager (the user is %s)", who.Role)
	case f.UnitID == nil || who.UnitID != *f.UnitID:
		v.Add("assignee_id", "must belong to the finding's responsible unit")
	}
}

// CreateAction assigns a follow-up action on an open or in-progress
// finding; the first one moves an open finding to in_progress. Errors:
// NotFound, Forbidden, Conflict (the finding's state), Invalid.
func (s *Service) CreateAction(ctx context.Context, p identity.Principal, findingID int64, in ActionInput) (Action, error) {
	// One statement reads the finding, the assignee and a new action id;
	// one writes the action, the event, the notification and the finding,
	// checked against the head of the finding's history (see Transition).
	db := s.db.WithContext(ctx)
	var row struct {
		Finding
		Assignees postgres.Array[int64]
		Who       assignee `gorm:"embedded;embeddedPrefix:who_"`
		ActionID  int64
	}
	res := db.Raw(`SELECT l.*,
			w.id IS NOT NULL AS who_found, coalesce(w.role, '') AS who_role, coalesce(w.unit_id, 0) AS who_unit_id,
			coalesce(w.active, false) AS who_active, nextval(pg_get_serial_sequence('actions', 'id')) AS action_id
		FROM (`+loadQuery(p, "?")+`) l LEFT JOIN users w ON w.id = ?`, findingID, in.AssigneeID).Scan(&row)
	if res.Error != nil {
		return Action{}, res.Error
	}
	if res.RowsAffected == 0 || !visible(p, row.Finding, row.Assignees) {
		return Action{}, notFound(findingID)
	}
	a, st, err := s.newAction(ctx, p, row.Finding, in, func(v *apperr.Validation, a *Action) error {
		checkAction(v, row.Finding, a, row.Who)
		return nil
	})
	if err != nil {
		return Action{}, err
	}
	a.ID = row.ActionID
	out, err := insertAction(db, row.Finding, a, st)
	if err == nil || !errors.Is(err, errHeadMoved) {
		return out, translateRef(err)
	}
	// Another change came first: decide again under the lock.
	err = db.Transaction(func(tx *gorm.DB) error {
		cur, err := s.load(tx, p, findingID, true)
		if err != nil {
			return err
		}
		a, st, err := s.newAction(ctx, p, cur, in, func(v *apperr.Validation, a *Action) error { return validateAction(tx, v, cur, a) })
		if err != nil {
			return err
		}
		a.ID = row.ActionID
		out, err = insertAction(tx, cur, a, st)
		return err
	})
	return out, translateRef(err)
}

// newAction checks that p may assign in on cur, validating it with check,
// and returns the action (without its id) and the finding's step.
func (s *Service) newAction(ctx context.Context, p identity.Principal, cur Finding, in ActionInput,
	check func(*apperr.Validation, *Action) error) (Action, transitionStep, error) {
	if err := identity.Authorize(p, identity.ActionCreate, nil); err != nil {
		return Action{}, transitionStep{}, err
	}
	if !cur.State.Active() {
		return Action{}, transitionStep{}, apperr.E(apperr.Conflict, "Actions are assigned to open or in-progress findings; this one is %s.", cur.State)
	}
	a := Action{FindingID: cur.ID, Title: in.Title, Description: in.Description, AssigneeID: in.AssigneeID,
		RequiredArtifactKinds: in.RequiredArtifactKinds, CreatedBy: p.UserID}
	if a.RequiredArtifactKinds == nil {
		a.RequiredArtifactKinds = []string{}
	}
	var v apperr.Validation
	if err := check(&v, &a); err != nil {
		return Action{}, transitionStep{}, err
	}
	var err error
	if a.DueDate, err = s.dueDate(ctx, &v, in.DueDate, in.DueInWorkingDays, true); err != nil {
		return Action{}, transitionStep{}, err
	}
	if err := v.Err(); err != nil {
		return Action{}, transitionStep{}, err
	}
	st := transitionStep{}
	if cur.State == Open {
		st.set, st.args = `, state = ?, version = version + 1`, []any{InProgress}
	}
	a.CreatedAt = s.instant()
	a.UpdatedAt = a.CreatedAt
	return a, st, nil
}

// insertAction writes action a (its id taken) on cur, with its event and
// its assignee's notification, in one statement checked against cur's
// head; errHeadMoved when the history moved on.
func insertAction(db *gorm.DB, cur Finding, a Action, st transitionStep) (Action, error) {
	to := InProgress
	ev := Event{Kind: EventActionAssigned, ActorID: &a.CreatedBy, FromState: &cur.State, ToState: &to,
		CreatedAt: a.CreatedAt, Data: eventData(actionContent(a))}
	// The action is written by the same statement, which cannot read it
	// back: its assignee is named rather than looked up.
	q, all, err := atHead(cur, &ev, &notice{kind: NoticeActionAssigned, actionID: &a.ID, to: toAssignee, args: []any{a.AssigneeID}},
		st.set, st.args...)
	if err != nil {
		return Action{}, err
	}
	var out Action
	res := db.Raw(q+`, a AS (
			INSERT INTO actions (id, finding_id, title, description, assignee_id, due_date, required_artifact_kinds, created_by, created_at, updated_at)
			OVERRIDING SYSTEM VALUE
			SELECT ?::bigint, ?::bigint, ?::text, ?::text, ?::bigint, ?::date, ?::text[], ?::bigint, ?::timestamptz, ?::timestamptz FROM u
			RETURNING `+actionColumns+`)
		SELECT * FROM a`, append(all, a.ID, a.FindingID, a.Title, a.Description, a.AssigneeID, a.DueDate, a.RequiredArtifactKinds,
		a.CreatedBy, a.CreatedAt, a.UpdatedAt)...).Scan(&out)
	if res.Error != nil {
		return Action{}, res.Error
	}
	if res.RowsAffected == 0 {
		return Action{}, errHeadMoved
	}
	out.Artifacts = []Artifact{}
	return out, nil
}

// actionContent is an action's assignment, as event data.
func actionContent(a Action) map[string]any {
	return map[string]any{"action_id": a.ID, "title": a.Title, "description": a.Description, "assignee_id": a.AssigneeID,
		"due_date": a.DueDate, "required_artifact_kinds": []string(a.RequiredArtifactKinds)}
}

// action reads one action of a visible finding, locking the finding; the
// action's finding is returned too. NotFound when p may not see it.
func (s *Service) action(tx *gorm.DB, p identity.Principal, id int64) (Finding, Action, error) {
	missing := apperr.E(apperr.NotFound, "There is no action %d.", id)
	var findingID int64
	res := tx.Raw(`SELECT finding_id FROM actions WHERE id = ?`, id).Scan(&findingID)
	if res.Error != nil {
		return Finding{}, Action{}, res.Error
	}
	if res.RowsAffected == 0 {
		return Finding{}, Action{}, missing
	}
	f, err := s.load(tx, p, findingID, true)
	if apperr.KindOf(err) == apperr.NotFound {
		return Finding{}, Action{}, missing
	}
	if err != nil {
		return Finding{}, Action{}, err
	}
	// Read the action under the finding's lock: every change to an action
	// takes it.
	var a Action
	if err := tx.Raw(`SELECT `+actionColumns+` FROM actions WHERE id = ?`, id).Scan(&a).Error; err != nil {
		return Finding{}, Action{}, err
	}
	return f, a, nil
}

// UpdateAction edits an action of an open or in-progress finding, if
// version is current. A new assignee is notified. Errors: NotFound,
// Forbidden, Conflict, Invalid.
func (s *Service) UpdateAction(ctx context.Context, p identity.Principal, id int64, version int, in ActionPatch) (Action, error) {
	// The action, its finding, its assignee-to-be and its evidence are read
	// in one round trip, and the action, the event, the notification and
	// the finding written in one statement, checked against the head of
	// the finding's history (see Transition).
	var newAssignee *int64
	if in.AssigneeID.Set {
		newAssignee = &in.AssigneeID.Value
	}
	var f Finding
	var cur Action
	var who assignee
	err := postgres.ReadConn(ctx, s.db, func(conn *pgx.Conn) error {
		const user = `(SELECT %s FROM users WHERE id = coalesce($2::bigint, ac.assignee_id))`
		b := &pgx.Batch{}
		b.Queue(actionQuery(p, `, EXISTS `+fmt.Sprintf(user, "")+`, coalesce(`+fmt.Sprintf(user, "role")+`, ''),
			coalesce(`+fmt.Sprintf(user, "unit_id")+`, 0), coalesce(`+fmt.Sprintf(user, "active")+`, false)`), id, newAssignee)
		b.Queue(`SELECT `+artifactColumns+` FROM artifacts ar WHERE action_id = $1 AND removed_at IS NULL ORDER BY id`, id)
		br := conn.SendBatch(ctx, b)
		defer br.Close()
		var err error
		if f, cur, _, err = scanAction(br.QueryRow(), p, id, &who.Found, &who.Role, &who.UnitID, &who.Active); err != nil {
			return err
		}
		if err := scanArtifacts(br, &cur); err != nil {
			return err
		}
		return br.Close()
	})
	if err != nil {
		return Action{}, err
	}
	next, changes, err := actionPatched(p, f, cur, version, in, func(v *apperr.Validation, a *Action) error {
		checkAction(v, f, a, who)
		return nil
	})
	if err != nil {
		return Action{}, err
	}
	if changes == nil {
		return cur, nil
	}
	return s.changeAction(ctx, p, id, cur, func(db *gorm.DB) (Action, error) {
		return updateAction(db, p, f, cur, next, changes, s.instant())
	}, func(tx *gorm.DB, f Finding, cur Action) (Action, error) {
		next, changes, err := actionPatched(p, f, cur, version, in, func(v *apperr.Validation, a *Action) error {
			return validateAction(tx, v, f, a)
		})
		if err != nil || changes == nil {
			return cur, err
		}
		return updateAction(tx, p, f, cur, next, changes, s.instant())
	})
}

// changeAction writes a change of action id, read as cur, with write: on
// the finding as read, checked against its head (see atHead). When the
// history moved on, it reads the action anew under the finding's lock and
// writes with locked. It returns the action with its evidence.
func (s *Service) changeAction(ctx context.Context, p identity.Principal, id int64, cur Action,
	write func(db *gorm.DB) (Action, error), locked func(tx *gorm.DB, f Finding, a Action) (Action, error)) (Action, error) {
	db := s.db.WithContext(ctx)
	out, err := write(db)
	if err == nil {
		out.Artifacts = cur.Artifacts
		return out, nil
	}
	if !errors.Is(err, errHeadMoved) {
		return Action{}, err
	}
	// Another change came first: decide again under the lock.
	err = db.Transaction(func(tx *gorm.DB) error {
		f, a, err := s.action(tx, p, id)
		if err != nil {
			return err
		}
		out, err = locked(tx, f, a)
		return err
	})
	if err != nil {
		return Action{}, err
	}
	return s.withArtifacts(db, out)
}

// actionPatched checks that p may apply in to action cur of finding f at
// version, validating the result with check; it returns the action as
// changed and the changes (nil when there are none).
func actionPatched(p identity.Principal, f Finding, cur Action, version int, in ActionPatch,
	check func(*apperr.Validation, *Action) error) (Action, map[string]any, error) {
	if err := identity.Authorize(p, identity.ActionUpdate, nil); err != nil {
		return Action{}, nil, err
	}
	if cur.Version != version {
		return Action{}, nil, staleVersion(version, cur.Version)
	}
	if !f.State.Active() {
		return Action{}, nil, apperr.E(apperr.Conflict, "The actions of a finding that is %s cannot be changed.", f.State)
	}
	next := cur
	var v apperr.Validation
	if in.Title.Null {
		v.Add("title", "must not be null")
	} else if in.Title.Set {
		next.Title = in.Title.Value
	}
	if in.Description.Set || in.Description.Null {
		next.Description = in.Description.Value
	}
	if in.AssigneeID.Null {
		v.Add("assignee_id", "must not be null")
	} else if in.AssigneeID.Set {
		next.AssigneeID = in.AssigneeID.Value
	}
	if in.DueDate.Null {
		v.Add("due_date", "must not be null")
	} else if in.DueDate.Set {
		next.DueDate = parseDate(&v, "due_date", &in.DueDate.Value, true)
	}
	if in.RequiredArtifactKinds.Set || in.RequiredArtifactKinds.Null {
		next.RequiredArtifactKinds = in.RequiredArtifactKinds.Value
		if next.RequiredArtifactKinds == nil {
			next.RequiredArtifactKinds = []string{}
		}
	}
	if !v.Has("assignee_id") {
		if err := check(&v, &next); err != nil {
			return Action{}, nil, err
		}
	}
	if err := v.Err(); err != nil {
		return Action{}, nil, err
	}
	changes := changed(actionContent(cur), actionContent(next))
	if len(changes) == 0 {
		return cur, nil, nil
	}
	return next, changes, nil
}

// updateAction writes next over action cur of f, with its event and, for
// a new assignee, their notification, in one statement checked against
// f's head; errHeadMoved when the history moved on.
func updateAction(db *gorm.DB, p identity.Principal, f Finding, cur, next Action, changes map[string]any, now time.Time) (Action, error) {
	changes["action_id"] = cur.ID
	var n *notice
	if next.AssigneeID != cur.AssigneeID {
		// The action is updated by the same statement, which cannot read it
		// back: its new assignee is named rather than looked up.
		n = &notice{kind: NoticeActionAssigned, actionID: &cur.ID, to: toAssignee, args: []any{next.AssigneeID}}
	}
	ev := Event{Kind: EventActionUpdated, ActorID: &p.UserID, FromState: &f.State, ToState: &f.State, CreatedAt: now, Data: eventData(changes)}
	q, all, err := atHead(f, &ev, n, "")
	if err != nil {
		return Action{}, err
	}
	var out Action
	res := db.Raw(q+`, x AS (
			UPDATE actions SET title = ?, description = ?, assignee_id = ?, due_date = ?, required_artifact_kinds = ?,
				version = version + 1, updated_at = ?
			WHERE id = ? AND EXISTS (SELECT FROM u) RETURNING `+actionColumns+`)
		SELECT * FROM x`, append(all, next.Title, next.Description, next.AssigneeID, next.DueDate, next.RequiredArtifactKinds,
		now, cur.ID)...).Scan(&out)
	if res.Error != nil {
		return Action{}, translateRef(res.Error)
	}
	if res.RowsAffected == 0 {
		return Action{}, errHeadMoved
	}
	out.Artifacts = []Artifact{}
	return out, nil
}

// CompleteAction marks an action done with a note, if every required kind
// of evidence is attached. Errors: NotFound, Forbidden (neither its
// assignee nor the unit's manager), Conflict (stale version, already done,
// or the finding is not in progress), Invalid (missing evidence).
func (s *Service) CompleteAction(ctx context.Context, p identity.Principal, id int64, version int, note string) (Action, error) {
	// The action, its finding and its evidence are read in one round trip,
	// and the action, the event and the finding written in one statement,
	// checked against the head of the finding's history (see Transition).
	var f Finding
	var cur Action
	err := postgres.ReadConn(ctx, s.db, func(conn *pgx.Conn) error {
		b := &pgx.Batch{}
		b.Queue(actionQuery(p, ""), id)
		b.Queue(`SELECT `+artifactColumns+` FROM artifacts ar WHERE action_id = $1 AND removed_at IS NULL ORDER BY id`, id)
		br := conn.SendBatch(ctx, b)
		defer br.Close()
		var err error
		if f, cur, _, err = scanAction(br.QueryRow(), p, id); err != nil {
			return err
		}
		if err := scanArtifacts(br, &cur); err != nil {
			return err
		}
		return br.Close()
	})
	if err != nil {
		return Action{}, err
	}
	var have []string
	for _, a := range cur.Artifacts {
		have = append(have, a.Kind)
	}
	if err := mayComplete(p, f, cur, version, note, have); err != nil {
		return Action{}, err
	}
	return s.changeAction(ctx, p, id, cur, func(db *gorm.DB) (Action, error) {
		return completeAction(db, p, f, id, note, s.instant())
	}, func(tx *gorm.DB, f Finding, cur Action) (Action, error) {
		var have []string
		if err := tx.Raw(`SELECT DISTINCT kind FROM artifacts WHERE action_id = ? AND removed_at IS NULL`, id).Scan(&have).Error; err != nil {
			return Action{}, err
		}
		if err := mayComplete(p, f, cur, version, note, have); err != nil {
			return Action{}, err
		}
		return completeAction(tx, p, f, id, note, s.instant())
	})
}

// scanArtifacts reads the next result of br, the artifacts of a, into a.
func scanArtifacts(br pgx.BatchResults, a *Action) error {
	rows, err := br.Query()
	if err != nil {
		return err
	}
	var x Artifact
	_, err = pgx.ForEachRow(rows, artifactDest(&x), func() error {
		a.Artifacts = append(a.Artifacts, x)
		return nil
	})
	return err
}

// mayComplete checks that p may complete action a of finding f at version
// with note, given the kinds of evidence it has.
func mayComplete(p identity.Principal, f Finding, a Action, version int, note string, have []string) error {
	if err := identity.Authorize(p, identity.ActionComplete, nil); err != nil {
		return err
	}
	if p.Role == identity.RoleOfficer && a.AssigneeID != p.UserID {
		return apperr.E(apperr.Forbidden, "Only the action's assignee or the unit's manager may complete it.")
	}
	if a.Version != version {
		return staleVersion(version, a.Version)
	}
	if a.Status == Done {
		return apperr.E(apperr.Conflict, "The action is already done.")
	}
	if f.State != InProgress {
		return apperr.E(apperr.Conflict, "Actions are completed while the finding is in progress; it is %s.", f.State)
	}
	var v apperr.Validation
	checkText(&v, "note", note, false, 20000)
	var missing []string
	for _, k := range a.RequiredArtifactKinds {
		if !slices.Contains(have, k) {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		v.Add("artifacts", "evidence of these kinds is required first: %s", strings.Join(missing, ", "))
	}
	return v.Err()
}

// completeAction marks action id of f done, with its event, in one
// statement checked against f's head; errHeadMoved when the history moved
// on.
func completeAction(db *gorm.DB, p identity.Principal, f Finding, id int64, note string, now time.Time) (Action, error) {
	ev := Event{Kind: EventActionCompleted, ActorID: &p.UserID, FromState: &f.State, ToState: &f.State,
		CreatedAt: now, Data: eventData(map[string]any{"action_id": id, "note": note})}
	q, all, err := atHead(f, &ev, nil, "")
	if err != nil {
		return Action{}, err
	}
	var out Action
	res := db.Raw(q+`, x AS (
			UPDATE actions SET status = 'done', completion_note = ?, completed_by = ?, completed_at = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND EXISTS (SELECT FROM u) RETURNING `+actionColumns+`)
		SELECT * FROM x`, append(all, note, p.UserID, now, now, id)...).Scan(&out)
	if res.Error != nil {
		return Action{}, res.Error
	}
	if res.RowsAffected == 0 {
		return Action{}, errHeadMoved
	}
	out.Artifacts = []Artifact{}
	return out, nil
}

// withArtifacts adds an action's evidence.
func (s *Service) withArtifacts(db *gorm.DB, a Action) (Action, error) {
	a.Artifacts = []Artifact{}
	err := db.Raw(`SELECT `+artifactColumns+` FROM artifacts ar WHERE action_id = ? AND removed_at IS NULL ORDER BY id`, a.ID).Scan(&a.Artifacts).Error
	return a, err
}

// Comment adds a remark to a finding's history. Errors: NotFound,
// Forbidden (viewers), Invalid.
func (s *Service) Comment(ctx context.Context, p identity.Principal, findingID int64, body string) (Event, error) {
	var v apperr.Validation
	checkText(&v, "body", body, true, 5000)
	var out Event
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		cur, err := s.load(tx, p, findingID, true)
		if err != nil {
			return err
		}
		if err := identity.Authorize(p, identity.FindingComment, nil); err != nil {
			return err
		}
		if err := v.Err(); err != nil {
			return err
		}
		_, out, err = record(tx, cur, Event{Kind: EventCommented, ActorID: &p.UserID, FromState: &cur.State, ToState: &cur.State,
			CreatedAt: s.instant(), Data: eventData(map[string]any{"body": body})}, "")
		return err
	})
	return out, err
}

// Events returns a finding's history after sequence number after, oldest
// first. Errors: NotFound.
func (s *Service) Events(ctx context.Context, p identity.Principal, findingID int64, after, limit int) ([]Event, error) {
	db := s.db.WithContext(ctx)
	if _, err := s.load(db, p, findingID, false); err != nil {
		return nil, err
	}
	if err := identity.Authorize(p, identity.FindingRead, nil); err != nil {
		return nil, err
	}
	return events(db, findingID, after, limit)
}

// FindingWithHistory is GetFinding with the first limit events of the
// finding's history, for a page that shows both: the finding is read, and
// its visibility checked, once.
func (s *Service) FindingWithHistory(ctx context.Context, p identity.Principal, id int64, limit int) (Detail, []Event, error) {
	db := s.db.WithContext(ctx)
	f, err := s.load(db, p, id, false)
	if err != nil {
		return Detail{}, nil, err
	}
	d, err := s.detail(db, f)
	if err != nil {
		return Detail{}, nil, err
	}
	evs, err := events(db, id, 0, limit)
	return d, evs, err
}

func events(db *gorm.DB, findingID int64, after, limit int) ([]Event, error) {
	var out []Event
	err := db.Raw(`SELECT `+eventColumns+` FROM finding_events WHERE finding_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
		findingID, after, limit).Scan(&out).Error
	return out, err
}
