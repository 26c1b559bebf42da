// Package report is what the follow-up loop looks like from above: the
// summary counts of a dashboard (by state, audit category, unit and SPBE
// domain, overdue and due soon) and the follow-up matrix (matriks tindak
// lanjut) that units print and sign, written as CSV or XLSX.
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
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

// DefaultMaxRows is how many findings a follow-up matrix may hold: more
// than any unit prints, few enough to build in memory in a moment.
const DefaultMaxRows = 10000

// Service computes reports.
type Service struct {
	db      *gorm.DB
	maxRows int
}

// NewService returns the report service on db. maxRows caps the follow-up
// matrix (DefaultMaxRows when 0 or less).
func NewService(db *gorm.DB, maxRows int) *Service {
	if maxRows <= 0 {
		maxRows = DefaultMaxRows
	}
	return &Service{db: db, maxRows: maxRows}
}

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
func (s *Service) Summary(ctx context.Context, p identity.Principal, today date.Date) (Summary, error) {
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
	// Findings by the domains of their indicators, in the model of their
	// review's assessment (the default model when it has none), as the
	// finding's indicators were checked against when recorded.
	// The default model's id is looked up once and each finding's model
	// resolved before the indicators are joined: a coalesce inside the
	// join condition made PostgreSQL rebuild the indicators' hash for
	// every finding (1.5 s on 100,000 findings; now a plain hash join).
	byDomain := `WITH sel0 AS (SELECT id, review_id, state, due_date, indicator_codes FROM findings
			WHERE ` + cond + ` AND cardinality(indicator_codes) > 0),
		def AS (SELECT id FROM frameworks WHERE code = ?),
		fsel AS (SELECT sel0.id, sel0.state, sel0.due_date, sel0.indicator_codes, coalesce(a.framework_id, def.id) AS framework_id
			FROM sel0 JOIN reviews r ON r.id = sel0.review_id LEFT JOIN assessments a ON a.id = r.assessment_id CROSS JOIN def),
		ind AS (SELECT i.framework_id, i.code, asp.domain_id FROM framework_indicators i JOIN framework_aspects asp ON asp.id = i.aspect_id),
		linked AS (
			SELECT DISTINCT fsel.id, fsel.state, fsel.due_date, ind.domain_id
			FROM fsel
			CROSS JOIN LATERAL unnest(fsel.indicator_codes) AS ic(code)
			JOIN ind ON ind.framework_id = fsel.framework_id AND ind.code = ic.code)
		SELECT fw.code, d.code, d.name, sel.state, ` + stateCounts + `
		FROM framework_domains d
		JOIN frameworks fw ON fw.id = d.framework_id
		LEFT JOIN linked sel ON sel.domain_id = d.id
		WHERE fw.code = ? OR sel.id IS NOT NULL
		GROUP BY fw.code, d.id, d.code, d.number, d.name, sel.state
		ORDER BY fw.code <> ?, fw.code, d.number, sel.state`

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

		args := append(append([]any{}, condArgs...), framework.DefaultCode)
		args = append(append(args, stateArgs(today)...), framework.DefaultCode, framework.DefaultCode)
		rows, err = tx.Query(ctx, postgres.Numbered(byDomain), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		var dom *DomainCounts
		for rows.Next() {
			var fw, code, name string
			var st *finding.State
			var n, overdue, d7, d30 int
			if err := rows.Scan(&fw, &code, &name, &st, &n, &overdue, &d7, &d30); err != nil {
				return err
			}
			if dom == nil || dom.FrameworkCode != fw || dom.Code != code {
				out.Domains = append(out.Domains, DomainCounts{FrameworkCode: fw, Code: code, Name: name, Counts: newCounts()})
				dom = &out.Domains[len(out.Domains)-1]
			}
			if st != nil { // nil: the domain has no findings
				dom.add(*st, n, overdue, d7, d30)
			}
		}
		return rows.Err()
	})
	return out, err
}

func sameUnit(a, b *int64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}
