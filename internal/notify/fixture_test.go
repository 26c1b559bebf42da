package notify_test

import (
	"context"
	"fmt"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/date"
	"github.com/tindaklanjut/tindaklanjut/internal/dbtest"
	"github.com/tindaklanjut/tindaklanjut/internal/finding"
	"github.com/tindaklanjut/tindaklanjut/internal/framework"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
	"github.com/tindaklanjut/tindaklanjut/internal/notify"
	"github.com/tindaklanjut/tindaklanjut/internal/opt"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
	"github.com/tindaklanjut/tindaklanjut/templates"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// wita is the organisation's zone in these tests.
var wita = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Makassar")
	if err != nil {
		panic(err)
	}
	return loc
}()

const password = "kata-sandi-uji-123"

// fixture is a database with two units and their people, the workflow and
// the reminder services on a clock the test drives, and a mail server.
type fixture struct {
	t        testing.TB
	ctx      context.Context
	url      string
	db       *gorm.DB
	ids      *identity.Service
	work     *finding.Service
	assess   *framework.Assessments
	renderer *notify.Renderer
	rules    notify.Rules
	planner  *notify.Planner
	sender   *notify.Sender
	outbox   *notify.Outbox
	mail     *mailServer
	clock    atomic.Pointer[time.Time]
	unitA    identity.Unit
	unitB    identity.Unit
	users    map[string]identity.User
	p        map[string]identity.Principal
}

// at is an instant in WITA.
func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, wita)
	if err != nil {
		panic(err)
	}
	return t
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), users: map[string]identity.User{}, p: map[string]identity.Principal{}}
	f.url = dbtest.URL(t)
	f.db = f.open()
	f.setNow(at("2024-06-03 09:00"))
	f.ids = identity.NewService(f.db, time.Now, identity.DefaultSettings)
	f.work = finding.NewService(f.db, f.now, wita)
	f.assess = framework.NewAssessments(f.db, f.now)
	var err error
	if f.renderer, err = notify.NewRenderer(templates.FS); err != nil {
		t.Fatal(err)
	}
	f.rules = notify.DefaultRules(wita)
	f.mail = startMailServer(t)
	f.planner, f.sender = f.services(f.db, f.mail.URL(), 50)
	f.outbox = notify.NewOutbox(f.db, f.now)

	if _, err := identity.EnsureAdmin(f.ctx, f.db, "admin@kalselprov.go.id", password); err != nil {
		t.Fatal(err)
	}
	var adminID int64
	f.db.Raw("SELECT id FROM users WHERE email = 'admin@kalselprov.go.id'").Scan(&adminID)
	admin := identity.Principal{UserID: adminID, Role: identity.RoleAdmin}
	f.p["admin"] = admin
	f.unitA = must(f.ids.CreateUnit(f.ctx, admin, identity.UnitInput{Code: "DISKOMINFO", Name: "Dinas Komunikasi dan Informatika"}))
	f.unitB = must(f.ids.CreateUnit(f.ctx, admin, identity.UnitInput{Code: "BAPPEDA", Name: "Badan Perencanaan Pembangunan Daerah"}))
	for _, u := range []struct {
		key  string
		role identity.Role
		unit int64
	}{
		{"auditor", identity.RoleAuditor, f.unitB.ID}, {"auditor2", identity.RoleAuditor, f.unitB.ID},
		{"managerA", identity.RoleManager, f.unitA.ID}, {"officerA", identity.RoleOfficer, f.unitA.ID},
		{"officerA2", identity.RoleOfficer, f.unitA.ID},
		{"managerB", identity.RoleManager, f.unitB.ID}, {"officerB", identity.RoleOfficer, f.unitB.ID},
	} {
		usr := must(f.ids.CreateUser(f.ctx, &admin, identity.UserInput{Email: u.key + "@kalselprov.go.id",
			Name: "Pengguna " + u.key, Role: u.role, UnitID: u.unit, Password: password}))
		f.users[u.key] = usr
		f.p[u.key] = identity.Principal{UserID: usr.ID, Role: u.role, UnitID: u.unit}
	}
	return f
}

// open returns another pool on the fixture's database, as another
// replica would have.
func (f *fixture) open() *gorm.DB {
	db, err := postgres.Open(f.ctx, f.url, postgres.Options{MaxConns: 5})
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { postgres.Close(db) })
	return db
}

// services builds a planner and a sender on db delivering to smtpURL
// ("": kept) in batches of batch.
func (f *fixture) services(db *gorm.DB, smtpURL string, batch int) (*notify.Planner, *notify.Sender) {
	f.t.Helper()
	var tr notify.Transport
	if smtpURL != "" {
		s, err := notify.NewSMTP(smtpURL, 5*time.Second)
		if err != nil {
			f.t.Fatal(err)
		}
		tr = s
	}
	sender, err := notify.NewSender(db, notify.SenderOptions{Transport: tr, Renderer: f.renderer,
		From: "tindaklanjut <noreply@kalselprov.go.id>", BaseURL: "https://tl.kalselprov.go.id", Loc: wita,
		RetryFor: 72 * time.Hour, Batch: batch})
	if err != nil {
		f.t.Fatal(err)
	}
	return notify.NewPlanner(db, f.rules), sender
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func (f *fixture) now() time.Time { return *f.clock.Load() }

func (f *fixture) setNow(t time.Time) { f.clock.Store(&t) }

// plan runs the planner now.
func (f *fixture) plan() map[string]int {
	f.t.Helper()
	counts, err := f.planner.Plan(f.ctx, f.now())
	if err != nil {
		f.t.Fatal(err)
	}
	return counts
}

// send runs the sender now.
func (f *fixture) send() notify.SendStats {
	f.t.Helper()
	st, err := f.sender.SendDue(f.ctx, f.now())
	if err != nil {
		f.t.Fatal(err)
	}
	return st
}

// issue records and issues a finding of unit due on due, linked to
// indicators, with title as given ("" for a default).
func (f *fixture) issue(unit identity.Unit, due, title string, indicators ...string) finding.Detail {
	f.t.Helper()
	on := date.Of(f.now(), wita).String()
	rev := must(f.work.CreateReview(f.ctx, f.p["auditor"], finding.ReviewInput{Kind: "ict_audit", Title: "Audit TIK " + unit.Code, ConductedOn: &on}))
	if title == "" {
		title = "Kebijakan manajemen risiko SPBE belum ditetapkan"
	}
	d := must(f.work.CreateFinding(f.ctx, f.p["auditor"], finding.FindingInput{ReviewID: rev.ID, Title: title,
		Condition: "Belum ada kebijakan.", Recommendation: "Menetapkan kebijakan manajemen risiko SPBE dengan SK Kepala Dinas",
		Severity: "high", UnitID: &unit.ID, IndicatorCodes: indicators, DueDate: &due}))
	return must(f.work.Transition(f.ctx, f.p["auditor"], d.ID, finding.TransitionInput{Verb: finding.Issue, Version: d.Version}))
}

// assign gives the finding an action for assignee (a user key) due on due,
// as the unit's manager.
func (f *fixture) assign(fd finding.Detail, assignee, due string) finding.Action {
	f.t.Helper()
	mgr := "managerA"
	if fd.UnitID != nil && *fd.UnitID == f.unitB.ID {
		mgr = "managerB"
	}
	return must(f.work.CreateAction(f.ctx, f.p[mgr], fd.ID, finding.ActionInput{Title: "Menyusun rancangan SK tim manajemen risiko",
		AssigneeID: f.users[assignee].ID, DueDate: &due}))
}

// complete marks the action done as its assignee.
func (f *fixture) complete(a finding.Action, who string) {
	f.t.Helper()
	cur := must(f.work.GetFinding(f.ctx, f.p["auditor"], a.FindingID))
	for _, x := range cur.Actions {
		if x.ID == a.ID {
			must(f.work.CompleteAction(f.ctx, f.p[who], a.ID, x.Version, "SK telah ditetapkan"))
			return
		}
	}
	f.t.Fatalf("action %d not found", a.ID)
}

// deactivate makes a user inactive.
func (f *fixture) deactivate(key string) {
	f.t.Helper()
	u := must(f.ids.GetUser(f.ctx, f.p["admin"], f.users[key].ID))
	must(f.ids.UpdateUser(f.ctx, f.p["admin"], u.ID, u.Version, identity.UserPatch{Active: opt.Field[bool]{Set: true, Value: false}}))
}

// email is a user's address.
func (f *fixture) email(key string) string { return f.users[key].Email }

// emails is the addresses of the users keys, as a list.
func (f *fixture) emails(keys ...string) string {
	var out []string
	for _, k := range keys {
		out = append(out, f.email(k))
	}
	return joinAddrs(out)
}

// statusCounts counts the notifications by status, of those that match
// where ("": all).
func (f *fixture) statusCounts(where string) map[string]int {
	f.t.Helper()
	var rows []struct {
		Status string
		N      int
	}
	if where == "" {
		where = "true"
	}
	if err := f.db.Raw(`SELECT status, count(*) AS n FROM notifications WHERE ` + where + ` GROUP BY status`).Scan(&rows).Error; err != nil {
		f.t.Fatal(err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out
}

func key(format string, args ...any) string { return fmt.Sprintf(format, args...) }

func itoa(n int64) string { return fmt.Sprint(n) }

// attach records an SK on an action directly: uploads are the evidence
// issue's.
func (f *fixture) attach(action int64) {
	f.t.Helper()
	err := f.db.Exec(`INSERT INTO artifacts (action_id, kind, title, file_name, media_type, size, sha256, uploaded_by)
		VALUES (?, 'sk', 'SK Tim', 'sk.pdf', 'application/pdf', 10, sha256(?::bytea), ?)`, action, itoa(action), f.users["officerA"].ID).Error
	if err != nil {
		f.t.Fatal(err)
	}
}

func transition(verb string, version int) finding.TransitionInput {
	return finding.TransitionInput{Verb: finding.Verb(verb), Version: version, Reason: "Bukti belum lengkap"}
}

func sortStrings(xs []string) { sort.Strings(xs) }

func optMilestones(ms []framework.MilestoneInput) opt.Field[[]framework.MilestoneInput] {
	return opt.Field[[]framework.MilestoneInput]{Set: true, Value: ms}
}
