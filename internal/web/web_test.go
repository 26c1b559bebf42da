package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/dbtest"
	"github.com/tindaklanjut/tindaklanjut/internal/evidence"
	"github.com/tindaklanjut/tindaklanjut/internal/evidence/evidencetest"
	"github.com/tindaklanjut/tindaklanjut/internal/finding"
	"github.com/tindaklanjut/tindaklanjut/internal/framework"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
	"github.com/tindaklanjut/tindaklanjut/internal/importer"
	"github.com/tindaklanjut/tindaklanjut/internal/notify"
	"github.com/tindaklanjut/tindaklanjut/internal/report"
	"github.com/tindaklanjut/tindaklanjut/internal/server"
	"github.com/tindaklanjut/tindaklanjut/internal/web"
)

const password = "kata-sandi-uji-yang-panjang"

// site is the web interface on a fresh database with the people of the
// Kalsel story: an auditor, and a manager and officer of Diskominfo and
// of Bappeda.
type site struct {
	t        *testing.T
	srv      *httptest.Server
	db       *gorm.DB
	findings *finding.Service
	people   map[string]identity.Principal
	unitA    int64
	review   int64
}

var wita = func() *time.Location { l, _ := time.LoadLocation("Asia/Makassar"); return l }()

// base is a running site with every service of the pages and the first
// admin, and no one else yet.
type base struct {
	db    *gorm.DB
	ids   *identity.Service
	fs    *finding.Service
	as    *framework.Assessments
	srv   *httptest.Server
	admin identity.Principal
}

func startSite(t *testing.T) base {
	t.Helper()
	db := dbtest.New(t)
	b := base{db: db, ids: identity.NewService(db, time.Now, identity.DefaultSettings), fs: finding.NewService(db, time.Now, wita),
		as: framework.NewAssessments(db, time.Now)}
	store, err := evidence.NewFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	w, err := web.New(web.Options{Identity: b.ids, Findings: b.fs, Evidence: store, UploadLimit: 1 << 20,
		Reports: report.NewService(db, 1000), Assessments: b.as, Frameworks: framework.NewStore(db), Outbox: notify.NewOutbox(db, time.Now),
		Imports: importer.NewService(db, b.fs, importer.DefaultLimits),
		Secret:  []byte("rahasia-uji-yang-cukup-panjang!!"), TimeZone: wita, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	s := server.New(server.Options{Logger: log, Registry: prometheus.NewRegistry()})
	w.Register(s.Echo())
	b.srv = httptest.NewServer(s.Echo())
	t.Cleanup(b.srv.Close)
	if _, err := identity.EnsureAdmin(context.Background(), db, "admin@kalselprov.go.id", password); err != nil {
		t.Fatal(err)
	}
	db.Raw(`SELECT id AS user_id, role, unit_id FROM users WHERE email = 'admin@kalselprov.go.id'`).Scan(&b.admin)
	return b
}

func newSite(t *testing.T) *site {
	t.Helper()
	ctx := context.Background()
	base := startSite(t)
	db, ids, fs, srv, admin := base.db, base.ids, base.fs, base.srv, base.admin
	st := &site{t: t, srv: srv, db: db, findings: fs, people: map[string]identity.Principal{}}
	a, _ := ids.CreateUnit(ctx, admin, identity.UnitInput{Code: "DISKOMINFO", Name: "Dinas Komunikasi dan Informatika"})
	b, _ := ids.CreateUnit(ctx, admin, identity.UnitInput{Code: "BAPPEDA", Name: "Bappeda"})
	st.unitA = a.ID
	for _, p := range []struct {
		key  string
		role identity.Role
		unit int64
	}{{"auditor", identity.RoleAuditor, a.ID}, {"auditor2", identity.RoleAuditor, a.ID}, {"manager", identity.RoleManager, a.ID},
		{"officer", identity.RoleOfficer, a.ID}, {"officerB", identity.RoleOfficer, b.ID}} {
		u, err := ids.CreateUser(ctx, &admin, identity.UserInput{Email: p.key + "@kalselprov.go.id", Name: "Pak " + p.key,
			Role: p.role, UnitID: p.unit, Password: password})
		if err != nil {
			t.Fatal(err)
		}
		st.people[p.key] = identity.Principal{UserID: u.ID, Role: p.role, UnitID: p.unit}
	}
	on := "2024-08-01"
	rev, err := fs.CreateReview(ctx, st.people["auditor"], finding.ReviewInput{Kind: "spbe_evaluation", Title: "Evaluasi SPBE 2024", ConductedOn: &on})
	if err != nil {
		t.Fatal(err)
	}
	st.review = rev.ID
	return st
}

// issued creates and issues a finding of unit with an action for the
// officer; it returns the finding's and the action's ids.
func (s *site) issued(title string, unit int64, officer string) (int64, int64) {
	s.t.Helper()
	ctx := context.Background()
	due := "2024-09-30"
	d, err := s.findings.CreateFinding(ctx, s.people["auditor"], finding.FindingInput{ReviewID: s.review, Title: title,
		Condition: "Belum ada SK tim manajemen risiko SPBE", Recommendation: "Menetapkan SK tim manajemen risiko",
		Severity: finding.Severity("high"), UnitID: &unit, IndicatorCodes: []string{"I38"}, DueDate: &due})
	if err != nil {
		s.t.Fatal(err)
	}
	if _, err := s.findings.Transition(ctx, s.people["auditor"], d.ID, finding.TransitionInput{Verb: finding.Issue, Version: d.Version}); err != nil {
		s.t.Fatal(err)
	}
	a, err := s.findings.CreateAction(ctx, s.people["auditor"], d.ID, finding.ActionInput{Title: "Menyusun SK",
		AssigneeID: s.people[officer].UserID, DueDate: &due, RequiredArtifactKinds: []string{"sk"}})
	if err != nil {
		s.t.Fatal(err)
	}
	return d.ID, a.ID
}

// browser is one person's browser: a cookie jar that does not follow
// redirects by itself.
type browser struct {
	s *site
	c *http.Client
}

func (s *site) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{s: s, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) get(path string) (int, string, http.Header) {
	b.s.t.Helper()
	resp, err := b.c.Get(b.s.srv.URL + path)
	if err != nil {
		b.s.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp.Header
}

func (b *browser) post(path string, form url.Values) (int, string, http.Header) {
	b.s.t.Helper()
	resp, err := b.c.PostForm(b.s.srv.URL+path, form)
	if err != nil {
		b.s.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp.Header
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// token is the CSRF token of a page.
func token(t *testing.T, page string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token on the page:\n%.500s", page)
	}
	return m[1]
}

// signIn signs in as who through the form.
func (b *browser) signIn(who string) {
	b.s.t.Helper()
	_, page, _ := b.get("/masuk")
	status, body, h := b.post("/masuk", url.Values{"csrf": {token(b.s.t, page)}, "email": {who + "@kalselprov.go.id"},
		"password": {password}, "kembali": {"/temuan"}})
	if status != http.StatusSeeOther || h.Get("Location") != "/temuan" {
		b.s.t.Fatalf("sign in as %s: %d %s\n%.500s", who, status, h.Get("Location"), body)
	}
}

func TestSignInOutAndSessionCookie(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	status, _, h := b.get("/temuan?state=open")
	if status != http.StatusSeeOther || h.Get("Location") != "/masuk?kembali="+url.QueryEscape("/temuan?state=open") {
		t.Fatalf("unsigned: %d %s", status, h.Get("Location"))
	}
	_, page, _ := b.get("/masuk")
	tok := token(t, page)
	// Wrong password: a message, the email kept, 401.
	status, body, _ := b.post("/masuk", url.Values{"csrf": {tok}, "email": {"officer@kalselprov.go.id"}, "password": {"salah"}})
	if status != http.StatusUnauthorized || !strings.Contains(body, "Surel atau kata sandi salah.") || !strings.Contains(body, `value="officer@kalselprov.go.id"`) {
		t.Errorf("wrong password: %d\n%.800s", status, body)
	}
	// A sign-in post without the form's token is refused.
	status, body, _ = s.browser().post("/masuk", url.Values{"email": {"officer@kalselprov.go.id"}, "password": {password}})
	if status != http.StatusForbidden || !strings.Contains(body, "kedaluwarsa") {
		t.Errorf("sign-in without token: %d", status)
	}
	b.signIn("officer")
	u, _ := url.Parse(s.srv.URL)
	var session *http.Cookie
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == "tl_session" {
			session = c
		}
	}
	if session == nil {
		t.Fatal("no session cookie")
	}
	resp, _ := http.Get(s.srv.URL + "/masuk")
	resp.Body.Close()
	status, page, _ = b.get("/temuan")
	if status != 200 || !strings.Contains(page, "Pak officer") {
		t.Fatalf("signed in: %d", status)
	}
	// Sign-out needs the token too.
	if status, _, _ := b.post("/keluar", url.Values{}); status != http.StatusForbidden {
		t.Errorf("sign-out without token: %d", status)
	}
	if status, _, _ := b.post("/keluar", url.Values{"csrf": {"x" + token(t, page)}}); status != http.StatusForbidden {
		t.Errorf("sign-out with a wrong token: %d", status)
	}
	if status, _, h := b.post("/keluar", url.Values{"csrf": {token(t, page)}}); status != http.StatusSeeOther || h.Get("Location") != "/masuk" {
		t.Errorf("sign-out: %d %s", status, h.Get("Location"))
	}
	if status, _, _ := b.get("/temuan"); status != http.StatusSeeOther {
		t.Errorf("after sign-out: %d", status)
	}
}

func TestSignInThrottledShowsMessage(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	var status int
	var body string
	for range 6 {
		_, page, _ := b.get("/masuk")
		status, body, _ = b.post("/masuk", url.Values{"csrf": {token(t, page)}, "email": {"manager@kalselprov.go.id"}, "password": {"salah"}})
	}
	if status != http.StatusTooManyRequests || !strings.Contains(body, "Terlalu banyak percobaan gagal") {
		t.Errorf("throttled: %d\n%.600s", status, body)
	}
}

func TestFindingPagesEscapeAndScope(t *testing.T) {
	s := newSite(t)
	mine, _ := s.issued(`<script>alert("xss")</script> SK tim risiko`, s.unitA, "officer")
	var unitB int64
	for _, p := range s.people {
		if p.Role == identity.RoleOfficer && p.UnitID != s.unitA {
			unitB = p.UnitID
		}
	}
	other, _ := s.issued("Temuan Bappeda", unitB, "officerB")
	b := s.browser()
	b.signIn("officer")
	status, page, _ := b.get(fmt.Sprintf("/temuan/%d", mine))
	if status != 200 {
		t.Fatalf("own finding: %d", status)
	}
	if strings.Contains(page, `<script>alert`) || !strings.Contains(page, `&lt;script&gt;alert(&#34;xss&#34;)&lt;/script&gt;`) {
		t.Errorf("the title is not shown as text:\n%s", page)
	}
	if status, page, _ := b.get(fmt.Sprintf("/temuan/%d", other)); status != http.StatusNotFound || strings.Contains(page, "Temuan Bappeda") {
		t.Errorf("another unit's finding by URL: %d", status)
	}
	_, list, _ := b.get("/temuan")
	if strings.Contains(list, "Temuan Bappeda") || !strings.Contains(list, "SK tim risiko") {
		t.Errorf("the list shows what the officer may not see, or hides theirs")
	}
	if status, _, _ := b.get("/temuan?c=dirusak"); status != http.StatusBadRequest {
		t.Errorf("a tampered page link: %d", status)
	}
	if status, body, _ := b.get("/temuan?q=" + strings.Repeat("kata+", 11)); status != http.StatusUnprocessableEntity || !strings.Contains(body, "field-error") {
		t.Errorf("a bad filter: %d", status)
	}
	// The pages answer in English when asked.
	if status, _, h := b.get("/bahasa?ke=en&kembali=https://evil.example/"); status != http.StatusSeeOther || h.Get("Location") != "/temuan" {
		t.Errorf("language switch: %d %q (no open redirect)", status, h.Get("Location"))
	}
	if _, page, _ := b.get("/temuan"); !strings.Contains(page, "Sign out") {
		t.Errorf("English was not kept")
	}
}

// postFile posts a multipart form as a browser sends it: fields in their
// order (name, value), then the file as the part named file.
func (b *browser) postFile(path string, fields [][2]string, fileName string, content []byte) (int, string, http.Header) {
	b.s.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, f := range fields {
		mw.WriteField(f[0], f[1])
	}
	fw, _ := mw.CreateFormFile("file", fileName)
	fw.Write(content)
	mw.Close()
	resp, err := b.c.Post(b.s.srv.URL+path, mw.FormDataContentType(), &body)
	if err != nil {
		b.s.t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(page), resp.Header
}

// upload sends an SK through an action card's upload form, the token
// first, and returns where it was sent on.
func (b *browser) upload(action int64, csrf, fileName string, content []byte) string {
	b.s.t.Helper()
	status, _, h := b.postFile(fmt.Sprintf("/tindak-lanjut/%d/bukti", action), [][2]string{{"csrf", csrf}, {"kind", "sk"},
		{"title", "SK Gubernur tentang Tim Manajemen Risiko SPBE"}, {"doc_number", "188.44/0123/KUM/2024"},
		{"doc_date", "2024-08-20"}, {"signer", "Gubernur Kalimantan Selatan"}}, fileName, content)
	if status != http.StatusSeeOther {
		b.s.t.Fatalf("upload: %d", status)
	}
	return h.Get("Location")
}

func TestTransitionsAndUploadThroughForms(t *testing.T) {
	s := newSite(t)
	id, action := s.issued("SK tim manajemen risiko belum ditetapkan", s.unitA, "officer")
	officer := s.browser()
	officer.signIn("officer")
	_, page, _ := officer.get(fmt.Sprintf("/temuan/%d", id))
	if strings.Contains(page, `value="submit"`) {
		t.Errorf("an officer is offered a transition")
	}
	// Upload an SK through the form: the token is its first part.
	pdf := evidencetest.PDF("SK", 4000)
	_, page, _ = officer.get(officer.upload(action, token(t, page), "SK Gubernur.pdf", pdf))
	if !strings.Contains(page, "Bukti dukung diunggah.") || !strings.Contains(page, "SK Gubernur.pdf") {
		t.Errorf("the page does not show the upload")
	}
	link := regexp.MustCompile(`href="(/bukti/\d+)"`).FindStringSubmatch(page)
	if link == nil {
		t.Fatal("no download link")
	}
	_, got, h := officer.get(link[1])
	if got != string(pdf) || h.Get("Content-Type") != evidence.PDF {
		t.Errorf("download: %d bytes, %s", len(got), h.Get("Content-Type"))
	}
	// Without the token first, nothing is received.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("kind", "sk")
	mw.Close()
	resp, _ := officer.c.Post(fmt.Sprintf("%s/tindak-lanjut/%d/bukti", s.srv.URL, action), mw.FormDataContentType(), &body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("upload without token: %d", resp.StatusCode)
	}

	if _, err := s.findings.CompleteAction(context.Background(), s.people["officer"], action, 1, "SK ditetapkan"); err != nil {
		t.Fatal(err)
	}
	manager := s.browser()
	manager.signIn("manager")
	_, page, _ = manager.get(fmt.Sprintf("/temuan/%d", id))
	if !strings.Contains(page, `value="submit"`) {
		t.Fatalf("the manager is not offered submit")
	}
	version := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(page)[1]
	status, _, h := manager.post(fmt.Sprintf("/temuan/%d/transisi", id), url.Values{"csrf": {token(t, page)}, "verb": {"submit"}, "version": {version}})
	if status != http.StatusSeeOther {
		t.Fatalf("submit: %d", status)
	}
	_, page, _ = manager.get(h.Get("Location"))
	if !strings.Contains(page, "Menunggu verifikasi") {
		t.Errorf("after submit the state is not shown")
	}
	// A stale form: 409 shown on the page, not a crash.
	status, page, _ = manager.post(fmt.Sprintf("/temuan/%d/transisi", id), url.Values{"csrf": {token(t, page)}, "verb": {"submit"}, "version": {version}})
	if status != http.StatusConflict || !strings.Contains(page, `class="error"`) {
		t.Errorf("stale submit: %d", status)
	}
	// The auditor rejects without a reason (422 next to the field), then with one.
	auditor := s.browser()
	auditor.signIn("auditor")
	_, page, _ = auditor.get(fmt.Sprintf("/temuan/%d", id))
	version = regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(page)[1]
	status, page, _ = auditor.post(fmt.Sprintf("/temuan/%d/transisi", id), url.Values{"csrf": {token(t, page)}, "verb": {"reject"}, "version": {version}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(page, "field-error") {
		t.Errorf("reject without reason: %d", status)
	}
	// The reject form offers the done action back to its assignee; a
	// tampered or foreign action is refused and changes nothing.
	if !strings.Contains(page, fmt.Sprintf(`name="reopen_action_ids" value="%d"`, action)) {
		t.Errorf("the reject form does not offer the done action")
	}
	if status, _, _ := auditor.post(fmt.Sprintf("/temuan/%d/transisi", id), url.Values{"csrf": {token(t, page)}, "verb": {"reject"},
		"version": {version}, "reason": {"x"}, "reopen_action_ids": {"abc"}}); status != http.StatusBadRequest {
		t.Errorf("a tampered action: %d", status)
	}
	status, page2, _ := auditor.post(fmt.Sprintf("/temuan/%d/transisi", id), url.Values{"csrf": {token(t, page)}, "verb": {"reject"},
		"version": {version}, "reason": {"x"}, "reopen_action_ids": {"999999"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(page2, "bukan bagian dari temuan ini") {
		t.Errorf("a foreign action: %d", status)
	}
	status, _, _ = auditor.post(fmt.Sprintf("/temuan/%d/transisi", id), url.Values{"csrf": {token(t, page)}, "verb": {"reject"},
		"version": {version}, "reason": {"Lampirkan SK yang sudah ditandatangani"}, "reopen_action_ids": {fmt.Sprint(action)}})
	if status != http.StatusSeeOther {
		t.Errorf("reject: %d", status)
	}
	if _, officerPage, _ := officer.get(fmt.Sprintf("/temuan/%d", id)); !strings.Contains(officerPage, "Belum selesai") ||
		!strings.Contains(officerPage, fmt.Sprintf(`/tindak-lanjut/%d/selesai`, action)) {
		t.Errorf("the reopened action is not the officer's to do again")
	}
	_, page, _ = auditor.get(fmt.Sprintf("/temuan/%d", id))
	if !strings.Contains(page, "Lampirkan SK yang sudah ditandatangani") || !strings.Contains(page, "Bukti dukung diunggah · Pak officer") {
		t.Errorf("the timeline does not show the reason")
	}
}
