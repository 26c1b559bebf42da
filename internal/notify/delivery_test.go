package notify_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/dbtest"
	"github.com/tindaklanjut/tindaklanjut/internal/notify"
)

// workload gives unit A n actions due on successive days from 2 September
// 2024 and an open finding of unit B, and returns the instant at which
// each action has a reminder due.
func (f *fixture) workload(n int) {
	f.t.Helper()
	f.setNow(at("2024-08-01 10:00"))
	for i := range n {
		fd := f.issue(f.unitA, "2024-10-31", fmt.Sprintf("Temuan nomor %d", i))
		f.assign(fd, []string{"officerA", "officerA2"}[i%2], fmt.Sprintf("2024-09-%02d", 2+i%25))
	}
	f.issue(f.unitB, "2024-10-31", "Temuan Bappeda")
}

// TestPlanningAndSendingExactlyOnce: planning twice plans nothing new, and
// two planners with two senders running at once on their own connection
// pools, as two replicas would, deliver every mail exactly once.
func TestPlanningAndSendingExactlyOnce(t *testing.T) {
	f := newFixture(t)
	f.workload(30)
	f.setNow(at("2024-08-20 08:00"))
	// Twice in a row: the second pass finds nothing new.
	preview, err := f.planner.Preview(f.ctx, f.now())
	if err != nil {
		t.Fatal(err)
	}
	first := f.plan()
	total := 0
	for _, n := range first {
		total += n
	}
	if total == 0 || total != len(preview) {
		t.Fatalf("planned %v; the preview showed %d", first, len(preview))
	}
	if again := f.plan(); len(again) != 0 {
		t.Errorf("second pass planned %v; want nothing", again)
	}

	// Two replicas over the next days, planning and sending at once.
	replicas := make([]struct {
		p *notify.Planner
		s *notify.Sender
	}, 2)
	for i := range replicas {
		replicas[i].p, replicas[i].s = f.services(f.open(), f.mail.URL(), 3)
	}
	for day := 0; day < 20; day++ {
		now := at("2024-08-21 08:00").AddDate(0, 0, day)
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for _, r := range replicas {
			wg.Add(2)
			go func() {
				defer wg.Done()
				for range 2 {
					if _, err := r.p.Plan(f.ctx, now); err != nil {
						errs <- err
					}
				}
			}()
			go func() {
				defer wg.Done()
				for range 2 {
					if _, err := r.s.SendDue(f.ctx, now); err != nil {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		// Whatever the planners queued after the senders' last pass.
		f.setNow(now)
		f.send()
	}
	f.send()
	seen := map[string]int{}
	for _, m := range f.mail.take() {
		seen[m.Key]++
	}
	var keys []string
	f.db.Raw(`SELECT dedup_key FROM notifications`).Scan(&keys)
	for _, k := range keys {
		if seen[k] != 1 && !strings.HasPrefix(k, "event:") {
			t.Errorf("%s delivered %d times", k, seen[k])
		}
	}
	if c := f.statusCounts(""); c["pending"]+c["sending"]+c["failed"] != 0 {
		t.Errorf("statuses %v; want every notification settled", c)
	}
	if len(seen) < 60 {
		t.Errorf("only %d distinct mails; the workload is too small to show anything", len(seen))
	}
}

// TestSMTPDownForADay: with the mail server down for a day nothing is lost
// or failed; when it is back every mail goes exactly once. Temporary
// refusals and dropped connections are retried; a 550 fails at once, and
// an admin's retry delivers it; retries end in failed after the window.
func TestSMTPDownForADay(t *testing.T) {
	f := newFixture(t)
	f.workload(12)
	f.send()
	f.mail.take()

	f.mail.stop()
	start := at("2024-08-20 08:00")
	f.setNow(start)
	if n := f.plan(); n["action_due"] != 12 {
		t.Fatalf("planned %v; want 12 action reminders", n)
	}
	for now := start; now.Before(start.Add(24 * time.Hour)); now = now.Add(10 * time.Minute) {
		f.setNow(now)
		f.send()
	}
	c := f.statusCounts("kind <> 'action_assigned'")
	if c["sent"] != 0 || c["failed"] != 0 || c["pending"] != 15 {
		t.Fatalf("after a day down: %v; want everything pending (12 action reminders, 2 digests, 1 unassigned finding)", c)
	}
	var attempts int
	f.db.Raw(`SELECT min(attempts) FROM notifications WHERE status = 'pending'`).Scan(&attempts)
	if attempts < 5 || attempts > 40 {
		t.Errorf("min attempts after a day = %d; want back-off (a handful, not one per run)", attempts)
	}

	f.mail.start()
	for now := start.Add(24 * time.Hour); now.Before(start.Add(27 * time.Hour)); now = now.Add(5 * time.Minute) {
		f.setNow(now)
		f.send()
	}
	got := map[string]int{}
	for _, m := range f.mail.take() {
		got[m.Key]++
	}
	var keys []string
	f.db.Raw(`SELECT dedup_key FROM notifications WHERE kind <> 'action_assigned'`).Scan(&keys)
	for _, k := range keys {
		if got[k] != 1 {
			t.Errorf("%s delivered %d times", k, got[k])
		}
	}
	if c := f.statusCounts(""); c["pending"] != 0 || c["failed"] != 0 || c["sent"] != 12+15 {
		t.Errorf("after recovery: %v", c)
	}

	// The first mail refused with 550, the second with 451, the third's
	// connection dropped: the 550 fails now, the others go next time.
	f.setNow(at("2024-08-26 08:00"))
	if n := f.plan(); n["action_due"] < 5 {
		t.Fatalf("planned %v; want some action reminders", n)
	}
	var mu sync.Mutex
	tried := map[string]bool{}
	f.mail.setRefuse(func(m received) error {
		mu.Lock()
		defer mu.Unlock()
		if tried[m.Key] {
			return nil
		}
		tried[m.Key] = true
		switch len(tried) {
		case 1:
			return smtpError(550, "mailbox unavailable")
		case 2:
			return smtpError(451, "try again later")
		case 3:
			return errDrop
		}
		return nil
	})
	st := f.send()
	if st.Failed != 1 || st.Retried != 2 {
		t.Errorf("first pass: %s; want 1 failed (550) and 2 to retry (451, dropped)", st)
	}
	var failed []notify.Notification
	f.db.Raw(`SELECT id, dedup_key, last_error FROM notifications WHERE status = 'failed'`).Scan(&failed)
	if len(failed) != 1 || failed[0].LastError == nil || !strings.Contains(*failed[0].LastError, "550") {
		t.Fatalf("failed: %+v", failed)
	}
	f.setNow(f.now().Add(2 * time.Hour))
	if st := f.send(); st.Sent != 2 {
		t.Errorf("retry pass: %s; want the 451 and the dropped mail sent", st)
	}
	if st := f.send(); st.Sent != 0 {
		t.Errorf("the failed mail went without a retry: %s", st)
	}
	// Only an admin may retry, only a failed mail, and it then goes.
	if _, err := f.outbox.Retry(f.ctx, f.p["auditor"], failed[0].ID); !errors.Is(err, apperr.E(apperr.Forbidden, "")) {
		t.Errorf("auditor's retry: %v; want Forbidden", err)
	}
	if _, err := f.outbox.Retry(f.ctx, f.p["admin"], 999999); !errors.Is(err, apperr.E(apperr.NotFound, "")) {
		t.Errorf("retry of nothing: %v; want NotFound", err)
	}
	n, err := f.outbox.Retry(f.ctx, f.p["admin"], failed[0].ID)
	if err != nil || n.Status != "pending" {
		t.Fatalf("admin retry: %+v, %v", n, err)
	}
	if _, err := f.outbox.Retry(f.ctx, f.p["admin"], failed[0].ID); !errors.Is(err, apperr.E(apperr.Conflict, "")) {
		t.Errorf("retry of a pending mail: %v; want Conflict", err)
	}
	f.mail.take()
	if st := f.send(); st.Sent != 1 {
		t.Errorf("after the admin's retry: %s", st)
	}
	if got := f.mail.take(); len(got) != 1 || got[0].Key != failed[0].DedupKey {
		t.Errorf("delivered %+v; want %s", got, failed[0].DedupKey)
	}

	// Down for longer than the retry window: the mail fails, visibly.
	f.mail.stop()
	_, short := f.services(f.db, f.mail.URL(), 50)
	f.sender = short
	f.setNow(at("2024-08-30 08:00"))
	f.plan()
	for now := f.now(); now.Before(at("2024-09-03 12:00")); now = now.Add(30 * time.Minute) {
		f.setNow(now)
		f.send()
	}
	var errs []string
	f.db.Raw(`SELECT last_error FROM notifications WHERE status = 'failed' AND dedup_key LIKE '%due-3'`).Scan(&errs)
	if len(errs) == 0 || !strings.Contains(errs[0], "gave up after") {
		t.Errorf("after 4 days down: failed %q; want retries given up", errs)
	}
}

// TestConnectionReusedForABatch: a batch goes over one connection; a
// refused mail starts a new one for the rest.
func TestConnectionReusedForABatch(t *testing.T) {
	f := newFixture(t)
	f.workload(10)
	before := f.mail.sessionCount()
	if st := f.send(); st.Sent != 10 {
		t.Fatalf("%s; want the 10 assignments", st)
	}
	if n := f.mail.sessionCount() - before; n != 1 {
		t.Errorf("%d connections for one batch; want 1", n)
	}
}

// TestTimeoutIsTemporary: a server that accepts the connection but never
// answers times out, and the mail waits for its next attempt.
func TestTimeoutIsTemporary(t *testing.T) {
	f := newFixture(t)
	tr, err := notify.NewSMTP("smtp://"+dbtest.Silent(t)+"?tls=none", 300*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	f.sender, err = notify.NewSender(f.db, notify.SenderOptions{Transport: tr, Renderer: f.renderer,
		From: "tindaklanjut <noreply@kalselprov.go.id>", BaseURL: "https://tl.kalselprov.go.id", Loc: wita})
	if err != nil {
		t.Fatal(err)
	}
	f.setNow(at("2024-08-01 10:00"))
	f.assign(f.issue(f.unitA, "2024-09-30", ""), "officerA", "2024-09-02")
	if st := f.send(); st.Retried != 1 {
		t.Fatalf("%s; want the mail to retry", st)
	}
	var n notify.Notification
	f.db.Raw(`SELECT status, next_attempt_at, last_error FROM notifications`).Scan(&n)
	if n.Status != "pending" || !n.NextAttemptAt.After(f.now()) || n.LastError == nil || !strings.Contains(*n.LastError, "timeout") {
		t.Errorf("after a timeout: %s, next %v, error %v", n.Status, n.NextAttemptAt, n.LastError)
	}
}
