package postgres_test

import (
	"context"
	"errors"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/dbtest"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

// lostConnections opens a pool of four on a fresh database, uses every
// connection, then has the server end them all (as a restart or a
// failover does): the pool still holds them, recently used, so it hands
// them out without a ping.
func lostConnections(t *testing.T) *gorm.DB {
	t.Helper()
	ctx := context.Background()
	url := dbtest.URL(t)
	db, err := postgres.Open(ctx, url, postgres.Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { postgres.Close(db) })
	if err := db.Exec(`CREATE TABLE notes (n int)`).Error; err != nil {
		t.Fatal(err)
	}
	// Twice: the pool pings a connection when it is first reused.
	for range 2 {
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() { defer wg.Done(); db.Exec(`SELECT pg_sleep(0.05)`) }()
		}
		wg.Wait()
	}
	admin, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	var ended int
	if err := admin.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&ended); err != nil || ended < 2 {
		t.Fatalf("ended %d connections: %v", ended, err)
	}
	return db
}

// A read that fails on a lost connection runs once more on a fresh one
// and succeeds; a write on a lost connection is not repeated: it fails as
// Unavailable (503 with Retry-After) and wrote nothing.
func TestReadRetriedOnAFreshConnectionWriteNot(t *testing.T) {
	ctx := context.Background()
	t.Run("read", func(t *testing.T) {
		db := lostConnections(t)
		runs := 0
		var n int
		err := postgres.ReadConn(ctx, db, func(c *pgx.Conn) error {
			runs++
			return c.QueryRow(ctx, `SELECT count(*) FROM notes`).Scan(&n)
		})
		if err != nil || runs != 2 {
			t.Fatalf("ReadConn after the connections were lost: %v after %d runs; want success on the second", err, runs)
		}
	})
	t.Run("read in a transaction", func(t *testing.T) {
		db := lostConnections(t)
		var n int
		if err := postgres.ReadTx(ctx, db, func(tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT count(*) FROM notes`).Scan(&n)
		}); err != nil {
			t.Fatalf("ReadTx after the connections were lost: %v", err)
		}
	})
	t.Run("write", func(t *testing.T) {
		db := lostConnections(t)
		runs := 0
		err := postgres.WithConn(ctx, db, func(c *pgx.Conn) error {
			runs++
			_, err := c.Exec(ctx, `INSERT INTO notes VALUES (1)`)
			return err
		})
		var ae *apperr.Error
		if !errors.As(postgres.UnavailableError(err), &ae) || ae.Kind != apperr.Unavailable || runs != 1 {
			t.Fatalf("a write on a lost connection: %v after %d runs; want Unavailable after one", err, runs)
		}
		var n int64
		if err := postgres.ReadConn(ctx, db, func(c *pgx.Conn) error {
			return c.QueryRow(ctx, `SELECT count(*) FROM notes`).Scan(&n)
		}); err != nil || n != 0 {
			t.Fatalf("%d rows (%v); want none", n, err)
		}
	})
}

// Without a reachable replica the heavy reads go to the primary, and the
// replica says it is down with an unknown lag; without any replica the lag
// is 0 (the primary serves them) and a replica on the primary itself
// reports 0 too.
func TestReplicaFallsBackToPrimary(t *testing.T) {
	ctx := context.Background()
	primary := dbtest.New(t)
	away, err := postgres.OpenReplica("postgres://postgres@127.0.0.1:1/tindaklanjut?sslmode=disable&connect_timeout=2", postgres.Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer away.Close()
	for i := range 2 { // the first finds it away, the second does not try it
		var one int
		if err := postgres.ReadLagging(ctx, primary, away, func(tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT 1`).Scan(&one)
		}); err != nil || one != 1 {
			t.Fatalf("read %d with the replica away: %v", i, err)
		}
		if away.Up() {
			t.Fatalf("read %d: the replica is up", i)
		}
	}
	if err := away.Check(ctx); err == nil || !math.IsNaN(away.Lag()) {
		t.Errorf("check of a replica away: %v, lag %v; want an error and NaN", err, away.Lag())
	}
	// A replica host that accepts and never answers (gone without a word)
	// holds a read 3 s at most before it goes to the primary.
	silent, err := postgres.OpenReplica("postgres://postgres@"+dbtest.Silent(t)+"/tindaklanjut?sslmode=disable", postgres.Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	t0 := time.Now()
	var one int
	if err := postgres.ReadLagging(ctx, primary, silent, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT 1`).Scan(&one)
	}); err != nil || one != 1 || time.Since(t0) > 5*time.Second || silent.Up() {
		t.Errorf("read with a silent replica: %v after %v (up %v); want the primary's answer within 5 s", err, time.Since(t0), silent.Up())
	}
	var none *postgres.Replica
	if none.Up() || none.Lag() != 0 {
		t.Errorf("no replica: up %v, lag %v; want false, 0", none.Up(), none.Lag())
	}
	self, err := postgres.OpenReplica(dbtest.URL(t), postgres.Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer self.Close()
	if err := self.Check(ctx); err != nil || !self.Up() || self.Lag() != 0 {
		t.Errorf("a replica URL that reaches a primary: %v, up %v, lag %v; want up with lag 0", err, self.Up(), self.Lag())
	}
}
