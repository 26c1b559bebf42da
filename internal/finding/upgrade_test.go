package finding_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pressly/goose/v3"
	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/dbtest"
	"github.com/tindaklanjut/tindaklanjut/internal/finding"
	"github.com/tindaklanjut/tindaklanjut/internal/framework"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
	"github.com/tindaklanjut/tindaklanjut/migrations"
)

// lastSPBEOnlySchema is the migration version before the evaluation models
// were generalised (00009): the schema every installation ran until then.
const lastSPBEOnlySchema = 8

// upgradeTables are what an installation holds, each read in a fixed order
// with a normalised text of every row. Scores change type in 00009
// (smallint → numeric(3,2)), so they are read as numeric(3,2) on both
// sides: the same value must come out.
var upgradeTables = map[string]string{
	"units":                 `SELECT t::text FROM units t ORDER BY id`,
	"users":                 `SELECT t::text FROM users t ORDER BY id`,
	"applications":          `SELECT t::text FROM applications t ORDER BY id`,
	"assessments":           `SELECT t::text FROM assessments t ORDER BY id`,
	"assessment_milestones": `SELECT t::text FROM assessment_milestones t ORDER BY id`,
	"assessment_scores": `SELECT concat_ws('|', assessment_id, indicator_code, level::numeric(3,2), target_level::numeric(3,2),
		updated_by, updated_at) FROM assessment_scores ORDER BY assessment_id, indicator_code`,
	"reviews": `SELECT t::text FROM reviews t ORDER BY id`,
	// import_ref (00011) is new: NULL on every finding held before; due_set_at
	// came in 00010, filled from what the rows held; search_text (00018) is
	// derived from the others.
	"findings": `SELECT (to_jsonb(t) - 'import_ref' - 'due_set_at' - 'search_text')::text FROM findings t ORDER BY id`,
	// remind_check (00016) is the planner's: false on every action held
	// before, whose first pass after the upgrade looks at them all.
	"actions":        `SELECT (to_jsonb(t) - 'due_set_at' - 'remind_check')::text FROM actions t ORDER BY id`,
	"finding_events": `SELECT t::text FROM finding_events t ORDER BY id`,
	"notifications":  `SELECT (to_jsonb(t) - 'claim')::text FROM notifications t ORDER BY id`, // claim: 00013
	"audit_log":      `SELECT t::text FROM audit_log t ORDER BY id`,
	"frameworks (spbe-2020)": `SELECT concat_ws('|', i.code, i.name, i.weight, a.code, d.code) FROM framework_indicators i
		JOIN framework_aspects a ON a.id = i.aspect_id JOIN framework_domains d ON d.id = a.domain_id
		JOIN frameworks f ON f.id = i.framework_id WHERE f.code = 'spbe-2020' ORDER BY i.code`,
}

func snapshot(t *testing.T, db *gorm.DB) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for name, q := range upgradeTables {
		var rows []string
		if err := db.Raw(q).Scan(&rows).Error; err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = rows
	}
	return out
}

// TestUpgradeKeepsEverything fills a database at the last schema that knew
// only SPBE 2020 — an assessment with milestones and levels, reviews,
// findings in several states with their actions, comments and hash-chained
// history — then applies the migrations that bring the Pemdi model, and
// checks that every row reads back the same, that the history still
// verifies, and that the findings left open on SPBE indicators now count on
// the Pemdi indicators they map onto.
func TestUpgradeKeepsEverything(t *testing.T) {
	ctx := context.Background()
	db, err := postgres.Open(ctx, dbtest.EmptyURL(t), postgres.Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { postgres.Close(db) })
	sqlDB, _ := db.DB()
	old, err := goose.NewProvider(goose.DialectPostgres, sqlDB, migrations.FS, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.UpTo(ctx, lastSPBEOnlySchema); err != nil {
		t.Fatal(err)
	}
	open := fillPreviousSchema(t, db)
	before := snapshot(t, db)

	m, err := postgres.NewMigrator(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := m.Up(ctx); err != nil || n == 0 {
		t.Fatalf("upgrade: %d migrations, %v", n, err)
	}
	if diff := cmp.Diff(before, snapshot(t, db)); diff != "" {
		t.Errorf("the upgrade changed what was held (-before +after):\n%s", diff)
	}
	if rep, err := finding.VerifyHistory(ctx, db); err != nil || len(rep.Breaks) > 0 || rep.Events == 0 {
		t.Errorf("history after the upgrade: %+v, %v", rep, err)
	}

	// The 2024 assessment's index is what it was: levels 2 on D1 and D2,
	// 1 on D3 and 3 on D4 make (2·13 + 2·25 + 1·16.5 + 3·45.5) / 100 = 2.29.
	auditor := identity.Principal{UserID: open.auditor, Role: identity.RoleAuditor, UnitID: open.unit}
	as := framework.NewAssessments(db, time.Now)
	rep, err := as.Index(ctx, auditor, open.assessment)
	if err != nil || rep.Current.Index.String() != "2.29" || rep.Current.Predicate.Name != "Cukup" || rep.Scoring != framework.Levels {
		t.Errorf("2024 index after the upgrade: %+v, %v", rep.Current, err)
	}
	// The findings left open on I21 and I29/I30 count on P02 and P09 of a
	// new Pemdi assessment; the closed one on I01 does not count on P01.
	pemdi, err := as.Create(ctx, auditor, framework.AssessmentInput{Year: 2026, Name: "Evaluasi Pemdi 2026", FrameworkCode: "pemdi-2026"})
	if err != nil {
		t.Fatal(err)
	}
	rep, err = as.Index(ctx, auditor, pemdi.ID)
	if err != nil {
		t.Fatal(err)
	}
	active := map[string]int{}
	for _, ind := range rep.Indicators {
		if ind.ActiveFindings > 0 {
			active[ind.Code] = ind.ActiveFindings
		}
	}
	if diff := cmp.Diff(map[string]int{"P02": 1, "P09": 1}, active); diff != "" {
		t.Errorf("carried-over findings (-want +got):\n%s", diff)
	}

	// Work goes on on the upgraded findings, and the chain stays whole.
	svc := finding.NewService(db, time.Now, time.UTC)
	d, err := svc.Transition(ctx, auditor, open.risk, finding.TransitionInput{Verb: "mark_not_actionable",
		Reason: "Digantikan oleh manajemen layanan Pemdi", Version: open.riskVersion})
	if err != nil || d.State != finding.NotActionable {
		t.Fatalf("transition after the upgrade: %v", err)
	}
	if rep, err := finding.VerifyHistory(ctx, db); err != nil || len(rep.Breaks) > 0 || rep.Events == 0 {
		t.Errorf("history after further work: %+v, %v", rep, err)
	}
	rep, _ = as.Index(ctx, auditor, pemdi.ID)
	for _, ind := range rep.Indicators {
		if ind.Code == "P02" && ind.ActiveFindings != 0 {
			t.Errorf("P02 still counts %d findings after the I21 finding was set aside", ind.ActiveFindings)
		}
	}
}

// previous holds what fillPreviousSchema made.
type previous struct {
	unit, auditor, assessment int64
	risk                      int64 // the open finding on I21
	riskVersion               int
}

// fillPreviousSchema writes an installation's data at the old schema: the
// reference rows by SQL (the assessment service of today speaks the new
// schema), the findings through the finding service, whose tables 00009
// does not change, so that their history is hash-chained as in production.
func fillPreviousSchema(t *testing.T, db *gorm.DB) previous {
	t.Helper()
	ctx := context.Background()
	var p previous
	exec := func(dst any, q string, args ...any) {
		t.Helper()
		var err error
		if dst == nil {
			err = db.Exec(q, args...).Error
		} else {
			err = db.Raw(q, args...).Scan(dst).Error
		}
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(&p.unit, `INSERT INTO units (code, name, email) VALUES ('DISKOMINFO', 'Dinas Komunikasi dan Informatika', 'diskominfo@kalselprov.go.id') RETURNING id`)
	var manager, officer int64
	exec(&p.auditor, `INSERT INTO users (email, name, role, unit_id, password_hash) VALUES ('tim.spbe@kalselprov.go.id', 'Tim SPBE', 'auditor', ?, 'x') RETURNING id`, p.unit)
	exec(&manager, `INSERT INTO users (email, name, role, unit_id, password_hash) VALUES ('kabid@kalselprov.go.id', 'Kepala Bidang', 'manager', ?, 'x') RETURNING id`, p.unit)
	exec(&officer, `INSERT INTO users (email, name, role, unit_id, password_hash) VALUES ('staf@kalselprov.go.id', 'Staf', 'officer', ?, 'x') RETURNING id`, p.unit)
	exec(&p.assessment, `INSERT INTO assessments (year, name, framework_id) SELECT 2024, 'Evaluasi SPBE 2024', id FROM frameworks WHERE code = 'spbe-2020' RETURNING id`)
	exec(nil, `INSERT INTO assessment_milestones (assessment_id, name, on_date) VALUES (?, 'Penilaian Mandiri', '2024-07-31'), (?, 'Interviu', '2024-09-02')`,
		p.assessment, p.assessment)
	exec(nil, `INSERT INTO assessment_scores (assessment_id, indicator_code, level, target_level, updated_by)
		SELECT ?, i.code, CASE d.code WHEN 'D3' THEN 1 WHEN 'D4' THEN 3 ELSE 2 END, CASE d.code WHEN 'D3' THEN 3 WHEN 'D4' THEN 4 ELSE 3 END, ?
		FROM framework_indicators i JOIN framework_aspects a ON a.id = i.aspect_id JOIN framework_domains d ON d.id = a.domain_id
		WHERE i.framework_id = (SELECT id FROM frameworks WHERE code = 'spbe-2020')`, p.assessment, p.auditor)

	svc := finding.NewService(db, time.Now, time.UTC)
	auditor := identity.Principal{UserID: p.auditor, Role: identity.RoleAuditor, UnitID: p.unit}
	conducted := "2024-06-10"
	rev, err := svc.CreateReview(ctx, auditor, finding.ReviewInput{Kind: "spbe_evaluation", Title: "Evaluasi SPBE 2024: reviu mandiri",
		ConductedOn: &conducted, AssessmentID: &p.assessment})
	if err != nil {
		t.Fatal(err)
	}
	due := "2024-08-31"
	create := func(title string, codes ...string) finding.Detail {
		t.Helper()
		d, err := svc.CreateFinding(ctx, auditor, finding.FindingInput{ReviewID: rev.ID, Title: title, Severity: "high",
			Recommendation: "Tetapkan dengan SK Gubernur", UnitID: &p.unit, IndicatorCodes: codes, DueDate: &due,
			Condition: "Belum ada dokumen yang ditetapkan."})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	issue := func(d finding.Detail) finding.Detail {
		t.Helper()
		out, err := svc.Transition(ctx, auditor, d.ID, finding.TransitionInput{Verb: "issue", Version: d.Version})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	risk := issue(create("Pedoman manajemen risiko SPBE belum ada", "I21"))
	p.risk, p.riskVersion = risk.ID, risk.Version
	audit := issue(create("Audit infrastruktur dan aplikasi belum dilaksanakan", "I29", "I30"))
	mgr := identity.Principal{UserID: manager, Role: identity.RoleManager, UnitID: p.unit}
	if _, err := svc.CreateAction(ctx, mgr, audit.ID, finding.ActionInput{Title: "Susun rencana audit TIK", AssigneeID: officer,
		DueDate: &due}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Comment(ctx, mgr, audit.ID, "Menunggu anggaran perubahan."); err != nil {
		t.Fatal(err)
	}
	closed := issue(create("Arsitektur SPBE belum ditetapkan", "I01"))
	if _, err := svc.Transition(ctx, auditor, closed.ID, finding.TransitionInput{Verb: "mark_not_actionable",
		Reason: "Sudah ditetapkan sebelum reviu", Version: closed.Version}); err != nil {
		t.Fatal(err)
	}
	create("Draf: layanan publik sektor", "I45")

	var n int
	exec(&n, `SELECT count(*) FROM finding_events`)
	if n < 8 {
		t.Fatalf("only %d events written at the old schema", n)
	}
	var version int64
	exec(&version, `SELECT max(version_id) FROM goose_db_version`)
	if version != lastSPBEOnlySchema {
		t.Fatalf("filled at schema %d; want %d", version, lastSPBEOnlySchema)
	}
	return p
}
