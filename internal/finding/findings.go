package finding

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
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
	var refs findingRefs
	q, args := refsQuery(f, v)
	if err := tx.Raw(`SELECT `+q, args...).Scan(&refs).Error; err != nil {
		return err
	}
	refs.report(v, f)
	return nil
}

// findingRefs is what refsQuery finds of a finding's references and, for
// a new finding, what newFindingRefs reads besides.
type findingRefs struct {
	UnitOK, AppOK bool
	// Unknown are the indicator codes that are not of the right model,
	// each as "n:model", n its place in the list from 1 (model empty: of no
	// model held).
	Unknown postgres.Array[string]

	// A new finding's review; its id and number of its code in the
	// review's year, when taken.
	ReviewFound bool
	ConductedOn date.Date
	ID          *int64
	N           *int64
	Code        string `gorm:"-"`
}

// refsQuery is the select list (and its arguments) of findingRefs for f;
// v says whether its indicator codes are worth looking up.
func refsQuery(f *Finding, v *apperr.Validation) (string, []any) {
	codes := f.IndicatorCodes
	if v.Has("indicator_codes") {
		codes = nil
	}
	// Indicator codes are unique across models, so a code names its model.
	// A review of an assessment takes the indicators of the assessment's
	// model; a review of none, those of any model held (an ICT audit may
	// speak of a Pemdi indicator as well as of an SPBE one).
	return `(?::bigint IS NULL OR EXISTS (SELECT 1 FROM units WHERE id = ?)) AS unit_ok,
		(?::bigint IS NULL OR EXISTS (SELECT 1 FROM applications WHERE id = ?)) AS app_ok,
		ARRAY(SELECT u.n || ':' || coalesce(fw.code, '')
			FROM unnest(?::text[]) WITH ORDINALITY AS u(c, n)
			LEFT JOIN framework_indicators i ON i.code = u.c
			LEFT JOIN frameworks fw ON fw.id = i.framework_id
			LEFT JOIN (SELECT a.framework_id FROM reviews r JOIN assessments a ON a.id = r.assessment_id WHERE r.id = ?) ra ON true
			WHERE i.id IS NULL OR (ra.framework_id IS NOT NULL AND i.framework_id <> ra.framework_id)
			ORDER BY u.n) AS unknown`,
		[]any{f.UnitID, f.UnitID, f.ApplicationID, f.ApplicationID, postgres.Array[string](codes), f.ReviewID}
}

// report names in v every reference of f that refs did not find.
func (refs findingRefs) report(v *apperr.Validation, f *Finding) {
	if !refs.UnitOK {
		v.Add("unit_id", "no such unit")
	}
	if !refs.AppOK {
		v.Add("application_id", "no such application")
	}
	for _, u := range refs.Unknown {
		n, model, _ := strings.Cut(u, ":")
		i, err := strconv.Atoi(n)
		if err != nil || i < 1 || i > len(f.IndicatorCodes) {
			continue // not written by refsQuery
		}
		code := f.IndicatorCodes[i-1]
		field := fmt.Sprintf("indicator_codes[%d]", slices.Index(f.IndicatorCodes, code))
		if model == "" {
			v.Add(field, "%s is not an indicator of any evaluation model held here", code)
		} else {
			v.Add(field, "%s is an indicator of %s, not of the model of the review's assessment", code, model)
		}
	}
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
	db := s.db.WithContext(ctx)
	// What the request says is checked first, so that the one statement
	// that checks what it names also takes the new finding's id and code
	// when everything holds (and only then: codes are not wasted on
	// refusals).
	var own apperr.Validation
	validateContent(&own, &f)
	due, err := s.dueDate(ctx, &own, in.DueDate, in.DueInWorkingDays, false)
	if err != nil {
		return Detail{}, err
	}
	f.DueDate = due
	refs, err := s.newFindingRefs(db, &f, &own, own.Err() == nil)
	if code, _ := postgres.Violation(err); code == postgres.UndefinedTable {
		// The year's first code: takeCodes makes its sequence.
		refs, err = s.newFindingRefs(db, &f, &own, false)
		if err == nil && refs.ok() {
			ids, codes, err := s.takeCodes(ctx, refs.ConductedOn.Year(), 1)
			if err != nil {
				return Detail{}, err
			}
			refs.ID, refs.Code = &ids[0], codes[0]
		}
	}
	if err != nil {
		return Detail{}, err
	}
	// The refusal names every bad field, in the order of the form.
	var v apperr.Validation
	if in.ReviewID < 1 {
		v.Add("review_id", "is required")
	} else if !refs.ReviewFound {
		v.Add("review_id", "no such review")
	}
	validateContent(&v, &f)
	if _, err := s.dueDate(ctx, &v, in.DueDate, in.DueInWorkingDays, false); err != nil {
		return Detail{}, err
	}
	refs.report(&v, &f)
	if err := v.Err(); err != nil {
		return Detail{}, err
	}
	if refs.ID == nil {
		return Detail{}, fmt.Errorf("finding codes: none handed out for review %d", f.ReviewID)
	}
	f.ID, f.Code = *refs.ID, refs.Code
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

func (r findingRefs) ok() bool { return r.ReviewFound && r.UnitOK && r.AppOK && len(r.Unknown) == 0 }

// newFindingRefs reads f's review and checks its references in one
// statement; when take is set and they hold, the statement also takes the
// finding's id and the next code of the review's year from its sequence
// (see takeCodes), an undefined_table error when the year has none yet.
func (s *Service) newFindingRefs(db *gorm.DB, f *Finding, v *apperr.Validation, take bool) (findingRefs, error) {
	q, args := refsQuery(f, v)
	var r findingRefs
	err := db.Raw(`SELECT c.*,
			CASE WHEN c.take THEN nextval(pg_get_serial_sequence('findings', 'id')) END AS id,
			CASE WHEN c.take THEN nextval(('finding_code_seq_' || extract(year FROM c.conducted_on)::int)::regclass) END AS n
		FROM (SELECT r.id IS NOT NULL AS review_found, r.conducted_on, x.*,
				?::boolean AND r.id IS NOT NULL AND x.unit_ok AND x.app_ok AND cardinality(x.unknown) = 0 AS take
			FROM (SELECT `+q+`) x LEFT JOIN reviews r ON r.id = ? OFFSET 0) c`,
		append(append([]any{take}, args...), f.ReviewID)...).Scan(&r).Error
	if err == nil && r.N != nil {
		r.Code = fmt.Sprintf(codeFormat, r.ConductedOn.Year(), *r.N)
	}
	return r, err
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

// A finding's code is codePrefix, the year of its review and its number in
// that year, of at least four digits (findings_code_check:
// ^TL-[0-9]{4}-[0-9]{4,}$; searchMatch relies on its shape).
const (
	codePrefix = "TL-"
	codeFormat = codePrefix + "%04d-%04d"
)

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
		ids[i], codes[i] = x.ID, fmt.Sprintf(codeFormat, year, x.N)
	}
	return ids, codes, nil
}

func ptr[T any](v T) *T { return &v }

// --- reading -----------------------------------------------------------------

// load reads a finding inside tx, locked for update when lock is set,
// with the assignees of its actions; NotFound when there is none or when p
// may not see it.
func (s *Service) load(tx *gorm.DB, p identity.Principal, id int64, lock bool) (Finding, error) {
	q := loadQuery(p, "?")
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
		return Finding{}, notFound(id)
	}
	return row.Finding, nil
}

func notFound(id int64) error { return apperr.E(apperr.NotFound, "There is no finding %d.", id) }

// loadQuery reads a finding (whose id is the expression id) with, for
// those who see findings by involvement, the assignees of its actions.
func loadQuery(p identity.Principal, id string) string {
	assignees := `'{}'::bigint[]`
	if p.ScopeOf("finding") != identity.ScopeAll {
		assignees = `ARRAY(SELECT DISTINCT assignee_id FROM actions a WHERE a.finding_id = f.id)`
	}
	return `SELECT ` + findingColumns + `, ` + assignees + ` AS assignees FROM findings f WHERE id = ` + id
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
	return s.readDetail(ctx, p, id)
}

// readDetail reads a finding with its actions and their evidence in one
// round trip (the two reads pipelined); NotFound when there is none or p
// may not see it.
func (s *Service) readDetail(ctx context.Context, p identity.Principal, id int64) (Detail, error) {
	var d Detail
	var assignees []int64
	err := postgres.ReadConn(ctx, s.db, func(conn *pgx.Conn) error {
		d, assignees = Detail{}, nil // afresh when a lost connection is replaced
		b := &pgx.Batch{}
		b.Queue(loadQuery(p, "$1"), id)
		b.Queue(detailQuery, id)
		br := conn.SendBatch(ctx, b)
		defer br.Close()
		err := br.QueryRow().Scan(append(findingDest(&d.Finding), &assignees)...)
		if d.IndicatorCodes == nil {
			d.IndicatorCodes = []string{}
		}
		if errors.Is(err, pgx.ErrNoRows) {
			d.ID = 0
		} else if err != nil {
			return err
		}
		rows, err := br.Query()
		if err != nil {
			return err
		}
		if err := scanDetail(rows, &d); err != nil {
			return err
		}
		return br.Close()
	})
	if err != nil {
		return Detail{}, err
	}
	if d.ID == 0 || !visible(p, d.Finding, assignees) {
		return Detail{}, notFound(id)
	}
	return d, nil
}

// findingDest are the scan destinations of findingColumns for pgx.
func findingDest(x *Finding) []any {
	return []any{&x.ID, &x.Code, &x.ReviewID, &x.Title, &x.Condition, &x.Criteria, &x.Cause, &x.Effect,
		&x.Recommendation, &x.Severity, &x.UnitID, &x.ApplicationID, (*[]string)(&x.IndicatorCodes), &x.DueDate, &x.State,
		&x.CreatedBy, &x.IssuedAt, &x.SubmittedBy, &x.SubmittedAt, &x.ClosedAt, &x.EventCount, &x.HeadHash,
		&x.Version, &x.CreatedAt, &x.UpdatedAt}
}

// actionDest are the scan destinations of actionColumns for pgx; a
// receives its required kinds as they are (nil for none: see
// scannedAction).
func actionDest(a *Action) []any {
	return []any{&a.ID, &a.FindingID, &a.Title, &a.Description, &a.AssigneeID, &a.DueDate, (*[]string)(&a.RequiredArtifactKinds),
		&a.Status, &a.CompletionNote, &a.CompletedBy, &a.CompletedAt, &a.CreatedBy, &a.Version, &a.CreatedAt, &a.UpdatedAt}
}

// scannedAction completes an action scanned through actionDest.
func scannedAction(a *Action) {
	if a.RequiredArtifactKinds == nil {
		a.RequiredArtifactKinds = []string{}
	}
	a.Artifacts = []Artifact{}
}

// detail adds the actions and their artifacts to f.
func (s *Service) detail(db *gorm.DB, f Finding) (Detail, error) {
	ctx := db.Statement.Context
	var d Detail
	err := postgres.ReadConn(ctx, db, func(conn *pgx.Conn) error {
		d = Detail{Finding: f}
		rows, err := conn.Query(ctx, detailQuery, f.ID)
		if err != nil {
			return err
		}
		return scanDetail(rows, &d)
	})
	return d, err
}

// detailQuery reads a finding's ($1) actions with their artifacts.
const detailQuery = `SELECT a.id, a.finding_id, a.title, a.description, a.assignee_id, a.due_date, a.required_artifact_kinds, a.status,
		a.completion_note, a.completed_by, a.completed_at, a.created_by, a.version, a.created_at, a.updated_at,
		ar.id, ar.action_id, ar.kind, ar.title, ar.doc_number, ar.doc_date, ar.signer, ar.file_name, ar.media_type, ar.size,
		ar.sha256, ar.uploaded_by, ar.created_at, ar.updated_at
	FROM actions a LEFT JOIN artifacts ar ON ar.action_id = a.id AND ar.removed_at IS NULL
	WHERE a.finding_id = $1 ORDER BY a.id, ar.id`

// scanDetail reads detailQuery's rows into d's actions, and closes them.
func scanDetail(rows pgx.Rows, d *Detail) error {
	defer rows.Close()
	d.Actions = []Action{}
	for rows.Next() {
		var a Action
		var arID, arAction, arSize, arBy sql.NullInt64
		var arKind, arTitle, arNum, arSigner, arFile, arMedia sql.NullString
		var arDate date.Date
		var arSum []byte
		var arCreated, arUpdated sql.NullTime
		if err := rows.Scan(append(actionDest(&a), &arID, &arAction, &arKind, &arTitle, &arNum, &arDate, &arSigner, &arFile, &arMedia, &arSize, &arSum, &arBy,
			&arCreated, &arUpdated)...); err != nil {
			return err
		}
		if n := len(d.Actions); n == 0 || d.Actions[n-1].ID != a.ID {
			scannedAction(&a)
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
	return rows.Err()
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
