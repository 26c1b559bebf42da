package finding

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/date"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

// Filter narrows the finding list; every field is optional and they
// combine with AND.
type Filter struct {
	States       []State
	UnitID       *int64
	ReviewID     *int64
	AssessmentID *int64
	Indicator    *string
	Severity     *Severity
	Overdue      *bool
	// DueBefore and DueAfter are strict bounds on the due date.
	DueBefore date.Date
	DueAfter  date.Date
	// Query is text searched (substrings, all words) in code, title,
	// condition and recommendation.
	Query string
}

// Cursor is the keyset position in the list order (due date, findings
// without one last, then id).
type Cursor struct {
	Due string `json:"d"` // YYYY-MM-DD or "infinity"
	ID  int64  `json:"i"`
}

// ListItem is a finding as lists show it.
type ListItem struct {
	Finding
	DueSort string
}

// Cursor returns the keyset position of the item.
func (it ListItem) Cursor() Cursor { return Cursor{Due: it.DueSort, ID: it.ID} }

// searchMatch is the condition that word w (no white space) occurs in a
// finding's code, title, condition or recommendation, whatever the case,
// with its arguments. The four were searched joined by spaces; a word
// without spaces occurs in the joined text exactly when it occurs in one of
// them, so the code is matched on its own (migration 00018):
//
//   - title, condition and recommendation are kept joined and lowercased in
//     search_text, under a trigram index, and match a LIKE of the word
//     lowercased by the same lower();
//   - a code is TL-, a year, a hyphen and a number (its CHECK), so a word
//     with any other character is in no code. One that starts with tl- can
//     only be at the start of one: the code's pattern index finds it by
//     prefix. Any other word of code characters (a number, a year, -) goes
//     to the code's own trigram index.
//
// The code's trigrams tl-, -20, 202 are in every finding: in the index of
// the four joined, a search of a code decoded their posting lists for every
// candidate of its rarer ones, 36 ms of the database's time at 1,000,000.
func searchMatch(w string) (string, []any) {
	text, textArg := `search_text LIKE lower(?)`, "%"+escapeLike(w)+"%"
	if !codeChars(w) {
		return text, []any{textArg}
	}
	code := strings.ToUpper(w)
	if strings.HasPrefix(code, codePrefix) {
		// Codes from code up to the next string of its length, byte by byte:
		// those that start with it. Unlike LIKE 'prefix%', the range serves
		// from the index in a generic plan too, whose pattern is unknown.
		next := code[:len(code)-1] + string(code[len(code)-1]+1)
		return `((code ~>=~ ? AND code ~<~ ?) OR ` + text + `)`, []any{code, next, textArg}
	}
	return `(code LIKE ? OR ` + text + `)`, []any{"%" + code + "%", textArg}
}

// codeChars reports whether w is made of the characters of finding codes,
// in either case: T, L, digits and hyphens (none of them special in a LIKE
// pattern). Words of any other letter, which is nearly every word, are
// searched in the text alone.
func codeChars(w string) bool {
	for i := 0; i < len(w); i++ {
		switch c := w[i]; {
		case c >= '0' && c <= '9', c == '-', c == 'T', c == 't', c == 'L', c == 'l':
		default:
			return false
		}
	}
	return true
}

// ValidateFilter checks a filter's values, naming each bad one.
func ValidateFilter(f Filter) error {
	var v apperr.Validation
	for _, s := range f.States {
		if !s.Valid() {
			v.Add("state", "must be one of draft, open, in_progress, submitted, closed, not_actionable")
		}
	}
	if f.Indicator != nil && !indicatorCodeRE.MatchString(*f.Indicator) {
		v.Add("indicator", "must be an indicator code such as I05")
	}
	if f.Severity != nil && !f.Severity.Valid() {
		v.Add("severity", "must be one of low, medium, high, critical")
	}
	if n := utf8.RuneCountInString(f.Query); n > 200 {
		v.Add("q", "must be at most 200 characters")
	} else if len(strings.Fields(f.Query)) > 10 {
		v.Add("q", "must have at most 10 words")
	}
	if !f.DueBefore.IsZero() && !f.DueAfter.IsZero() && !f.DueAfter.Before(f.DueBefore) {
		v.Add("due_after", "must be before due_before")
	}
	return v.Err()
}

// ListFindings returns the findings p may see that match f, in list order
// after the cursor, at most limit of them.
func (s *Service) ListFindings(ctx context.Context, p identity.Principal, f Filter, after *Cursor, limit int) ([]ListItem, error) {
	if err := identity.Authorize(p, identity.FindingRead, nil); err != nil {
		return nil, err
	}
	if err := ValidateFilter(f); err != nil {
		return nil, err
	}
	today := s.Today()
	out := make([]ListItem, 0, limit)
	err := postgres.ReadConn(ctx, s.db, func(conn *pgx.Conn) error {
		out = out[:0] // afresh when a lost connection is replaced
		words := strings.Fields(f.Query)
		if len(words) > 0 && !slices.ContainsFunc(words, codeChars) && s.rareSearch(ctx, conn, words) {
			// Prepared, unlike the other searches (searchPlan): whatever the
			// words, it takes the matches from the trigram index and sorts
			// them, and the generic plan does that without planning each time
			// (some 2 ms of estimating a pattern against 1,000 sampled values).
			q, args := sortedListQuery(p, f, after, limit, today)
			return scanList(ctx, conn, q, args, &out)
		}
		if len(words) < 2 {
			q, args := listQuery(p, f, after, limit, today)
			return scanList(ctx, conn, q, searchPlan(f, args), &out)
		}
		return pgx.BeginTxFunc(ctx, conn, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly},
			func(tx pgx.Tx) error { return probeList(ctx, tx, p, f, after, limit, today, &out) })
	})
	return out, err
}

// querier is a connection or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// scanList appends the findings that q (with ? placeholders, the columns
// of listQuery) reads to out.
func scanList(ctx context.Context, db querier, q string, args []any, out *[]ListItem) error {
	rows, err := db.Query(ctx, postgres.Numbered(q), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var it ListItem
		var due pgtype.Date
		x := &it.Finding
		if err := rows.Scan(&x.ID, &x.Code, &x.ReviewID, &x.Title, &x.Condition, &x.Criteria, &x.Cause, &x.Effect,
			&x.Recommendation, &x.Severity, &x.UnitID, &x.ApplicationID, (*[]string)(&x.IndicatorCodes), &due, &x.State,
			&x.CreatedBy, &x.IssuedAt, &x.SubmittedBy, &x.SubmittedAt, &x.ClosedAt, &x.EventCount, &x.HeadHash,
			&x.Version, &x.CreatedAt, &x.UpdatedAt, &it.DueSort); err != nil {
			return err
		}
		if due.Valid {
			x.DueDate = date.New(due.Time.Date())
		}
		*out = append(*out, it)
	}
	return rows.Err()
}

// searchPlan has a search planned for its own words at every run. A
// statement that pgx prepared once is planned, after five runs, for any
// word (a generic plan), if the planner judges that no dearer than the
// plans for the words it has seen; and for a word it cannot see it expects
// few findings and takes the trigram index, sorting every finding that
// holds the word: for a word in one finding in ten, 11,000 of 100,000
// (42 ms where checking findings in list order takes 4; p95 284 ms at 8
// clients), and at a million ten times that. So a search runs as an
// unnamed statement (pgx.QueryExecModeDescribeExec), planned with its
// values each time, for a few milliseconds of planning.
func searchPlan(f Filter, args []any) []any {
	if f.Query == "" {
		return args
	}
	return append([]any{pgx.QueryExecModeDescribeExec}, args...)
}

// probeRows is how many findings, in list order, a search of several words
// checks before it leaves the rest to the planner.
var probeRows = 2000

// probeList is the list of a search of several words, in one snapshot. The
// planner estimates each word's share of findings and multiplies them, as
// if words were independent; the words of a phrase are not ("sertifikat
// kedaluwarsa": 5 % of a million findings each, and together), so it
// expected 0.3 % and went through the 54,000 findings the trigram index
// offered (1.1 s) rather than checking 1,000 in list order. So the first
// probeRows findings in list order are checked first, which fills the page
// of any search that common; only a search that found fewer goes on, after
// the last finding checked, with the list's own query.
func probeList(ctx context.Context, tx querier, p identity.Principal, f Filter, after *Cursor, limit int, today date.Date,
	out *[]ListItem) error {
	rest := f
	rest.Query = ""
	where, args := conditions(p, rest, today)
	if after != nil {
		where = append(where, `(due_sort, id) > (?::date, ?)`)
		args = append(args, after.Due, after.ID)
	}
	var match []string
	var matchArgs []any
	for _, w := range strings.Fields(f.Query) {
		cond, a := searchMatch(w)
		match = append(match, cond)
		matchArgs = append(matchArgs, a...)
	}
	q := `SELECT id, due_sort::text, ` + strings.Join(match, ` AND `) + ` FROM findings`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	q += fmt.Sprintf(` ORDER BY findings.due_sort, findings.id LIMIT %d`, probeRows)
	rows, err := tx.Query(ctx, postgres.Numbered(q), searchPlan(f, append(matchArgs, args...))...)
	if err != nil {
		return err
	}
	var hits []int64
	var last Cursor
	checked := 0
	for rows.Next() {
		var hit bool
		if err := rows.Scan(&last.ID, &last.Due, &hit); err != nil {
			rows.Close()
			return err
		}
		checked++
		if hit && len(hits) < limit {
			hits = append(hits, last.ID)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(hits) > 0 {
		if err := scanList(ctx, tx, `SELECT `+findingColumns+`, due_sort::text AS due_sort FROM findings WHERE id = ANY (?)
			ORDER BY findings.due_sort, findings.id`, []any{hits}, out); err != nil {
			return err
		}
	}
	if len(hits) == limit || checked < probeRows {
		return nil
	}
	q, args = listQuery(p, f, &last, limit-len(hits), today)
	return scanList(ctx, tx, q, searchPlan(f, args), out)
}

// ListCondition returns the SQL condition, with ? placeholders and their
// arguments, that selects the findings p may see that match f as of today:
// exactly those ListFindings pages through. Its column names are those of
// the findings table, unqualified, so it belongs in a query whose only
// table is findings (a subquery or CTE, for reports that join more). f
// must have passed ValidateFilter.
func ListCondition(p identity.Principal, f Filter, today date.Date) (string, []any) {
	where, args := conditions(p, f, today)
	if len(where) == 0 {
		return "true", nil
	}
	return strings.Join(where, " AND "), args
}

// listQuery builds the list's SQL. The conditions are written so that the
// composite indexes of the migration serve them: one state as an
// equality, "overdue" as a state set and a due-date range, never a
// function of the columns.
func listQuery(p identity.Principal, f Filter, after *Cursor, limit int, today date.Date) (string, []any) {
	return buildList(p, f, after, limit, today, `findings.due_sort`)
}

// sortedListQuery is listQuery for a search expected to match few findings
// (rareSearch): ordered by an expression of due_sort, the same order,
// which no index holds, so that the planner takes the matches from the
// trigram index and sorts them instead of checking findings in list order
// until a page is full, which its costs do not weigh (a LIKE over every
// finding checked is priced as one operator).
func sortedListQuery(p identity.Principal, f Filter, after *Cursor, limit int, today date.Date) (string, []any) {
	return buildList(p, f, after, limit, today, `(findings.due_sort + 0)`)
}

// buildList is the list's SQL, ordered by due, then id.
func buildList(p identity.Principal, f Filter, after *Cursor, limit int, today date.Date, due string) (string, []any) {
	where, args := conditions(p, f, today)
	if after != nil {
		where = append(where, `(due_sort, id) > (?::date, ?)`)
		args = append(args, after.Due, after.ID)
	}
	q := `SELECT ` + findingColumns + `, due_sort::text AS due_sort FROM findings`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	// Qualified: a bare due_sort would name the text column of the select
	// list, and sorting by it could not use the indexes.
	q += fmt.Sprintf(` ORDER BY %s, findings.id LIMIT %d`, due, limit)
	return q, args
}

// conditions are the list's visibility and filter conditions, ANDed.
func conditions(p identity.Principal, f Filter, today date.Date) ([]string, []any) {
	var where []string
	var args []any
	add := func(cond string, a ...any) {
		where = append(where, cond)
		args = append(args, a...)
	}
	switch p.ScopeOf("finding") {
	case identity.ScopeUnit:
		add(`unit_id = ? AND state <> 'draft'`, p.UnitID)
	case identity.ScopeOwn:
		add(`state <> 'draft' AND id IN (SELECT finding_id FROM actions WHERE assignee_id = ?)`, p.UserID)
	case identity.ScopeNone:
		add(`false`)
	}
	states := slices.Clone(f.States)
	if f.Overdue != nil && *f.Overdue {
		active := []State{Open, InProgress}
		if len(states) == 0 {
			states = active
		} else {
			states = slices.DeleteFunc(states, func(s State) bool { return !s.Active() })
			if len(states) == 0 {
				add(`false`)
			}
		}
		add(`due_sort < ?`, today)
	}
	slices.Sort(states)
	states = slices.Compact(states)
	switch len(states) {
	case 0:
	case 1:
		add(`state = ?`, states[0])
	default:
		ph := strings.TrimSuffix(strings.Repeat("?, ", len(states)), ", ")
		vals := make([]any, len(states))
		for i, s := range states {
			vals[i] = s
		}
		add(`state IN (`+ph+`)`, vals...)
	}
	if f.Overdue != nil && !*f.Overdue {
		add(`NOT (state IN ('open', 'in_progress') AND due_sort < ?)`, today)
	}
	if f.UnitID != nil {
		add(`unit_id = ?`, *f.UnitID)
	}
	if f.ReviewID != nil {
		add(`review_id = ?`, *f.ReviewID)
	}
	if f.AssessmentID != nil {
		add(`review_id IN (SELECT id FROM reviews WHERE assessment_id = ?)`, *f.AssessmentID)
	}
	if f.Indicator != nil {
		// The indicator, or any indicator of another model that a held
		// mapping maps onto it: a finding left open on I21 under SPBE
		// is listed under P02. The array is computed once (an InitPlan),
		// so the GIN index on indicator_codes serves the overlap.
		add(`indicator_codes && ARRAY(SELECT ?::text UNION SELECT from_code FROM framework_mapping_pairs WHERE to_code = ?)`,
			*f.Indicator, *f.Indicator)
	}
	if f.Severity != nil {
		add(`severity = ?`, *f.Severity)
	}
	if !f.DueBefore.IsZero() {
		add(`due_sort < ?`, f.DueBefore)
	}
	if !f.DueAfter.IsZero() {
		add(`due_sort > ? AND due_date IS NOT NULL`, f.DueAfter)
	}
	for _, w := range strings.Fields(f.Query) {
		cond, a := searchMatch(w)
		add(cond, a...)
	}
	return where, args
}

// likeEscaper makes a string match literally in a LIKE pattern.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// escapeLike makes s match literally in a LIKE pattern.
func escapeLike(s string) string { return likeEscaper.Replace(s) }
