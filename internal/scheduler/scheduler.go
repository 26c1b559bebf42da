// Package scheduler runs the service's periodic jobs with robfig/cron in the
// organisation's time zone. Every job recovers from panics, is skipped while
// its previous run is still going, logs its outcome and is counted in
// metrics. Each job is also runnable once from the command line.
package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/robfig/cron/v3"
)

// Job is one periodic task.
type Job interface {
	// Name identifies the job in logs and metrics.
	Name() string
	// Run does one pass; it returns when ctx is cancelled.
	Run(ctx context.Context) error
}

// Scheduler owns the cron runner and the jobs' context.
type Scheduler struct {
	cron   *cron.Cron
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	runs   *prometheus.CounterVec
	dur    *prometheus.HistogramVec
}

// New returns a scheduler whose specs are read in loc.
func New(log *slog.Logger, loc *time.Location, reg prometheus.Registerer) *Scheduler {
	ctx, cancel := context.WithCancel(context.Background())
	s := &Scheduler{
		cron: cron.New(cron.WithLocation(loc)),
		log:  log, ctx: ctx, cancel: cancel,
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tindaklanjut_job_runs_total", Help: "Scheduled job runs, by job and outcome (ok, error, panic, skipped).",
		}, []string{"job", "outcome"}),
		dur: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "tindaklanjut_job_duration_seconds", Help: "Time a scheduled job run took.",
		}, []string{"job"}),
	}
	reg.MustRegister(s.runs, s.dur)
	return s
}

// Add schedules job at spec (standard five-field cron, or @every 1h).
func (s *Scheduler) Add(spec string, job Job) error {
	var mu sync.Mutex
	_, err := s.cron.AddFunc(spec, func() {
		if !mu.TryLock() {
			s.runs.WithLabelValues(job.Name(), "skipped").Inc()
			s.log.Warn("job still running; run skipped", "job", job.Name())
			return
		}
		defer mu.Unlock()
		s.RunOnce(job)
	})
	if err != nil {
		return fmt.Errorf("schedule %s at %q: %w", job.Name(), spec, err)
	}
	return nil
}

// RunOnce runs job now, with recovery, logging and metrics.
func (s *Scheduler) RunOnce(job Job) {
	start := time.Now()
	outcome := "ok"
	defer func() {
		if r := recover(); r != nil {
			outcome = "panic"
			s.log.Error("job panicked", "job", job.Name(), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		}
		s.runs.WithLabelValues(job.Name(), outcome).Inc()
		s.dur.WithLabelValues(job.Name()).Observe(time.Since(start).Seconds())
	}()
	if err := job.Run(s.ctx); err != nil {
		outcome = "error"
		s.log.Error("job failed", "job", job.Name(), "err", err, "duration_ms", time.Since(start).Milliseconds())
		return
	}
	s.log.Info("job done", "job", job.Name(), "duration_ms", time.Since(start).Milliseconds())
}

// Start begins running jobs on schedule.
func (s *Scheduler) Start() { s.cron.Start() }

// Stop stops scheduling, cancels running jobs and waits for them.
func (s *Scheduler) Stop() {
	done := s.cron.Stop()
	s.cancel()
	<-done.Done()
}
