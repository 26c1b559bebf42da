package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tindaklanjut/tindaklanjut/internal/api"
	"github.com/tindaklanjut/tindaklanjut/internal/dbtest"
	"github.com/tindaklanjut/tindaklanjut/internal/evidence"
	"github.com/tindaklanjut/tindaklanjut/internal/evidence/evidencetest"
	"github.com/tindaklanjut/tindaklanjut/internal/finding"
	"github.com/tindaklanjut/tindaklanjut/internal/framework"
	"github.com/tindaklanjut/tindaklanjut/internal/idempotency"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
	"github.com/tindaklanjut/tindaklanjut/internal/importer"
	"github.com/tindaklanjut/tindaklanjut/internal/notify"
	"github.com/tindaklanjut/tindaklanjut/internal/report"
	"github.com/tindaklanjut/tindaklanjut/internal/server"
	"github.com/tindaklanjut/tindaklanjut/internal/web"
)

// sessionOf is the browser's session cookie, or "".
func (b *browser) sessionOf() string {
	u, _ := url.Parse(b.s.srv.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == "tl_session" {
			return c.Value
		}
	}
	return ""
}

// cookieValues are the values of every cookie the browser would send to
// the sign-in form (which sees the form's own cookie as well as the site's).
func (b *browser) cookieValues() []string {
	u, _ := url.Parse(b.s.srv.URL + "/masuk")
	var out []string
	for _, c := range b.c.Jar.Cookies(u) {
		out = append(out, c.Value)
	}
	return out
}

// signedIn reports whether session is a live session: a page opens with it.
func (s *site) signedIn(session string) bool {
	s.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.srv.URL+"/temuan", nil)
	req.AddCookie(&http.Cookie{Name: "tl_session", Value: session})
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		s.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// TestSignInRotatesTheSession: whatever session cookie a browser brings to
// the sign-in (its own earlier session, one planted by someone else who
// knows its value, a made-up one), the session it leaves with is a new
// value, and the one it brought no longer opens a page.
func TestSignInRotatesTheSession(t *testing.T) {
	s := newSite(t)
	attacker := s.browser()
	attacker.signIn("officerB")
	planted := attacker.sessionOf()
	if !s.signedIn(planted) {
		t.Fatal("the attacker's own session does not work")
	}

	for _, tt := range []struct {
		name   string
		before func(b *browser) string // the cookie the browser brings
	}{
		{"its own earlier session", func(b *browser) string { b.signIn("officer"); return b.sessionOf() }},
		{"a planted live session", func(b *browser) string { return planted }},
		{"a made-up value", func(b *browser) string { return "tl_dibuat-buat-oleh-penyerang" }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := s.browser()
			old := tt.before(b)
			u, _ := url.Parse(s.srv.URL)
			b.c.Jar.SetCookies(u, []*http.Cookie{{Name: "tl_session", Value: old, Path: "/"}})
			_, page, _ := b.get("/masuk")
			before := b.cookieValues()
			if !slices.Contains(before, old) || len(before) < 2 {
				t.Fatalf("before sign-in the browser holds %v; want the session brought and the form's cookie", before)
			}
			b.signIn("manager")
			got := b.sessionOf()
			if got == "" || slices.Contains(before, got) {
				t.Errorf("the session after sign-in %q is one of the values held before %v", got, before)
			}
			if !s.signedIn(got) {
				t.Errorf("the new session does not open a page")
			}
			if s.signedIn(old) {
				t.Errorf("the session brought to the sign-in still opens a page")
			}
			if _, page2, _ := b.get("/temuan"); !strings.Contains(page2, "Pak manager") || page2 == page {
				t.Errorf("after sign-in the browser is not the manager's")
			}
		})
	}
}

// securitySite is the whole service's HTTP side (server, API and pages) on
// a fresh database, with baseURL as its public address.
func securitySite(t *testing.T, baseURL string) *httptest.Server {
	t.Helper()
	db := dbtest.New(t)
	ids := identity.NewService(db, time.Now, identity.DefaultSettings)
	fs := finding.NewService(db, time.Now, wita)
	store, err := evidence.NewFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := server.New(server.Options{Logger: log, Registry: prometheus.NewRegistry(), BaseURL: baseURL,
		ErrorHandler: api.NewErrorHandler(log, func(r *http.Request) string { return server.RequestID(r.Context()) })})
	api.New(api.Options{Identity: ids, Idempotency: idempotency.NewStore(db, time.Now), Frameworks: framework.NewStore(db),
		Assessments: framework.NewAssessments(db, time.Now), Findings: fs, CursorKey: []byte("kunci-kursor-uji-yang-panjang!!!"),
		TimeZone: wita, Reports: report.NewService(db, 1000), Evidence: store, UploadLimit: 1 << 20,
		Outbox: notify.NewOutbox(db, time.Now), Imports: importer.NewService(db, fs, importer.DefaultLimits)}).Register(srv.Echo())
	w, err := web.New(web.Options{Identity: ids, Findings: fs, Evidence: store, UploadLimit: 1 << 20,
		Reports: report.NewService(db, 1000), Assessments: framework.NewAssessments(db, time.Now), Frameworks: framework.NewStore(db),
		Outbox: notify.NewOutbox(db, time.Now), Secret: []byte("rahasia-uji-yang-cukup-panjang!!"), TimeZone: wita, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	w.Register(srv.Echo())
	ts := httptest.NewServer(srv.Echo())
	t.Cleanup(ts.Close)
	if _, err := identity.EnsureAdmin(context.Background(), db, "admin@kalselprov.go.id", password); err != nil {
		t.Fatal(err)
	}
	return ts
}

// checkSecurityHeaders fails the test for an answer without the headers
// every answer carries, or with HSTS where it does not belong.
func checkSecurityHeaders(t *testing.T, where string, h http.Header, wantHSTS bool) {
	t.Helper()
	if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("%s: X-Content-Type-Options = %q", where, got)
	}
	if got := h.Get("Referrer-Policy"); got != "same-origin" && got != "strict-origin-when-cross-origin" && got != "no-referrer" {
		t.Errorf("%s: Referrer-Policy = %q", where, got)
	}
	for _, feature := range []string{"camera=()", "microphone=()", "geolocation=()", "payment=()"} {
		if !strings.Contains(h.Get("Permissions-Policy"), feature) {
			t.Errorf("%s: Permissions-Policy %q lacks %s", where, h.Get("Permissions-Policy"), feature)
		}
	}
	hsts := h.Get("Strict-Transport-Security")
	if wantHSTS && hsts != "max-age=31536000; includeSubDomains" || !wantHSTS && hsts != "" {
		t.Errorf("%s: Strict-Transport-Security = %q (wanted: %v)", where, hsts, wantHSTS)
	}
}

// TestSecurityHeadersOnEveryKindOfAnswer asks the assembled service for
// one answer of each kind, with an https and an http public address.
func TestSecurityHeadersOnEveryKindOfAnswer(t *testing.T) {
	for _, base := range []struct {
		url   string
		https bool
	}{{"https://tindaklanjut.kalselprov.go.id", true}, {"http://localhost:8080", false}} {
		t.Run(base.url, func(t *testing.T) {
			ts := securitySite(t, base.url)
			client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			do := func(req *http.Request) (*http.Response, string) {
				t.Helper()
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				body, _ := io.ReadAll(resp.Body)
				return resp, string(body)
			}

			// Sign in through the form, by hand: over the test's plain
			// HTTP a cookie jar would keep back Secure cookies.
			signinReq, _ := http.NewRequest(http.MethodGet, ts.URL+"/masuk", nil)
			resp, page := do(signinReq)
			var formCookie *http.Cookie
			for _, c := range resp.Cookies() {
				if c.Name == "tl_signin" {
					formCookie = c
				}
			}
			csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
			if formCookie == nil || csrf == nil {
				t.Fatalf("the sign-in page has no form token")
			}
			form := url.Values{"csrf": {csrf[1]}, "email": {"admin@kalselprov.go.id"}, "password": {password}}
			post, _ := http.NewRequest(http.MethodPost, ts.URL+"/masuk", strings.NewReader(form.Encode()))
			post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			post.AddCookie(formCookie)
			resp, _ = do(post)
			checkSecurityHeaders(t, "POST /masuk", resp.Header, base.https)
			var session *http.Cookie
			for _, c := range resp.Cookies() {
				if c.Name == "tl_session" {
					session = c
				}
			}
			if resp.StatusCode != http.StatusSeeOther || session == nil {
				t.Fatalf("sign-in: %d, session %v", resp.StatusCode, session)
			}
			for _, c := range resp.Cookies() {
				if c.Secure != base.https {
					t.Errorf("cookie %s: Secure = %v; want %v", c.Name, c.Secure, base.https)
				}
			}

			tokenReq, _ := http.NewRequest(http.MethodPost, ts.URL+"/api/v1/auth/token",
				strings.NewReader(`{"email":"admin@kalselprov.go.id","password":"`+password+`"}`))
			tokenReq.Header.Set("Content-Type", "application/json")
			resp, body := do(tokenReq)
			bearer := regexp.MustCompile(`"token":"([^"]+)"`).FindStringSubmatch(body)
			if resp.StatusCode != 200 || bearer == nil {
				t.Fatalf("API sign-in: %d %s", resp.StatusCode, body)
			}

			for _, tt := range []struct {
				name, path string
				auth       string // "session", "bearer" or none
				status     int
				typ        string
			}{
				{"API JSON", "/api/v1/me", "bearer", 200, "application/json"},
				{"API problem 404", "/api/v1/findings/987654", "bearer", 404, "application/problem+json"},
				{"API problem 401", "/api/v1/me", "", 401, "application/problem+json"},
				{"no such path", "/tidak-ada", "", 404, "application/problem+json"},
				{"web page", "/temuan", "session", 200, "text/html"},
				{"web error page", "/temuan/987654", "session", 404, "text/html"},
				{"sign-in page", "/masuk", "", 200, "text/html"},
				{"sign-in redirect", "/temuan", "", 303, ""},
				{"healthz", "/healthz", "", 200, "application/json"},
			} {
				req, _ := http.NewRequest(http.MethodGet, ts.URL+tt.path, nil)
				switch tt.auth {
				case "session":
					req.AddCookie(&http.Cookie{Name: "tl_session", Value: session.Value})
				case "bearer":
					req.Header.Set("Authorization", "Bearer "+bearer[1])
				}
				resp, _ := do(req)
				where := tt.name + " GET " + tt.path
				if resp.StatusCode != tt.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), tt.typ) {
					t.Errorf("%s: %d %q; want %d %q", where, resp.StatusCode, resp.Header.Get("Content-Type"), tt.status, tt.typ)
				}
				checkSecurityHeaders(t, where, resp.Header, base.https)
			}
		})
	}
}

// TestSecurityHeadersOnEvidenceDownload: a document downloaded from its
// finding's page carries the headers too.
func TestSecurityHeadersOnEvidenceDownload(t *testing.T) {
	s := newSite(t)
	id, action := s.issued("SK tim manajemen risiko belum ditetapkan", s.unitA, "officer")
	officer := s.browser()
	officer.signIn("officer")
	_, page, _ := officer.get(fmt.Sprintf("/temuan/%d", id))
	pdf := evidencetest.PDF("SK", 4000)
	_, page, _ = officer.get(officer.upload(action, token(t, page), "SK Gubernur.pdf", pdf))
	link := regexp.MustCompile(`href="(/bukti/\d+)"`).FindStringSubmatch(page)
	if link == nil {
		t.Fatal("no download link")
	}
	status, got, h := officer.get(link[1])
	if status != 200 || got != string(pdf) {
		t.Fatalf("download: %d, %d bytes", status, len(got))
	}
	checkSecurityHeaders(t, "GET "+link[1], h, false)
}
