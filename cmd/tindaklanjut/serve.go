package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"time"

	_ "time/tzdata" // the organisation's zone must load on minimal images too

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tindaklanjut/tindaklanjut/internal/api"
	"github.com/tindaklanjut/tindaklanjut/internal/evidence"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
	"github.com/tindaklanjut/tindaklanjut/internal/scheduler"
	"github.com/tindaklanjut/tindaklanjut/internal/server"
)

// runServe starts everything and, when ctx ends (SIGINT/SIGTERM), stops it in
// order: stop accepting and drain requests, stop the scheduler, close the
// pool, stop the managed database.
func runServe(ctx context.Context, args []string, lookupEnv env, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		fmt.Fprintf(stderr, "usage: tindaklanjut serve (configured by environment; see README.md)\n")
		return errUsage
	}
	cfg, err := loadConfig(lookupEnv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	log.Info("starting tindaklanjut", "version", version, "config", cfg)
	server.TuneGC(lookupEnv)

	// Problems a person must fix come first, before anything is started.
	if err := cfg.CheckDataDir(); err != nil {
		return err
	}
	listener, err := cfg.Listen()
	if err != nil {
		return err
	}
	defer listener.Close()

	db, err := openDatabase(ctx, cfg, log, true)
	if err != nil {
		return err
	}
	defer db.Close()

	admin, err := identity.EnsureAdmin(ctx, db.DB, cfg.AdminEmail, cfg.AdminPassword)
	if err != nil {
		return err
	}
	if admin.Created {
		log.Info("first admin created", "email", admin.Email, "password_generated", admin.GeneratedPassword != "")
	}
	if admin.GeneratedPassword != "" {
		fmt.Fprintf(stdout, "\nFirst admin created. Sign in as %s with the password\n\n    %s\n\n"+
			"It is shown only this once; change it after signing in.\n\n", admin.Email, admin.GeneratedPassword)
	}

	registry := server.NewRegistry(func() *sql.DB { s, _ := db.DB.DB(); return s })
	watchReplica(ctx, db.replica, registry)
	releases := prometheus.NewCounter(prometheus.CounterOpts{Name: "tindaklanjut_memory_releases_total",
		Help: "Times the server, at rest after a burst, returned its free memory to the operating system."})
	registry.MustRegister(releases)
	go server.ReleaseWhenIdle(ctx, server.IdleRelease, releases.Inc)
	srv := server.New(server.Options{
		Logger:   log,
		Registry: registry,
		Ready:    db,
		// The public address decides HTTPS (Secure cookies, HSTS), not
		// forwarding headers a client can forge.
		BaseURL: cfg.BaseURL,
		ErrorHandler: api.NewErrorHandler(log, func(r *http.Request) string {
			return server.RequestID(r.Context())
		}),
		TrustProxy: cfg.TrustProxy,
	})
	svc, err := newServices(ctx, cfg, db, log)
	if err != nil {
		return err
	}
	svc.api.Register(srv.Echo())
	svc.web.Register(srv.Echo())
	registerKept(registry, svc.kept)

	// Uploads that a previous run was receiving when it stopped left
	// staged files; none of them can finish now.
	staging := evidence.StagingJob{Store: svc.evidence, Log: log}
	if err := staging.Run(ctx); err != nil {
		return err
	}
	sched := scheduler.New(log, cfg.TimeZone, registry)
	if err := sched.Add("17 * * * *", identity.PurgeJob{Service: svc.identity, Log: log}); err != nil {
		return err
	}
	if err := sched.Add("47 * * * *", staging); err != nil {
		return err
	}
	if err := sched.Add("1 0 * * *", svc.advance); err != nil {
		return err
	}
	stopListener, err := scheduleReminders(cfg, db, svc.calendar, log, registry, sched)
	if err != nil {
		return err
	}
	sched.Start()
	// Catch up at once on what was due while the service was down, and on
	// mail queued meanwhile.
	sched.Kick("reminder_planner")
	sched.Kick("mail_sender")
	sched.Kick(svc.advance.Name())

	log.Info("listening", "addr", listener.Addr().String(), "base_url", cfg.BaseURL)
	err = srv.Serve(ctx, listener, cfg.ShutdownTimeout)
	log.Info("http server stopped")
	stopListener()
	sched.Stop()
	log.Info("scheduler stopped")
	return err
}

// registerKept exports, per kind of kept answer, how many were given from
// what was kept and how many were read.
func registerKept(reg prometheus.Registerer, kept map[string]func() (given, reads uint64)) {
	counter := func(answer, source string, n func() uint64) {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "tindaklanjut_kept_answers_total",
			Help:        "Answers (the summary, an assessment's index) given from what was kept while its version stood (source kept), and read afresh (source read).",
			ConstLabels: prometheus.Labels{"answer": answer, "source": source}},
			func() float64 { return float64(n()) }))
	}
	for answer, counts := range kept {
		counter(answer, "kept", func() uint64 { given, _ := counts(); return given })
		counter(answer, "read", func() uint64 { _, reads := counts(); return reads })
	}
}

// watchReplica exports the read replica's state in /metrics and, when there
// is one, checks it every 5 s until ctx ends (the reads it serves go to the
// primary while a check fails).
func watchReplica(ctx context.Context, replica *postgres.Replica, reg prometheus.Registerer) {
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "tindaklanjut_replica_lag_seconds",
			Help: "How far the read replica (DATABASE_READ_URL) is behind the primary: 0 without one, NaN while it is unreachable."},
			replica.Lag),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "tindaklanjut_replica_up",
			Help: "1 while the read replica serves the heavy reads, 0 while they go to the primary (or there is none)."},
			func() float64 {
				if replica.Up() {
					return 1
				}
				return 0
			}))
	if replica != nil {
		go replica.Watch(ctx, 5*time.Second)
	}
}
