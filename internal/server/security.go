package server

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"
)

// permissionsPolicy turns off the browser features the service never uses,
// so that injected content could not use them either.
const permissionsPolicy = "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), " +
	"magnetometer=(), microphone=(), midi=(), payment=(), publickey-credentials-get=(), usb=()"

// hsts asks browsers to use only HTTPS for a year, subdomains included.
const hsts = "max-age=31536000; includeSubDomains"

// schemeOf is the scheme of the public address baseURL, lower case, or ""
// when there is none.
func schemeOf(baseURL string) string {
	u, err := url.Parse(baseURL)
	if baseURL == "" || err != nil {
		return ""
	}
	return strings.ToLower(u.Scheme)
}

// configuredScheme makes the public address decide whether requests count
// as HTTPS (Echo's Scheme, which sets the pages' Secure cookies), not each
// request: TLS ends at a proxy in front of us, and a proxy that forgets
// X-Forwarded-Proto must not turn Secure cookies off, nor a client that
// sends one turn them on.
func configuredScheme(scheme string) echo.SchemeExtractor {
	return func(*http.Request) string { return scheme }
}

// securityHeaders sets the headers every answer carries, pages, API, errors
// and documents alike. They are set before the handler runs, so that the
// error handler's answers and the 404s of unmatched paths get them too.
// HSTS goes only with an https public address.
func securityHeaders(scheme string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Response().Header()
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Referrer-Policy", "same-origin")
			h.Set("Permissions-Policy", permissionsPolicy)
			if scheme == "https" {
				h.Set("Strict-Transport-Security", hsts)
			}
			return next(c)
		}
	}
}
