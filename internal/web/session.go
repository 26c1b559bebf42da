package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/date"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
)

// The cookies: the session (a token of the API's store, kind session) and
// the sign-in form's CSRF secret (before there is a session).
const (
	sessionCookie = "tl_session"
	signinCookie  = "tl_signin"
)

// errCSRF is a form post without this session's token.
var errCSRF = apperr.E(apperr.Forbidden, "The form's security token is missing or wrong.")

// session resolves the session cookie to the user, or sends the browser to
// the sign-in page (and back afterwards); every form post must carry the
// session's CSRF token.
func (w *Web) session(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ck, err := c.Cookie(sessionCookie)
		var p identity.Principal
		var u identity.User
		if err == nil {
			p, u, err = w.identity.Authenticate(contextOf(c), ck.Value)
		}
		if err != nil {
			if apperr.KindOf(err) != apperr.Unauthenticated && !errors.Is(err, http.ErrNoCookie) {
				return w.page(func(echo.Context, *view) error { return err })(c)
			}
			back := "/masuk"
			if c.Request().Method == http.MethodGet {
				back += "?kembali=" + url.QueryEscape(c.Request().URL.RequestURI())
			}
			return c.Redirect(http.StatusSeeOther, back)
		}
		c.Set("principal", p)
		c.Set("user", u)
		c.Set("session", ck.Value)
		if c.Request().Method != http.MethodGet && c.Request().Method != http.MethodHead &&
			!strings.HasPrefix(c.Request().Header.Get(echo.HeaderContentType), echo.MIMEMultipartForm) {
			if !w.validCSRF(c, c.FormValue("csrf")) {
				return w.page(func(echo.Context, *view) error { return errCSRF })(c)
			}
		}
		return next(c)
	}
}

// csrfToken is the session's form token: a MAC of the session token, so
// that it needs no storage and dies with the session.
func (w *Web) csrfToken(c echo.Context) string {
	s, _ := c.Get("session").(string)
	return w.sign("csrf", s)
}

func (w *Web) validCSRF(c echo.Context, got string) bool {
	want := w.csrfToken(c)
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

func principalOf(c echo.Context) identity.Principal {
	p, _ := c.Get("principal").(identity.Principal)
	return p
}

// signinPage is the sign-in form's data.
type signinPage struct {
	Email  string
	Return string
	Token  string
}

// signinForm shows the sign-in form, with a fresh double-submit token in a
// strict cookie (there is no session yet to bind it to).
func (w *Web) signinForm(c echo.Context, v *view) error {
	return w.renderSignin(c, v, http.StatusOK, signinPage{Return: safeReturn(c.QueryParam("kembali"), "/temuan")})
}

func (w *Web) renderSignin(c echo.Context, v *view, status int, pg signinPage) error {
	// One token per browser, kept while it signs in: a second copy of the
	// form (another tab, a prefetch) must not void the first.
	if ck, err := c.Cookie(signinCookie); err == nil && len(ck.Value) == 32 {
		pg.Token = ck.Value
	} else {
		b := make([]byte, 24)
		rand.Read(b)
		pg.Token = base64.RawURLEncoding.EncodeToString(b)
	}
	c.SetCookie(&http.Cookie{Name: signinCookie, Value: pg.Token, Path: "/masuk", MaxAge: 3600,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: secure(c)})
	v.Title = T(v.Lang, "signin.title")
	v.Page = pg
	return w.render(c, status, "signin", v)
}

// signin checks the form's token against its cookie, then the password
// (with the API's throttling), and starts a session.
func (w *Web) signin(c echo.Context, v *view) error {
	pg := signinPage{Email: strings.TrimSpace(c.FormValue("email")), Return: safeReturn(c.FormValue("kembali"), "/temuan")}
	ck, err := c.Cookie(signinCookie)
	if err != nil || c.FormValue("csrf") == "" || subtle.ConstantTimeCompare([]byte(ck.Value), []byte(c.FormValue("csrf"))) != 1 {
		return errCSRF
	}
	password := c.FormValue("password")
	if pg.Email == "" || password == "" {
		v.Error = T(v.Lang, "signin.required")
		return w.renderSignin(c, v, http.StatusUnprocessableEntity, pg)
	}
	tok, err := w.identity.Login(contextOf(c), pg.Email, password,
		identity.Client{IP: c.RealIP(), UserAgent: c.Request().UserAgent()}, identity.TokenSession)
	var ae *apperr.Error
	switch {
	case err == nil:
	case errors.As(err, &ae) && ae.Kind == apperr.TooManyRequests:
		c.Response().Header().Set("Retry-After", retryAfter(ae.RetryAfter))
		v.Error = T(v.Lang, "signin.throttled", waitText(v.Lang, ae.RetryAfter))
		return w.renderSignin(c, v, http.StatusTooManyRequests, pg)
	case apperr.KindOf(err) == apperr.Unauthenticated:
		v.Error = T(v.Lang, "signin.wrong")
		return w.renderSignin(c, v, http.StatusUnauthorized, pg)
	default:
		return err
	}
	// The session is always a new token, never one the browser brought:
	// a session cookie present before sign-in (an earlier sign-in here, or
	// one planted by someone who wants to share the session they know) is
	// ended, so that no value known before sign-in is a signed-in session.
	if old, err := c.Cookie(sessionCookie); err == nil && old.Value != tok.Token {
		if err := w.identity.RevokeToken(contextOf(c), old.Value); err != nil {
			return err
		}
	}
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: tok.Token, Path: "/", Expires: tok.ExpiresAt,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: secure(c)})
	// The browser takes the language the user chose, wherever they chose it.
	setLangCookie(c, Lang(tok.User.Lang))
	c.SetCookie(&http.Cookie{Name: signinCookie, Path: "/masuk", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: secure(c)})
	return c.Redirect(http.StatusSeeOther, pg.Return)
}

// signout revokes the session's token and forgets the cookie.
func (w *Web) signout(c echo.Context, v *view) error {
	if err := w.identity.Revoke(contextOf(c), principalOf(c)); err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{Name: sessionCookie, Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: secure(c)})
	return c.Redirect(http.StatusSeeOther, "/masuk")
}

func retryAfter(d time.Duration) string {
	return strconv.Itoa(int((d + time.Second - 1) / time.Second))
}

// waitText says how long to wait, in minutes (at least one).
func waitText(lang Lang, d time.Duration) string {
	m := max(1, int((d+time.Minute-1)/time.Minute))
	if lang == EN {
		if m == 1 {
			return "1 minute"
		}
		return strconv.Itoa(m) + " minutes"
	}
	return strconv.Itoa(m) + " menit"
}

// FormatDate writes a calendar date in lang: "Senin, 2 September 2024" or
// "Monday, 2 September 2024".
func FormatDate(lang Lang, d date.Date) string {
	if lang == EN {
		return d.Time(time.UTC).Format("Monday, 2 January 2006")
	}
	return d.Indonesian()
}
