package notify_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/go-mail/mail/v2"
	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/dbtest"
	"github.com/tindaklanjut/tindaklanjut/internal/finding/findingtest"
	"github.com/tindaklanjut/tindaklanjut/internal/notify"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
	"github.com/tindaklanjut/tindaklanjut/internal/server"
	"github.com/tindaklanjut/tindaklanjut/templates"
)

// The benchmark data set: 60 units with 2 managers and 10 officers each,
// in a hierarchy of three levels (1 province secretariat, 5 units under
// it, 54 under those) for the escalations, a calendar of holidays around
// benchDay besides the weekends, n findings in progress and 2.5·n open
// actions (n: 100,000, or TL_BENCH_FINDINGS). Four in five actions
// are due on days spread over a year either side of benchDay (so most
// have a reminder: due soon, or overdue every 7 days); the rest are due
// 7 days after it, so that a pass on benchDay plans their due-7 reminders
// on top of the day's share of the others.
var benchDay = at("2025-06-30 08:00")

const benchSetVersion = "notify-bench/v2"

// benchFindings is the data set's number of findings.
func benchFindings() int { return findingtest.BenchSize().Findings }

func benchData(ctx context.Context, db *gorm.DB, n int) error {
	day := benchDay.Format("2006-01-02")
	actions := n * 5 / 2
	stmts := []string{
		`INSERT INTO units (code, name) SELECT 'OPD-' || i, 'Perangkat Daerah ' || i FROM generate_series(1, 60) i`,
		`WITH u AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM units)
		UPDATE units SET parent_id = CASE WHEN u.n = 0 THEN NULL WHEN u.n <= 5 THEN (SELECT min(id) FROM units)
			ELSE (SELECT min(id) FROM units) + 1 + u.n % 5 END
		FROM u WHERE u.id = units.id`,
		`INSERT INTO holidays (day, name, kind) VALUES ('2024-08-17', 'Proklamasi Kemerdekaan', 'libur_nasional'),
			('2024-12-25', 'Natal', 'libur_nasional'), ('2025-01-01', 'Tahun Baru', 'libur_nasional'),
			('2025-03-31', 'Idulfitri', 'libur_nasional'), ('2025-04-01', 'Idulfitri', 'libur_nasional'),
			('2025-04-02', 'Cuti Bersama Idulfitri', 'cuti_bersama'), ('2025-05-01', 'Hari Buruh', 'libur_nasional'),
			('2025-06-06', 'Iduladha', 'libur_nasional'), ('2025-06-27', 'Tahun Baru Islam', 'libur_nasional'),
			('2025-07-04', 'Hari jadi', 'regional'), ('2025-08-18', 'Cuti Bersama', 'cuti_bersama'),
			('2025-09-05', 'Maulid Nabi', 'libur_nasional'), ('2025-12-25', 'Natal', 'libur_nasional')`,
		`INSERT INTO users (email, name, role, unit_id, password_hash)
			SELECT 'kepala' || k || '.' || u.id || '@kalselprov.go.id', 'Kepala ' || k || ' ' || u.name, 'manager', u.id, 'x'
			FROM units u, generate_series(1, 2) k ORDER BY u.id, k`,
		`INSERT INTO users (email, name, role, unit_id, password_hash)
			SELECT 'staf' || k || '.' || u.id || '@kalselprov.go.id', 'Staf ' || k || ' ' || u.name, 'officer', u.id, 'x'
			FROM units u, generate_series(0, 9) k ORDER BY u.id, k`,
		`INSERT INTO users (email, name, role, unit_id, password_hash)
			SELECT 'auditor' || k || '@kalselprov.go.id', 'Auditor ' || k, 'auditor', (SELECT min(id) FROM units), 'x' FROM generate_series(1, 5) k`,
		`INSERT INTO reviews (kind, title, conducted_on, created_by)
			VALUES ('ict_audit', 'Audit TIK 2024', '2024-01-15', (SELECT min(id) FROM users WHERE role = 'auditor'))`,
		// The summary's counts are built once after the load, as the
		// generator of findingtest does, rather than row by row.
		`ALTER TABLE findings DISABLE TRIGGER findings_indicator_counts_insert, DISABLE TRIGGER findings_counts_insert`,
		`INSERT INTO findings (code, review_id, title, recommendation, severity, unit_id, due_date, state, created_by, issued_at, created_at)
			SELECT 'TL-2024-' || lpad(i::text, 6, '0'), (SELECT min(id) FROM reviews), 'Temuan ' || i,
				'Menetapkan kebijakan dan prosedur yang diperlukan', 'high', (SELECT min(id) FROM units) + i % 60,
				'` + day + `'::date + 400, 'in_progress', (SELECT min(id) FROM users WHERE role = 'auditor'),
				'2024-02-01', '2024-02-01'
			FROM generate_series(0, ` + strconv.Itoa(n-1) + `) i`,
		`WITH f AS (SELECT id, unit_id, row_number() OVER (ORDER BY id) - 1 AS n FROM findings),
			o AS (SELECT id, unit_id, row_number() OVER (PARTITION BY unit_id ORDER BY id) - 1 AS k FROM users WHERE role = 'officer'),
			m AS (SELECT unit_id, min(id) AS id FROM users WHERE role = 'manager' GROUP BY unit_id)
		INSERT INTO actions (finding_id, title, assignee_id, due_date, created_by, created_at, updated_at, remind_check)
			SELECT f.id, 'Tindakan ' || i, o.id,
				CASE WHEN i < ` + strconv.Itoa(actions*4/5) + ` THEN '` + day + `'::date + (i::bigint * 7919 % 731)::int - 365 ELSE '` + day + `'::date + 7 END,
				m.id, '2024-02-01', '2024-02-01', false
			FROM generate_series(0, ` + strconv.Itoa(actions-1) + `) i JOIN f ON f.n = i % ` + strconv.Itoa(n) + ` JOIN o ON o.unit_id = f.unit_id AND o.k = i % 10
				JOIN m ON m.unit_id = f.unit_id`,
		`ALTER TABLE findings ENABLE TRIGGER findings_indicator_counts_insert, ENABLE TRIGGER findings_counts_insert`,
		`SELECT finding_indicator_counts_refresh(), finding_counts_refresh('` + day + `')`,
		`VACUUM (FREEZE, ANALYZE)`,
	}
	for _, q := range stmts {
		if err := db.WithContext(ctx).Exec(q).Error; err != nil {
			return fmt.Errorf("%.60s…: %w", q, err)
		}
	}
	return nil
}

// BenchmarkPlan measures planning passes over 250,000 open actions (2.5
// per finding of TL_BENCH_FINDINGS), with
// the working-day calendar and escalations up the unit hierarchy (the
// default 14 and 30 days): one that finds nothing new (every reminder
// already queued), and one that queues a day's reminders (about 50,000
// and more, a fifth of the open actions; the exact number is reported as
// planned/op) beside the least SQL that writes the same rows (raw-s/op, and
// the pass's time over it, of-raw), the pass that finds nothing new
// looking at every open action, as passes did before migration 00016, and
// the pass of the day after benchDay (an ordinary working day: its
// planned/op, raw-s/op and of-raw as the day's).
// Target: each pass under 5 s at 1,000,000 findings.
//
//	TEST_DATABASE_URL=… TL_BENCH_FINDINGS=1000000 go test -run '^$' -bench Plan ./internal/notify/
func BenchmarkPlan(b *testing.B) {
	ctx := context.Background()
	n := benchFindings()
	db := dbtest.Cached(b, fmt.Sprintf("%s/%d", benchSetVersion, n), func(db *gorm.DB) error { return benchData(ctx, db, n) })
	rules := notify.DefaultRules(wita)
	if len(rules.EscalationDays) == 0 {
		b.Fatal("the default rules escalate nothing")
	}
	planner := notify.NewPlanner(db, rules)
	var open int64
	db.Raw(`SELECT count(*) FROM actions WHERE status = 'todo'`).Scan(&open)
	if open != int64(n*5/2) {
		b.Fatalf("%d open actions; want %d", open, n*5/2)
	}
	// Everything due the day before is queued.
	if _, err := planner.Plan(ctx, benchDay.Add(-24*time.Hour)); err != nil {
		b.Fatal(err)
	}
	db.Exec(`VACUUM ANALYZE notifications`)

	// pass measures the pass on day, each run starting where the pass
	// before it left off (the day's notifications gone, the planner's
	// marks as they were), beside the raw work: the least SQL that writes
	// the same rows, an INSERT … SELECT of the day's reminders (kept from
	// a first pass) into the same table, with its indexes, foreign keys
	// and conflict check. It leaves the day planned.
	const columns = `dedup_key, kind, finding_id, action_id, to_user_ids, cc_user_ids, data, due_at, next_attempt_at, created_at, updated_at`
	pass := func(b *testing.B, day time.Time) (planned int) {
		var before struct{ Rules, PD, ED string }
		db.Raw(`SELECT rules, pd::text AS pd, ed::text AS ed FROM reminder_plan_marks`).Scan(&before)
		reset := func() {
			db.Exec(`DELETE FROM notifications WHERE created_at = ?`, day)
			db.Exec(`UPDATE reminder_plan_marks SET rules = ?, pd = ?::date, ed = ?::date`, before.Rules, before.PD, before.ED)
			db.Exec(`VACUUM notifications`)
		}
		if _, err := planner.Plan(ctx, day); err != nil {
			b.Fatal(err)
		}
		db.Exec(`DROP TABLE IF EXISTS bench_day_rows`)
		if err := db.Exec(`CREATE TABLE bench_day_rows AS SELECT `+columns+` FROM notifications WHERE created_at = ? ORDER BY id`, day).Error; err != nil {
			b.Fatal(err)
		}
		defer db.Exec(`DROP TABLE IF EXISTS bench_day_rows`)
		var raw time.Duration
		for b.Loop() {
			b.StopTimer()
			reset()
			b.StartTimer()
			counts, err := planner.Plan(ctx, day)
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			planned = 0
			for _, n := range counts {
				planned += n
			}
			reset()
			start := time.Now()
			res := db.Exec(`INSERT INTO notifications (` + columns + `) SELECT ` + columns + ` FROM bench_day_rows
				ON CONFLICT (dedup_key) DO NOTHING`)
			raw += time.Since(start)
			if res.Error != nil || res.RowsAffected != int64(planned) {
				b.Fatalf("raw insert: %d rows, %v; want %d", res.RowsAffected, res.Error, planned)
			}
			b.StartTimer()
		}
		b.StopTimer()
		b.ReportMetric(raw.Seconds()/float64(b.N), "raw-s/op")
		b.ReportMetric(raw.Seconds()/b.Elapsed().Seconds(), "of-raw")
		b.ReportMetric(float64(planned), "planned/op")
		// The day planned by the planner itself, marks and all.
		reset()
		if _, err := planner.Plan(ctx, day); err != nil {
			b.Fatal(err)
		}
		return planned
	}
	b.Run("a day's reminders", func(b *testing.B) {
		if planned := pass(b, benchDay); planned < n/2 {
			b.Fatalf("planned %d; want at least %d", planned, n/2)
		}
		var escalated int
		db.Raw(`SELECT count(*) FROM notifications WHERE kind = 'escalation'`).Scan(&escalated)
		if escalated == 0 {
			b.Fatal("no escalation planned")
		}
	})
	b.Run("nothing new", func(b *testing.B) {
		if _, err := planner.Plan(ctx, benchDay); err != nil {
			b.Fatal(err)
		}
		db.Exec(`VACUUM ANALYZE notifications`)
		for b.Loop() {
			counts, err := planner.Plan(ctx, benchDay.Add(time.Minute))
			if err != nil {
				b.Fatal(err)
			}
			if len(counts) != 0 {
				b.Fatalf("planned %v; want nothing", counts)
			}
		}
	})
	// The same pass looking at every open action, as every pass did before
	// migration 00016 (and as the first one after it does).
	b.Run("nothing new, every action", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			db.Exec(`DELETE FROM reminder_plan_marks`)
			b.StartTimer()
			counts, err := planner.Plan(ctx, benchDay.Add(time.Minute))
			if err != nil {
				b.Fatal(err)
			}
			if len(counts) != 0 {
				b.Fatalf("planned %v; want nothing", counts)
			}
		}
	})
	// The day after: what a pass plans on an ordinary working day once the
	// days before are planned (the overdue notices that fall due every 7
	// days, the thresholds of the actions due in 7, 3 and 0 working days,
	// the escalations), without benchDay's fifth of all actions at once.
	b.Run("the next day", func(b *testing.B) {
		if _, err := planner.Plan(ctx, benchDay); err != nil { // planned already when run after the others
			b.Fatal(err)
		}
		if planned := pass(b, benchDay.Add(24*time.Hour)); planned == 0 {
			b.Fatal("nothing planned the next day")
		}
	})
}

// BenchmarkSend5000 sends 5,000 reminders to a local SMTP sink through the
// outbox (claim, render, deliver over one connection per batch, record),
// and the same number of mails of the same size with go-mail alone over
// one connection, in the same run; it reports both rates and their ratio
// (the target is at least 0.5).
func BenchmarkSend5000(b *testing.B) {
	const n = 5000
	server.TuneGC(os.LookupEnv) // as serve runs
	f := newFixture(b)
	sink := startSink(b)
	_, sender := f.services(f.db, sink.URL(), 200)
	f.setNow(at("2024-08-01 10:00"))
	var actions []int64
	for i := range 50 {
		fd := f.issue(f.unitA, "2024-10-31", fmt.Sprintf("Temuan %d", i))
		for range 2 {
			actions = append(actions, f.assign(fd, "officerA", "2024-09-02").ID)
		}
	}
	// A representative mail, rendered once, for the bare sender.
	f.db.Exec(`DELETE FROM notifications`)
	queue := func() {
		err := f.db.Exec(`INSERT INTO notifications (dedup_key, kind, finding_id, action_id, to_user_ids, cc_user_ids, data, due_at, next_attempt_at)
			SELECT 'bench:' || i, 'action_due', a.finding_id, a.id, ARRAY[?::bigint], ARRAY[?::bigint],
				'{"days_before": 7, "due_date": "2024-09-02"}', ?, ?
			FROM generate_series(1, ?) i JOIN actions a ON a.id = (?::bigint[])[1 + i % ?]`,
			f.users["officerA"].ID, f.users["managerA"].ID, f.now(), f.now(), n, postgres.Array[int64](actions), len(actions)).Error
		if err != nil {
			b.Fatal(err)
		}
	}
	queue()
	if st, err := sender.SendDue(f.ctx, f.now()); err != nil || st.Sent != n {
		b.Fatalf("warm-up: %s, %v", st, err)
	}
	var sample struct{ Subject, BodyText, BodyHTML string }
	f.db.Raw(`SELECT subject, body_text, body_html FROM notifications LIMIT 1`).Scan(&sample)

	bare := func() time.Duration {
		d := mail.NewDialer("127.0.0.1", port(b, sink.addr), "", "")
		d.StartTLSPolicy = mail.NoStartTLS
		start := time.Now()
		s, err := d.Dial()
		if err != nil {
			b.Fatal(err)
		}
		for i := range n {
			m := mail.NewMessage()
			m.SetHeader("From", "tindaklanjut <noreply@kalselprov.go.id>")
			m.SetHeader("To", m.FormatAddress(f.email("officerA"), "Pengguna officerA"))
			m.SetHeader("Cc", m.FormatAddress(f.email("managerA"), "Pengguna managerA"))
			m.SetHeader("Subject", sample.Subject)
			m.SetHeader("Message-ID", fmt.Sprintf("<bare-%d@tl.kalselprov.go.id>", i))
			m.SetDateHeader("Date", time.Now())
			m.SetBody("text/plain", sample.BodyText)
			m.AddAlternative("text/html", sample.BodyHTML)
			if err := mail.Send(s, m); err != nil {
				b.Fatal(err)
			}
		}
		s.Close()
		return time.Since(start)
	}
	// settle lets PostgreSQL finish what the last phase stirred up (dead
	// rows, dirty pages), so that its background work lands in neither
	// measurement.
	settle := func() {
		f.db.Exec(`VACUUM ANALYZE notifications`)
		f.db.Exec(`CHECKPOINT`)
	}
	var bareTotal, outboxTotal time.Duration
	for b.Loop() {
		b.StopTimer()
		settle()
		b.StartTimer()
		bareTotal += bare()
		b.StopTimer()
		f.db.Exec(`DELETE FROM notifications`)
		queue()
		settle()
		b.StartTimer()
		start := time.Now()
		st, err := sender.SendDue(f.ctx, f.now())
		if err != nil || st.Sent != n {
			b.Fatalf("%s, %v", st, err)
		}
		outboxTotal += time.Since(start)
	}
	bareRate := float64(n*b.N) / bareTotal.Seconds()
	outboxRate := float64(n*b.N) / outboxTotal.Seconds()
	b.ReportMetric(bareRate, "bare-mails/s")
	b.ReportMetric(outboxRate, "outbox-mails/s")
	b.ReportMetric(outboxRate/bareRate, "ratio")
	_ = templates.FS
}

func port(tb testing.TB, addr string) int {
	var p int
	if _, err := fmt.Sscanf(addr[len("127.0.0.1:"):], "%d", &p); err != nil {
		tb.Fatal(err)
	}
	return p
}
