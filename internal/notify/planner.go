package notify

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/calendar"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

// Planner finds every reminder due as of an instant and queues it in the
// outbox, each under a de-duplication key naming its subject and
// threshold (action:17:due-7, assessment:2:5:-14:unit:3, …) that the
// table's unique constraint holds to one row, whoever plans and however
// often. Each rule is one set-based INSERT … SELECT; all run in one
// transaction under an advisory lock, so that replicas planning at once
// take turns and the later finds nothing left to plan.
//
// A threshold counts once its day's send hour has passed. For each subject
// only the newest passed threshold is considered, so a reminder missed
// while the service was down is sent late once, unless a newer one for the
// same subject has passed meanwhile; a threshold that passed before its
// subject existed (an action assigned 10 days before its due date gets no
// "30 days before") is never sent. Inactive users are no recipients, and
// nothing is planned for findings that are closed or not actionable.
type Planner struct {
	db    *gorm.DB
	rules Rules
}

// NewPlanner returns the planner of rules on db.
func NewPlanner(db *gorm.DB, rules Rules) *Planner {
	if rules.Loc == nil {
		rules.Loc = time.UTC
	}
	if rules.Calendar == nil {
		rules.Calendar = calendar.NewStore(db, time.Now)
	}
	return &Planner{db: db, rules: rules}
}

// Planned is one notification a planning pass queued.
type Planned struct {
	ID       int64
	DedupKey string
	Kind     string
	To       postgres.Array[int64] `gorm:"column:to_user_ids"`
	Cc       postgres.Array[int64] `gorm:"column:cc_user_ids"`
	DueAt    time.Time
	// ToEmails and CcEmails are the recipients' addresses (Preview).
	ToEmails postgres.Array[string]
	CcEmails postgres.Array[string]
}

// Plan queues every notification due as of at and returns how many of
// each kind it queued (none: everything due was queued before).
func (p *Planner) Plan(ctx context.Context, at time.Time) (map[string]int, error) {
	counts := map[string]int{}
	err := p.run(ctx, at, func(tx *gorm.DB, q string, args map[string]any) error {
		var rows []struct {
			Kind string
			N    int
		}
		q, vars := named(`WITH ins AS (`+q+` RETURNING kind) SELECT kind, count(*) AS n FROM ins GROUP BY kind`, args)
		if err := tx.Raw(q, vars...).Scan(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			counts[r.Kind] += r.N
		}
		return nil
	}, true)
	return counts, err
}

// Preview returns what Plan would queue as of at, and changes nothing: the
// same statements run in a transaction that is rolled back.
func (p *Planner) Preview(ctx context.Context, at time.Time) ([]Planned, error) {
	var out []Planned
	err := p.run(ctx, at, func(tx *gorm.DB, q string, args map[string]any) error {
		var rows []Planned
		q, vars := named(`WITH ins AS (`+q+` RETURNING id, dedup_key, kind, to_user_ids, cc_user_ids, due_at)
			SELECT ins.*, ARRAY(SELECT email FROM users WHERE id = ANY(to_user_ids) ORDER BY id) AS to_emails,
				ARRAY(SELECT email FROM users WHERE id = ANY(cc_user_ids) ORDER BY id) AS cc_emails
			FROM ins ORDER BY due_at, dedup_key`, args)
		if err := tx.Raw(q, vars...).Scan(&rows).Error; err != nil {
			return err
		}
		out = append(out, rows...)
		return nil
	}, false)
	return out, err
}

// errRollback ends a preview's transaction.
var errRollback = fmt.Errorf("preview: roll back")

// run executes every rule in one transaction under the planner's lock,
// committing it or (a preview) rolling it back.
func (p *Planner) run(ctx context.Context, at time.Time, exec func(tx *gorm.DB, q string, args map[string]any) error, commit bool) error {
	r := p.rules
	sd := r.SendDate(at)
	// width_bucket counts the steps passed in an ascending list.
	escalation := slices.Sorted(slices.Values(r.EscalationDays))
	cal, err := p.rules.Calendar.Calendar(ctx)
	if err != nil {
		return err
	}
	args := map[string]any{
		"at": at, "sd": sd, "hour": r.SendHour, "tz": r.Loc.String(),
		"ed": cal.AddWorkingDays(sd, 1).AddDays(-1), "pd": cal.OnOrBefore(sd),
		"due_days": postgres.Array[int64](toInt64(r.DueDays)), "max_due": maxOf(r.DueDays),
		"every": r.OverdueEvery, "unassigned": r.UnassignedAfter,
		"assessment_days": postgres.Array[int64](toInt64(r.AssessmentDays)), "max_assessment": maxOf(r.AssessmentDays),
		"weekday":  isoWeekday(r.DigestWeekday),
		"esc_days": postgres.Array[int64](toInt64(escalation)), "first_esc": firstOf(escalation),
	}
	err = p.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`SELECT pg_advisory_xact_lock(?)`, plannerAdvisoryLock).Error; err != nil {
			return err
		}
		scan, err := p.actionScan(tx, args)
		if err != nil {
			return err
		}
		for _, rule := range rules {
			if err := exec(tx, insertInto+strings.ReplaceAll(rule.sql, "@scan", scan)+onConflict, args); err != nil {
				return fmt.Errorf("plan %s: %w", rule.name, err)
			}
		}
		if err := p.mark(tx, scan, args); err != nil {
			return err
		}
		if !commit {
			return errRollback
		}
		return nil
	})
	if err == errRollback {
		return nil
	}
	return err
}

// namedParam is a parameter of the statements: @name.
var namedParam = regexp.MustCompile(`@[a-z_]+`)

// named rewrites q's @name parameters as GORM's ? placeholders with their
// values from args in order (GORM's own named parameters end a name only
// at a space or a comma, not at a cast such as @sd::date). It panics on a
// parameter that args lacks: the statements are constants.
func named(q string, args map[string]any) (string, []any) {
	var vars []any
	out := namedParam.ReplaceAllStringFunc(q, func(m string) string {
		v, ok := args[m[1:]]
		if !ok {
			panic("notify: no value for parameter " + m)
		}
		vars = append(vars, v)
		return "?"
	})
	return out, vars
}

// firstOf is the smallest of xs (sorted), or 0 when there is none.
func firstOf(xs []int) int {
	if len(xs) == 0 {
		return 0
	}
	return xs[0]
}

func toInt64(xs []int) []int64 {
	out := make([]int64, len(xs))
	for i, x := range xs {
		out[i] = int64(x)
	}
	return out
}

// The statements. Each rule is a query yielding the columns of
// insertInto; @sd is the send date (Rules.SendDate), @at the instant.
const (
	insertInto = `INSERT INTO notifications (dedup_key, kind, finding_id, action_id, to_user_ids, cc_user_ids, data,
		due_at, next_attempt_at, created_at, updated_at) `
	onConflict = ` ON CONFLICT (dedup_key) DO NOTHING`
	// sendAt is the instant a day's reminders become due.
	sendAt = `((%s) + make_time(@hour::int, 0, 0)) AT TIME ZONE @tz`
	// managers are the active managers of each unit.
	managersCTE = `managers AS MATERIALIZED (SELECT unit_id, array_agg(id ORDER BY id) AS ids FROM users
		WHERE role = 'manager' AND active GROUP BY unit_id)`
	auditors = `ARRAY(SELECT id FROM users WHERE role = 'auditor' AND active ORDER BY id)`
	// calendarCTE is, for each day within 800 days of the send date, the
	// working day on or before it and the one on or after it (weekends and
	// the holidays table are off): one read of the calendar per statement
	// rather than one per reminder. Days beyond it are taken as they are.
	calendarCTE = `cal AS MATERIALIZED (
			SELECT day, max(day) FILTER (WHERE working) OVER (ORDER BY day) AS on_or_before,
				min(day) FILTER (WHERE working) OVER (ORDER BY day DESC) AS on_or_after
			FROM (SELECT g::date AS day, extract(isodow FROM g) < 6 AND NOT EXISTS (SELECT 1 FROM holidays h WHERE h.day = g::date) AS working
				FROM generate_series(@sd::date - 800, @sd::date + 800, '1 day'::interval) g) x)`
)

var rules = []struct{ name, sql string }{
	// Actions still to do on findings in work: the newest passed threshold
	// of the due series (days before the due date) or, once the due date
	// has passed, of the overdue series (1, 1+every, 1+2·every days after).
	// A due threshold on a non-working day is sent on the working day
	// before it (@ed is the last day whose thresholds are sent by the send
	// date), so that several may meet on one day and the newest of them,
	// the nearest to the due date, is the one mail; an overdue one on the
	// working day after it (@pd, the working day on or before the send
	// date), since an overdue notice cannot come before the date has
	// passed. Keys name the due date, so that a new date (an approved
	// extension) gets its own thresholds and the old one none; a threshold
	// that passed before the date was set is not sent.
	// Due reminders go to the assignee with a copy to the unit's managers
	// (to the managers when the assignee is inactive); overdue ones to both.
	{"action thresholds", `WITH ` + managersCTE + `,
		c AS (
			SELECT a.id, a.finding_id, a.assignee_id, f.unit_id, a.due_date, a.due_set_at,
				CASE WHEN a.due_date >= @sd::date THEN
					(SELECT min(k) FROM unnest(@due_days::int[]) AS k WHERE k >= a.due_date - @ed::date) END AS before,
				CASE WHEN a.due_date < @pd::date AND @every::int > 0 THEN
					1 + @every::int * ((@pd::date - a.due_date - 1) / @every::int) END AS after
			FROM actions a JOIN findings f ON f.id = a.finding_id
			WHERE a.status = 'todo' AND @scan AND f.state IN ` + actionableStatesSQL + `
				AND a.due_date <= @ed::date + @max_due::int),
		t AS (
			SELECT c.*,
				CASE WHEN before IS NOT NULL THEN 'action:' || id || ':' || due_date || ':due-' || before
					ELSE 'action:' || id || ':' || due_date || ':overdue-' || after END AS key
			FROM c WHERE before IS NOT NULL OR after IS NOT NULL),
		n AS MATERIALIZED (
			SELECT t.* FROM t WHERE NOT EXISTS (SELECT 1 FROM notifications x WHERE x.dedup_key = t.key)),
		` + calendarCTE + `,
		s AS (
			SELECT n.*, ` + fmt.Sprintf(sendAt, `CASE WHEN n.before IS NOT NULL THEN coalesce(cb.on_or_before, n.due_date - n.before)
				ELSE coalesce(ca.on_or_after, n.due_date + n.after) END`) + ` AS send_at
			FROM n LEFT JOIN cal cb ON cb.day = n.due_date - n.before LEFT JOIN cal ca ON ca.day = n.due_date + n.after),
		r AS (
			SELECT s.*, CASE WHEN u.active THEN ARRAY[u.id] ELSE '{}'::bigint[] END AS assignee,
				array_remove(coalesce(m.ids, '{}'::bigint[]), s.assignee_id) AS mgrs
			FROM s JOIN users u ON u.id = s.assignee_id LEFT JOIN managers m ON m.unit_id = s.unit_id
			WHERE s.send_at >= s.due_set_at)
		SELECT key, CASE WHEN before IS NOT NULL THEN '` + KindActionDue + `' ELSE '` + KindActionOverdue + `' END, finding_id, id,
			CASE WHEN before IS NOT NULL AND cardinality(assignee) > 0 THEN assignee ELSE assignee || mgrs END,
			CASE WHEN before IS NOT NULL AND cardinality(assignee) > 0 THEN mgrs ELSE '{}'::bigint[] END,
			jsonb_build_object('due_date', due_date, 'days_before', before, 'days_overdue', after),
			send_at, @at, @at, @at
		FROM r WHERE cardinality(assignee) + cardinality(mgrs) > 0`},

	// Actions and findings still overdue after a step of EscalationDays
	// (days after the due date, on the working day after when it is
	// not one): the newest passed step, once per subject, date and step,
	// to the managers of the unit that many levels above the responsible
	// one (step 1 its parent), copy to the auditors; where the hierarchy
	// ends, to the auditors alone. width_bucket counts the steps of at most
	// the days overdue.
	{"escalations", `WITH RECURSIVE ` + managersCTE + `,
		chain AS (
			SELECT id AS unit_id, parent_id AS anc, 1 AS depth FROM units
			UNION ALL
			SELECT c.unit_id, u.parent_id, c.depth + 1 FROM chain c JOIN units u ON u.id = c.anc
			WHERE c.depth < cardinality(@esc_days::int[])),
		subj AS (
			SELECT 'action' AS subject, a.id, a.finding_id, a.id AS action_id, f.unit_id, a.due_date, a.due_set_at
			FROM actions a JOIN findings f ON f.id = a.finding_id
			WHERE @first_esc::int > 0 AND a.status = 'todo' AND @scan AND f.state IN ` + actionableStatesSQL + `
				AND a.due_date <= @pd::date - @first_esc::int
			UNION ALL
			SELECT 'finding', f.id, f.id, NULL::bigint, f.unit_id, f.due_date, f.due_set_at
			FROM findings f
			WHERE @first_esc::int > 0 AND f.state IN ` + actionableStatesSQL + ` AND f.due_date <= @pd::date - @first_esc::int),
		c AS (
			SELECT subj.*, width_bucket(@pd::date - subj.due_date, @esc_days::int[]) AS step
			FROM subj),
		t AS (
			SELECT c.*, 'escalation:' || subject || ':' || id || ':' || due_date || ':step-' || step AS key FROM c),
		n AS MATERIALIZED (
			SELECT t.* FROM t WHERE NOT EXISTS (SELECT 1 FROM notifications x WHERE x.dedup_key = t.key)),
		` + calendarCTE + `,
		s AS (
			SELECT n.*, (@esc_days::int[])[step] AS days, ch.anc AS to_unit,
				` + fmt.Sprintf(sendAt, `coalesce(ca.on_or_after, n.due_date + (@esc_days::int[])[n.step])`) + ` AS send_at
			FROM n LEFT JOIN chain ch ON ch.unit_id = n.unit_id AND ch.depth = n.step
				LEFT JOIN cal ca ON ca.day = n.due_date + (@esc_days::int[])[n.step]),
		r AS (
			SELECT s.*, coalesce(m.ids, '{}'::bigint[]) AS mgrs, ` + auditors + ` AS auds
			FROM s LEFT JOIN managers m ON m.unit_id = s.to_unit
			WHERE s.send_at >= s.due_set_at)
		SELECT key, '` + KindEscalation + `', finding_id, action_id,
			CASE WHEN cardinality(mgrs) > 0 THEN mgrs ELSE auds END,
			CASE WHEN cardinality(mgrs) > 0 THEN auds ELSE '{}'::bigint[] END,
			jsonb_build_object('step', step, 'days_overdue', days, 'due_date', due_date, 'unit_id', unit_id, 'to_unit_id', to_unit),
			send_at, @at, @at, @at
		FROM r WHERE cardinality(mgrs) + cardinality(auds) > 0`},

	// Issued findings still without an action UnassignedAfter days after
	// issue: once, to the unit's managers.
	{"unassigned findings", `WITH ` + managersCTE + `,
		c AS (
			SELECT f.id, f.unit_id, (f.issued_at AT TIME ZONE @tz)::date + @unassigned::int AS on_date
			FROM findings f
			WHERE @unassigned::int > 0 AND f.state = 'open' AND f.issued_at IS NOT NULL
				AND NOT EXISTS (SELECT 1 FROM actions a WHERE a.finding_id = f.id))
		SELECT 'finding:' || c.id || ':unassigned', '` + KindUnassigned + `', c.id, NULL::bigint, m.ids, '{}'::bigint[],
			jsonb_build_object('days', @unassigned::int), ` + fmt.Sprintf(sendAt, "c.on_date") + `, @at, @at, @at
		FROM c JOIN managers m ON m.unit_id = c.unit_id
		WHERE c.on_date <= @sd::date`},

	// Assessment milestones ahead: the newest passed threshold of each, one
	// mail per unit with unresolved findings to its managers, and one to
	// the auditors.
	{"assessment milestones", `WITH ` + managersCTE + `,
		ms AS (
			SELECT m.id, m.assessment_id, m.on_date, m.created_at,
				(SELECT min(k) FROM unnest(@assessment_days::int[]) AS k WHERE k >= m.on_date - @sd::date) AS before
			FROM assessment_milestones m
			WHERE m.on_date > @sd::date AND m.on_date <= @sd::date + @max_assessment::int),
		live AS (
			SELECT ms.*, ` + fmt.Sprintf(sendAt, "ms.on_date - ms.before") + ` AS send_at
			FROM ms WHERE ms.before IS NOT NULL),
		units AS (SELECT DISTINCT unit_id FROM findings WHERE state IN ` + unresolvedStatesSQL + ` AND unit_id IS NOT NULL),
		targets AS (
			SELECT l.*, 'unit:' || u.unit_id AS audience, u.unit_id, m.ids AS recipients
			FROM live l CROSS JOIN units u JOIN managers m ON m.unit_id = u.unit_id
			UNION ALL
			SELECT l.*, 'auditors', NULL, ` + auditors + ` FROM live l)
		SELECT 'assessment:' || assessment_id || ':' || id || ':-' || before || ':' || audience, '` + KindAssessment + `',
			NULL::bigint, NULL::bigint, recipients, '{}'::bigint[],
			jsonb_build_object('assessment_id', assessment_id, 'milestone_id', id, 'days_before', before, 'unit_id', unit_id),
			send_at, @at, @at, @at
		FROM targets WHERE send_at >= created_at AND cardinality(recipients) > 0`},

	// A daily note to the auditors while findings wait for verification:
	// the send date's, if a finding was waiting at its send hour.
	{"awaiting verification", `WITH s AS (SELECT ` + fmt.Sprintf(sendAt, "@sd::date") + ` AS send_at, ` + auditors + ` AS ids)
		SELECT 'verification:' || @sd::date, '` + KindVerification + `', NULL::bigint, NULL::bigint, s.ids, '{}'::bigint[],
			jsonb_build_object('date', @sd::date), s.send_at, @at, @at, @at
		FROM s WHERE cardinality(s.ids) > 0
			AND EXISTS (SELECT 1 FROM findings f WHERE f.state = 'submitted' AND f.submitted_at <= s.send_at)`},

	// The weekly digest of the latest digest day (the send date's, for a
	// manager who chose a daily one; none for one who switched it off): to
	// each active manager whose unit has unresolved findings.
	{"weekly digests", `WITH w AS (SELECT @sd::date - ((extract(isodow FROM @sd::date)::int - @weekday::int + 7) % 7) AS day)
		SELECT 'digest:' || d.day || ':user:' || u.id, '` + KindDigest + `', NULL::bigint, NULL::bigint, ARRAY[u.id], '{}'::bigint[],
			jsonb_build_object('week_of', d.day, 'unit_id', u.unit_id), ` + fmt.Sprintf(sendAt, "d.day") + `, @at, @at, @at
		FROM w CROSS JOIN users u LEFT JOIN notification_preferences np ON np.user_id = u.id
			CROSS JOIN LATERAL (SELECT CASE WHEN np.digest = 'daily' THEN @sd::date ELSE w.day END AS day) d
		WHERE u.role = 'manager' AND u.active AND coalesce(np.digest, 'weekly') <> 'off'
			AND EXISTS (SELECT 1 FROM findings f WHERE f.unit_id = u.unit_id AND f.state IN ` + unresolvedStatesSQL + `)`},
}
