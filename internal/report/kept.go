package report

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/tindaklanjut/tindaklanjut/internal/date"
	"github.com/tindaklanjut/tindaklanjut/internal/finding"
	"github.com/tindaklanjut/tindaklanjut/internal/framework"
	"github.com/tindaklanjut/tindaklanjut/internal/kept"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

// keptQuery reads the kept counts (migrations 00012 and 00014) in one
// statement, so one snapshot: the units' rows (part 0, in unit code order,
// drafts without a unit last), the domains' (part 1) and the current
// model's aspects' (part 2), in the model's order. The groups are summed
// over the unit's rows, or for every finding over the stripes' (16 rows a
// group, however many units). Each row's anchored counts are shifted from
// its asof to today (a no-op once the day's advance has run). Arguments:
// today, the default model's code, and the unit (NULL: every unit). Codes
// sort byte by byte (COLLATE "C": the same order for their ASCII, without
// the locale's comparison, a third of the sort at 600 units).
const keptQuery = `WITH r AS MATERIALIZED (
		SELECT * FROM finding_counts WHERE $3::bigint IS NULL AND grp = '' AND unit_id >= 0
		UNION ALL
		SELECT * FROM finding_counts WHERE $3::bigint IS NULL AND unit_id < 0
		UNION ALL
		SELECT * FROM finding_counts WHERE unit_id = $3::bigint),
	k AS (
		SELECT c.unit_id, c.grp, c.draft, c.open, c.in_progress, c.submitted, c.closed, c.not_actionable,
			c.due_lt0 + CASE WHEN c.asof = $1::date THEN 0 ELSE finding_due_shift(c.unit_id, c.grp, c.asof, $1::date) END AS lt0,
			c.due_lt8 + CASE WHEN c.asof = $1::date THEN 0 ELSE finding_due_shift(c.unit_id, c.grp, c.asof + 8, $1::date + 8) END AS lt8,
			c.due_lt31 + CASE WHEN c.asof = $1::date THEN 0 ELSE finding_due_shift(c.unit_id, c.grp, c.asof + 31, $1::date + 31) END AS lt31
		FROM r c),
	g AS (SELECT grp, sum(draft) AS draft, sum(open) AS open, sum(in_progress) AS in_progress, sum(submitted) AS submitted,
			sum(closed) AS closed, sum(not_actionable) AS not_actionable,
			sum(lt0)::bigint AS lt0, sum(lt8)::bigint AS lt8, sum(lt31)::bigint AS lt31
		FROM k WHERE grp <> '' GROUP BY grp)
	SELECT 0 AS part, '' AS model, k.unit_id, coalesce(u.code, ''), coalesce(u.name, ''),
		u.code IS NULL AS o1, coalesce(u.code, '') COLLATE "C" AS o2, 0 AS o3,
		k.draft, k.open, k.in_progress, k.submitted, k.closed, k.not_actionable, k.lt0, k.lt8, k.lt31
	FROM k LEFT JOIN units u ON u.id = k.unit_id WHERE k.grp = ''
	UNION ALL
	SELECT 1, fw.code, NULL, d.code, d.name, fw.code <> $2, fw.code COLLATE "C", d.number, ` + keptGroupCounts + `
	FROM framework_domains d JOIN frameworks fw ON fw.id = d.framework_id LEFT JOIN g ON g.grp = 'd' || d.id
	UNION ALL
	SELECT 2, fw.code, NULL, a.code, a.name, false, fw.code COLLATE "C", a.number, ` + keptGroupCounts + `
	FROM framework_aspects a JOIN frameworks fw ON fw.id = a.framework_id LEFT JOIN g ON g.grp = 'a' || a.id
	WHERE fw.code = coalesce((SELECT code FROM frameworks WHERE is_current), $2)
	ORDER BY 1, 6, 7, 8`

// keptGroupCounts are a group's counts in keptQuery, 0 for a group
// without findings.
const keptGroupCounts = `coalesce(g.draft, 0), coalesce(g.open, 0), coalesce(g.in_progress, 0), coalesce(g.submitted, 0),
	coalesce(g.closed, 0), coalesce(g.not_actionable, 0), coalesce(g.lt0, 0), coalesce(g.lt8, 0), coalesce(g.lt31, 0)`

// kept is Summary from the kept counts, of one unit's findings but its
// drafts (unit not nil) or of every finding.
//
// The last answer for each scope and day is kept with the version of the
// counts, units and models it was read from (package kept), and given
// again while they are unchanged: one small read while nothing changes,
// and exact right after every change, by any writer in any process.
//
// The Summary is shared: callers must not change it.
func (s *Service) kept(ctx context.Context, unit *int64, today date.Date) (Summary, error) {
	key := keptKey{unit: -1, today: today}
	if unit != nil {
		key.unit = *unit
	}
	return s.summaries.Get(ctx, s.db, key, func(ctx context.Context) (Summary, []int64, error) {
		return s.readKept(ctx, unit, today)
	})
}

// SummaryCounts returns how many summaries were given from what was kept,
// and how many were read (package kept).
func (s *Service) SummaryCounts() (given, reads uint64) { return s.summaries.Counts() }

// readKept reads the kept counts and their version in one snapshot.
func (s *Service) readKept(ctx context.Context, unit *int64, today date.Date) (Summary, []int64, error) {
	var out Summary
	var versions []int64
	err := postgres.ReadTx(ctx, s.db, func(tx pgx.Tx) error {
		out = Summary{Today: today, Counts: newCounts()}
		var err error
		if versions, err = kept.Versions(ctx, tx); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, keptQuery, today, framework.DefaultCode, unit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var part, o3 int
			var model, code, name, o2 string
			var unitID *int64
			var o1 bool
			var n [6]int64 // by keptStates' order
			var lt [3]int64
			if err := rows.Scan(&part, &model, &unitID, &code, &name, &o1, &o2, &o3,
				&n[0], &n[1], &n[2], &n[3], &n[4], &n[5], &lt[0], &lt[1], &lt[2]); err != nil {
				return err
			}
			c := newCounts()
			for i, st := range keptStates {
				if unit == nil || st != finding.Draft {
					c.ByState[st] = int(n[i])
					c.Total += int(n[i])
				}
			}
			c.Overdue, c.DueIn7Days, c.DueIn30Days = int(lt[0]), int(lt[1]-lt[0]), int(lt[2]-lt[0])
			switch {
			case part == 0 && c.Total > 0:
				if unitID != nil && *unitID == 0 {
					unitID = nil
				}
				out.Units = append(out.Units, UnitCounts{UnitID: unitID, Code: code, Name: name, Counts: c})
				out.merge(c)
			case part == 1 && (model == framework.DefaultCode || c.Total > 0):
				out.Domains = append(out.Domains, DomainCounts{FrameworkCode: model, Code: code, Name: name, Counts: c})
			case part == 2:
				out.Aspects = append(out.Aspects, AspectCounts{FrameworkCode: model, Code: code, Name: name, Counts: c})
			}
		}
		return rows.Err()
	})
	return out, versions, err
}

// keptKey is a kept summary's scope: a unit, or -1 for every finding, on
// a day.
type keptKey struct {
	unit  int64
	today date.Date
}

// maxKeptSummaries bounds the kept summaries: every unit's and the whole
// one, on two days, at 600 units.
const maxKeptSummaries = 1250

// keptStates are the states in the order of finding_counts' columns.
var keptStates = [6]finding.State{finding.Draft, finding.Open, finding.InProgress, finding.Submitted,
	finding.Closed, finding.NotActionable}

// merge adds the counts of d.
func (c *Counts) merge(d Counts) {
	c.Total += d.Total
	for st, n := range d.ByState {
		c.ByState[st] += n
	}
	c.Overdue += d.Overdue
	c.DueIn7Days += d.DueIn7Days
	c.DueIn30Days += d.DueIn30Days
}

// Advance moves the kept counts' anchor to today, so that reading them
// needs no day rows: figures are exact whether or not it has run, and
// reading them costs more only the further the anchor lags.
func (s *Service) Advance(ctx context.Context, today date.Date) error {
	return s.db.WithContext(ctx).Exec(`SELECT finding_counts_advance(?::date)`, today).Error
}

// AdvanceJob runs Advance with the organisation's today, soon after
// midnight and once at start.
type AdvanceJob struct {
	Service *Service
	Today   func() date.Date
}

// Name implements scheduler.Job.
func (AdvanceJob) Name() string { return "advance_summary_counts" }

// Run implements scheduler.Job.
func (j AdvanceJob) Run(ctx context.Context) error { return j.Service.Advance(ctx, j.Today()) }
