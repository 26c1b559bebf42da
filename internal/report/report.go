// Package report is what the follow-up loop looks like from above: the
// summary counts of a dashboard (by state, audit category, unit, SPBE
// domain and aspect of the current model, overdue and due soon) and the
// follow-up matrix (matriks tindak lanjut) that units print and sign,
// written as CSV or XLSX.
//
// Every report covers exactly the findings its caller may see: the
// visibility and filter conditions are the finding list's own
// (finding.ListCondition), never a copy of them. "Today" is a parameter,
// the calendar date in the organisation's time zone.
package report

import (
	"context"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/date"
	"github.com/tindaklanjut/tindaklanjut/internal/finding"
	"github.com/tindaklanjut/tindaklanjut/internal/framework"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
	"github.com/tindaklanjut/tindaklanjut/internal/kept"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

// DefaultMaxRows is how many findings a follow-up matrix may hold: more
// than any unit prints, few enough to build in memory in a moment.
const DefaultMaxRows = 10000

// Service computes reports.
type Service struct {
	db        *gorm.DB
	replica   *postgres.Replica // nil: the follow-up matrix reads the primary
	maxRows   int
	summaries kept.Memo[keptKey, Summary]
}

// NewService returns the report service on db. maxRows caps the follow-up
// matrix (DefaultMaxRows when 0 or less).
func NewService(db *gorm.DB, maxRows int) *Service {
	if maxRows <= 0 {
		maxRows = DefaultMaxRows
	}
	s := &Service{db: db, maxRows: maxRows}
	s.summaries.Max = maxKeptSummaries
	return s
}

// ReadFrom sends the follow-up matrix's reads (in every format) to
// replica, and to the primary while the replica cannot serve them.
func (s *Service) ReadFrom(replica *postgres.Replica) { s.replica = replica }

// MaxRows is the most findings a follow-up matrix may hold.
func (s *Service) MaxRows() int { return s.maxRows }

// Counts are the findings of one group.
type Counts struct {
	Total int
	// ByState has every state, zero or not.
	ByState map[finding.State]int
	// Overdue counts the open and in-progress findings whose due date is
	// before today.
	Overdue int
	// DueIn7Days and DueIn30Days count the open and in-progress findings
	// due from today to 7 (30) days after today, both included; the 30
	// days include the 7.
	DueIn7Days  int
	DueIn30Days int
}

// ByCategory returns the counts by audit category (drafts have none),
// every category present.
func (c Counts) ByCategory() map[finding.AuditCategory]int {
	out := map[finding.AuditCategory]int{finding.Sesuai: 0, finding.BelumSesuai: 0,
		finding.BelumDitindaklanjuti: 0, finding.TidakDapatDitindaklanjuti: 0}
	for st, n := range c.ByState {
		if cat := st.Category(); cat != "" {
			out[cat] += n
		}
	}
	return out
}

func newCounts() Counts {
	c := Counts{ByState: make(map[finding.State]int, len(finding.States))}
	for _, st := range finding.States {
		c.ByState[st] = 0
	}
	return c
}

// add adds the counts of one state.
func (c *Counts) add(st finding.State, total, overdue, due7, due30 int) {
	c.Total += total
	c.ByState[st] += total
	c.Overdue += overdue
	c.DueIn7Days += due7
	c.DueIn30Days += due30
}

// UnitCounts are the findings of one responsible unit.
type UnitCounts struct {
	UnitID *int64 // nil: drafts not yet given a unit
	Code   string
	Name   string
	Counts
}

// DomainCounts are the findings linked to indicators of one SPBE domain.
type DomainCounts struct {
	FrameworkCode string
	Code          string
	Name          string
	Counts
}

// AspectCounts are the findings that count on indicators of one aspect of
// the current model.
type AspectCounts struct {
	FrameworkCode string
	Code          string
	Name          string
	Counts
}

// Summary is the dashboard's figures over the findings a caller may see.
type Summary struct {
	Today date.Date
	Counts
	// Units lists the units that have findings, by unit code.
	Units []UnitCounts
	// Domains lists the domains of the default model (spbe-2020), then of any
	// other model that findings are linked to, in the model's order. A
	// finding linked to indicators of two domains counts in both; one linked
	// to none counts in no domain.
	Domains []DomainCounts
	// Aspects lists every aspect of the current model, in the model's
	// order. A finding counts under an aspect when it names one of the
	// aspect's indicators, or an indicator of another model that a mapping
	// maps onto one of them (the carry-over of the assessments' index):
	// once per aspect, however many of its indicators it counts on.
	Aspects []AspectCounts
}

// stateCounts is the tail every summary query selects per state:
// total, overdue, due within 7 days and within 30 days. Arguments: today
// three times, today+7, today+30.
const stateCounts = `count(sel.id),
	count(*) FILTER (WHERE sel.state IN ('open', 'in_progress') AND sel.due_date < ?),
	count(*) FILTER (WHERE sel.state IN ('open', 'in_progress') AND sel.due_date >= ? AND sel.due_date <= ?),
	count(*) FILTER (WHERE sel.state IN ('open', 'in_progress') AND sel.due_date >= ? AND sel.due_date <= ?)`

func stateArgs(today date.Date) []any {
	return []any{today, today, today.AddDays(7), today, today.AddDays(30)}
}

// Summary counts the findings p may see, as of today (the calendar date in
// the organisation's time zone). Every signed-in role may ask; each sees
// its own findings counted. Errors: Forbidden for an unknown role.
//
// Those who see every finding or their unit's read the counts the
// database keeps with every change (migration 00012): one row per unit
// and group, whatever the number of findings, exact in the same
// transaction as each change and on every date, and given again while
// nothing they are made of has changed (package kept); that Summary is
// shared, and callers must not change it. Those who see only the findings
// of their own actions have them counted (a few).
func (s *Service) Summary(ctx context.Context, p identity.Principal, today date.Date) (Summary, error) {
	if err := identity.Authorize(p, identity.ReportRead, nil); err != nil {
		return Summary{}, err
	}
	switch p.ScopeOf("finding") {
	case identity.ScopeAll:
		return s.kept(ctx, nil, today)
	case identity.ScopeUnit:
		return s.kept(ctx, &p.UnitID, today)
	}
	return s.Recount(ctx, p, today)
}

// Recount is Summary counted from the findings themselves, whatever p's
// scope: what the kept counts must always equal, and what a caller who
// sees only their own actions' findings is given.
func (s *Service) Recount(ctx context.Context, p identity.Principal, today date.Date) (Summary, error) {
	if err := identity.Authorize(p, identity.ReportRead, nil); err != nil {
		return Summary{}, err
	}
	cond, condArgs := finding.ListCondition(p, finding.Filter{}, today)
	out := Summary{Today: today, Counts: newCounts()}

	// One pass over the findings: the whole (GROUPING 1) and per unit, each
	// by state.
	byUnit := `WITH sel AS (SELECT id, unit_id, state, due_date FROM findings WHERE ` + cond + `)
		SELECT GROUPING(sel.unit_id) = 1, sel.unit_id, coalesce(u.code, ''), coalesce(u.name, ''), sel.state, ` + stateCounts + `
		FROM sel LEFT JOIN units u ON u.id = sel.unit_id
		GROUP BY GROUPING SETS ((sel.state), (sel.unit_id, u.code, u.name, sel.state))
		ORDER BY 1 DESC, u.code NULLS LAST, sel.state`
	// The domains and aspects count the findings that name indicators
	// from tallies of them per list of codes and state (t): what a finding
	// adds to a group depends on nothing else, and there are a few
	// thousand tallies where there are a hundred thousand findings. Each
	// query lists its groups in reach, each with every code that counts
	// in it, and a tally counts under each group whose codes its codes
	// overlap (&&): once, however many of them it names (counted). Both
	// CTEs are MATERIALIZED, so that the findings are read once and each
	// group's codes gathered once, not once per tally. Arguments: those of
	// stateArgs, then cond's.
	tallies := `t AS MATERIALIZED (SELECT indicator_codes AS codes, state, count(*) AS n,
			count(*) FILTER (WHERE state IN ('open', 'in_progress') AND due_date < ?) AS overdue,
			count(*) FILTER (WHERE state IN ('open', 'in_progress') AND due_date >= ? AND due_date <= ?) AS d7,
			count(*) FILTER (WHERE state IN ('open', 'in_progress') AND due_date >= ? AND due_date <= ?) AS d30
		FROM findings WHERE ` + cond + ` AND cardinality(indicator_codes) > 0
		GROUP BY indicator_codes, state)`
	counted := `SELECT r.id, t.state, sum(t.n) AS n, sum(t.overdue) AS overdue, sum(t.d7) AS d7, sum(t.d30) AS d30
		FROM reach r JOIN t ON t.codes && r.codes GROUP BY r.id, t.state`
	sums := `coalesce(c.n, 0)::bigint, coalesce(c.overdue, 0)::bigint, coalesce(c.d7, 0)::bigint, coalesce(c.d30, 0)::bigint`
	// Findings by the domains of their indicators. Indicator codes are
	// unique across models, so a code names its indicator and its model
	// (a finding's codes were checked against its review's assessment's
	// model when recorded); an indicator of a model without domains is
	// in no domain.
	byDomain := `WITH ` + tallies + `,
		reach AS MATERIALIZED (SELECT fw.code AS model, d.id, d.code, d.name, d.number,
				array(SELECT i.code FROM framework_indicators i JOIN framework_aspects asp ON asp.id = i.aspect_id
					WHERE asp.domain_id = d.id) AS codes
			FROM framework_domains d JOIN frameworks fw ON fw.id = d.framework_id)
		SELECT r.model, r.code, r.name, c.state, ` + sums + `
		FROM reach r LEFT JOIN (` + counted + `) c ON c.id = r.id
		WHERE r.model = ? OR c.state IS NOT NULL
		ORDER BY r.model <> ?, r.model, r.number, c.state`
	// Findings by the aspects of the current model they count on: an
	// aspect reaches its indicators and the indicators a mapping maps onto
	// them, as finding_indicator_targets counts them for the index.
	byAspect := `WITH ` + tallies + `,
		reach AS MATERIALIZED (SELECT fw.code AS model, a.id, a.code, a.name, a.number,
				array(SELECT i.code FROM framework_indicators i WHERE i.aspect_id = a.id
					UNION SELECT p.from_code FROM framework_mapping_pairs p JOIN framework_indicators i ON i.code = p.to_code
					WHERE i.aspect_id = a.id) AS codes
			FROM framework_aspects a JOIN frameworks fw ON fw.id = a.framework_id
			WHERE fw.code = coalesce((SELECT code FROM frameworks WHERE is_current), ?))
		SELECT r.model, r.code, r.name, c.state, ` + sums + `
		FROM reach r LEFT JOIN (` + counted + `) c ON c.id = r.id
		ORDER BY r.number, c.state`

	err := postgres.WithConn(ctx, s.db, func(conn *pgx.Conn) error {
		tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
		if err != nil {
			return err
		}
		// Not the request's context: a cancelled request must still end the
		// transaction before the connection goes back to the pool.
		defer tx.Rollback(context.WithoutCancel(ctx))

		rows, err := tx.Query(ctx, postgres.Numbered(byUnit), append(append([]any{}, condArgs...), stateArgs(today)...)...)
		if err != nil {
			return err
		}
		var cur *UnitCounts
		for rows.Next() {
			var all bool
			var unitID *int64
			var code, name string
			var st finding.State
			var n, overdue, d7, d30 int
			if err := rows.Scan(&all, &unitID, &code, &name, &st, &n, &overdue, &d7, &d30); err != nil {
				rows.Close()
				return err
			}
			if all {
				out.add(st, n, overdue, d7, d30)
				continue
			}
			if cur == nil || !sameUnit(cur.UnitID, unitID) {
				out.Units = append(out.Units, UnitCounts{UnitID: unitID, Code: code, Name: name, Counts: newCounts()})
				cur = &out.Units[len(out.Units)-1]
			}
			cur.add(st, n, overdue, d7, d30)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}

		tallyArgs := func(more ...any) []any { return append(append(stateArgs(today), condArgs...), more...) }
		domains, err := groupCounts(ctx, tx, byDomain, tallyArgs(framework.DefaultCode, framework.DefaultCode))
		if err != nil {
			return err
		}
		for _, g := range domains {
			out.Domains = append(out.Domains, DomainCounts(g))
		}
		aspects, err := groupCounts(ctx, tx, byAspect, tallyArgs(framework.DefaultCode))
		if err != nil {
			return err
		}
		for _, g := range aspects {
			out.Aspects = append(out.Aspects, AspectCounts(g))
		}
		return nil
	})
	return out, err
}

// group is the counts of one domain or aspect of a model.
type group struct {
	FrameworkCode string
	Code          string
	Name          string
	Counts
}

// groupCounts reads the counts of the groups (domains, aspects) a query
// returns: one row per group and state, in the groups' order, the model's
// code, the group's code and name, then the state (NULL for a group
// without findings) and its counts.
func groupCounts(ctx context.Context, tx pgx.Tx, query string, args []any) ([]group, error) {
	rows, err := tx.Query(ctx, postgres.Numbered(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []group
	for rows.Next() {
		var fw, code, name string
		var st *finding.State
		var n, overdue, d7, d30 int
		if err := rows.Scan(&fw, &code, &name, &st, &n, &overdue, &d7, &d30); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].FrameworkCode != fw || out[len(out)-1].Code != code {
			out = append(out, group{FrameworkCode: fw, Code: code, Name: name, Counts: newCounts()})
		}
		if st != nil { // nil: the group has no findings
			out[len(out)-1].add(*st, n, overdue, d7, d30)
		}
	}
	return out, rows.Err()
}

func sameUnit(a, b *int64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}
