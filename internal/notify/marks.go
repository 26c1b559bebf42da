package notify

import (
	"fmt"
	"slices"

	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/date"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

// An open action's reminder key (its newest passed threshold: due, overdue
// or escalation step) changes only when one of the pass's dates crosses one
// of the action's change points, which follow from its due date D and the
// rules alone: D−k for each k of DueDays (crossed by @ed), D+1 (the due
// series ends, by the send date), D+1+j·OverdueEvery (by @pd) and D+e for
// each e of EscalationDays (by @pd). Since @pd ≤ send date ≤ @ed, the keys
// that changed since the last pass (whose @pd was lastPD) belong to the
// actions with a change point in (lastPD, @ed]: their due dates are the
// recheck dates. Everything else about an action that bears on its
// reminders (its due date, its status, when its date was set, its finding
// coming back into work) marks it remind_check (migration 00016), and so
// do the actions the pass found no recipient for, so that a manager added
// later still gets the newest threshold late, as a pass over every action
// would send it. Such a pass still runs when there is no mark of a
// previous one under the same rules, when time went back, or after a long
// pause (maxRecheckSpan).

// maxRecheckSpan is the longest stretch since the last pass that is
// rechecked by due date; after a longer pause every open action is looked
// at.
const maxRecheckSpan = 31

// fingerprint names the rules the change points follow from.
func (r Rules) fingerprint() string {
	return fmt.Sprintf("due=%v every=%d escalation=%v", slices.Sorted(slices.Values(r.DueDays)), r.OverdueEvery,
		slices.Sorted(slices.Values(r.EscalationDays)))
}

// actionScan decides which open actions this pass looks at and returns the
// condition on actions a that selects them (with its parameters added to
// args). It takes the marks off the marked actions: the pass handles them,
// and a mark set by a transaction committing meanwhile stays for the next.
func (p *Planner) actionScan(tx *gorm.DB, args map[string]any) (string, error) {
	var last []struct {
		Rules  string
		PD, ED string
	}
	if err := tx.Raw(`SELECT rules, pd::text AS pd, ed::text AS ed FROM reminder_plan_marks`).Scan(&last).Error; err != nil {
		return "", err
	}
	pd, ed := args["pd"].(date.Date), args["ed"].(date.Date)
	var lastPD date.Date
	full := len(last) == 0 || last[0].Rules != p.rules.fingerprint()
	if !full {
		var err error
		if lastPD, err = date.Parse(last[0].PD); err != nil {
			return "", err
		}
		full = pd.Before(lastPD) || lastPD.DaysUntil(ed) > maxRecheckSpan
	}
	if full {
		err := tx.Exec(`UPDATE actions SET remind_check = false WHERE remind_check AND status = 'todo'`).Error
		return "true", err
	}
	var dirty []int64
	if err := tx.Raw(`UPDATE actions SET remind_check = false WHERE remind_check AND status = 'todo' RETURNING id`).
		Scan(&dirty).Error; err != nil {
		return "", err
	}
	var oldest *string
	if err := tx.Raw(`SELECT min(due_date)::text FROM actions WHERE status = 'todo'`).Row().Scan(&oldest); err != nil {
		return "", err
	}
	var minDue date.Date
	if oldest != nil {
		var err error
		if minDue, err = date.Parse(*oldest); err != nil {
			return "", err
		}
	}
	args["dirty"] = postgres.Array[int64](dirty)
	// Typed date[] where the statement names it, so the array is read once
	// as it is bound: a text[] cast to date[] is a stable expression (dates
	// are read by DateStyle), not folded, and parsed the list's few hundred
	// dates again for every action checked (5 of a day's 7.4 s at 100k).
	args["recheck"] = postgres.Array[string](p.rules.recheckDates(lastPD, ed, minDue))
	return `(a.id = ANY (@dirty::bigint[]) OR a.due_date = ANY (@recheck::date[]))`, nil
}

// recheckDates are the due dates with a change point in (lastPD, ed], in
// order; overdue steps are followed back to minDue, the oldest open
// action's due date (none when it is zero).
func (r Rules) recheckDates(lastPD, ed, minDue date.Date) []string {
	seen := map[date.Date]bool{}
	span := func(from, to date.Date) { // (from, to]
		for d := from.AddDays(1); !d.After(to); d = d.AddDays(1) {
			seen[d] = true
		}
	}
	for _, k := range r.DueDays {
		span(lastPD.AddDays(k), ed.AddDays(k))
	}
	span(lastPD.AddDays(-1), ed.AddDays(-1))
	for _, e := range r.EscalationDays {
		span(lastPD.AddDays(-e), ed.AddDays(-e))
	}
	if r.OverdueEvery > 0 && !minDue.IsZero() {
		for c := lastPD.AddDays(1); !c.After(ed); c = c.AddDays(1) {
			for d := c.AddDays(-1); !d.Before(minDue); d = d.AddDays(-r.OverdueEvery) {
				seen[d] = true
			}
		}
	}
	days := make([]date.Date, 0, len(seen))
	for d := range seen {
		days = append(days, d)
	}
	slices.SortFunc(days, func(a, b date.Date) int { return b.DaysUntil(a) })
	out := make([]string, len(days))
	for i, d := range days {
		out[i] = d.String()
	}
	return out
}

// mark ends a pass over the actions that scan selected: those it could
// plan nothing for because nobody would receive it (their assignee
// inactive and their unit without another active manager) are marked to
// be looked at again, and the pass's dates are kept for the next, unless
// there is no active auditor (escalations fall back to them): then the
// next pass looks at every action.
func (p *Planner) mark(tx *gorm.DB, scan string, args map[string]any) error {
	q, vars := named(`UPDATE actions a SET remind_check = true FROM findings f, users u
		WHERE f.id = a.finding_id AND u.id = a.assignee_id AND a.status = 'todo' AND `+scan+`
			AND f.state IN `+actionableStatesSQL+` AND NOT u.active AND NOT a.remind_check
			AND NOT EXISTS (SELECT 1 FROM users m WHERE m.unit_id = f.unit_id AND m.role = 'manager' AND m.active
				AND m.id <> a.assignee_id)`, args)
	if err := tx.Exec(q, vars...).Error; err != nil {
		return err
	}
	var auditors bool
	if err := tx.Raw(`SELECT EXISTS (SELECT 1 FROM users WHERE role = 'auditor' AND active)`).Row().Scan(&auditors); err != nil {
		return err
	}
	if !auditors {
		return tx.Exec(`DELETE FROM reminder_plan_marks`).Error
	}
	return tx.Exec(`INSERT INTO reminder_plan_marks (rules, pd, ed) VALUES (?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET rules = excluded.rules, pd = excluded.pd, ed = excluded.ed`,
		p.rules.fingerprint(), args["pd"], args["ed"]).Error
}
