package framework

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/auditlog"
	"github.com/tindaklanjut/tindaklanjut/internal/date"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
	"github.com/tindaklanjut/tindaklanjut/internal/kept"
	"github.com/tindaklanjut/tindaklanjut/internal/opt"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

// Assessments is the service of evaluation cycles: milestones, scores and
// the index they make.
type Assessments struct {
	db  *gorm.DB
	now func() time.Time
	// models caches the models the index is computed on, by code: a model
	// is never edited in place (a new version is a new code), so what was
	// read once stays true, and the index spares five reads a call.
	models sync.Map
	// indexes keeps the last index report of each assessment (Index).
	indexes kept.Memo[int64, IndexReport]
}

// NewAssessments returns the service; now is the clock.
func NewAssessments(db *gorm.DB, now func() time.Time) *Assessments {
	return &Assessments{db: db, now: now}
}

// Assessment is one evaluation cycle ("Evaluasi SPBE 2024") scored on one
// model.
type Assessment struct {
	ID            int64
	Year          int
	Name          string
	FrameworkCode string
	// Scoring is the model's: what the scores are written in.
	Scoring Scoring
	// Milestones are ordered by date.
	Milestones []Milestone `gorm:"-"`
	// Scores are ordered as the model orders its indicators.
	Scores    []Score `gorm:"-"`
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Milestone is a dated step of an assessment (self-assessment deadline,
// interview, announcement). It keeps its ID while its name stays, so that
// reminders planned for it survive a change of its date.
type Milestone struct {
	ID   int64
	Name string
	Date date.Date
}

// Score is the current and target score of one indicator, in the model's
// scoring (a whole level on a levels model).
type Score struct {
	IndicatorCode string
	Level         Decimal
	TargetLevel   Decimal
	UpdatedAt     time.Time
	// Scoring is the model's, set by PutScore for the caller's rendering.
	Scoring Scoring `gorm:"-"`
}

// Page asks for the objects after a key, at most Limit of them.
type Page struct {
	AfterID int64
	Limit   int
}

// AssessmentFilter narrows an assessment list; nil fields do not filter.
type AssessmentFilter struct {
	Year *int
	// WithoutScores leaves each assessment's Scores empty, for lists that
	// show names and milestones (the dashboard, the review forms): one
	// query fewer, and no join over the model's indicators.
	WithoutScores bool
}

// MilestoneInput is a milestone as the client writes it; Date is
// YYYY-MM-DD.
type MilestoneInput struct {
	Name string
	Date string
}

// AssessmentInput creates an assessment. FrameworkCode "" is DefaultCode.
type AssessmentInput struct {
	Year          int
	Name          string
	FrameworkCode string
	Milestones    []MilestoneInput
}

// AssessmentPatch changes some fields of an assessment. Milestones, when
// set, replace the list: a milestone whose name is kept (in any case) keeps
// its id and takes the new date; the others are removed or added. The model
// cannot change once the assessment exists, as the scores belong to it;
// FrameworkCode is there to say so when a client tries.
type AssessmentPatch struct {
	Year          opt.Field[int]
	Name          opt.Field[string]
	FrameworkCode opt.Field[string]
	Milestones    opt.Field[[]MilestoneInput]
}

// maxMilestones bounds an assessment's milestones; a cycle has about five.
const maxMilestones = 50

const assessmentSelect = `SELECT a.id, a.year, a.name, f.code AS framework_code, f.scoring, a.version, a.created_at, a.updated_at
	FROM assessments a JOIN frameworks f ON f.id = a.framework_id`

// List returns assessments in id order, each with its milestones and
// scores.
func (s *Assessments) List(ctx context.Context, p identity.Principal, f AssessmentFilter, pg Page) ([]Assessment, error) {
	if err := identity.Authorize(p, identity.AssessmentRead, nil); err != nil {
		return nil, err
	}
	db := s.db.WithContext(ctx)
	q := assessmentSelect + ` WHERE a.id > ?`
	args := []any{pg.AfterID}
	if f.Year != nil {
		q += ` AND a.year = ?`
		args = append(args, *f.Year)
	}
	var out []Assessment
	if err := db.Raw(q+` ORDER BY a.id LIMIT ?`, append(args, pg.Limit)...).Scan(&out).Error; err != nil {
		return nil, err
	}
	return out, fill(db, out, !f.WithoutScores)
}

// Get returns one assessment with its milestones and scores; NotFound when
// there is none.
func (s *Assessments) Get(ctx context.Context, p identity.Principal, id int64) (Assessment, error) {
	a, err := load(s.db.WithContext(ctx), id)
	if err != nil {
		return Assessment{}, err
	}
	return a, identity.Authorize(p, identity.AssessmentRead, &identity.Resource{})
}

func load(tx *gorm.DB, id int64) (Assessment, error) {
	var a Assessment
	res := tx.Raw(assessmentSelect+` WHERE a.id = ?`, id).Scan(&a)
	if res.Error != nil {
		return Assessment{}, res.Error
	}
	if res.RowsAffected == 0 {
		return Assessment{}, apperr.E(apperr.NotFound, "There is no assessment %d.", id)
	}
	list := []Assessment{a}
	if err := fill(tx, list, true); err != nil {
		return Assessment{}, err
	}
	return list[0], nil
}

// fill reads the milestones and, with scores, the scores of list: a query
// for all of each.
func fill(tx *gorm.DB, list []Assessment, scores bool) error {
	if len(list) == 0 {
		return nil
	}
	ids := make([]int64, len(list))
	at := make(map[int64]*Assessment, len(list))
	for i := range list {
		ids[i] = list[i].ID
		at[list[i].ID] = &list[i]
		list[i].Milestones, list[i].Scores = []Milestone{}, []Score{}
	}
	var ms []struct {
		AssessmentID int64
		Milestone
	}
	if err := tx.Raw(`SELECT assessment_id, id, name, on_date AS date FROM assessment_milestones
		WHERE assessment_id IN ? ORDER BY on_date, id`, ids).Scan(&ms).Error; err != nil {
		return err
	}
	for _, m := range ms {
		at[m.AssessmentID].Milestones = append(at[m.AssessmentID].Milestones, m.Milestone)
	}
	if !scores {
		return nil
	}
	var sc []struct {
		AssessmentID int64
		Score
	}
	if err := tx.Raw(`SELECT s.assessment_id, s.indicator_code, s.level, s.target_level, s.updated_at
		FROM assessment_scores s
		JOIN assessments a ON a.id = s.assessment_id
		JOIN framework_indicators i ON i.framework_id = a.framework_id AND i.code = s.indicator_code
		JOIN framework_aspects fa ON fa.id = i.aspect_id
		LEFT JOIN framework_domains d ON d.id = fa.domain_id
		WHERE s.assessment_id IN ? ORDER BY s.assessment_id, d.number NULLS FIRST, fa.number, i.number`, ids).Scan(&sc).Error; err != nil {
		return err
	}
	for _, x := range sc {
		at[x.AssessmentID].Scores = append(at[x.AssessmentID].Scores, x.Score)
	}
	return nil
}

// Create adds an assessment with its milestones. Errors: Forbidden,
// Invalid (naming every bad field, such as milestones[1].date, and a model
// that is not held), Conflict (the name is taken, in any case).
func (s *Assessments) Create(ctx context.Context, p identity.Principal, in AssessmentInput) (Assessment, error) {
	if err := identity.Authorize(p, identity.AssessmentCreate, nil); err != nil {
		return Assessment{}, err
	}
	name := strings.TrimSpace(in.Name)
	code := in.FrameworkCode
	if code == "" {
		code = DefaultCode
	}
	var v apperr.Validation
	checkYear(&v, in.Year)
	checkName(&v, "name", name)
	ms := parseMilestones(&v, in.Milestones)
	var out Assessment
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var fwID int64
		res := tx.Raw(`SELECT id FROM frameworks WHERE code = ?`, code).Scan(&fwID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			v.Add("framework_code", "is not a model held here (see GET /api/v1/frameworks)")
		}
		if err := v.Err(); err != nil {
			return err
		}
		var id int64
		if err := tx.Raw(`INSERT INTO assessments (year, name, framework_id) VALUES (?, ?, ?) RETURNING id`,
			in.Year, name, fwID).Scan(&id).Error; err != nil {
			return translateAssessment(err)
		}
		if err := replaceMilestones(tx, id, nil, ms, s.now()); err != nil {
			return err
		}
		var err error
		if out, err = load(tx, id); err != nil {
			return err
		}
		return audit(tx, p, "create", id, auditlog.Created(map[string]any{
			"year": out.Year, "name": out.Name, "framework_code": out.FrameworkCode,
			"milestones": milestoneLog(out.Milestones),
		}))
	})
	return out, err
}

// Update changes an assessment if version is still current. Errors:
// NotFound, Forbidden, Invalid, Conflict (stale version, or the new name is
// taken).
func (s *Assessments) Update(ctx context.Context, p identity.Principal, id int64, version int, in AssessmentPatch) (Assessment, error) {
	var out Assessment
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		cur, err := load(tx, id)
		if err != nil {
			return err
		}
		if err := identity.Authorize(p, identity.AssessmentUpdate, &identity.Resource{}); err != nil {
			return err
		}
		if cur.Version != version {
			return staleVersion(version, cur.Version)
		}
		var v apperr.Validation
		for field, null := range map[string]bool{"year": in.Year.Null, "name": in.Name.Null,
			"framework_code": in.FrameworkCode.Null} {
			if null {
				v.Add(field, "must not be null")
			}
		}
		if in.Milestones.Null {
			v.Add("milestones", "must not be null; send [] to remove every milestone")
		}
		next := cur
		if in.Year.Set {
			next.Year = in.Year.Value
		}
		if in.Name.Set {
			next.Name = strings.TrimSpace(in.Name.Value)
		}
		if in.FrameworkCode.Set && !in.FrameworkCode.Null && in.FrameworkCode.Value != cur.FrameworkCode {
			v.Add("framework_code", "cannot be changed: the scores belong to the model (%s); create a new assessment for another model", cur.FrameworkCode)
		}
		var ms []Milestone
		if in.Milestones.Set && !in.Milestones.Null {
			ms = parseMilestones(&v, in.Milestones.Value)
		}
		if !v.Has("year") {
			checkYear(&v, next.Year)
		}
		if !v.Has("name") {
			checkName(&v, "name", next.Name)
		}
		if err := v.Err(); err != nil {
			return err
		}
		// The row lock this UPDATE takes orders concurrent changes; the
		// loser finds the version moved on.
		res := tx.Exec(`UPDATE assessments SET year = ?, name = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND version = ?`, next.Year, next.Name, s.now(), id, version)
		if res.Error != nil {
			return translateAssessment(res.Error)
		}
		if res.RowsAffected == 0 {
			return staleVersion(version, cur.Version)
		}
		if in.Milestones.Set {
			if err := replaceMilestones(tx, id, cur.Milestones, ms, s.now()); err != nil {
				return err
			}
		}
		if out, err = load(tx, id); err != nil {
			return err
		}
		return audit(tx, p, "update", id, auditlog.Diff(map[string][2]any{
			"year": {cur.Year, out.Year}, "name": {cur.Name, out.Name}, "milestones": {milestoneLog(cur.Milestones), milestoneLog(out.Milestones)},
		}))
	})
	return out, err
}

// replaceMilestones makes next the milestones of assessment id, whose
// milestones are now cur: one whose name (in any case) is in both keeps its
// row and id; the others are deleted or inserted, added at now (a
// reminder whose threshold passed before its milestone existed is not sent).
func replaceMilestones(tx *gorm.DB, id int64, cur, next []Milestone, now time.Time) error {
	byName := make(map[string]Milestone, len(cur))
	for _, m := range cur {
		byName[strings.ToLower(m.Name)] = m
	}
	kept := make(map[int64]bool)
	for _, m := range next {
		if old, ok := byName[strings.ToLower(m.Name)]; ok {
			kept[old.ID] = true
		}
	}
	for _, m := range cur {
		if !kept[m.ID] {
			if err := tx.Exec(`DELETE FROM assessment_milestones WHERE id = ?`, m.ID).Error; err != nil {
				return err
			}
		}
	}
	for _, m := range next {
		var err error
		if old, ok := byName[strings.ToLower(m.Name)]; ok {
			err = tx.Exec(`UPDATE assessment_milestones SET name = ?, on_date = ? WHERE id = ?`, m.Name, m.Date, old.ID).Error
		} else {
			err = tx.Exec(`INSERT INTO assessment_milestones (assessment_id, name, on_date, created_at) VALUES (?, ?, ?, ?)`, id, m.Name, m.Date, now).Error
		}
		if err != nil {
			return translateAssessment(err)
		}
	}
	return nil
}

// PutScore sets the current and target score of one indicator of an
// assessment. level and target are the numbers as the user wrote them (a
// JSON number's literal, a form's text, where "3,25" is 3.25): they are
// read in the model's scoring, whole levels 1–5 or 1.00–5.00 with at most
// two decimals, never through a binary fraction. Scores are set one
// indicator at a time by several people, so no version is asked for: the
// last write wins, and the audit log keeps each. Errors: NotFound (no such
// assessment), Forbidden, Invalid (naming indicator_code when the code is
// not an indicator of the assessment's model, and level and target_level
// when they are not scores of its scoring).
func (s *Assessments) PutScore(ctx context.Context, p identity.Principal, id int64, indicatorCode, level, target string) (Score, error) {
	var out Score
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// The assessment's model, and the model the code is an indicator
		// of ("" for none), in one read.
		var head struct {
			FrameworkCode  string
			Scoring        Scoring
			IndicatorModel string
		}
		res := tx.Raw(`SELECT f.code AS framework_code, f.scoring,
				coalesce((SELECT m.code FROM framework_indicators i JOIN frameworks m ON m.id = i.framework_id
					WHERE i.code = ?), '') AS indicator_model
			FROM assessments a JOIN frameworks f ON f.id = a.framework_id WHERE a.id = ?`, indicatorCode, id).Scan(&head)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return apperr.E(apperr.NotFound, "There is no assessment %d.", id)
		}
		if err := identity.Authorize(p, identity.AssessmentUpdate, &identity.Resource{}); err != nil {
			return err
		}
		var v apperr.Validation
		switch head.IndicatorModel {
		case "":
			v.Add("indicator_code", "%s is not an indicator of %s", indicatorCode, head.FrameworkCode)
		case head.FrameworkCode:
		default:
			v.Add("indicator_code", "%s is an indicator of %s, not of this assessment's model %s", indicatorCode, head.IndicatorModel, head.FrameworkCode)
		}
		lv := ParseScore(&v, "level", level, head.Scoring)
		tv := ParseScore(&v, "target_level", target, head.Scoring)
		if err := v.Err(); err != nil {
			return err
		}
		var before []Score
		if err := tx.Raw(`SELECT indicator_code, level, target_level, updated_at FROM assessment_scores
			WHERE assessment_id = ? AND indicator_code = ? FOR UPDATE`, id, indicatorCode).Scan(&before).Error; err != nil {
			return err
		}
		if err := tx.Raw(`INSERT INTO assessment_scores (assessment_id, indicator_code, level, target_level, updated_by, updated_at)
			VALUES (?, ?, ?::numeric, ?::numeric, ?, ?)
			ON CONFLICT (assessment_id, indicator_code) DO UPDATE
			SET level = EXCLUDED.level, target_level = EXCLUDED.target_level, updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at
			RETURNING indicator_code, level, target_level, updated_at`,
			id, indicatorCode, lv.String(), tv.String(), p.UserID, s.now()).Scan(&out).Error; err != nil {
			return err
		}
		out.Scoring = head.Scoring
		var from any
		if len(before) > 0 {
			from = scoreLog(before[0], head.Scoring)
		}
		return audit(tx, p, "score", id, map[string]change{indicatorCode: {From: from, To: scoreLog(out, head.Scoring)}})
	})
	return out, err
}

// ParseScore reads one score written as text in the given scoring, adding
// to v what is wrong with it under field. The messages say what the model
// expects, so that a decimal on a levels model reads as such.
func ParseScore(v *apperr.Validation, field, text string, scoring Scoring) Decimal {
	text = strings.TrimSpace(text)
	if text == "" {
		v.Add(field, "is required")
		return 0
	}
	d, err := ParseDecimal(text)
	if scoring == Levels {
		if err != nil || !d.IsWhole() || d < MinScore || d > MaxScore {
			v.Add(field, "must be a whole number from 1 to 5")
		}
		return d
	}
	switch {
	case err == errTooPrecise:
		v.Add(field, "must have at most two decimals, such as 3.25")
	case err != nil || d < MinScore || d > MaxScore:
		v.Add(field, "must be a number from 1.00 to 5.00 with at most two decimals, such as 3.25")
	}
	return d
}

// scoreLog is a score as the audit log keeps it: the model's numbers.
func scoreLog(s Score, scoring Scoring) map[string]any {
	return map[string]any{"level": s.Level.JSON(scoring), "target_level": s.TargetLevel.JSON(scoring)}
}

// IndexReport is an assessment's index from the current scores, and the
// index it would reach if every indicator with active findings reached its
// target score.
type IndexReport struct {
	AssessmentID  int64
	FrameworkCode string
	// IndexName is what the model calls its index ("Indeks Pemerintah
	// Digital", "Indeks SPBE").
	IndexName string
	Scoring   Scoring
	Current   Result
	Projected Result
	// WithFindings lists the indicators that have active findings, in
	// the model's order.
	WithFindings []string
	// Indicators is every indicator of the model, in order.
	Indicators []IndicatorStatus
}

// IndicatorStatus is one indicator's score, target and the active
// findings that count on it.
type IndicatorStatus struct {
	Code   string
	Score  *Decimal
	Target *Decimal
	// ActiveFindings counts the organisation's open, in-progress and
	// submitted findings that name the indicator or an indicator a held
	// mapping maps onto it, each finding once.
	ActiveFindings int
}

// activeCounts reads, for the given indicator codes, how many active
// findings count on each: the organisation's findings in open, in_progress
// or submitted that name the indicator, or an indicator of another model
// that a held mapping maps onto it, whichever review or assessment they
// came from. The trigger on findings keeps these counts in the transaction
// of every change (migration 00009), so reading them is an index scan of a
// few rows per indicator, not a pass over the findings.
const activeCounts = `SELECT indicator_code AS code, sum(active)::int AS n FROM finding_indicator_counts
	WHERE indicator_code = ANY (?::text[]) GROUP BY indicator_code HAVING sum(active) > 0`

// Index computes the index of assessment id now and projected: an
// indicator is raised to its target (never lowered) when active findings
// count on it (see activeCounts), as closing them is what the follow-up is
// for. Everything is read in one snapshot. Errors: NotFound.
//
// The last report of each assessment is kept with the version of what it
// is made of (package kept: the scores, the model, the mapping and the
// counts of active findings) and given again while they are unchanged.
// The report is shared: callers must not change it.
func (s *Assessments) Index(ctx context.Context, p identity.Principal, id int64) (IndexReport, error) {
	rep, err := s.indexes.Get(ctx, s.db, id, func(ctx context.Context) (IndexReport, []int64, error) {
		return s.readIndex(ctx, id)
	})
	if err != nil {
		return IndexReport{}, err
	}
	if err := identity.Authorize(p, identity.AssessmentRead, &identity.Resource{}); err != nil {
		return IndexReport{}, err
	}
	return rep, nil
}

// IndexCounts returns how many index reports were given from what was
// kept, and how many were computed (package kept).
func (s *Assessments) IndexCounts() (given, reads uint64) { return s.indexes.Counts() }

// readIndex computes Index and reads the version of what it read, in one
// snapshot.
func (s *Assessments) readIndex(ctx context.Context, id int64) (IndexReport, []int64, error) {
	var rep IndexReport
	var versions []int64
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		a, err := load(tx, id)
		if err != nil {
			return err
		}
		if versions, err = kept.VersionsOf(tx); err != nil {
			return err
		}
		fw, err := s.model(tx, a.FrameworkCode)
		if err != nil {
			return err
		}
		inds := fw.Indicators()
		codes := make([]string, len(inds))
		for i, ind := range inds {
			codes[i] = ind.Code
		}
		var counts []struct {
			Code string
			N    int
		}
		if err := tx.Raw(activeCounts, postgres.Array[string](codes)).Scan(&counts).Error; err != nil {
			return err
		}
		active := make(map[string]int, len(counts))
		improve := make(map[string]bool, len(counts))
		for _, c := range counts {
			active[c.Code], improve[c.Code] = c.N, true
		}
		scores := make(map[string]Decimal, len(a.Scores))
		targets := make(map[string]Decimal, len(a.Scores))
		for _, sc := range a.Scores {
			scores[sc.IndicatorCode] = sc.Level
			targets[sc.IndicatorCode] = sc.TargetLevel
		}
		rep = IndexReport{AssessmentID: id, FrameworkCode: fw.Code, IndexName: fw.IndexName(), Scoring: fw.Scoring, Current: Compute(fw, scores),
			Projected: Compute(fw, Project(scores, targets, improve)), WithFindings: []string{},
			Indicators: make([]IndicatorStatus, 0, len(inds))}
		for _, ind := range inds {
			st := IndicatorStatus{Code: ind.Code, ActiveFindings: active[ind.Code]}
			if sc, ok := scores[ind.Code]; ok {
				t := targets[ind.Code]
				st.Score, st.Target = &sc, &t
			}
			rep.Indicators = append(rep.Indicators, st)
			if improve[ind.Code] {
				rep.WithFindings = append(rep.WithFindings, ind.Code)
			}
		}
		return nil
	}, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	return rep, versions, err
}

// model returns the model with code, read once. Its Current flag is not
// kept (it moves when a newer model is imported); nothing here reads it.
func (s *Assessments) model(tx *gorm.DB, code string) (Framework, error) {
	if fw, ok := s.models.Load(code); ok {
		return fw.(Framework), nil
	}
	fw, err := get(tx, code)
	if err != nil {
		return Framework{}, err
	}
	fw.Current = false
	s.models.Store(code, fw)
	return fw, nil
}

// --- validation ----------------------------------------------------------------

func checkYear(v *apperr.Validation, y int) {
	if y < 2000 || y > 2100 {
		v.Add("year", "must be a year from 2000 to 2100")
	}
}

// checkName validates a one-line name of at most 200 characters.
func checkName(v *apperr.Validation, field, s string) {
	switch {
	case strings.TrimSpace(s) == "":
		v.Add(field, "is required")
	case utf8.RuneCountInString(s) > 200:
		v.Add(field, "must be at most 200 characters")
	case !utf8.ValidString(s) || strings.IndexFunc(s, unicode.IsControl) >= 0:
		v.Add(field, "must be one line of text without control characters")
	}
}

// parseMilestones validates the milestones, naming each bad field by its
// index (milestones[1].date), and returns them trimmed.
func parseMilestones(v *apperr.Validation, in []MilestoneInput) []Milestone {
	if len(in) > maxMilestones {
		v.Add("milestones", "must hold at most %d milestones", maxMilestones)
		return nil
	}
	out := make([]Milestone, 0, len(in))
	seen := make(map[string]int, len(in))
	for i, m := range in {
		name := strings.TrimSpace(m.Name)
		nameField := fmt.Sprintf("milestones[%d].name", i)
		checkName(v, nameField, name)
		if j, dup := seen[strings.ToLower(name)]; dup && name != "" {
			v.Add(nameField, "is the same as milestones[%d].name; each milestone needs its own name", j)
		} else {
			seen[strings.ToLower(name)] = i
		}
		dateField := fmt.Sprintf("milestones[%d].date", i)
		d, err := date.Parse(m.Date)
		switch {
		case m.Date == "":
			v.Add(dateField, "is required (a date such as 2024-09-30)")
		case err != nil:
			v.Add(dateField, "must be a date written YYYY-MM-DD, such as 2024-09-30")
		}
		out = append(out, Milestone{Name: name, Date: d})
	}
	return out
}

func translateAssessment(err error) error {
	code, constraint := postgres.Violation(err)
	switch {
	case code == postgres.UniqueViolation && constraint == "assessment_milestones_name_key":
		return &apperr.Error{Kind: apperr.Invalid, Message: "Some fields are not valid.",
			Fields: []apperr.FieldError{{Field: "milestones", Message: "two milestones have the same name"}}}
	case code == postgres.UniqueViolation:
		return &apperr.Error{Kind: apperr.Conflict, Message: "Another assessment already has this name.",
			Fields: []apperr.FieldError{{Field: "name", Message: "is already used by another assessment"}}}
	}
	return err
}

func staleVersion(sent, current int) error {
	return apperr.E(apperr.Conflict, "The object was changed by someone else (you sent version %d, it is now at version %d). Reload it and apply your change again.", sent, current)
}

// --- audit -----------------------------------------------------------------------

// change is one field's before and after, for the audit log.
type change = auditlog.Change

// audit records a change to an assessment in audit_log, in tx.
func audit(tx *gorm.DB, actor identity.Principal, action string, id int64, changes map[string]change) error {
	return auditlog.Write(tx, &actor.UserID, action, "assessment", id, changes)
}

// milestoneLog writes milestones for the audit log: "name: date" each.
func milestoneLog(ms []Milestone) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Name + ": " + m.Date.String()
	}
	return out
}

// Outlook is what a home page shows of the assessments: the latest (the
// highest year, then the last created), without its milestones and
// scores, and the next milestone on or after a day across them all; each
// nil when there is none.
type Outlook struct {
	Latest *Assessment
	Next   *NextMilestone
}

// NextMilestone is a milestone with the name of its assessment.
type NextMilestone struct {
	Assessment string
	Milestone
}

// Outlook reads the latest assessment and the next milestone on or after
// day, in one statement whatever the number of assessments. Milestones on
// the same day go by their assessment's id, then their own.
func (s *Assessments) Outlook(ctx context.Context, p identity.Principal, day date.Date) (Outlook, error) {
	if err := identity.Authorize(p, identity.AssessmentRead, nil); err != nil {
		return Outlook{}, err
	}
	var (
		out                 Outlook
		a                   Assessment
		id, mID             *int64
		year, version       *int32
		name, code, scoring *string
		created, updated    *time.Time
		mAssessment, mName  *string
		mDate               *string
	)
	err := postgres.ReadConn(ctx, s.db, func(conn *pgx.Conn) error {
		return conn.QueryRow(ctx, `SELECT l.id, l.year, l.name, l.code, l.scoring, l.version, l.created_at, l.updated_at,
				n.assessment, n.id, n.name, n.on_date::text
			FROM (SELECT 1) one
			LEFT JOIN LATERAL (SELECT a.id, a.year, a.name, f.code, f.scoring, a.version, a.created_at, a.updated_at
				FROM assessments a JOIN frameworks f ON f.id = a.framework_id ORDER BY a.year DESC, a.id DESC LIMIT 1) l ON true
			LEFT JOIN LATERAL (SELECT a.name AS assessment, m.id, m.name, m.on_date
				FROM assessment_milestones m JOIN assessments a ON a.id = m.assessment_id
				WHERE m.on_date >= $1::date ORDER BY m.on_date, a.id, m.id LIMIT 1) n ON true`, day.String()).
			Scan(&id, &year, &name, &code, &scoring, &version, &created, &updated, &mAssessment, &mID, &mName, &mDate)
	})
	if err != nil {
		return Outlook{}, err
	}
	if id != nil {
		a = Assessment{ID: *id, Year: int(*year), Name: *name, FrameworkCode: *code, Scoring: Scoring(*scoring),
			Version: int(*version), CreatedAt: *created, UpdatedAt: *updated}
		out.Latest = &a
	}
	if mID != nil {
		d, err := date.Parse(*mDate)
		if err != nil {
			return Outlook{}, err
		}
		out.Next = &NextMilestone{Assessment: *mAssessment, Milestone: Milestone{ID: *mID, Name: *mName, Date: d}}
	}
	return out, nil
}
