package server

import (
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

type ctxKey int

const requestIDKey ctxKey = iota

// RequestID returns the id of the request ctx belongs to, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// requestID takes a well-formed X-Request-ID from the client (or a proxy in
// front of us) and otherwise makes one, puts it in the request's context and
// echoes it in the response.
func requestID() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			id := c.Request().Header.Get(echo.HeaderXRequestID)
			if !validRequestID(id) {
				b := make([]byte, 12)
				rand.Read(b)
				id = hex.EncodeToString(b)
			}
			c.Response().Header().Set(echo.HeaderXRequestID, id)
			ctx := context.WithValue(c.Request().Context(), requestIDKey, id)
			c.SetRequest(c.Request().WithContext(ctx))
			return next(c)
		}
	}
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// routeOf names the matched route for logs and metrics; requests that match
// no route share one name so that scanners cannot blow up label cardinality.
func routeOf(c echo.Context) string {
	if p := c.Path(); p != "" {
		return p
	}
	return "unmatched"
}

// observe writes one log line per request and records its metrics. It runs
// outside the error handler's reach, so it calls it itself to learn the final
// status of a failed request.
func observe(log *slog.Logger, m *httpMetrics) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			if err != nil {
				c.Error(err)
			}
			elapsed := time.Since(start)
			req, res := c.Request(), c.Response()
			route := routeOf(c)
			m.observe(req.Method, route, res.Status, elapsed)
			level := slog.LevelInfo
			if res.Status >= 500 {
				level = slog.LevelError
			}
			log.LogAttrs(req.Context(), level, "request",
				slog.String("request_id", RequestID(req.Context())),
				slog.String("method", req.Method),
				slog.String("path", req.URL.Path),
				slog.String("route", route),
				slog.Int("status", res.Status),
				slog.Int64("bytes", res.Size),
				slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
				slog.String("remote_ip", c.RealIP()),
			)
			return nil
		}
	}
}

// recoverPanic turns a panic into an error that the error handler answers
// with a plain 500; the stack goes to the log, never to the client.
func recoverPanic(log *slog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) (err error) {
			defer func() {
				if r := recover(); r != nil {
					if r == http.ErrAbortHandler {
						panic(r)
					}
					log.Error("panic in handler",
						"request_id", RequestID(c.Request().Context()),
						"panic", fmt.Sprint(r),
						"stack", string(debug.Stack()))
					err = fmt.Errorf("panic: %v", r)
				}
			}()
			return next(c)
		}
	}
}

// compress gzips what is worth it: pages, JSON and CSV of a kilobyte or
// more, for the provincial connections that are slow. Not the documents
// (evidence is served byte-exact, with Range and a Content-Length; a PDF
// or DOCX is compressed already), not XLSX (a zip), and not /metrics
// (Prometheus's handler compresses its own).
func compress() echo.MiddlewareFunc {
	return middleware.GzipWithConfig(middleware.GzipConfig{
		Level:     gzip.BestSpeed,
		MinLength: 1024,
		Skipper: func(c echo.Context) bool {
			path, format := c.Request().URL.Path, c.QueryParam("format")
			return strings.HasPrefix(path, "/bukti/") || strings.HasSuffix(path, "/content") || path == "/metrics" ||
				format == "xlsx" || path == "/laporan/matriks" && format == "" // the page's default is XLSX
		},
	})
}
