// Package server assembles the HTTP server: middleware (request ids, one log
// line per request, metrics, panic recovery), the operational endpoints
// (/healthz, /readyz, /metrics) and graceful shutdown. The JSON API and the
// web pages mount their routes on it.
package server

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// ReadinessChecker reports whether the service can do its work: the database
// answers and its schema is current. It returns a reason when it cannot.
type ReadinessChecker interface {
	Ready(ctx context.Context) error
}

// Options are what the server needs from the rest of the program.
type Options struct {
	Logger       *slog.Logger
	Registry     *prometheus.Registry
	Ready        ReadinessChecker
	ErrorHandler echo.HTTPErrorHandler
	// TrustProxy takes client addresses from X-Forwarded-For.
	TrustProxy bool
	// BaseURL is the service's public address (TINDAKLANJUT_BASE_URL). Its
	// scheme is every request's: with https, cookies are Secure and answers
	// carry Strict-Transport-Security. Empty (tests) leaves each request its
	// own scheme, as Echo reads it, and sends no HSTS.
	BaseURL string
}

// Server is the HTTP side of the service.
type Server struct {
	echo *echo.Echo
	log  *slog.Logger
}

// New builds the server with its middleware and operational routes.
func New(opts Options) *Server {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Logger.SetOutput(discard{})
	// The client address feeds sign-in throttling: never take it from a
	// header a client can forge, unless a proxy in front of us sets it.
	e.IPExtractor = echo.ExtractIPDirect()
	if opts.TrustProxy {
		e.IPExtractor = echo.ExtractIPFromXFFHeader()
	}
	scheme := schemeOf(opts.BaseURL)
	if scheme != "" {
		e.SchemeExtractor = configuredScheme(scheme)
	}
	if opts.ErrorHandler != nil {
		e.HTTPErrorHandler = opts.ErrorHandler
	}
	// The request id comes first so that everything after it can log it;
	// recovery is innermost so that a panic still gets its log line.
	e.Use(requestID(), securityHeaders(scheme), observe(opts.Logger, newHTTPMetrics(opts.Registry)), recoverPanic(opts.Logger))
	e.Use(compress())

	e.GET("/healthz", func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
	})
	e.GET("/readyz", func(c echo.Context) error {
		ctx, cancel := context.WithTimeout(c.Request().Context(), 3*time.Second)
		defer cancel()
		if err := opts.Ready.Ready(ctx); err != nil {
			opts.Logger.Warn("not ready", "request_id", RequestID(ctx), "reason", err.Error())
			return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": err.Error()})
		}
		return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
	})
	e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(opts.Registry, promhttp.HandlerOpts{})))
	return &Server{echo: e, log: opts.Logger}
}

// Echo returns the router, for the API and web packages to mount routes on.
func (s *Server) Echo() *echo.Echo { return s.echo }

// Serve answers requests on l until ctx is cancelled, then stops accepting
// connections and waits up to drain for in-flight requests to finish.
func (s *Server) Serve(ctx context.Context, l net.Listener, drain time.Duration) error {
	srv := &http.Server{
		Handler:           s.echo,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down http server", "drain_timeout", drain.String())
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), drain)
	defer cancel()
	err := srv.Shutdown(shutCtx)
	if serveErr := <-errc; serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	if err != nil {
		return err
	}
	return nil
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
