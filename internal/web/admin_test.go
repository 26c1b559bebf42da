package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/finding"
	"github.com/tindaklanjut/tindaklanjut/internal/framework"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
)

// fullSite is the site with the assessment and administration services
// too, and the database for what only the background jobs write (the
// outbox's notifications).
type fullSite struct {
	*site
	db          *gorm.DB
	ids         *identity.Service
	assessments *framework.Assessments
	admin       identity.Principal
}

// newFullSite is newSite with every service of the pages: the people of
// the Kalsel story, an admin among them.
func newFullSite(t *testing.T) *fullSite {
	t.Helper()
	ctx := context.Background()
	b := startSite(t)
	db, ids, fs, srv, admin, as := b.db, b.ids, b.fs, b.srv, b.admin, b.as
	st := &site{t: t, srv: srv, findings: fs, people: map[string]identity.Principal{"admin": admin}}
	a, err := ids.CreateUnit(ctx, admin, identity.UnitInput{Code: "DISKOMINFO", Name: "Dinas Komunikasi dan Informatika"})
	if err != nil {
		t.Fatal(err)
	}
	st.unitA = a.ID
	for _, p := range []struct {
		key  string
		role identity.Role
	}{{"auditor", identity.RoleAuditor}, {"manager", identity.RoleManager}, {"officer", identity.RoleOfficer}} {
		u, err := ids.CreateUser(ctx, &admin, identity.UserInput{Email: p.key + "@kalselprov.go.id", Name: "Pak " + p.key,
			Role: p.role, UnitID: a.ID, Password: password})
		if err != nil {
			t.Fatal(err)
		}
		st.people[p.key] = identity.Principal{UserID: u.ID, Role: p.role, UnitID: a.ID}
	}
	on := "2024-08-01"
	rev, err := fs.CreateReview(ctx, st.people["auditor"], finding.ReviewInput{Kind: "spbe_evaluation", Title: "Evaluasi SPBE 2024", ConductedOn: &on})
	if err != nil {
		t.Fatal(err)
	}
	st.review = rev.ID
	return &fullSite{site: st, db: db, ids: ids, assessments: as, admin: admin}
}

// notification queues a notification with status and body, as the sender
// leaves it; it returns its id.
func (s *fullSite) notification(status, subject, body string) int64 {
	s.t.Helper()
	var id int64
	err := s.db.Raw(`INSERT INTO notifications (dedup_key, kind, to_user_ids, status, attempts, last_error, subject, body_text,
			first_attempt_at, sent_at)
		VALUES ('test:' || gen_random_uuid(), 'weekly_digest', ARRAY[?]::bigint[], ?, 1,
			CASE WHEN ? = 'failed' THEN '550 mailbox unavailable' END, ?, ?, now(), CASE WHEN ? IN ('sent', 'kept') THEN now() END)
		RETURNING id`, s.people["officer"].UserID, status, status, subject, body, status).Scan(&id).Error
	if err != nil {
		s.t.Fatal(err)
	}
	return id
}

func (s *fullSite) notificationStatus(id int64) string {
	s.t.Helper()
	var status string
	if err := s.db.Raw(`SELECT status FROM notifications WHERE id = ?`, id).Scan(&status).Error; err != nil {
		s.t.Fatal(err)
	}
	return status
}

func (s *fullSite) unitCount() int64 {
	s.t.Helper()
	var n int64
	s.db.Raw(`SELECT count(*) FROM units`).Scan(&n)
	return n
}

func TestAdminPagesAreForAdminsOnly(t *testing.T) {
	s := newFullSite(t)
	paths := []string{"/admin", "/admin/unit", fmt.Sprintf("/admin/unit/%d", s.unitA), "/admin/pengguna",
		fmt.Sprintf("/admin/pengguna/%d", s.people["officer"].UserID), "/admin/aplikasi", "/admin/notifikasi",
		"/admin/model", "/admin/pemetaan/spbe-2020/pemdi-2026", "/admin/kalender"}
	for _, who := range []string{"officer", "manager", "auditor"} {
		b := s.browser()
		b.signIn(who)
		for _, path := range paths {
			if status, page, _ := b.get(path); status != http.StatusForbidden || !strings.Contains(page, "tidak berwenang") {
				t.Errorf("%s GET %s: %d, want 403", who, path, status)
			}
		}
		_, page, _ := b.get("/temuan")
		if strings.Contains(page, `href="/admin"`) {
			t.Errorf("%s is shown the administration link", who)
		}
		before := s.unitCount()
		status, _, _ := b.post("/admin/unit", url.Values{"csrf": {token(t, page)}, "code": {"BPKAD"}, "name": {"BPKAD"}})
		if status != http.StatusForbidden || s.unitCount() != before {
			t.Errorf("%s POST /admin/unit: %d, units %d → %d", who, status, before, s.unitCount())
		}
	}
	admin := s.browser()
	admin.signIn("admin")
	if _, page, _ := admin.get("/temuan"); !strings.Contains(page, `href="/admin"`) {
		t.Errorf("the admin is not shown the administration link")
	}
	for _, path := range paths {
		status, page, _ := admin.get(path)
		if status != http.StatusOK {
			t.Errorf("admin GET %s: %d", path, status)
			continue
		}
		if !strings.Contains(page, `aria-label="breadcrumb"`) || !strings.Contains(page, "<title>") {
			t.Errorf("admin GET %s: no breadcrumb or title", path)
		}
	}
	if status, _, _ := admin.get("/admin/unit/999999"); status != http.StatusNotFound {
		t.Errorf("a unit that does not exist: %d", status)
	}
	if status, _, _ := admin.get("/admin/pengguna/abc"); status != http.StatusNotFound {
		t.Errorf("a user id that is not one: %d", status)
	}
}

func TestAdminFormsRefuseMissingOrWrongCSRF(t *testing.T) {
	s := newFullSite(t)
	b := s.browser()
	b.signIn("admin")
	_, page, _ := b.get("/admin/unit")
	tok := token(t, page)
	failed := s.notification("failed", "Ringkasan", "isi")
	before := s.unitCount()
	for name, form := range map[string]url.Values{
		"missing": {"code": {"BPKAD"}, "name": {"Badan Pengelolaan Keuangan"}},
		"wrong":   {"csrf": {"x" + tok}, "code": {"BPKAD"}, "name": {"Badan Pengelolaan Keuangan"}},
	} {
		if status, page, _ := b.post("/admin/unit", form); status != http.StatusForbidden || !strings.Contains(page, "kedaluwarsa") {
			t.Errorf("%s token, unit: %d", name, status)
		}
		form.Del("code")
		if status, _, _ := b.post(fmt.Sprintf("/admin/notifikasi/%d/kirim-ulang", failed), form); status != http.StatusForbidden {
			t.Errorf("%s token, retry: %d", name, status)
		}
	}
	if got := s.unitCount(); got != before {
		t.Errorf("units: %d, want %d", got, before)
	}
	if got := s.notificationStatus(failed); got != "failed" {
		t.Errorf("notification status %q after refused retries", got)
	}
}

func TestUnitFormsShowErrorsNextToFields(t *testing.T) {
	s := newFullSite(t)
	b := s.browser()
	b.signIn("admin")
	_, page, _ := b.get("/admin/unit")
	tok := token(t, page)
	tests := []struct {
		name   string
		form   url.Values
		status int
		kept   string
	}{
		{"empty code", url.Values{"code": {""}, "name": {"Badan Pendapatan Daerah"}}, http.StatusUnprocessableEntity, `value="Badan Pendapatan Daerah"`},
		{"duplicate code", url.Values{"code": {"DISKOMINFO"}, "name": {"Dinas kembar"}}, http.StatusConflict, `value="Dinas kembar"`},
		{"bad email", url.Values{"code": {"BAPENDA"}, "name": {"Bapenda"}, "email": {"bukan-surel"}}, http.StatusUnprocessableEntity, `value="bukan-surel"`},
	}
	before := s.unitCount()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.form.Set("csrf", tok)
			status, page, _ := b.post("/admin/unit", tt.form)
			if status != tt.status {
				t.Errorf("status %d, want %d", status, tt.status)
			}
			if !strings.Contains(page, `class="field-error"`) || !strings.Contains(page, tt.kept) {
				t.Errorf("no message next to the field, or the input is lost:\n%s", page)
			}
		})
	}
	if got := s.unitCount(); got != before {
		t.Errorf("a bad form added a unit: %d → %d", before, got)
	}

	// A name with a script is kept as text.
	status, _, h := b.post("/admin/unit", url.Values{"csrf": {tok}, "code": {"BPKAD"}, "name": {`<script>alert(1)</script> BPKAD`}})
	if status != http.StatusSeeOther {
		t.Fatalf("create: %d", status)
	}
	_, page, _ = b.get(h.Get("Location"))
	if strings.Contains(page, "<script>alert(1)") || !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt; BPKAD") {
		t.Errorf("the unit name is not shown as text")
	}
	// Edit: the form carries the version; a stale one is a 409.
	m := regexp.MustCompile(`href="/admin/unit/(\d+)">BPKAD<`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no link to the new unit")
	}
	_, page, _ = b.get("/admin/unit/" + m[1])
	version := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(page)[1]
	form := url.Values{"csrf": {tok}, "version": {version}, "code": {"BPKAD"}, "name": {"Badan Pengelolaan Keuangan dan Aset Daerah"}}
	if status, _, _ := b.post("/admin/unit/"+m[1], form); status != http.StatusSeeOther {
		t.Errorf("edit: %d", status)
	}
	if status, page, _ := b.post("/admin/unit/"+m[1], form); status != http.StatusConflict || !strings.Contains(page, `class="error"`) {
		t.Errorf("stale edit: %d", status)
	}
}

func TestUserAndApplicationForms(t *testing.T) {
	s := newFullSite(t)
	b := s.browser()
	b.signIn("admin")
	_, page, _ := b.get("/admin/pengguna")
	tok := token(t, page)
	unit := fmt.Sprint(s.unitA)
	// Bad email: the message next to the field, the input kept.
	status, page, _ := b.post("/admin/pengguna", url.Values{"csrf": {tok}, "email": {"budi-at-kalsel"}, "name": {"Budi"},
		"role": {"officer"}, "unit_id": {unit}, "active": {"1"}, "password": {password}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(page, `id="email-error"`) || !strings.Contains(page, `value="budi-at-kalsel"`) {
		t.Errorf("bad email: %d", status)
	}
	status, _, _ = b.post("/admin/pengguna", url.Values{"csrf": {tok}, "email": {"budi@kalselprov.go.id"}, "name": {"Budi"},
		"role": {"officer"}, "unit_id": {unit}, "active": {"1"}, "password": {password}})
	if status != http.StatusSeeOther {
		t.Fatalf("create user: %d", status)
	}
	// The new user signs in; then the admin makes them a manager and
	// deactivates them.
	budi := s.browser()
	budi.signIn("budi")
	_, page, _ = b.get("/admin/pengguna")
	m := regexp.MustCompile(`href="/admin/pengguna/(\d+)">budi@`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no link to the new user")
	}
	_, page, _ = b.get("/admin/pengguna/" + m[1])
	version := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(page)[1]
	status, _, _ = b.post("/admin/pengguna/"+m[1], url.Values{"csrf": {tok}, "version": {version}, "email": {"budi@kalselprov.go.id"},
		"name": {"Budi"}, "role": {"manager"}, "unit_id": {unit}})
	if status != http.StatusSeeOther {
		t.Fatalf("edit user: %d", status)
	}
	var u identity.User
	s.db.Raw(`SELECT role, active FROM users WHERE email = 'budi@kalselprov.go.id'`).Scan(&u)
	if u.Role != identity.RoleManager || u.Active {
		t.Errorf("after edit: role %s active %v", u.Role, u.Active)
	}
	if status, _, _ := budi.get("/temuan"); status != http.StatusSeeOther {
		t.Errorf("a deactivated user's session still works: %d", status)
	}

	// Applications: a bad URL, then a good one.
	status, page, _ = b.post("/admin/aplikasi", url.Values{"csrf": {tok}, "name": {"SIPD"}, "unit_id": {unit}, "kind": {"administrasi"},
		"url": {"javascript:alert(1)"}, "status": {"active"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(page, `id="url-error"`) || !strings.Contains(page, `value="SIPD"`) {
		t.Errorf("bad url: %d", status)
	}
	status, _, _ = b.post("/admin/aplikasi", url.Values{"csrf": {tok}, "name": {"SIPD"}, "unit_id": {unit}, "kind": {"administrasi"},
		"url": {"https://sipd.kalselprov.go.id"}, "integrated": {"1"}, "status": {"active"}})
	if status != http.StatusSeeOther {
		t.Fatalf("create application: %d", status)
	}
	status, page, _ = b.post("/admin/aplikasi", url.Values{"csrf": {tok}, "name": {"sipd"}, "unit_id": {unit}, "kind": {"publik"}, "status": {"active"}})
	if status != http.StatusConflict || !strings.Contains(page, `id="name-error"`) {
		t.Errorf("duplicate application: %d", status)
	}
	_, page, _ = b.get("/admin/aplikasi")
	m = regexp.MustCompile(`href="/admin/aplikasi/(\d+)">SIPD<`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no link to the application")
	}
	_, page, _ = b.get("/admin/aplikasi/" + m[1])
	version = regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(page)[1]
	status, _, _ = b.post("/admin/aplikasi/"+m[1], url.Values{"csrf": {tok}, "version": {version}, "name": {"SIPD RI"}, "unit_id": {unit},
		"kind": {"administrasi"}, "status": {"retired"}})
	if status != http.StatusSeeOther {
		t.Errorf("edit application: %d", status)
	}
	if _, page, _ := b.get("/admin/aplikasi"); !strings.Contains(page, "SIPD RI") || !strings.Contains(page, "Tidak digunakan") {
		t.Errorf("the edit is not shown")
	}
}

func TestOutboxShowsBodiesAndRetriesFailed(t *testing.T) {
	s := newFullSite(t)
	failed := s.notification("failed", "Tenggat tindak lanjut", "Yth. Bapak,\n<script>alert('surel')</script>\nSalam")
	sent := s.notification("sent", "Laporan pekan ini", "terkirim")
	kept := s.notification("kept", "Disimpan", "Isi surel yang disimpan")
	b := s.browser()
	b.signIn("admin")
	status, page, _ := b.get("/admin/notifikasi")
	if status != http.StatusOK {
		t.Fatalf("outbox: %d", status)
	}
	if strings.Contains(page, "<script>alert('surel')") || !strings.Contains(page, "&lt;script&gt;alert(&#39;surel&#39;)&lt;/script&gt;") {
		t.Errorf("the mail body is not shown as text")
	}
	if !strings.Contains(page, "Isi surel yang disimpan") || !strings.Contains(page, "<pre") {
		t.Errorf("a kept mail's body is not readable")
	}
	if !strings.Contains(page, fmt.Sprintf(`action="/admin/notifikasi/%d/kirim-ulang"`, failed)) ||
		strings.Contains(page, fmt.Sprintf(`action="/admin/notifikasi/%d/kirim-ulang"`, sent)) ||
		strings.Contains(page, fmt.Sprintf(`action="/admin/notifikasi/%d/kirim-ulang"`, kept)) {
		t.Errorf("retry is offered for the wrong notifications")
	}
	// The status filter.
	_, page, _ = b.get("/admin/notifikasi?status=kept")
	if !strings.Contains(page, "Disimpan") || strings.Contains(page, "Laporan pekan ini") {
		t.Errorf("the status filter does not filter")
	}
	if status, page, _ := b.get("/admin/notifikasi?status=rusak"); status != http.StatusUnprocessableEntity || !strings.Contains(page, "field-error") {
		t.Errorf("an unknown status: %d", status)
	}
	tok := token(t, page)
	status, _, h := b.post(fmt.Sprintf("/admin/notifikasi/%d/kirim-ulang", failed), url.Values{"csrf": {tok}})
	if status != http.StatusSeeOther {
		t.Fatalf("retry: %d", status)
	}
	if got := s.notificationStatus(failed); got != "pending" {
		t.Errorf("after retry: %s", got)
	}
	if _, page, _ := b.get(h.Get("Location")); !strings.Contains(page, "dikirim ulang") {
		t.Errorf("no message after retry")
	}
	status, page, _ = b.post(fmt.Sprintf("/admin/notifikasi/%d/kirim-ulang", sent), url.Values{"csrf": {tok}})
	if status != http.StatusConflict || !strings.Contains(page, "Hanya notifikasi yang gagal") {
		t.Errorf("retry of a sent one: %d", status)
	}
	if got := s.notificationStatus(sent); got != "sent" {
		t.Errorf("the sent one is now %s", got)
	}
	if status, _, _ := b.post("/admin/notifikasi/999999/kirim-ulang", url.Values{"csrf": {tok}}); status != http.StatusNotFound {
		t.Errorf("retry of none: %d", status)
	}
}

// TestAdminListsPageAndFilter: the user list shows a hundred users a
// page, keeps its filters on the next page, and refuses a tampered link;
// the application list filters by status.
func TestAdminListsPageAndFilter(t *testing.T) {
	s := newFullSite(t)
	ctx := context.Background()
	for i := range 150 {
		role := identity.RoleOfficer
		if i%3 == 0 {
			role = identity.RoleViewer
		}
		if _, err := s.ids.CreateUser(ctx, &s.admin, identity.UserInput{Email: fmt.Sprintf("staf%03d@kalselprov.go.id", i),
			Name: fmt.Sprintf("Staf %03d", i), Role: role, UnitID: s.unitA, Password: password}); err != nil {
			t.Fatal(err)
		}
	}
	admin := s.browser()
	admin.signIn("admin")
	rows := regexp.MustCompile(`<tr><td><a href="/admin/pengguna/\d+">`)
	next := regexp.MustCompile(`href="([^"]+)" rel="next"`)
	_, page, _ := admin.get("/admin/pengguna")
	if n := len(rows.FindAllString(page, -1)); n != 100 {
		t.Errorf("first page: %d users", n)
	}
	link := next.FindStringSubmatch(page)
	if link == nil {
		t.Fatal("no next page")
	}
	_, page, _ = admin.get(html.UnescapeString(link[1]))
	// 4 people of the story and the admin, then 150: 54 on page two.
	if n := len(rows.FindAllString(page, -1)); n != 54 || next.MatchString(page) || !strings.Contains(page, "staf149@") {
		t.Errorf("second page: %d users", n)
	}

	_, page, _ = admin.get("/admin/pengguna?peran=viewer&aktif=1")
	if n := len(rows.FindAllString(page, -1)); n != 50 || next.MatchString(page) || strings.Contains(page, "staf001@") {
		t.Errorf("viewers: %d", n)
	}
	_, page, _ = admin.get(fmt.Sprintf("/admin/pengguna?unit=%d&peran=officer", s.unitA))
	link = next.FindStringSubmatch(page)
	if link == nil || !strings.Contains(link[1], "peran=officer") || !strings.Contains(link[1], fmt.Sprintf("unit=%d", s.unitA)) {
		t.Fatalf("the next page loses the filters: %v", link)
	}
	_, page, _ = admin.get(html.UnescapeString(link[1]))
	if n := len(rows.FindAllString(page, -1)); n != 1 || strings.Contains(page, "staf000@") || !strings.Contains(page, "Halaman pertama") {
		t.Errorf("officers, page two: %d", n)
	}
	for _, bad := range []string{"/admin/pengguna?setelah=abc", "/admin/pengguna?setelah=-1", "/admin/pengguna?peran=raja",
		"/admin/pengguna?aktif=ya", "/admin/pengguna?unit=x", "/admin/aplikasi?status=hilang", "/admin/unit?setelah=1e3"} {
		if status, page, _ := admin.get(bad); status != http.StatusBadRequest || !strings.Contains(page, "Tautan halaman tidak valid") {
			t.Errorf("%s: %d", bad, status)
		}
	}

	for _, a := range []struct{ name, status string }{{"SIMPEG", "active"}, {"SIPD Lama", "retired"}} {
		if _, err := s.findings.CreateApplication(ctx, s.people["auditor"], finding.ApplicationInput{Name: a.name, UnitID: s.unitA,
			Kind: "administrasi", Status: a.status}); err != nil {
			t.Fatal(err)
		}
	}
	_, page, _ = admin.get("/admin/aplikasi?status=retired")
	if !strings.Contains(page, "SIPD Lama") || strings.Contains(page, ">SIMPEG<") {
		t.Errorf("retired applications:\n%s", page)
	}
}
