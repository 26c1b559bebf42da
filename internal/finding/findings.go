package finding

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/auditlog"
	"github.com/tindaklanjut/tindaklanjut/internal/date"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
	"github.com/tindaklanjut/tindaklanjut/internal/opt"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

// FindingInput records a finding as a draft.
type FindingInput struct {
	ReviewID       int64
	Title          string
	Condition      string
	Criteria       string
	Cause          string
	Effect         string
	Recommendation string
	Severity       Severity
	UnitID         *int64
	ApplicationID  *int64
	IndicatorCodes []string
	DueDate        *string
	// DueInWorkingDays gives the due date as the N-th working day after
	// today instead of DueDate.
	DueInWorkingDays *int
}

// FindingPatch changes a finding's text, severity, due date, indicators,
// application, and (before any action exists) its responsible unit.
type FindingPatch struct {
	Title          opt.Field[string]
	Condition      opt.Field[string]
	Criteria       opt.Field[string]
	Cause          opt.Field[string]
	Effect         opt.Field[string]
	Recommendation opt.Field[string]
	Severity       opt.Field[Severity]
	UnitID         opt.Field[int64]
	ApplicationID  opt.Field[int64]
	IndicatorCodes opt.Field[[]string]
	DueDate        opt.Field[string]
}

// maxIndicators bounds the indicators one finding names: the largest
// model's count (spbe-2020 has 47).
const maxIndicators = 47

var indicatorCodeRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,16}$`)

// validateContent checks the fields a finding's author writes.
func validateContent(v *apperr.Validation, f *Finding) {
	checkLine(v, "title", f.Title, true, 300)
	checkText(v, "condition", f.Condition, false, 20000)
	checkText(v, "criteria", f.Criteria, false, 20000)
	checkText(v, "cause", f.Cause, false, 20000)
	checkText(v, "effect", f.Effect, false, 20000)
	checkText(v, "recommendation", f.Recommendation, false, 20000)
	if !f.Severity.Valid() {
		v.Add("severity", "must be one of low, medium, high, critical")
	}
	if len(f.IndicatorCodes) > maxIndicators {
		v.Add("indicator_codes", "must list at most %d indicators", maxIndicators)
	}
	seen := map[string]bool{}
	for i, c := range f.IndicatorCodes {
		field := fmt.Sprintf("indicator_codes[%d]", i)
		switch {
		case !indicatorCodeRE.MatchString(c):
			v.Add(field, "must be an indicator code such as I05")
		case seen[c]:
			v.Add(field, "%s is listed twice", c)
		}
		seen[c] = true
	}
}

// checkRefs checks, inside tx, that the objects a finding names exist:
// unit, application and indicators (of the model of the review's
// assessment, or of any model when the review has none).
func checkRefs(tx *gorm.DB, v *apperr.Validation, f *Finding) error {
	if ok, err := exists(tx, "units", f.UnitID); err != nil {
		return err
	} else if !ok {
		v.Add("unit_id", "no such unit")
	}
	if ok, err := exists(tx, "applications", f.ApplicationID); err != nil {
		return err
	} else if !ok {
		v.Add("application_id", "no such application")
	}
	if len(f.IndicatorCodes) == 0 || v.Has("indicator_codes") {
		return nil
	}
	// Indicator codes are unique across models, so a code names its model.
	// A review of an assessment takes the indicators of the assessment's
	// model; a review of none, those of any model held (an ICT audit may
	// speak of a Pemdi indicator as well as of an SPBE one).
	var unknown []struct {
		Code  string
		Model string
	}
	err := tx.Raw(`SELECT u.c AS code, coalesce(fw.code, '') AS model
		FROM unnest(?::text[]) WITH ORDINALITY AS u(c, n)
		LEFT JOIN framework_indicators i ON i.code = u.c
		LEFT JOIN frameworks fw ON fw.id = i.framework_id
		LEFT JOIN (SELECT a.framework_id FROM reviews r JOIN assessments a ON a.id = r.assessment_id WHERE r.id = ?) ra ON true
		WHERE i.id IS NULL OR (ra.framework_id IS NOT NULL AND i.framework_id <> ra.framework_id)
		ORDER BY u.n`, postgres.Array[string](f.IndicatorCodes), f.ReviewID).Scan(&unknown).Error
	if err != nil {
		return err
	}
	for _, u := range unknown {
		field := fmt.Sprintf("indicator_codes[%d]", slices.Index(f.IndicatorCodes, u.Code))
		if u.Model == "" {
			v.Add(field, "%s is not an indicator of any evaluation model held here", u.Code)
		} else {
			v.Add(field, "%s is an indicator of %s, not of the model of the review's assessment", u.Code, u.Model)
		}
	}
	return nil
}

// CreateFinding records a draft finding with a new code. Errors:
// Forbidden, Invalid (naming every bad field).
func (s *Service) CreateFinding(ctx context.Context, p identity.Principal, in FindingInput) (Detail, error) {
	if err := identity.Authorize(p, identity.FindingCreate, nil); err != nil {
		return Detail{}, err
	}
	f := Finding{ReviewID: in.ReviewID, Title: in.Title, Condition: in.Condition, Criteria: in.Criteria, Cause: in.Cause,
		Effect: in.Effect, Recommendation: in.Recommendation, Severity: in.Severity, UnitID: in.UnitID,
		ApplicationID: in.ApplicationID, IndicatorCodes: in.IndicatorCodes, State: Draft, CreatedBy: p.UserID}
	if f.IndicatorCodes == nil {
		f.IndicatorCodes = []string{}
	}
	var v apperr.Validation
	db := s.db.WithContext(ctx)
	var rev Review
	if in.ReviewID < 1 {
		v.Add("review_id", "is required")
	} else if r, err := review(db, in.ReviewID); err != nil {
		if apperr.KindOf(err) != apperr.NotFound {
			return Detail{}, err
		}
		v.Add("review_id", "no such review")
	} else {
		rev = r
	}
	validateContent(&v, &f)
	due, err := s.dueDate(ctx, &v, in.DueDate, in.DueInWorkingDays, false)
	if err != nil {
		return Detail{}, err
	}
	f.DueDate = due
	if err := checkRefs(db, &v, &f); err != nil {
		return Detail{}, err
	}
	if err := v.Err(); err != nil {
		return Detail{}, err
	}
	f.ID, f.Code, err = s.nextCode(ctx, rev.ConductedOn.Year())
	if err != nil {
		return Detail{}, err
	}
	// The id is known before the row is written, so the finding and its
	// first event go in one statement, without a transaction around
	// several: the event's hash covers the finding's id.
	now := s.instant()
	ev := Event{Kind: EventCreated, ActorID: &p.UserID, ToState: ptr(Draft), CreatedAt: now, Data: eventData(content(f))}
	if err := (Finding{ID: f.ID}).next(&ev); err != nil {
		return Detail{}, err
	}
	var cur Finding
	err = db.Raw(`WITH f AS (
			INSERT INTO findings (id, code, review_id, title, condition, criteria, cause, effect, recommendation, severity,
				unit_id, application_id, indicator_codes, due_date, created_by, event_count, head_hash, created_at, updated_at)
			OVERRIDING SYSTEM VALUE
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING `+findingColumns+`),
		e AS (INSERT INTO finding_events (finding_id, seq, kind, actor_id, from_state, to_state, data, created_at, prev_hash, hash)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?))
		SELECT * FROM f`,
		f.ID, f.Code, f.ReviewID, f.Title, f.Condition, f.Criteria, f.Cause, f.Effect, f.Recommendation, f.Severity,
		f.UnitID, f.ApplicationID, f.IndicatorCodes, f.DueDate, p.UserID, ev.Seq, ev.Hash, now, now,
		ev.FindingID, ev.Seq, ev.Kind, ev.ActorID, ev.FromState, ev.ToState, string(ev.Data), ev.CreatedAt, ev.PrevHash, ev.Hash).
		Scan(&cur).Error
	if err != nil {
		return Detail{}, translateRef(err)
	}
	return Detail{Finding: cur, Actions: []Action{}}, nil
}

// content is what a finding's author wrote, as event data.
func content(f Finding) map[string]any {
	return map[string]any{
		"code": f.Code, "review_id": f.ReviewID, "title": f.Title, "condition": f.Condition, "criteria": f.Criteria,
		"cause": f.Cause, "effect": f.Effect, "recommendation": f.Recommendation, "severity": f.Severity,
		"unit_id": f.UnitID, "application_id": f.ApplicationID, "indicator_codes": []string(f.IndicatorCodes),
		"due_date": f.DueDate,
	}
}

// nextCode hands out a new finding's id and the next code of year, in one
// statement. The code comes from the year's sequence, finding_code_seq_<year>:
// concurrent creations never wait on each other for a number (a counter row
// would stay locked until each creation's number was committed), at the
// price of a gap when a creation fails afterwards. The year's first code
// makes the sequence, numbering on from the counter that held the year's
// numbers before (finding_code_counters) and from any code of the year held.
func (s *Service) nextCode(ctx context.Context, year int) (int64, string, error) {
	ids, codes, err := s.takeCodes(ctx, year, 1)
	if err != nil {
		return 0, "", err
	}
	return ids[0], codes[0], nil
}

// takeCodes hands out n new findings' ids and the next n codes of year,
// ascending, in one statement outside any transaction (sequences are not
// transactional), for nextCode and for an import's new rows alike.
func (s *Service) takeCodes(ctx context.Context, year, n int) ([]int64, []string, error) {
	db := s.db.WithContext(ctx)
	seq := fmt.Sprintf("finding_code_seq_%d", year)
	var next []struct{ ID, N int64 }
	const q = `SELECT nextval(pg_get_serial_sequence('findings', 'id')) AS id, nextval(?::regclass) AS n
		FROM generate_series(1, ?)`
	err := db.Raw(q, seq, n).Scan(&next).Error
	if code, _ := postgres.Violation(err); code == postgres.UndefinedTable {
		err = db.Exec(fmt.Sprintf(`DO $$ BEGIN
				EXECUTE format('CREATE SEQUENCE IF NOT EXISTS %%I START WITH %%s', %[1]s, greatest(
					(SELECT last FROM finding_code_counters WHERE year = %[2]d),
					(SELECT max(split_part(code, '-', 3)::bigint) FROM findings WHERE code LIKE 'TL-%[2]d-%%'), 0) + 1);
			EXCEPTION WHEN duplicate_table OR unique_violation THEN
				NULL; -- made meanwhile by another creation
			END $$`, "'"+seq+"'", year)).Error
		if err == nil {
			err = db.Raw(q, seq, n).Scan(&next).Error
		}
	}
	if err != nil {
		return nil, nil, err
	}
	if len(next) != n {
		return nil, nil, fmt.Errorf("finding codes: %d of %d handed out", len(next), n)
	}
	ids, codes := make([]int64, n), make([]string, n)
	for i, x := range next {
		ids[i], codes[i] = x.ID, fmt.Sprintf("TL-%04d-%04d", year, x.N)
	}
	return ids, codes, nil
}

func ptr[T any](v T) *T { return &v }

// --- reading -----------------------------------------------------------------

// load reads a finding inside tx, locked for update when lock is set,
// with the assignees of its actions; NotFound when there is none or when p
// may not see it.
func (s *Service) load(tx *gorm.DB, p identity.Principal, id int64, lock bool) (Finding, error) {
	assignees := `'{}'::bigint[]`
	if p.ScopeOf("finding") != identity.ScopeAll {
		assignees = `ARRAY(SELECT DISTINCT assignee_id FROM actions a WHERE a.finding_id = f.id)`
	}
	q := `SELECT ` + findingColumns + `, ` + assignees + ` AS assignees FROM findings f WHERE id = ?`
	if lock {
		q += ` FOR UPDATE OF f`
	}
	var row struct {
		Finding
		Assignees postgres.Array[int64]
	}
	res := tx.Raw(q, id).Scan(&row)
	if res.Error != nil {
		return Finding{}, res.Error
	}
	if res.RowsAffected == 0 || !visible(p, row.Finding, row.Assignees) {
		return Finding{}, apperr.E(apperr.NotFound, "There is no finding %d.", id)
	}
	return row.Finding, nil
}

// visible applies the access policy to a finding: a manager sees their
// unit's findings and an officer those where they hold an action, once
// issued; drafts are the auditors' working papers.
func visible(p identity.Principal, f Finding, assignees []int64) bool {
	r := identity.Resource{Involved: assignees}
	if f.UnitID != nil {
		r.UnitID = *f.UnitID
	}
	if !p.Sees("finding", r) {
		return false
	}
	return f.State != Draft || p.ScopeOf("finding") == identity.ScopeAll
}

// GetFinding returns a finding with its actions and their evidence;
// NotFound when there is none or p may not see it.
func (s *Service) GetFinding(ctx context.Context, p identity.Principal, id int64) (Detail, error) {
	db := s.db.WithContext(ctx)
	f, err := s.load(db, p, id, false)
	if err != nil {
		return Detail{}, err
	}
	return s.detail(db, f)
}

// detail adds the actions and their artifacts to f.
func (s *Service) detail(db *gorm.DB, f Finding) (Detail, error) {
	d := Detail{Finding: f, Actions: []Action{}}
	rows, err := db.Raw(`SELECT a.id, a.finding_id, a.title, a.description, a.assignee_id, a.due_date, a.required_artifact_kinds, a.status,
			a.completion_note, a.completed_by, a.completed_at, a.created_by, a.version, a.created_at, a.updated_at,
			ar.id, ar.action_id, ar.kind, ar.title, ar.doc_number, ar.doc_date, ar.signer, ar.file_name, ar.media_type, ar.size,
			ar.sha256, ar.uploaded_by, ar.created_at, ar.updated_at
		FROM actions a LEFT JOIN artifacts ar ON ar.action_id = a.id AND ar.removed_at IS NULL
		WHERE a.finding_id = ? ORDER BY a.id, ar.id`, f.ID).Rows()
	if err != nil {
		return Detail{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var a Action
		var arID, arAction, arSize, arBy sql.NullInt64
		var arKind, arTitle, arNum, arSigner, arFile, arMedia sql.NullString
		var arDate date.Date
		var arSum []byte
		var arCreated, arUpdated sql.NullTime
		if err := rows.Scan(&a.ID, &a.FindingID, &a.Title, &a.Description, &a.AssigneeID, &a.DueDate, &a.RequiredArtifactKinds,
			&a.Status, &a.CompletionNote, &a.CompletedBy, &a.CompletedAt, &a.CreatedBy, &a.Version, &a.CreatedAt, &a.UpdatedAt,
			&arID, &arAction, &arKind, &arTitle, &arNum, &arDate, &arSigner, &arFile, &arMedia, &arSize, &arSum, &arBy,
			&arCreated, &arUpdated); err != nil {
			return Detail{}, err
		}
		if n := len(d.Actions); n == 0 || d.Actions[n-1].ID != a.ID {
			a.Artifacts = []Artifact{}
			d.Actions = append(d.Actions, a)
		}
		if arID.Valid {
			last := &d.Actions[len(d.Actions)-1]
			last.Artifacts = append(last.Artifacts, Artifact{ID: arID.Int64, ActionID: arAction.Int64, Kind: arKind.String,
				Title: arTitle.String, DocNumber: arNum.String, DocDate: arDate, Signer: arSigner.String, FileName: arFile.String,
				MediaType: arMedia.String, Size: arSize.Int64, SHA256: arSum, UploadedBy: arBy.Int64, CreatedAt: arCreated.Time,
				UpdatedAt: arUpdated.Time})
		}
	}
	return d, rows.Err()
}

const artifactColumns = "ar.id, ar.action_id, ar.kind, ar.title, ar.doc_number, ar.doc_date, ar.signer, ar.file_name, ar.media_type, ar.size, ar.sha256, ar.uploaded_by, ar.created_at, ar.updated_at"

// Situation returns what the life-cycle table needs to answer for p.
func (f Finding) Situation(p identity.Principal) Situation {
	s := Situation{State: f.State, Caller: p}
	if f.SubmittedBy != nil {
		s.SubmittedBy = *f.SubmittedBy
	}
	return s
}

// --- editing -----------------------------------------------------------------

// UpdateFinding edits a finding that is not yet submitted, closed or set
// aside, if version is current. Errors: NotFound, Forbidden, Conflict
// (stale version, or a state that no longer allows edits), Invalid.
func (s *Service) UpdateFinding(ctx context.Context, p identity.Principal, id int64, version int, in FindingPatch) (Detail, error) {
	var out Finding
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		cur, err := s.load(tx, p, id, true)
		if err != nil {
			return err
		}
		// load has applied visibility; what is left is the role.
		if err := identity.Authorize(p, identity.FindingUpdate, nil); err != nil {
			return err
		}
		if cur.Version != version {
			return staleVersion(version, cur.Version)
		}
		if cur.State != Draft && cur.State != Open && cur.State != InProgress {
			return apperr.E(apperr.Conflict, "A finding that is %s can no longer be edited; reopen it first.", cur.State)
		}
		next, err := s.patched(tx, cur, in)
		if err != nil {
			return err
		}
		changes := changed(content(cur), content(next))
		if len(changes) == 0 {
			out = cur
			return nil
		}
		now := s.instant()
		out, _, err = record(tx, cur, Event{Kind: EventUpdated, ActorID: &p.UserID, FromState: &cur.State, ToState: &cur.State,
			CreatedAt: now, Data: eventData(changes)},
			`, title = ?, condition = ?, criteria = ?, cause = ?, effect = ?, recommendation = ?, severity = ?,
			unit_id = ?, application_id = ?, indicator_codes = ?, due_date = ?, version = version + 1`,
			next.Title, next.Condition, next.Criteria, next.Cause, next.Effect, next.Recommendation, next.Severity,
			next.UnitID, next.ApplicationID, next.IndicatorCodes, next.DueDate)
		return translateRef(err)
	})
	if err != nil {
		return Detail{}, err
	}
	return s.detail(s.db.WithContext(ctx), out)
}

// patched applies in to cur and validates the result.
func (s *Service) patched(tx *gorm.DB, cur Finding, in FindingPatch) (Finding, error) {
	next := cur
	var v apperr.Validation
	text := func(field string, f opt.Field[string], dst *string) {
		if f.Null {
			v.Add(field, "must not be null")
		} else if f.Set {
			*dst = f.Value
		}
	}
	text("title", in.Title, &next.Title)
	text("condition", in.Condition, &next.Condition)
	text("criteria", in.Criteria, &next.Criteria)
	text("cause", in.Cause, &next.Cause)
	text("effect", in.Effect, &next.Effect)
	text("recommendation", in.Recommendation, &next.Recommendation)
	if in.Severity.Null {
		v.Add("severity", "must not be null")
	} else if in.Severity.Set {
		next.Severity = in.Severity.Value
	}
	if in.IndicatorCodes.Set {
		next.IndicatorCodes = in.IndicatorCodes.Value
		if next.IndicatorCodes == nil {
			next.IndicatorCodes = []string{}
		}
	}
	if in.ApplicationID.Set || in.ApplicationID.Null {
		next.ApplicationID = in.ApplicationID.Ptr()
	}
	if in.UnitID.Set || in.UnitID.Null {
		next.UnitID = in.UnitID.Ptr()
		if !equalPtr(next.UnitID, cur.UnitID) && cur.State != Draft && cur.State != Open {
			v.Add("unit_id", "cannot change once actions are assigned")
		}
	}
	if in.DueDate.Set || in.DueDate.Null {
		var s *string
		if in.DueDate.Set {
			s = &in.DueDate.Value
		}
		next.DueDate = parseDate(&v, "due_date", s, false)
	}
	validateContent(&v, &next)
	if cur.State != Draft {
		// An issued finding keeps what issuing required.
		if next.UnitID == nil {
			v.Add("unit_id", "is required once the finding is issued")
		}
		if strings.TrimSpace(next.Recommendation) == "" {
			v.Add("recommendation", "is required once the finding is issued")
		}
		if next.DueDate.IsZero() {
			v.Add("due_date", "is required once the finding is issued")
		}
	}
	if err := checkRefs(tx, &v, &next); err != nil {
		return Finding{}, err
	}
	return next, v.Err()
}

func equalPtr[T comparable](a, b *T) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

// changed keeps the fields whose value differs, as {"field": {"from", "to"}}.
func changed(before, after map[string]any) map[string]any {
	pairs := make(map[string][2]any, len(before))
	for k, b := range before {
		pairs[k] = [2]any{b, after[k]}
	}
	out := map[string]any{}
	for k, c := range auditlog.Diff(pairs) {
		out[k] = c
	}
	return out
}
