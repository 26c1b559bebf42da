package notify_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tindaklanjut/tindaklanjut/internal/notify"
	"github.com/tindaklanjut/tindaklanjut/internal/scheduler"
)

// TestSenderWakesOnQueuedMail: with the sender scheduled only hourly, a
// mail queued by an event (in another connection pool, as another replica
// would) is delivered within seconds: the outbox's NOTIFY kicks the sender.
// The jobs count what they planned and sent.
func TestSenderWakesOnQueuedMail(t *testing.T) {
	f := newFixture(t)
	reg := prometheus.NewRegistry()
	metrics := notify.NewMetrics(reg)
	_, sender := f.services(f.db, f.mail.URL(), 50)
	sched := scheduler.New(slog.New(slog.DiscardHandler), wita, reg)
	send := notify.SendJob{Sender: sender, Now: f.now}
	plan := notify.PlanJob{Planner: f.planner, Now: f.now, Metrics: metrics}
	if err := sched.Add("@every 1h", send); err != nil {
		t.Fatal(err)
	}
	if err := sched.Add("@every 1h", plan); err != nil {
		t.Fatal(err)
	}
	sched.Start()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		notify.Listen(ctx, f.open(), slog.New(slog.DiscardHandler), func() { sched.Kick(send.Name()) })
	}()
	defer func() { cancel(); <-done; sched.Stop() }()
	time.Sleep(300 * time.Millisecond) // the listener is listening

	f.setNow(at("2024-08-01 10:00"))
	fd := f.issue(f.unitA, "2024-09-30", "")
	f.assign(fd, "officerA", "2024-09-02")
	deadline := time.Now().Add(10 * time.Second)
	var got []received
	for len(got) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		got = f.mail.take()
	}
	if len(got) != 1 || got[0].Kind != "action_assigned" {
		t.Fatalf("within 10 s of the event: %+v", got)
	}

	// A planning pass kicked the same way queues reminders, and the
	// sender delivers them at once.
	f.setNow(at("2024-08-03 08:00"))
	sched.Kick(plan.Name())
	deadline = time.Now().Add(10 * time.Second)
	for len(got) < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		got = append(got, f.mail.take()...)
	}
	if len(got) < 2 || got[1].Kind != "action_due" {
		t.Fatalf("after planning: %+v", got)
	}
	want := `
# HELP tindaklanjut_notifications_planned_total Reminders queued by the planner, by kind.
# TYPE tindaklanjut_notifications_planned_total counter
tindaklanjut_notifications_planned_total{kind="action_due"} 1
tindaklanjut_notifications_planned_total{kind="weekly_digest"} 1
`
	// The pass counts what it planned when it returns, which may be after
	// the sender, woken by its commit, has delivered.
	deadline = time.Now().Add(5 * time.Second)
	for {
		err := testutil.GatherAndCompare(reg, strings.NewReader(want), "tindaklanjut_notifications_planned_total")
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSenderMetrics: sent, failed (by class), kept and the queue's age.
func TestSenderMetrics(t *testing.T) {
	f := newFixture(t)
	reg := prometheus.NewRegistry()
	metrics := notify.NewMetrics(reg)
	sender, err := notify.NewSender(f.db, notify.SenderOptions{Transport: must(notify.NewSMTP(f.mail.URL(), time.Second)),
		Renderer: f.renderer, From: "tindaklanjut <noreply@kalselprov.go.id>", BaseURL: "https://tl.kalselprov.go.id", Loc: wita, Metrics: metrics})
	if err != nil {
		t.Fatal(err)
	}
	f.setNow(at("2024-08-01 10:00"))
	for i := range 3 {
		f.assign(f.issue(f.unitA, "2024-09-30", ""), []string{"officerA", "officerA2", "officerA"}[i], "2024-09-02")
	}
	n := 0
	f.mail.setRefuse(func(m received) error {
		n++
		switch n {
		case 1:
			return smtpError(552, "too big")
		case 2:
			return smtpError(421, "busy")
		}
		return nil
	})
	f.setNow(at("2024-08-01 11:00"))
	if _, err := sender.SendDue(f.ctx, f.now()); err != nil {
		t.Fatal(err)
	}
	want := `
# HELP tindaklanjut_notification_queue_age_seconds How long the oldest undelivered notification has been due, at the sender's last run.
# TYPE tindaklanjut_notification_queue_age_seconds gauge
tindaklanjut_notification_queue_age_seconds 3600
# HELP tindaklanjut_notifications_failed_total Failed delivery attempts, by kind and class: temporary (retried later), permanent (5xx or unrenderable) or exhausted (retries given up).
# TYPE tindaklanjut_notifications_failed_total counter
tindaklanjut_notifications_failed_total{class="permanent",kind="action_assigned"} 1
tindaklanjut_notifications_failed_total{class="temporary",kind="action_assigned"} 1
# HELP tindaklanjut_notifications_sent_total Mails the mail server accepted, by kind.
# TYPE tindaklanjut_notifications_sent_total counter
tindaklanjut_notifications_sent_total{kind="action_assigned"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "tindaklanjut_notification_queue_age_seconds",
		"tindaklanjut_notifications_failed_total", "tindaklanjut_notifications_sent_total"); err != nil {
		t.Error(err)
	}
}
