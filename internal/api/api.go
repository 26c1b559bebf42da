package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/evidence"
	"github.com/tindaklanjut/tindaklanjut/internal/finding"
	"github.com/tindaklanjut/tindaklanjut/internal/framework"
	"github.com/tindaklanjut/tindaklanjut/internal/idempotency"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
	"github.com/tindaklanjut/tindaklanjut/internal/importer"
	"github.com/tindaklanjut/tindaklanjut/internal/notify"
	"github.com/tindaklanjut/tindaklanjut/internal/report"
)

// Prefix is the base path of the API.
const Prefix = "/api/v1"

// Options are the services the API calls.
type Options struct {
	Identity    *identity.Service
	Idempotency *idempotency.Store
	Frameworks  *framework.Store
	Assessments *framework.Assessments
	Findings    *finding.Service
	// Reports computes the summary and the follow-up matrix.
	Reports *report.Service
	// Imports brings registers kept in spreadsheets into reviews.
	Imports *importer.Service
	// Letterhead heads the printed reports (PDF).
	Letterhead report.Letterhead
	// Evidence stores the documents uploaded as evidence.
	Evidence evidence.Store
	// UploadLimit is the largest document accepted, in bytes.
	UploadLimit int64
	// Outbox is the notifications' outbox (admins read and retry it).
	Outbox *notify.Outbox
	// CursorKey signs list cursors; all replicas must share it.
	CursorKey []byte
	// TimeZone renders instants in the organisation's zone.
	TimeZone *time.Location
}

// API is the JSON API. Handlers bind, call one service method and render;
// they never check roles themselves (the identity policy does).
type API struct {
	identity    *identity.Service
	idem        *idempotency.Store
	frameworks  *framework.Store
	assess      *framework.Assessments
	findings    *finding.Service
	reports     *report.Service
	imports     *importer.Service
	letterhead  report.Letterhead
	evidence    evidence.Store
	uploadLimit int64
	cursors     cursorCodec
	tz          *time.Location
	routes      []route
	outbox      *notify.Outbox
}

// New builds the API.
func New(opts Options) *API {
	a := &API{identity: opts.Identity, idem: opts.Idempotency, frameworks: opts.Frameworks,
		assess: opts.Assessments, findings: opts.Findings, reports: opts.Reports, imports: opts.Imports, letterhead: opts.Letterhead, evidence: opts.Evidence, uploadLimit: opts.UploadLimit,
		outbox: opts.Outbox, cursors: cursorCodec{key: opts.CursorKey}, tz: opts.TimeZone}
	if a.tz == nil {
		a.tz = time.UTC
	}
	if a.uploadLimit <= 0 {
		a.uploadLimit = evidence.DefaultMaxSize
	}
	a.routes = a.table()
	return a
}

// route is one endpoint with what the OpenAPI document says of it.
type route struct {
	method, path string
	summary      string
	tag          string
	public       bool     // no token needed
	creates      bool     // honours Idempotency-Key; answers 201
	body         any      // request body type, nil if none
	form         any      // multipart/form-data body type, nil if none; read by the handler as a stream
	download     bool     // answers a document's bytes
	files        []string // answers a generated file, as an attachment, in one of these media types
	response     any      // response type, nil for 204
	status       int      // success status
	list         bool     // a paginated collection of response
	query        []param
	handler      echo.HandlerFunc
}

// param is a documented query parameter.
type param struct {
	name, typ, doc string
	repeat         bool
	// required marks a parameter without which the request is a 422.
	required bool
}

// Register mounts every route on e.
func (a *API) Register(e *echo.Echo) {
	g := e.Group(Prefix)
	for _, r := range a.routes {
		var mw []echo.MiddlewareFunc
		if !r.public {
			mw = append(mw, a.authenticate)
		}
		if r.creates && r.form == nil { // a streamed form is fingerprinted by its handler
			mw = append(mw, a.idempotent)
		}
		g.Add(r.method, r.path, r.handler, mw...)
	}
	g.GET("/openapi.json", a.openAPIHandler())
}

// --- authentication ----------------------------------------------------------

// authenticate resolves the bearer token to the caller, or answers 401.
func (a *API) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header.Get(echo.HeaderAuthorization)
		scheme, token, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			return apperr.E(apperr.Unauthenticated, "Sign in first: send Authorization: Bearer <token> (from POST /api/v1/auth/token).")
		}
		p, u, err := a.identity.Authenticate(c.Request().Context(), strings.TrimSpace(token))
		if err != nil {
			return err
		}
		c.Set("principal", p)
		c.Set("user", u)
		return next(c)
	}
}

// principal returns the authenticated caller.
func principal(c echo.Context) identity.Principal {
	p, _ := c.Get("principal").(identity.Principal)
	return p
}

// caller returns the authenticated caller's user record, read with the token.
func caller(c echo.Context) identity.User {
	u, _ := c.Get("user").(identity.User)
	return u
}

// --- idempotency -------------------------------------------------------------

// idempotent replays the stored answer of a creating request retried with
// the same Idempotency-Key, and refuses the key's reuse for another request.
// The request is fingerprinted by its media type and body.
func (a *API) idempotent(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		key, err := idempotencyKey(c)
		if err != nil {
			return err
		}
		if key == "" {
			return next(c)
		}
		req := c.Request()
		body, err := readAllLimited(req, maxJSONBody)
		if err != nil {
			return echo.NewHTTPError(http.StatusRequestEntityTooLarge)
		}
		req.Body = readCloser{bytes.NewReader(body)}
		fp := sha256.Sum256(append([]byte(req.Header.Get(echo.HeaderContentType)+"\x00"), body...))
		return a.once(c, key, fp[:], func() error { return next(c) })
	}
}

// idempotencyKey returns the request's Idempotency-Key ("" when none).
func idempotencyKey(c echo.Context) (string, error) {
	key := c.Request().Header.Get("Idempotency-Key")
	if len(key) > 255 {
		return "", invalid("Idempotency-Key", "must be at most 255 characters")
	}
	return key, nil
}

// once runs create for a request with Idempotency-Key key (not empty) and
// fingerprint fp, unless the key has answered before: then it replays
// that answer (or refuses the key's reuse for another fingerprint).
func (a *API) once(c echo.Context, key string, fp []byte, create func() error) error {
	req := c.Request()
	p := principal(c)
	stored, err := a.idem.Begin(req.Context(), p.UserID, key, req.Method, req.URL.Path, fp, 10*time.Second)
	if err != nil {
		return err
	}
	if stored != nil {
		c.Response().Header().Set("Idempotent-Replayed", "true")
		if stored.Location != "" {
			c.Response().Header().Set(echo.HeaderLocation, stored.Location)
		}
		return c.Blob(stored.Status, stored.ContentType, stored.Body)
	}
	rec := &recorder{ResponseWriter: c.Response().Writer}
	c.Response().Writer = rec
	if err := create(); err != nil {
		// Errors are answered by the error handler; record what it sends
		// for client errors, and let a retry run again after a 5xx.
		c.Error(err)
	}
	status := c.Response().Status
	if status >= 500 || status == 0 {
		a.idem.Abandon(req.Context(), p.UserID, key)
		return nil
	}
	return a.idem.Finish(context.WithoutCancel(req.Context()), p.UserID, key, idempotency.Response{
		Status: status, ContentType: c.Response().Header().Get(echo.HeaderContentType),
		Location: c.Response().Header().Get(echo.HeaderLocation), Body: rec.buf.Bytes(),
	})
}

// recorder keeps a copy of what is written.
type recorder struct {
	http.ResponseWriter
	buf bytes.Buffer
}

func (r *recorder) Write(p []byte) (int, error) {
	r.buf.Write(p)
	return r.ResponseWriter.Write(p)
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }

func readAllLimited(req *http.Request, limit int64) ([]byte, error) {
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(http.MaxBytesReader(nil, req.Body, limit)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
