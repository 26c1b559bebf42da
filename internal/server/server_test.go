package server_test

import (
	"context"
	"encoding/json"
	"errors"
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
