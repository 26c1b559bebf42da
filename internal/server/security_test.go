package server_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tindaklanjut/tindaklanjut/internal/api"
	"github.com/tindaklanjut/tindaklanjut/internal/server"
)

// TestSecurityHeadersAndScheme: every answer (a handler's, a 404 of no
// route, a 405, a panic's 500) carries the security headers; HSTS and
// Secure cookies follow the configured base URL, whatever forwarding
// headers a request brings.
func TestSecurityHeadersAndScheme(t *testing.T) {
	for _, base := range []struct {
		url        string
		wantHSTS   bool
		wantSecure bool
	}{
		{"https://tindaklanjut.kalselprov.go.id", true, true},
		{"http://localhost:8080", false, false},
	} {
		var logs strings.Builder
		log := slog.New(slog.NewJSONHandler(&logs, nil))
		s := server.New(server.Options{Logger: log, Registry: prometheus.NewRegistry(), Ready: readiness{}, BaseURL: base.url,
			ErrorHandler: api.NewErrorHandler(log, func(r *http.Request) string { return server.RequestID(r.Context()) })})
		s.Echo().GET("/kue", func(c echo.Context) error {
			c.SetCookie(&http.Cookie{Name: "kue", Value: "1", Secure: c.Scheme() == "https"})
			return c.NoContent(http.StatusNoContent)
		})
		s.Echo().GET("/boom", func(echo.Context) error { panic("boom") })
		for _, tt := range []struct {
			method, path string
			status       int
		}{
			{"GET", "/healthz", 200},
			{"GET", "/kue", 204},
			{"GET", "/tidak-ada", 404},
			{"DELETE", "/healthz", 405},
			{"GET", "/boom", 500},
		} {
			// A forwarding header that says the opposite of the base URL
			// changes nothing.
			for _, forwarded := range []string{"", "http", "https"} {
				rec := httptest.NewRecorder()
				req := httptest.NewRequest(tt.method, tt.path, nil)
				if forwarded != "" {
					req.Header.Set("X-Forwarded-Proto", forwarded)
				}
				s.Echo().ServeHTTP(rec, req)
				h := rec.Header()
				where := base.url + " " + tt.method + " " + tt.path + " X-Forwarded-Proto=" + forwarded
				if rec.Code != tt.status {
					t.Errorf("%s: status %d; want %d", where, rec.Code, tt.status)
				}
				for k, want := range map[string]string{
					"X-Content-Type-Options": "nosniff",
					"Referrer-Policy":        "same-origin",
				} {
					if got := h.Get(k); got != want {
						t.Errorf("%s: %s = %q; want %q", where, k, got, want)
					}
				}
				if p := h.Get("Permissions-Policy"); !strings.Contains(p, "camera=()") || !strings.Contains(p, "microphone=()") ||
					!strings.Contains(p, "geolocation=()") || !strings.Contains(p, "payment=()") {
					t.Errorf("%s: Permissions-Policy = %q", where, p)
				}
				hsts := h.Get("Strict-Transport-Security")
				if base.wantHSTS && hsts != "max-age=31536000; includeSubDomains" || !base.wantHSTS && hsts != "" {
					t.Errorf("%s: Strict-Transport-Security = %q", where, hsts)
				}
				if tt.path == "/kue" {
					if got := strings.Contains(h.Get("Set-Cookie"), "Secure"); got != base.wantSecure {
						t.Errorf("%s: Set-Cookie %q; Secure wanted: %v", where, h.Get("Set-Cookie"), base.wantSecure)
					}
				}
			}
		}
	}
}
