// Package web is the server-rendered interface for civil servants: pages
// from templates/web (html/template, parsed once at start), a session
// cookie backed by the same token store as the API, CSRF protection on
// every form, Bahasa Indonesia first and English per user. It works
// without JavaScript. Handlers bind, call one service method and render;
// the services decide who may do what.
package web

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/date"
	"github.com/tindaklanjut/tindaklanjut/internal/evidence"
	"github.com/tindaklanjut/tindaklanjut/internal/finding"
	"github.com/tindaklanjut/tindaklanjut/internal/framework"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
	"github.com/tindaklanjut/tindaklanjut/internal/importer"
	"github.com/tindaklanjut/tindaklanjut/internal/notify"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
	"github.com/tindaklanjut/tindaklanjut/internal/report"
	"github.com/tindaklanjut/tindaklanjut/templates"
)

// Options are the services the pages call.
type Options struct {
	Identity *identity.Service
	Findings *finding.Service
	Evidence evidence.Store
	// Reports gives the dashboard's counts and the matrix downloads.
	Reports *report.Service
	// Imports brings registers into reviews (the import pages).
	Imports *importer.Service
	// Letterhead heads the printed reports (PDF).
	Letterhead  report.Letterhead
	UploadLimit int64
	// Frameworks and Assessments serve the assessment pages, Outbox the
	// notifications page; pages whose service is nil are not mounted.
	Frameworks  *framework.Store
	Assessments *framework.Assessments
	Outbox      *notify.Outbox
	// Secret signs CSRF tokens and list cursors; all replicas share it.
	Secret   []byte
	TimeZone *time.Location
	Logger   *slog.Logger
}

// Web is the web interface.
type Web struct {
	identity    *identity.Service
	findings    *finding.Service
	evidence    evidence.Store
	uploadLimit int64
	frameworks  *framework.Store
	assessments *framework.Assessments
	outbox      *notify.Outbox
	reports     *report.Service
	imports     *importer.Service
	letterhead  report.Letterhead
	secret      []byte
	tz          *time.Location
	log         *slog.Logger
	pages       map[string]*template.Template
}

// pageNames are the pages; each is parsed with layout.html.
var pageNames = []string{"signin", "dashboard", "findings", "finding", "form", "error", "reviews",
	"assessments", "assessment", "assessment_form", "admin", "admin_units", "admin_users", "admin_apps", "admin_outbox", "admin_models", "admin_mapping",
	"admin_calendar", "review_import", "preferences", "unit_counts"}

// New parses every page: a missing or broken template fails the start.
func New(opts Options) (*Web, error) {
	w := &Web{identity: opts.Identity, findings: opts.Findings, evidence: opts.Evidence, uploadLimit: opts.UploadLimit,
		frameworks: opts.Frameworks, assessments: opts.Assessments, outbox: opts.Outbox, reports: opts.Reports, imports: opts.Imports, letterhead: opts.Letterhead,
		secret: opts.Secret, tz: opts.TimeZone, log: opts.Logger, pages: map[string]*template.Template{}}
	if w.tz == nil {
		w.tz = time.UTC
	}
	if w.uploadLimit <= 0 {
		w.uploadLimit = evidence.DefaultMaxSize
	}
	if w.reports == nil {
		return nil, errors.New("web: the dashboard needs the report service")
	}
	if len(w.secret) < 16 {
		return nil, errors.New("web: a secret of at least 16 bytes is needed")
	}
	for _, name := range pageNames {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templates.Web, "web/layout.html", "web/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("web: page %s: %w", name, err)
		}
		w.pages[name] = t
	}
	if extra, err := fs.Glob(templates.Web, "web/*.html"); err == nil && len(extra) != len(pageNames)+1 {
		return nil, fmt.Errorf("web: templates/web holds %d pages; the code knows %d", len(extra)-1, len(pageNames))
	}
	return w, nil
}

// funcs are the templates' helpers.
var funcs = template.FuncMap{
	"t": func(lang Lang, key string, args ...any) string { return T(lang, key, args...) },
	"date": func(lang Lang, d date.Date) string {
		if d.IsZero() {
			return "—"
		}
		return FormatDate(lang, d)
	},
	"when": func(lang Lang, t time.Time) string { return FormatDate(lang, date.New(t.Date())) + t.Format(" 15.04") },
	// workdays writes the working days left until a due date (nil: none).
	"workdays": func(lang Lang, n *int) string {
		switch {
		case n == nil:
			return ""
		case *n == 0:
			return T(lang, "wd.today")
		case *n > 0:
			return T(lang, "wd.left", *n)
		}
		return T(lang, "wd.late", -*n)
	},
	// extform is the data of the "extform" template: an extension
	// request's form, named form, posting to action.
	"extform": func(v *view, form, action string) any {
		return struct {
			V            *view
			Form, Action string
		}{v, form, action}
	},
	"join": strings.Join,
	"list": func(s ...string) []string { return s },
	"in":   func(list []string, s string) bool { return slices.Contains(list, s) },
	"size": FormatSize,
	// paging is the data of the "pager" template: a list's page links.
	"paging": func(lang Lang, p pager) any {
		return struct {
			Lang        Lang
			First, Next string
		}{lang, p.First, p.Next}
	},
	"has": func(verbs []finding.Verb, v string) bool {
		for _, x := range verbs {
			if string(x) == v {
				return true
			}
		}
		return false
	},
}

// Register mounts the pages on e.
func (w *Web) Register(e *echo.Echo) {
	e.GET("/masuk", w.page(w.signinForm))
	e.POST("/masuk", w.page(w.signin))
	e.GET("/bahasa", w.page(w.switchLang))
	// Not an echo.Group with middleware: that would add a catch-all route
	// and send every unknown path, the API's included, to the sign-in
	// page instead of a 404.
	g := signedIn{e: e, session: w.session}
	g.POST("/keluar", w.page(w.signout))
	g.POST("/bahasa", w.page(w.chooseLang))
	g.GET("/", w.page(w.dashboard))
	g.GET("/temuan", w.page(w.findingList))
	g.GET("/laporan/matriks", w.page(w.matrixDownload))
	g.GET("/laporan/unit", w.page(w.unitCounts))
	g.GET("/temuan/baru", w.page(w.findingForm))
	g.GET("/temuan/:id/ubah", w.page(w.findingEditForm))
	g.POST("/temuan/:id/ubah", w.page(w.findingEdit))
	g.POST("/temuan/baru", w.page(w.findingCreate))
	g.GET("/reviu", w.page(w.reviewList))
	g.GET("/reviu/baru", w.page(w.reviewForm))
	g.POST("/reviu/baru", w.page(w.reviewCreate))
	g.GET("/reviu/:id/ubah", w.page(w.reviewEditForm))
	g.POST("/reviu/:id/ubah", w.page(w.reviewEdit))
	if w.imports != nil {
		g.GET("/reviu/:id/impor", w.page(w.importForm))
		g.POST("/reviu/:id/impor", w.page(w.importUpload))
		g.GET("/reviu/:id/impor/:upload", w.page(w.importPreview))
		g.POST("/reviu/:id/impor/:upload", w.page(w.importConfirm))
		g.GET("/impor/templat", w.page(w.importTemplate))
	}
	g.POST("/temuan/:id/tindak-lanjut", w.page(w.actionAssign))
	g.POST("/tindak-lanjut/:id/selesai", w.page(w.actionComplete))
	g.POST("/tindak-lanjut/:id/ubah", w.page(w.actionEdit))
	g.GET("/temuan/:id", w.page(w.findingPage))
	g.POST("/temuan/:id/transisi", w.page(w.findingTransition))
	g.POST("/tindak-lanjut/:id/bukti", w.page(w.evidenceUpload))
	g.GET("/bukti/:id", w.page(w.evidenceDownload))
	g.POST("/bukti/:id/hapus", w.page(w.evidenceRemove))
	g.POST("/temuan/:id/komentar", w.page(w.findingComment))
	g.POST("/tindak-lanjut/:id/perpanjangan", w.page(w.actionExtension))
	g.POST("/temuan/:id/perpanjangan", w.page(w.findingExtension))
	g.POST("/perpanjangan/:id/keputusan", w.page(w.extensionDecision))
	g.GET("/preferensi", w.page(w.preferencesShow))
	g.POST("/preferensi", w.page(w.preferencesSave))
	w.registerAssessments(g)
	w.registerAdmin(g)
}

// view is what every page is rendered with.
type view struct {
	Lang       Lang
	Title      string
	Crumbs     []crumb
	User       *identity.User
	CSRF       string
	Flash      string
	Error      string
	FieldError map[string]string
	// Values are what the user typed into a form that is shown again.
	Values map[string]string
	Path   string
	Page   any
}

type crumb struct{ Label, Href string }

// handler is a page handler: it renders or redirects, or returns an error
// that page turns into an error page.
type handler func(c echo.Context, v *view) error

// page wraps h: it prepares the view, and renders errors as pages with
// their status, in the user's language, never with internals.
func (w *Web) page(h handler) echo.HandlerFunc {
	return func(c echo.Context) error {
		v := &view{Lang: langOf(c), Path: c.Request().URL.RequestURI(), FieldError: map[string]string{}}
		if u, ok := c.Get("user").(identity.User); ok {
			v.User = &u
			v.CSRF = w.csrfToken(c)
		}
		c.Response().Header().Set("Cache-Control", "no-store")
		c.Response().Header().Set("X-Frame-Options", "DENY")
		c.Response().Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'")
		err := h(c, v)
		if err == nil {
			return nil
		}
		return w.renderError(c, v, err)
	}
}

// statusOf maps a domain error kind to its HTTP status (as the API does).
func statusOf(err error) int {
	switch apperr.KindOf(err) {
	case apperr.Malformed:
		return http.StatusBadRequest
	case apperr.Unauthenticated:
		return http.StatusUnauthorized
	case apperr.Forbidden:
		return http.StatusForbidden
	case apperr.NotFound:
		return http.StatusNotFound
	case apperr.Conflict:
		return http.StatusConflict
	case apperr.Invalid:
		return http.StatusUnprocessableEntity
	case apperr.TooManyRequests:
		return http.StatusTooManyRequests
	case apperr.TooLarge:
		return http.StatusRequestEntityTooLarge
	case apperr.Unsupported:
		return http.StatusUnsupportedMediaType
	case apperr.Unavailable:
		return http.StatusServiceUnavailable
	case apperr.InsufficientStorage:
		return http.StatusInsufficientStorage
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		return he.Code
	}
	return http.StatusInternalServerError
}

// renderError answers err as an error page.
func (w *Web) renderError(c echo.Context, v *view, err error) error {
	cause := err
	err = postgres.UnavailableError(err)
	status := statusOf(err)
	switch {
	case status == http.StatusServiceUnavailable:
		w.log.Error("page failed: unavailable", "path", c.Request().URL.Path, "error", cause.Error())
		c.Response().Header().Set("Retry-After", fmt.Sprint(int(postgres.RetryUnavailable.Seconds())))
	case status >= 500:
		w.log.Error("page failed", "path", c.Request().URL.Path, "error", err.Error())
	}
	msg := T(v.Lang, fmt.Sprintf("error.%d", status))
	if errors.Is(err, errCSRF) {
		msg = T(v.Lang, "error.csrf")
	} else if detail := errorMessage(v.Lang, err); detail != "" && status < 500 {
		msg += " " + detail
		// A form that has no place for a field's message (a hidden field
		// tampered with) shows it here.
		for _, fe := range errFields(err) {
			msg += " " + fe.Field + ": " + fieldMessage(v.Lang, fe) + "."
		}
	}
	v.Title = T(v.Lang, "error.title")
	v.Crumbs = []crumb{{T(v.Lang, "home"), "/"}, {v.Title, ""}}
	v.Error = msg
	return w.render(c, status, "error", v)
}

// pageBuffers are render's buffers, reused: a page is built whole, then
// written (and copied or compressed on the way) before render returns, so
// that each view does not grow a new buffer to the page's size.
var pageBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// render writes page name with v.
func (w *Web) render(c echo.Context, status int, name string, v *view) error {
	buf := pageBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= 1<<20 {
			pageBuffers.Put(buf)
		}
	}()
	if err := w.pages[name].Execute(buf, v); err != nil {
		w.log.Error("render page", "page", name, "error", err.Error())
		return c.String(http.StatusInternalServerError, T(v.Lang, "error.500"))
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// --- language ----------------------------------------------------------------

const langCookie = "tl_lang"

// langOf is the language of the page: the browser's choice (a cookie),
// else the signed-in user's, else Bahasa Indonesia.
func langOf(c echo.Context) Lang {
	if ck, err := c.Cookie(langCookie); err == nil && (ck.Value == string(EN) || ck.Value == string(ID)) {
		return Lang(ck.Value)
	}
	if u, ok := c.Get("user").(identity.User); ok && u.Lang == string(EN) {
		return EN
	}
	return ID
}

// setLangCookie makes lang this browser's language.
func setLangCookie(c echo.Context, lang Lang) {
	c.SetCookie(&http.Cookie{Name: langCookie, Value: string(lang), Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: secure(c)})
}

// switchLang sets the language of a browser before sign-in (the sign-in
// page's link) and goes back where the user was. It changes nothing but
// the browser's cookie, so a GET is fine.
func (w *Web) switchLang(c echo.Context, v *view) error {
	lang := ID
	if c.QueryParam("ke") == string(EN) {
		lang = EN
	}
	setLangCookie(c, lang)
	return c.Redirect(http.StatusSeeOther, safeReturn(c.QueryParam("kembali"), "/temuan"))
}

// chooseLang records a signed-in user's language, for this browser and
// every one they sign in from later, and goes back where they were.
func (w *Web) chooseLang(c echo.Context, v *view) error {
	lang := Lang(c.FormValue("ke"))
	if err := w.identity.SetLanguage(contextOf(c), principalOf(c), string(lang)); err != nil {
		return err
	}
	setLangCookie(c, lang)
	return c.Redirect(http.StatusSeeOther, safeReturn(c.FormValue("kembali"), "/"))
}

// safeReturn is target if it is a path on this site, else fallback: no
// open redirect.
func safeReturn(target, fallback string) string {
	u, err := url.Parse(target)
	if err != nil || target == "" || u.IsAbs() || u.Host != "" || !strings.HasPrefix(target, "/") ||
		strings.HasPrefix(target, "//") || strings.HasPrefix(target, "/\\") {
		return fallback
	}
	return target
}

// secure reports whether the request came over HTTPS (directly, or
// through a proxy that says so and that the service trusts).
func secure(c echo.Context) bool { return c.Scheme() == "https" }

// --- signed values -----------------------------------------------------------

// sign returns a MAC of parts under the service's secret.
func (w *Web) sign(parts ...string) string {
	m := hmac.New(sha256.New, w.secret)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:24])
}

// encodeCursor signs a list position for a URL.
func (w *Web) encodeCursor(cur finding.Cursor) string {
	b, _ := json.Marshal(cur)
	body := base64.RawURLEncoding.EncodeToString(b)
	return body + "." + w.sign("cursor", body)
}

// decodeCursor reads a cursor from a URL; a tampered one is Malformed.
func (w *Web) decodeCursor(s string) (*finding.Cursor, error) {
	if s == "" {
		return nil, nil
	}
	body, mac, ok := strings.Cut(s, ".")
	var cur finding.Cursor
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if !ok || err != nil || !hmac.Equal([]byte(mac), []byte(w.sign("cursor", body))) || json.Unmarshal(raw, &cur) != nil {
		return nil, apperr.E(apperr.Malformed, "The page link is not valid.")
	}
	return &cur, nil
}

// contextOf is the request's context.
func contextOf(c echo.Context) context.Context { return c.Request().Context() }

// router is where pages register their routes.
type router interface {
	GET(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route
	POST(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route
}

// signedIn registers routes behind the session middleware.
type signedIn struct {
	e       *echo.Echo
	session echo.MiddlewareFunc
}

func (s signedIn) GET(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return s.e.GET(path, h, append([]echo.MiddlewareFunc{s.session}, m...)...)
}

func (s signedIn) POST(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return s.e.POST(path, h, append([]echo.MiddlewareFunc{s.session}, m...)...)
}
