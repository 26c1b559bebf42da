package server_test

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
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

type readiness struct{ err error }

func (r readiness) Ready(context.Context) error { return r.err }

func newServer(t *testing.T, ready error, logs *strings.Builder) *server.Server {
	t.Helper()
	log := slog.New(slog.NewJSONHandler(logs, nil))
	return server.New(server.Options{
		Logger:   log,
		Registry: prometheus.NewRegistry(),
		Ready:    readiness{ready},
		ErrorHandler: api.NewErrorHandler(log, func(r *http.Request) string {
			return server.RequestID(r.Context())
		}),
	})
}

func TestPanicBecomesLogged500WithRequestID(t *testing.T) {
	var logs strings.Builder
	s := newServer(t, nil, &logs)
	s.Echo().GET("/boom", func(echo.Context) error { panic("secret internal detail") })

	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/boom", nil)
	req.Header.Set("X-Request-ID", "req-42")
	s.Echo().ServeHTTP(rec, req)

	if rec.Code != 500 || rec.Header().Get("Content-Type") != "application/problem+json" {
		t.Fatalf("status %d, type %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	var p api.Problem
	json.Unmarshal(rec.Body.Bytes(), &p)
	if p.RequestID != "req-42" || strings.Contains(rec.Body.String(), "secret internal detail") || strings.Contains(rec.Body.String(), "goroutine") {
		t.Errorf("body = %s", rec.Body)
	}
	if !strings.Contains(logs.String(), `"request_id":"req-42"`) || !strings.Contains(logs.String(), "secret internal detail") {
		t.Errorf("the panic is not logged with its request id:\n%s", logs.String())
	}
}

func TestReadiness(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
		want int
	}{
		{"ready", nil, 200},
		{"database down", errors.New("database unreachable"), 503},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var logs strings.Builder
			s := newServer(t, tt.err, &logs)
			rec := httptest.NewRecorder()
			s.Echo().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
			if rec.Code != tt.want {
				t.Errorf("/readyz = %d; want %d", rec.Code, tt.want)
			}
		})
	}
}

func TestMalformedRequestIDIsReplaced(t *testing.T) {
	var logs strings.Builder
	s := newServer(t, nil, &logs)
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
	req.Header.Set("X-Request-ID", "bad id\r\nwith injection")
	s.Echo().ServeHTTP(rec, req)
	if id := rec.Header().Get("X-Request-ID"); id == "" || strings.ContainsAny(id, " \r\n") {
		t.Errorf("X-Request-ID = %q", id)
	}
}

func TestMethodNotAllowedIsProblem(t *testing.T) {
	var logs strings.Builder
	s := newServer(t, nil, &logs)
	rec := httptest.NewRecorder()
	s.Echo().ServeHTTP(rec, httptest.NewRequest(http.MethodDelete, "/healthz", nil))
	if rec.Code != 405 || rec.Header().Get("Content-Type") != "application/problem+json" {
		t.Errorf("DELETE /healthz = %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
}

// TestCompression: a page of a kilobyte or more goes gzipped to a client
// that takes it, and decodes to the same bytes; a short answer, a client
// that does not take gzip, a document and an XLSX go as they are.
func TestCompression(t *testing.T) {
	var logs strings.Builder
	s := newServer(t, nil, &logs)
	page := strings.Repeat("<tr><td>TL-2024-0001</td><td>Belum ada SK</td></tr>\n", 100)
	for _, path := range []string{"/temuan", "/bukti/1", "/api/v1/artifacts/1/content", "/laporan/matriks"} {
		s.Echo().GET(path, func(c echo.Context) error { return c.HTML(http.StatusOK, page) })
	}
	s.Echo().GET("/pendek", func(c echo.Context) error { return c.HTML(http.StatusOK, "<p>ok</p>") })
	get := func(path string, gz bool) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if gz {
			req.Header.Set("Accept-Encoding", "gzip")
		}
		s.Echo().ServeHTTP(rec, req)
		return rec
	}
	rec := get("/temuan", true)
	if rec.Header().Get("Content-Encoding") != "gzip" || !strings.Contains(rec.Header().Get("Vary"), "Accept-Encoding") ||
		rec.Body.Len() > len(page)/4 {
		t.Fatalf("a page: encoding %q, vary %q, %d bytes of %d", rec.Header().Get("Content-Encoding"), rec.Header().Get("Vary"), rec.Body.Len(), len(page))
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(zr); string(got) != page {
		t.Errorf("the page does not decode to itself")
	}
	for _, c := range []struct {
		path string
		gz   bool
	}{{"/temuan", false}, {"/pendek", true}, {"/bukti/1", true}, {"/api/v1/artifacts/1/content", true}, {"/laporan/matriks?format=xlsx", true}} {
		rec := get(c.path, c.gz)
		want := page
		if c.path == "/pendek" {
			want = "<p>ok</p>"
		}
		if rec.Header().Get("Content-Encoding") != "" || rec.Body.String() != want {
			t.Errorf("%s (gzip accepted: %v): encoding %q", c.path, c.gz, rec.Header().Get("Content-Encoding"))
		}
	}
}
