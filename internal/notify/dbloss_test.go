package notify_test

import (
	"context"
	"database/sql"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
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

// TestClaimAnswerLost: the connection is lost as the sender's claim of a
// batch commits, so the claim took but its answer never came. The rows it
// took go back to the queue at once, due now, instead of staying with a
// sender that does not know it holds them until their lease ends; the next
// pass sends each mail once.
func TestClaimAnswerLost(t *testing.T) {
	f := newFixture(t)
	f.workload(4)
	db := f.open()
	lost := false
	err := db.Callback().Row().After("gorm:row").Register("test:lose_claim_answer", func(tx *gorm.DB) {
		if lost || !strings.Contains(tx.Statement.SQL.String(), "SET status = 'sending'") {
			return
		}
		lost = true
		// The statement runs to its end (and commits); the answer is lost.
		if rows, ok := tx.Statement.Dest.(*sql.Rows); ok {
			for rows.Next() {
			}
			rows.Close()
		}
		tx.AddError(io.ErrUnexpectedEOF)
	})
	if err != nil {
		t.Fatal(err)
	}
	_, sender := f.services(db, f.mail.URL(), 50)
	if _, err := sender.SendDue(f.ctx, f.now()); err == nil || !lost {
		t.Fatalf("SendDue with the claim's answer lost: %v (lost %v)", err, lost)
	}
	var sending, due int64
	f.db.Raw(`SELECT count(*) FILTER (WHERE status = 'sending'), count(*) FILTER (WHERE status = 'pending' AND next_attempt_at <= ?)
		FROM notifications`, f.now()).Row().Scan(&sending, &due)
	if sending != 0 || due != 4 {
		t.Fatalf("after the lost claim: %d sending, %d pending and due; want 0 and the 4 assignments", sending, due)
	}
	f.send()
	seen := map[string]int{}
	for _, m := range f.mail.take() {
		seen[m.Header.Get("Message-ID")]++
	}
	if len(seen) != 4 {
		t.Errorf("%d distinct mails received; want the 4 assignments", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("mail %s received %d times", id, n)
		}
	}
}
