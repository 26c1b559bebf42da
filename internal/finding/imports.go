package finding

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/date"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

// ImportRow is one row of an imported register, its values already read
// from the file (internal/importer reads the file; this file checks the
// rows against the database and writes them).
type ImportRow struct {
	// Row is the row's number as the spreadsheet shows it (the header is 1).
	Row int
	Ref string
	// The text of the finding, as in FindingInput.
	Title, Condition, Criteria, Cause, Effect, Recommendation string
	Severity                                                  Severity
	// Unit is the responsible unit's code (or name); "" for none.
	Unit           string
	IndicatorCodes []string
	// Application is an application's name; "" for none.
	Application string
	DueDate     date.Date
	// State is Draft or Open (issue on import).
	State State
	// Columns names, for each field, the file's column it was read from,
	// so that a problem names the column the user sees.
	Columns map[string]string
}

// ImportSource is the file an import reads, recorded in the events.
type ImportSource struct {
	FileName string
	SHA256   []byte
}

// The outcomes of an imported row.
const (
	OutcomeNew       = "new"
	OutcomeChanged   = "changed"
	OutcomeUnchanged = "unchanged"
)

// ImportItem is what happens (or happened) to one row.
type ImportItem struct {
	Row     int
	Ref     string
	Outcome string
	// FindingID is the finding written or matched; 0 for a new row in a
	// preview.
	FindingID int64
}

// ImportResult is a preview or a committed import: each row's outcome and
// every problem, by row and column.
type ImportResult struct {
	DryRun    bool
	Rows      int
	New       int
	Changed   int
	Unchanged int
	Items     []ImportItem
	Problems  []apperr.FieldError
}

// MaxImportRefLen bounds a source's finding number.
const MaxImportRefLen = 100

// ImportProblems collects the problems of an import; Add records one for
// the row and field it is bound to with At.
type ImportProblems struct {
	list []apperr.FieldError
	seen map[string]bool
	row  int
	cols map[string]string
}

// At binds the next Add calls to a row and its field→column names.
func (p *ImportProblems) At(row int, columns map[string]string) *ImportProblems {
	p.row, p.cols = row, columns
	return p
}

// Add records a problem with field in the bound row; only the first per
// row and field is kept.
func (p *ImportProblems) Add(field, format string, args ...any) {
	base := field
	if i := strings.IndexByte(base, '['); i >= 0 {
		base = base[:i]
	}
	key := strconv.Itoa(p.row) + "\x00" + base
	if p.seen == nil {
		p.seen = map[string]bool{}
	}
	if p.seen[key] {
		return
	}
	p.seen[key] = true
	p.list = append(p.list, apperr.FieldError{Row: p.row, Column: p.cols[base], Field: base,
		Message: fmt.Sprintf(format, args...), Format: format, Args: args})
}

// List returns the problems in the order found.
func (p *ImportProblems) List() []apperr.FieldError { return p.list }

// Len is the number of problems.
func (p *ImportProblems) Len() int { return len(p.list) }

// ImportError is the Invalid error of an import that was refused: every
// problem, by row and column.
func ImportError(problems []apperr.FieldError) error {
	return &apperr.Error{Kind: apperr.Invalid, Fields: problems,
		Message: "The file has problems, listed by row and column; nothing was written. Correct them and import it again.",
		Format:  "The file has problems, listed by row and column; nothing was written. Correct them and import it again."}
}

var refRE = regexp.MustCompile(`^[^\r\n]{1,100}$`)

// Import checks rows against the database and, when commit is set and
// nothing is wrong, writes them in one transaction: a new finding for each
// number (ref) the review does not hold yet, an update of each finding
// whose row differs, nothing for the others; each finding created or
// changed gets its events. fileProblems are problems the file's reader
// already found; any problem refuses a commit (Invalid, naming them all)
// and is reported in a preview. Errors: Forbidden (the role may not
// create findings), NotFound (no such review).
func (s *Service) Import(ctx context.Context, p identity.Principal, reviewID int64, rows []ImportRow,
	fileProblems []apperr.FieldError, src ImportSource, commit bool) (ImportResult, error) {
	if err := identity.Authorize(p, identity.FindingCreate, nil); err != nil {
		return ImportResult{}, err
	}
	var out ImportResult
	run := func(tx *gorm.DB) error {
		// One import of a review at a time: a second waits, then sees
		// what the first wrote. NO KEY UPDATE leaves other writes that
		// refer to the review free.
		var id int64
		lock := ""
		if commit {
			lock = " FOR NO KEY UPDATE"
		}
		if err := tx.Raw(`SELECT id FROM reviews WHERE id = ?`+lock, reviewID).Scan(&id).Error; err != nil {
			return err
		}
		if id == 0 {
			return apperr.E(apperr.NotFound, "There is no review %d.", reviewID)
		}
		pl, err := s.planImport(tx, reviewID, rows, fileProblems)
		if err != nil {
			return err
		}
		out = pl.result
		out.DryRun = !commit
		if !commit {
			return nil
		}
		if len(out.Problems) > 0 {
			return ImportError(out.Problems)
		}
		return s.writeImport(tx, p, reviewID, pl, src, &out)
	}
	db := s.db.WithContext(ctx)
	var err error
	if commit {
		err = db.Transaction(run)
	} else {
		err = db.Transaction(run, &sql.TxOptions{ReadOnly: true})
	}
	if err != nil {
		return ImportResult{}, err
	}
	return out, nil
}

// importPlan is what an import would do.
type importPlan struct {
	result ImportResult
	// next holds each row's finding as it would be written; cur the
	// finding it changes (zero ID for a new one).
	next, cur []Finding
	issue     []bool
}

// planImport resolves the rows' references and compares them with the
// findings the review holds.
func (s *Service) planImport(tx *gorm.DB, reviewID int64, rows []ImportRow, fileProblems []apperr.FieldError) (importPlan, error) {
	var probs ImportProblems
	for _, fp := range fileProblems {
		probs.At(fp.Row, map[string]string{fp.Field: fp.Column}).Add(fp.Field, fp.Format, fp.Args...)
	}
	units, apps, inds, existing, err := importLookups(tx, reviewID, rows)
	if err != nil {
		return importPlan{}, err
	}
	pl := importPlan{result: ImportResult{Rows: len(rows), Items: make([]ImportItem, 0, len(rows))},
		next: make([]Finding, len(rows)), cur: make([]Finding, len(rows)), issue: make([]bool, len(rows))}
	firstRow := map[string]int{}
	for i, r := range rows {
		probs.At(r.Row, r.Columns)
		ref := strings.TrimSpace(r.Ref)
		switch {
		case ref == "":
			probs.Add("ref", "the finding's number is missing")
		case !refRE.MatchString(ref):
			probs.Add("ref", "must be a single line of at most %d characters", MaxImportRefLen)
		case firstRow[strings.ToLower(ref)] != 0:
			probs.Add("ref", "number %s is also used in row %d", ref, firstRow[strings.ToLower(ref)])
		default:
			firstRow[strings.ToLower(ref)] = r.Row
		}
		cur, found := existing[strings.ToLower(ref)]
		next := cur
		if !found {
			next = Finding{ReviewID: reviewID, State: Draft}
		}
		next.Title, next.Condition, next.Criteria, next.Cause = r.Title, r.Condition, r.Criteria, r.Cause
		next.Effect, next.Recommendation, next.Severity = r.Effect, r.Recommendation, r.Severity
		next.IndicatorCodes, next.DueDate = r.IndicatorCodes, r.DueDate
		if next.IndicatorCodes == nil {
			next.IndicatorCodes = []string{}
		}
		next.UnitID, next.ApplicationID = nil, nil
		if r.Unit != "" {
			if id, ok := units[strings.ToLower(r.Unit)]; ok {
				next.UnitID = &id
			} else {
				probs.Add("unit", "%s is not the code or name of a unit", r.Unit)
			}
		}
		if r.Application != "" {
			if id, ok := apps[strings.ToLower(r.Application)]; ok {
				next.ApplicationID = &id
			} else {
				probs.Add("application", "%s is not the name of an application", r.Application)
			}
		}
		var v apperr.Validation
		validateContent(&v, &next)
		for _, c := range next.IndicatorCodes {
			if model, ok := inds[c]; !ok {
				v.Add("indicator_codes", "%s is not an indicator of any evaluation model held here", c)
			} else if model != "" {
				v.Add("indicator_codes", "%s is an indicator of %s, not of the model of the review's assessment", c, model)
			}
		}
		issue := r.State == Open && next.State == Draft
		if issue || next.State != Draft {
			if next.UnitID == nil && r.Unit == "" {
				v.Add("unit_id", "is required to issue the finding (status open)")
			}
			if strings.TrimSpace(next.Recommendation) == "" {
				v.Add("recommendation", "is required to issue the finding (status open)")
			}
			if next.DueDate.IsZero() {
				v.Add("due_date", "is required to issue the finding (status open)")
			}
		}
		for _, fe := range errFieldsOf(v.Err()) {
			probs.Add(importField(fe.Field), fe.Format, fe.Args...)
		}
		item := ImportItem{Row: r.Row, Ref: ref, Outcome: OutcomeNew}
		if found {
			item.FindingID = cur.ID
			item.Outcome = OutcomeUnchanged
			if issue || len(changed(content(cur), content(next))) > 0 {
				item.Outcome = OutcomeChanged
				switch {
				case cur.State != Draft && cur.State != Open && cur.State != InProgress:
					probs.Add("ref", "finding %s is %s and can no longer be changed by an import", cur.Code, cur.State)
				case cur.State == InProgress && !equalPtr(cur.UnitID, next.UnitID):
					probs.Add("unit", "cannot change once actions are assigned")
				}
			}
		}
		switch item.Outcome {
		case OutcomeNew:
			pl.result.New++
		case OutcomeChanged:
			pl.result.Changed++
		default:
			pl.result.Unchanged++
		}
		pl.result.Items = append(pl.result.Items, item)
		pl.next[i], pl.cur[i], pl.issue[i] = next, cur, issue
	}
	pl.result.Problems = probs.List()
	if pl.result.Problems == nil {
		pl.result.Problems = []apperr.FieldError{}
	}
	return pl, nil
}

// importField names a finding field as the import's fields do.
func importField(f string) string {
	if i := strings.IndexByte(f, '['); i >= 0 {
		f = f[:i]
	}
	switch f {
	case "unit_id":
		return "unit"
	case "application_id":
		return "application"
	}
	return f
}

func errFieldsOf(err error) []apperr.FieldError {
	if e, ok := err.(*apperr.Error); ok {
		return e.Fields
	}
	return nil
}

// importLookups reads, in one round trip each, the units, applications and
// indicators the rows name and the review's findings with their numbers.
// inds maps each known indicator code to "" when the review may name it,
// or to its model's code when it belongs to another model than that of
// the review's assessment.
func importLookups(tx *gorm.DB, reviewID int64, rows []ImportRow) (units, apps map[string]int64, inds map[string]string,
	existing map[string]Finding, err error) {
	var unitKeys, appKeys, codes, refs []string
	for _, r := range rows {
		if r.Unit != "" {
			unitKeys = append(unitKeys, strings.ToLower(r.Unit))
		}
		if r.Application != "" {
			appKeys = append(appKeys, strings.ToLower(r.Application))
		}
		codes = append(codes, r.IndicatorCodes...)
		if ref := strings.TrimSpace(r.Ref); ref != "" {
			refs = append(refs, ref)
		}
	}
	type named struct {
		Key string
		ID  int64
	}
	var us, as []named
	if err = tx.Raw(`SELECT k AS key, u.id FROM unnest(?::text[]) AS k
		JOIN units u ON lower(u.code) = k OR lower(u.name) = k`, postgres.Array[string](unitKeys)).Scan(&us).Error; err != nil {
		return
	}
	if err = tx.Raw(`SELECT lower(name) AS key, id FROM applications WHERE lower(name) = ANY(?::text[])`,
		postgres.Array[string](appKeys)).Scan(&as).Error; err != nil {
		return
	}
	units, apps = map[string]int64{}, map[string]int64{}
	for _, u := range us {
		units[u.Key] = u.ID
	}
	for _, a := range as {
		apps[a.Key] = a.ID
	}
	var is []struct {
		Code  string
		Other string
	}
	if err = tx.Raw(`SELECT i.code, CASE WHEN ra.framework_id IS NULL OR ra.framework_id = i.framework_id THEN '' ELSE fw.code END AS other
		FROM framework_indicators i JOIN frameworks fw ON fw.id = i.framework_id
		LEFT JOIN (SELECT a.framework_id FROM reviews r JOIN assessments a ON a.id = r.assessment_id WHERE r.id = ?) ra ON true
		WHERE i.code = ANY(?::text[])`, reviewID, postgres.Array[string](codes)).Scan(&is).Error; err != nil {
		return
	}
	inds = map[string]string{}
	for _, i := range is {
		inds[i.Code] = i.Other
	}
	var fs []struct {
		Finding
		ImportRef string
	}
	if err = tx.Raw(`SELECT `+findingColumns+`, import_ref FROM findings
		WHERE review_id = ? AND lower(import_ref) = ANY(?::text[]) ORDER BY id`, reviewID,
		postgres.Array[string](lowerAll(refs))).Scan(&fs).Error; err != nil {
		return
	}
	existing = make(map[string]Finding, len(fs))
	for _, f := range fs {
		existing[strings.ToLower(f.ImportRef)] = f.Finding
	}
	return
}

func lowerAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToLower(s)
	}
	return out
}

// writeImport writes a plan without problems: the new findings in one
// statement, the changed ones in another, and all their events in a
// third, whatever the number of rows.
func (s *Service) writeImport(tx *gorm.DB, p identity.Principal, reviewID int64, pl importPlan, src ImportSource, out *ImportResult) error {
	now := s.instant()
	rev, err := review(tx, reviewID)
	if err != nil {
		return err
	}
	source := func(row int, ref string) map[string]any {
		return map[string]any{"import_ref": ref, "row": row, "file_name": src.FileName, "file_sha256": hex.EncodeToString(src.SHA256)}
	}
	var events []Event
	var created, updated []Finding
	var refs []string
	if out.New > 0 {
		ids, codes, err := s.takeCodes(tx.Statement.Context, rev.ConductedOn.Year(), out.New)
		if err != nil {
			return err
		}
		k := 0
		for i, it := range out.Items {
			if it.Outcome != OutcomeNew {
				continue
			}
			f := pl.next[i]
			f.ID, f.Code, f.CreatedBy, f.CreatedAt, f.UpdatedAt = ids[k], codes[k], p.UserID, now, now
			k++
			data := content(f)
			data["source"] = source(it.Row, it.Ref)
			evs, err := chainEvents(&f, Event{Kind: EventCreated, ActorID: &p.UserID, ToState: ptr(Draft), CreatedAt: now, Data: eventData(data)})
			if err != nil {
				return err
			}
			events = append(events, evs...)
			if pl.issue[i] {
				if evs, err = s.issueOnImport(&f, p, now, source(it.Row, it.Ref)); err != nil {
					return err
				}
				events = append(events, evs...)
			}
			out.Items[i].FindingID = f.ID
			created = append(created, f)
			refs = append(refs, it.Ref)
		}
	}
	for i, it := range out.Items {
		if it.Outcome != OutcomeChanged {
			continue
		}
		cur, f := pl.cur[i], pl.next[i]
		if changes := changed(content(cur), content(f)); len(changes) > 0 {
			data := map[string]any{}
			for k, v := range changes {
				data[k] = v
			}
			data["source"] = source(it.Row, it.Ref)
			evs, err := chainEvents(&f, Event{Kind: EventUpdated, ActorID: &p.UserID, FromState: &cur.State, ToState: &cur.State,
				CreatedAt: now, Data: eventData(data)})
			if err != nil {
				return err
			}
			events = append(events, evs...)
			f.Version++
		}
		if pl.issue[i] {
			evs, err := s.issueOnImport(&f, p, now, source(it.Row, it.Ref))
			if err != nil {
				return err
			}
			events = append(events, evs...)
			f.Version++
		}
		f.UpdatedAt = now
		updated = append(updated, f)
	}
	var units []int64
	for i, it := range out.Items {
		if it.Outcome == OutcomeChanged {
			units = append(units, unitKey(pl.cur[i].UnitID))
		}
	}
	for _, f := range slices.Concat(created, updated) {
		units = append(units, unitKey(f.UnitID))
	}
	if err := lockUnitCounts(tx, units); err != nil {
		return err
	}
	if err := insertFindings(tx, created, refs); err != nil {
		return translateRef(err)
	}
	if err := updateFindings(tx, updated); err != nil {
		return translateRef(err)
	}
	return insertEvents(tx, events)
}

// issueOnImport issues f (a draft) as the import's row asks: the event of
// the transition, as Transition writes it.
func (s *Service) issueOnImport(f *Finding, p identity.Principal, now time.Time, source map[string]any) ([]Event, error) {
	evs, err := chainEvents(f, Event{Kind: string(Issue), ActorID: &p.UserID, FromState: ptr(Draft), ToState: ptr(Open),
		CreatedAt: now, Data: eventData(map[string]any{"source": source})})
	f.State, f.IssuedAt = Open, &now
	return evs, err
}

// chainEvents appends ev to f's chain, advancing f's head.
func chainEvents(f *Finding, ev Event) ([]Event, error) {
	if err := f.next(&ev); err != nil {
		return nil, err
	}
	f.EventCount, f.HeadHash = ev.Seq, ev.Hash
	return []Event{ev}, nil
}

// importArrays are the columns of findings written by an import, one array
// each, for unnest.
type importArrays struct {
	id, review, createdBy                                                postgres.Array[int64]
	code, title, condition, criteria, cause, effect, recommendation, sev postgres.Array[string]
	state, indicators                                                    postgres.Array[string]
	unit, app                                                            postgres.Array[*int64]
	due                                                                  postgres.Array[*string]
	issued                                                               postgres.Array[*time.Time]
	count, version                                                       postgres.Array[int32]
	head                                                                 postgres.Array[[]byte]
}

func columnsOf(fs []Finding) importArrays {
	var a importArrays
	for _, f := range fs {
		a.id = append(a.id, f.ID)
		a.review = append(a.review, f.ReviewID)
		a.createdBy = append(a.createdBy, f.CreatedBy)
		a.code = append(a.code, f.Code)
		a.title = append(a.title, f.Title)
		a.condition = append(a.condition, f.Condition)
		a.criteria = append(a.criteria, f.Criteria)
		a.cause = append(a.cause, f.Cause)
		a.effect = append(a.effect, f.Effect)
		a.recommendation = append(a.recommendation, f.Recommendation)
		a.sev = append(a.sev, string(f.Severity))
		a.state = append(a.state, string(f.State))
		a.indicators = append(a.indicators, strings.Join(f.IndicatorCodes, ","))
		a.unit = append(a.unit, f.UnitID)
		a.app = append(a.app, f.ApplicationID)
		var due *string
		if !f.DueDate.IsZero() {
			due = ptr(f.DueDate.String())
		}
		a.due = append(a.due, due)
		a.issued = append(a.issued, f.IssuedAt)
		a.count = append(a.count, int32(f.EventCount))
		a.head = append(a.head, f.HeadHash)
		a.version = append(a.version, int32(max(f.Version, 1)))
	}
	return a
}

// unitKey is a unit's key in the summary counts: 0 for none.
func unitKey(id *int64) int64 {
	if id == nil {
		return 0
	}
	return *id
}

// lockUnitCounts takes the summary counts a batch writes before its
// statements take them in the order of its rows: its session's stripe
// (00014: every group's row, in key order), then every unit's ” row in
// unit order (00012 locks a unit's rows from it). Two batches of one
// stripe, or across the same units, then wait for each other instead of
// deadlocking (a stripe has no ” row to queue them the way a unit's
// rows do). A unit's first row is made here, as the triggers would.
func lockUnitCounts(tx *gorm.DB, units []int64) error {
	if len(units) == 0 {
		return nil
	}
	// The stripe's version counter first, as the triggers take it (00019).
	if err := tx.Exec(`SELECT kept_versions_touch(finding_counts_stripe())`).Error; err != nil {
		return err
	}
	if err := tx.Exec(`SELECT FROM finding_counts WHERE unit_id = finding_counts_stripe() ORDER BY grp FOR UPDATE`).Error; err != nil {
		return err
	}
	slices.Sort(units)
	if units = slices.Compact(units); len(units) < 2 {
		return nil // one unit's rows are taken from its '' row by the triggers
	}
	return tx.Exec(`INSERT INTO finding_counts AS c (unit_id, grp) SELECT u, '' FROM unnest(?::bigint[]) AS u ORDER BY u
		ON CONFLICT (unit_id, grp) DO UPDATE SET draft = c.draft`, postgres.Array[int64](units)).Error
}

// insertFindings writes new findings (with their ids) in one statement.
func insertFindings(tx *gorm.DB, fs []Finding, refs []string) error {
	if len(fs) == 0 {
		return nil
	}
	a := columnsOf(fs)
	now := fs[0].CreatedAt
	return tx.Exec(`INSERT INTO findings (id, code, review_id, title, condition, criteria, cause, effect, recommendation, severity,
			unit_id, application_id, indicator_codes, due_date, state, created_by, issued_at, event_count, head_hash, import_ref,
			created_at, updated_at)
		OVERRIDING SYSTEM VALUE
		SELECT id, code, review_id, title, condition, criteria, cause, effect, recommendation, severity,
			unit_id, application_id, string_to_array(indicators, ','), due_date, state, created_by, issued_at, event_count, head_hash, ref, ?, ?
		FROM unnest(?::bigint[], ?::text[], ?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
			?::bigint[], ?::bigint[], ?::text[], ?::date[], ?::text[], ?::bigint[], ?::timestamptz[], ?::int[], ?::bytea[], ?::text[])
			AS u(id, code, review_id, title, condition, criteria, cause, effect, recommendation, severity,
			unit_id, application_id, indicators, due_date, state, created_by, issued_at, event_count, head_hash, ref)`,
		now, now, a.id, a.code, a.review, a.title, a.condition, a.criteria, a.cause, a.effect, a.recommendation, a.sev,
		a.unit, a.app, a.indicators, a.due, a.state, a.createdBy, a.issued, a.count, a.head, postgres.Array[string](refs)).Error
}

// updateFindings writes changed findings in one statement.
func updateFindings(tx *gorm.DB, fs []Finding) error {
	if len(fs) == 0 {
		return nil
	}
	a := columnsOf(fs)
	return tx.Exec(`UPDATE findings f SET title = u.title, condition = u.condition, criteria = u.criteria, cause = u.cause,
			effect = u.effect, recommendation = u.recommendation, severity = u.severity, unit_id = u.unit_id,
			application_id = u.application_id, indicator_codes = string_to_array(u.indicators, ','), due_date = u.due_date,
			state = u.state, issued_at = u.issued_at, event_count = u.event_count, head_hash = u.head_hash,
			version = u.version, updated_at = ?
		FROM unnest(?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
			?::bigint[], ?::bigint[], ?::text[], ?::date[], ?::text[], ?::timestamptz[], ?::int[], ?::bytea[], ?::int[])
			AS u(id, title, condition, criteria, cause, effect, recommendation, severity,
			unit_id, application_id, indicators, due_date, state, issued_at, event_count, head_hash, version)
		WHERE f.id = u.id`,
		fs[0].UpdatedAt, a.id, a.title, a.condition, a.criteria, a.cause, a.effect, a.recommendation, a.sev,
		a.unit, a.app, a.indicators, a.due, a.state, a.issued, a.count, a.head, a.version).Error
}

// insertEvents appends events in one statement.
func insertEvents(tx *gorm.DB, evs []Event) error {
	if len(evs) == 0 {
		return nil
	}
	var fid postgres.Array[int64]
	var seq postgres.Array[int32]
	var kind, data postgres.Array[string]
	var actor postgres.Array[*int64]
	var from, to postgres.Array[*string]
	var at postgres.Array[time.Time]
	var prev, hash postgres.Array[[]byte]
	str := func(s *State) *string {
		if s == nil {
			return nil
		}
		return ptr(string(*s))
	}
	for _, e := range evs {
		fid = append(fid, e.FindingID)
		seq = append(seq, int32(e.Seq))
		kind = append(kind, e.Kind)
		actor = append(actor, e.ActorID)
		from = append(from, str(e.FromState))
		to = append(to, str(e.ToState))
		data = append(data, string(e.Data))
		at = append(at, e.CreatedAt)
		prev = append(prev, e.PrevHash)
		hash = append(hash, e.Hash)
	}
	return tx.Exec(`INSERT INTO finding_events (finding_id, seq, kind, actor_id, from_state, to_state, data, created_at, prev_hash, hash)
		SELECT finding_id, seq, kind, actor_id, from_state, to_state, data::jsonb, created_at, prev_hash, hash
		FROM unnest(?::bigint[], ?::int[], ?::text[], ?::bigint[], ?::text[], ?::text[], ?::text[], ?::timestamptz[], ?::bytea[], ?::bytea[])
			AS u(finding_id, seq, kind, actor_id, from_state, to_state, data, created_at, prev_hash, hash)`,
		fid, seq, kind, actor, from, to, data, at, prev, hash).Error
}
