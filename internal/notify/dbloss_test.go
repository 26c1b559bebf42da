package notify_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestDatabaseLostWhileSending: the database drops every connection (a
// restart, a failover) just as the mail server accepts the first mail of
// a batch. The sender records each delivery on a fresh connection
// instead of leaving the batch to be sent again when its lease ends: every
// mail arrives once and is recorded sent.
func TestDatabaseLostWhileSending(t *testing.T) {
	f := newFixture(t)
	f.workload(10)
	admin, err := pgx.Connect(f.ctx, f.url)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())
	var once sync.Once
	var ended int
	f.mail.setRefuse(func(received) error {
		once.Do(func() {
			err = admin.QueryRow(f.ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
				WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&ended)
		})
		return nil
	})
	st, sendErr := f.sender.SendDue(f.ctx, f.now())
	if err != nil || ended == 0 {
		t.Fatalf("ending the connections: %d ended, %v", ended, err)
	}
	if sendErr != nil {
		t.Fatalf("SendDue with the connections lost: %v (%s)", sendErr, st)
	}
	// A mail whose view could not be read waits a few seconds.
	for range 3 {
		var pending int64
		f.db.Raw(`SELECT count(*) FROM notifications WHERE status <> 'sent'`).Scan(&pending)
		if pending == 0 {
			break
		}
		f.setNow(f.now().Add(10 * time.Second))
		f.send()
	}
	seen := map[string]int{}
	for _, m := range f.mail.take() {
		seen[m.Header.Get("Message-ID")]++
	}
	var sent int64
	f.db.Raw(`SELECT count(*) FROM notifications WHERE status = 'sent'`).Scan(&sent)
	if len(seen) != 10 || sent != 10 {
		t.Errorf("%d distinct mails received, %d recorded sent; want the 10 assignments", len(seen), sent)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("mail %s received %d times", id, n)
		}
	}
}
