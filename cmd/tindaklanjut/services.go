package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tindaklanjut/tindaklanjut/internal/api"
	"github.com/tindaklanjut/tindaklanjut/internal/calendar"
	"github.com/tindaklanjut/tindaklanjut/internal/config"
	"github.com/tindaklanjut/tindaklanjut/internal/evidence"
	"github.com/tindaklanjut/tindaklanjut/internal/finding"
	"github.com/tindaklanjut/tindaklanjut/internal/framework"
	"github.com/tindaklanjut/tindaklanjut/internal/idempotency"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
	"github.com/tindaklanjut/tindaklanjut/internal/importer"
	"github.com/tindaklanjut/tindaklanjut/internal/notify"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
	"github.com/tindaklanjut/tindaklanjut/internal/report"
	"github.com/tindaklanjut/tindaklanjut/internal/scheduler"
	"github.com/tindaklanjut/tindaklanjut/internal/web"
	"github.com/tindaklanjut/tindaklanjut/templates"
)

// services are the domain services and the API built on them, wired once.
type services struct {
	identity *identity.Service
	evidence evidence.Store
	api      *api.API
	web      *web.Web
	// advance moves the summary counts' anchor to the new day.
	advance report.AdvanceJob
	// calendar is the working-day calendar every part of the process reads,
	// so that a holiday an admin adds is seen by the reminders at once.
	calendar *calendar.Store
	// kept counts the answers given from what was kept, and those read,
	// by kind of answer (package kept).
	kept map[string]func() (given, reads uint64)
}

func newServices(ctx context.Context, cfg *config.Config, db *database, log *slog.Logger) (*services, error) {
	now := time.Now
	settings := identity.DefaultSettings
	settings.TokenTTL = cfg.TokenTTL
	ids := identity.NewService(db.DB, now, settings)
	cursorKey, err := postgres.Secret(ctx, db.DB, "cursor_key")
	if err != nil {
		return nil, err
	}
	store, err := evidence.NewFS(filepath.Join(cfg.DataDir, "artifacts"))
	if err != nil {
		return nil, err
	}
	webKey, err := postgres.Secret(ctx, db.DB, "web_key")
	if err != nil {
		return nil, err
	}
	findings := finding.NewService(db.DB, now, cfg.TimeZone)
	findings.SetDeadlines(finding.Deadlines{ExtensionLimit: cfg.ExtensionLimit, DefaultDueDays: cfg.DefaultDueDays})
	frameworks := framework.NewStore(db.DB)
	assessments := framework.NewAssessments(db.DB, now)
	outbox := notify.NewOutbox(db.DB, now)
	reports := report.NewService(db.DB, report.DefaultMaxRows)
	reports.ReadFrom(db.replica)
	imports := importer.NewService(db.DB, findings, importer.DefaultLimits)
	letterhead := report.Letterhead{OrgName: cfg.OrgName, Logo: cfg.OrgLogoData}
	pages, err := web.New(web.Options{Identity: ids, Findings: findings, Evidence: store, UploadLimit: cfg.UploadMaxSize,
		Frameworks: frameworks, Assessments: assessments, Outbox: outbox, Reports: reports, Imports: imports,
		Letterhead: letterhead, Secret: webKey, TimeZone: cfg.TimeZone, Logger: log})
	if err != nil {
		return nil, err
	}
	return &services{
		identity: ids,
		evidence: store,
		web:      pages,
		advance:  report.AdvanceJob{Service: reports, Today: findings.Today},
		calendar: findings.Calendar(),
		kept:     map[string]func() (uint64, uint64){"summary": reports.SummaryCounts, "index": assessments.IndexCounts},
		api: api.New(api.Options{
			Identity:    ids,
			Idempotency: idempotency.NewStore(db.DB, now),
			Frameworks:  frameworks,
			Assessments: assessments,
			Findings:    findings,
			Reports:     reports,
			Imports:     imports,
			Letterhead:  letterhead,
			Evidence:    store,
			UploadLimit: cfg.UploadMaxSize,
			Outbox:      outbox,
			CursorKey:   cursorKey,
			TimeZone:    cfg.TimeZone,
		}),
	}, nil
}

// newReminders builds the reminder planner, the mail sender (SMTP_URL, or
// keeping mail when it is empty) and the outbox. The email templates are
// parsed and tried here, so that a broken one fails the start. metrics
// may be nil.
func newReminders(cfg *config.Config, db *database, cal *calendar.Store, log *slog.Logger, metrics *notify.Metrics) (*reminders, error) {
	renderer, err := notify.NewRenderer(templates.FS)
	if err != nil {
		return nil, err
	}
	var transport notify.Transport
	if cfg.SMTPURL != "" {
		smtp, err := notify.NewSMTP(cfg.SMTPURL, 30*time.Second)
		if err != nil {
			return nil, err
		}
		transport = smtp
	}
	sender, err := notify.NewSender(db.DB, notify.SenderOptions{Transport: transport, Renderer: renderer, From: cfg.MailFrom,
		BaseURL: cfg.BaseURL, Loc: cfg.TimeZone, RetryFor: cfg.MailRetryFor, Metrics: metrics, Log: log, Calendar: cal})
	if err != nil {
		return nil, err
	}
	rules := notify.Rules{Loc: cfg.TimeZone, SendHour: cfg.ReminderHour, DueDays: cfg.ReminderDueDays,
		OverdueEvery: cfg.ReminderOverdueEvery, UnassignedAfter: cfg.ReminderUnassignedDays,
		AssessmentDays: cfg.ReminderAssessmentDays, DigestWeekday: cfg.DigestWeekday, EscalationDays: cfg.EscalationDays,
		Calendar: cal}
	return &reminders{planner: notify.NewPlanner(db.DB, rules), sender: sender, outbox: notify.NewOutbox(db.DB, time.Now)}, nil
}

// scheduleReminders adds the planner and the sender to sched and starts
// the outbox listener, which kicks the sender whenever mail is queued; the
// returned function stops the listener and waits for it.
func scheduleReminders(cfg *config.Config, db *database, cal *calendar.Store, log *slog.Logger, reg prometheus.Registerer, sched *scheduler.Scheduler) (func(), error) {
	metrics := notify.NewMetrics(reg)
	r, err := newReminders(cfg, db, cal, log, metrics)
	if err != nil {
		return nil, err
	}
	plan := notify.PlanJob{Planner: r.planner, Now: time.Now, Metrics: metrics, Log: log}
	send := notify.SendJob{Sender: r.sender, Now: time.Now, Log: log}
	if err := sched.Add(cfg.PlannerSchedule, plan); err != nil {
		return nil, err
	}
	if err := sched.Add(cfg.SenderSchedule, send); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		notify.Listen(ctx, db.DB, log, func() { sched.Kick(send.Name()) })
	}()
	return func() { cancel(); <-done }, nil
}
