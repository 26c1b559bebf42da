package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/api"
	"github.com/tindaklanjut/tindaklanjut/internal/dbtest"
	"github.com/tindaklanjut/tindaklanjut/internal/evidence"
	"github.com/tindaklanjut/tindaklanjut/internal/finding"
	"github.com/tindaklanjut/tindaklanjut/internal/framework"
	"github.com/tindaklanjut/tindaklanjut/internal/idempotency"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
	"github.com/tindaklanjut/tindaklanjut/internal/importer"
	"github.com/tindaklanjut/tindaklanjut/internal/notify"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
	"github.com/tindaklanjut/tindaklanjut/internal/report"
	"github.com/tindaklanjut/tindaklanjut/internal/server"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

const password = "kata-sandi-uji-123"

// fixture is a running API on a fresh database with two units and a user
// of every role, signed in.
type fixture struct {
	t        testing.TB
	db       *gorm.DB
	ids      *identity.Service
	handler  http.Handler
	echo     *echo.Echo
	api      *api.API
	unitA    identity.Unit // DISKOMINFO: the managers' and officers' own unit
	unitB    identity.Unit // BAPPEDA: another unit
	users    map[string]identity.User
	tokens   map[string]string // role name → token; also "expired" and "revoked"
	logs     *strings.Builder
	settings identity.Settings
	// now is the workflow's clock: the real time unless a test sets it.
	now *atomic.Pointer[time.Time]
	// store keeps the evidence uploaded in this test.
	store    *evidence.FS
	storeDir string
}

// uploadLimit is the evidence size limit of the tests' API: small, so that
// the documents over it are quick to send.
const uploadLimit = 1 << 20

// reportMaxRows caps the tests' follow-up matrix: small, so that a test can
// select more findings than it holds.
const reportMaxRows = 25

// wita is South Kalimantan's time zone, the organisation's in these tests.
var wita = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Makassar")
	if err != nil {
		panic(err)
	}
	return loc
}()

// clock is the workflow services' clock.
func (f *fixture) clock() time.Time {
	if t := f.now.Load(); t != nil {
		return *t
	}
	return time.Now()
}

// setNow fixes the workflow's clock at t.
func (f *fixture) setNow(t time.Time) { f.now.Store(&t) }

// roles names the callers of the role matrix; manager and officer belong to
// unit A.
var roles = []string{"admin", "auditor", "manager", "officer", "viewer"}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	return newFixtureWith(t, identity.DefaultSettings)
}

func newFixtureWith(t testing.TB, settings identity.Settings) *fixture {
	t.Helper()
	ctx := context.Background()
	db := dbtest.New(t)
	f := &fixture{t: t, db: db, users: map[string]identity.User{}, tokens: map[string]string{}, logs: &strings.Builder{}, settings: settings,
		now: new(atomic.Pointer[time.Time])}
	f.ids = identity.NewService(db, time.Now, settings)
	key, err := postgres.Secret(ctx, db, "cursor_key")
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewJSONHandler(f.logs, nil))
	srv := server.New(server.Options{Logger: log, Registry: prometheus.NewRegistry(), Ready: nil,
		ErrorHandler: api.NewErrorHandler(log, func(r *http.Request) string { return server.RequestID(r.Context()) })})
	f.storeDir = t.TempDir()
	f.store, err = evidence.NewFS(f.storeDir)
	if err != nil {
		t.Fatal(err)
	}
	f.api = api.New(api.Options{Identity: f.ids, Idempotency: idempotency.NewStore(db, time.Now), Frameworks: framework.NewStore(db),
		Assessments: framework.NewAssessments(db, f.clock), Findings: finding.NewService(db, f.clock, wita), CursorKey: key, TimeZone: time.UTC,
		Reports:  report.NewService(db, reportMaxRows),
		Imports:  importer.NewService(db, finding.NewService(db, f.clock, wita), importer.DefaultLimits),
		Evidence: f.store, UploadLimit: uploadLimit, Outbox: notify.NewOutbox(db, f.clock)})
	f.api.Register(srv.Echo())
	f.handler = srv.Echo()
	f.echo = srv.Echo()

	if _, err := identity.EnsureAdmin(ctx, db, "admin@kalselprov.go.id", password); err != nil {
		t.Fatal(err)
	}
	var adminID int64
	db.Raw("SELECT id FROM users WHERE email = 'admin@kalselprov.go.id'").Scan(&adminID)
	admin := identity.Principal{UserID: adminID, Role: identity.RoleAdmin}
	f.unitA = must(f.ids.CreateUnit(ctx, admin, identity.UnitInput{Code: "DISKOMINFO", Name: "Dinas Komunikasi dan Informatika"}))
	f.unitB = must(f.ids.CreateUnit(ctx, admin, identity.UnitInput{Code: "BAPPEDA", Name: "Badan Perencanaan Pembangunan Daerah"}))
	f.users["admin"] = must(f.ids.GetUser(ctx, admin, adminID))
	for _, r := range roles[1:] {
		f.users[r] = f.addUser(admin, r+"@kalselprov.go.id", identity.Role(r), f.unitA.ID)
	}
	f.users["officerB"] = f.addUser(admin, "officer.b@kalselprov.go.id", identity.RoleOfficer, f.unitB.ID)
	for _, r := range roles {
		f.tokens[r] = f.login(f.users[r].Email)
	}
	f.tokens["revoked"] = f.login("viewer@kalselprov.go.id")
	f.do("DELETE", "/api/v1/auth/token", f.tokens["revoked"], "", nil)
	past := identity.NewService(db, func() time.Time { return time.Now().Add(-2 * settings.TokenTTL) }, settings)
	tok, err := past.Login(ctx, "viewer@kalselprov.go.id", password, identity.Client{IP: "192.0.2.9"}, identity.TokenAPI)
	if err != nil {
		t.Fatal(err)
	}
	f.tokens["expired"] = tok.Token
	return f
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func (f *fixture) admin() identity.Principal {
	return identity.Principal{UserID: f.users["admin"].ID, Role: identity.RoleAdmin, UnitID: f.users["admin"].UnitID}
}

func (f *fixture) addUser(actor identity.Principal, email string, role identity.Role, unit int64) identity.User {
	f.t.Helper()
	u, err := f.ids.CreateUser(context.Background(), &actor, identity.UserInput{
		Email: email, Name: "Pengguna " + string(role), Role: role, UnitID: unit, Password: password})
	if err != nil {
		f.t.Fatal(err)
	}
	return u
}

func (f *fixture) login(email string) string {
	f.t.Helper()
	var out struct{ Token string }
	resp := f.do("POST", "/api/v1/auth/token", "", `{"email":"`+email+`","password":"`+password+`"}`, &out)
	if resp.Code != 200 || out.Token == "" {
		f.t.Fatalf("login %s: %d %s", email, resp.Code, resp.Body)
	}
	return out.Token
}

// newRequest builds an API request from a client address, with an optional
// bearer token and JSON body.
func newRequest(method, path, token, body string) *http.Request {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, r)
	req.RemoteAddr = "192.0.2.1:4321"
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req
}

// do sends a request with an optional token and JSON body and decodes the
// answer into out when given.
func (f *fixture) do(method, path, token, body string, out any, headers ...string) *httptest.ResponseRecorder {
	f.t.Helper()
	req := newRequest(method, path, token, body)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	f.handler.ServeHTTP(rec, req)
	if out != nil && rec.Body.Len() > 0 {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			f.t.Fatalf("%s %s: decode %q: %v", method, path, rec.Body.String(), err)
		}
	}
	return rec
}

// problem decodes a problem document and checks its media type and status.
func (f *fixture) problem(rec *httptest.ResponseRecorder, status int) api.Problem {
	f.t.Helper()
	var p api.Problem
	if rec.Code != status {
		f.t.Fatalf("status = %d; want %d; body %s", rec.Code, status, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != api.ProblemContentType {
		f.t.Fatalf("Content-Type = %q; want %s (body %s)", ct, api.ProblemContentType, rec.Body)
	}
	if err := json.NewDecoder(bytes.NewReader(rec.Body.Bytes())).Decode(&p); err != nil {
		f.t.Fatal(err)
	}
	if p.Status != status || p.Title == "" || p.Type == "" {
		f.t.Errorf("problem %+v lacks status/title/type", p)
	}
	for _, leak := range []string{"SQLSTATE", "goroutine", "gorm", "pgx", "runtime/"} {
		if strings.Contains(rec.Body.String(), leak) {
			f.t.Errorf("problem leaks %q: %s", leak, rec.Body)
		}
	}
	return p
}

// fields lists the field names of a problem's errors.
func fields(p api.Problem) []string {
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Field)
	}
	return out
}
