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
	"sync/atomic"
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
	jobs   sync.Map // name → *entry
	kicks  sync.WaitGroup
}

// entry is a scheduled job with its run lock; again asks the run holding
// the lock for one more run (a Kick that came while it was running).
type entry struct {
	job   Job
	mu    sync.Mutex
	again atomic.Bool
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

// Add schedules job at spec (standard five-field cron, or @every 1h). A
// scheduled run that comes while the job still runs is skipped.
func (s *Scheduler) Add(spec string, job Job) error {
	e := &entry{job: job}
	_, err := s.cron.AddFunc(spec, func() { s.run(e, false) })
	if err != nil {
		return fmt.Errorf("schedule %s at %q: %w", job.Name(), spec, err)
	}
	s.jobs.Store(job.Name(), e)
	return nil
}

// Kick runs the scheduled job name now, in the background, as soon as its
// current run (if any) has finished: kicks during a run make one more run
// after it, never a concurrent one. Kicks after Stop are ignored.
func (s *Scheduler) Kick(name string) {
	v, ok := s.jobs.Load(name)
	if !ok || s.ctx.Err() != nil {
		return
	}
	e := v.(*entry)
	e.again.Store(true)
	s.kicks.Add(1)
	go func() {
		defer s.kicks.Done()
		s.run(e, true)
	}()
}

// run runs e's job unless it is running: a scheduled run is then skipped,
// a kick left to the running one (again). The holder of the lock runs
// the job again while again is set, and checks it once more after letting
// go, so that no kick is lost between its last check and the unlock.
func (s *Scheduler) run(e *entry, kicked bool) {
	first := !kicked
	for {
		if !e.mu.TryLock() {
			if first {
				s.runs.WithLabelValues(e.job.Name(), "skipped").Inc()
				s.log.Warn("job still running; run skipped", "job", e.job.Name())
			}
			return
		}
		if first {
			s.RunOnce(e.job)
			first = false
		}
		for e.again.Swap(false) && s.ctx.Err() == nil {
			s.RunOnce(e.job)
		}
		e.mu.Unlock()
		if !e.again.Load() || s.ctx.Err() != nil {
			return
		}
	}
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
	s.kicks.Wait()
}
