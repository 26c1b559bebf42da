package scheduler_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tindaklanjut/tindaklanjut/internal/scheduler"
)

type fakeJob struct {
	name  string
	runs  atomic.Int32
	block chan struct{}
	err   error
	panic bool
}

func (j *fakeJob) Name() string { return j.name }
func (j *fakeJob) Run(ctx context.Context) error {
	j.runs.Add(1)
	if j.panic {
		panic("boom")
	}
	if j.block != nil {
		select {
		case <-j.block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return j.err
}

func TestRunOnceRecoversAndCounts(t *testing.T) {
	var logs strings.Builder
	reg := prometheus.NewRegistry()
	s := scheduler.New(slog.New(slog.NewTextHandler(&logs, nil)), time.UTC, reg)
	s.RunOnce(&fakeJob{name: "p", panic: true})
	s.RunOnce(&fakeJob{name: "e", err: errors.New("gagal")})
	s.RunOnce(&fakeJob{name: "ok"})
	want := `
# HELP tindaklanjut_job_runs_total Scheduled job runs, by job and outcome (ok, error, panic, skipped).
# TYPE tindaklanjut_job_runs_total counter
tindaklanjut_job_runs_total{job="e",outcome="error"} 1
tindaklanjut_job_runs_total{job="ok",outcome="ok"} 1
tindaklanjut_job_runs_total{job="p",outcome="panic"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "tindaklanjut_job_runs_total"); err != nil {
		t.Error(err)
	}
	if !strings.Contains(logs.String(), "job panicked") || !strings.Contains(logs.String(), "gagal") {
		t.Errorf("logs:\n%s", logs.String())
	}
}

func TestOverlappingRunIsSkippedAndStopCancels(t *testing.T) {
	reg := prometheus.NewRegistry()
	s := scheduler.New(slog.New(slog.DiscardHandler), time.UTC, reg)
	job := &fakeJob{name: "slow", block: make(chan struct{})}
	if err := s.Add("@every 1s", job); err != nil {
		t.Fatal(err)
	}
	if err := s.Add("not a spec", job); err == nil {
		t.Error("a bad spec was accepted")
	}
	s.Start()
	deadline := time.Now().Add(10 * time.Second)
	for runs(reg, "slow", "skipped") < 1 {
		if time.Now().After(deadline) {
			t.Fatal("no overlapping run was skipped")
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.Stop() // cancels the blocked run and waits for it
	if job.runs.Load() != 1 {
		t.Errorf("runs = %d; want 1 (the rest skipped)", job.runs.Load())
	}
}

// runs reads tindaklanjut_job_runs_total for job and outcome (0 if absent).
func runs(reg *prometheus.Registry, job, outcome string) float64 {
	mfs, _ := reg.Gather()
	for _, mf := range mfs {
		if mf.GetName() != "tindaklanjut_job_runs_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["job"] == job && labels["outcome"] == outcome {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

// TestKickRunsOnceMoreAfterARun: kicks while the job runs make exactly one
// more run after it, never a concurrent one; a kick of an idle job runs it
// at once; an unknown name is ignored.
func TestKickRunsOnceMoreAfterARun(t *testing.T) {
	reg := prometheus.NewRegistry()
	s := scheduler.New(slog.New(slog.DiscardHandler), time.UTC, reg)
	job := &fakeJob{name: "sender", block: make(chan struct{})}
	if err := s.Add("@every 1h", job); err != nil {
		t.Fatal(err)
	}
	s.Kick("no such job")
	s.Kick("sender") // starts a run that blocks
	waitFor(t, func() bool { return job.runs.Load() == 1 })
	for range 5 {
		s.Kick("sender") // while it runs: coalesced into one more run
	}
	job.block <- struct{}{} // the first run ends; the second starts and blocks
	waitFor(t, func() bool { return job.runs.Load() == 2 })
	job.block <- struct{}{}
	time.Sleep(200 * time.Millisecond)
	if got := job.runs.Load(); got != 2 {
		t.Errorf("runs = %d; want 2 (one, then one for the kicks during it)", got)
	}
	close(job.block)
	s.Kick("sender")
	waitFor(t, func() bool { return job.runs.Load() == 3 })
	s.Stop()
	s.Kick("sender") // after Stop: ignored
	if got := job.runs.Load(); got != 3 {
		t.Errorf("runs after Stop = %d; want 3", got)
	}
	if runs(reg, "sender", "ok") != 3 {
		t.Errorf("ok runs = %v; want 3", runs(reg, "sender", "ok"))
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
