package postgres_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

// newCluster prepares a cluster in a private directory, stopped at cleanup.
func newCluster(t *testing.T, dir string) *postgres.Cluster {
	t.Helper()
	c, err := postgres.NewCluster(postgres.ClusterOptions{
		Dir:       filepath.Join(dir, "postgres"),
		LogFile:   filepath.Join(dir, "postgres.log"),
		Ephemeral: false, // this test is about durability
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Stop() })
	return c
}

func exec(t *testing.T, url, sql string, args ...any) int {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func TestManagedClusterKeepsDataAndRecoversFromCrash(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()

	c := newCluster(t, dir)
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.EnsureDatabase(ctx, "tindaklanjut"); err != nil {
		t.Fatal(err)
	}
	url := c.URL("tindaklanjut")
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "CREATE TABLE kept (n int); INSERT INTO kept VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)

	// A clean stop and a second start reuse the cluster and its data.
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	c2 := newCluster(t, dir)
	if err := c2.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c2.EnsureDatabase(ctx, "tindaklanjut"); err != nil {
		t.Fatal(err)
	}
	if n := exec(t, c2.URL("tindaklanjut"), "SELECT count(*) FROM kept"); n != 1 {
		t.Fatalf("rows after restart = %d; want 1", n)
	}

	// A killed server leaves postmaster.pid behind; the next start copes.
	c2.Kill()
	if _, err := os.Stat(filepath.Join(dir, "postgres", "postmaster.pid")); err != nil {
		t.Fatalf("expected a stale postmaster.pid after a crash: %v", err)
	}
	c3 := newCluster(t, dir)
	if err := c3.Start(ctx); err != nil {
		t.Fatalf("start after crash: %v", err)
	}
	if n := exec(t, c3.URL("tindaklanjut"), "SELECT count(*) FROM kept"); n != 1 {
		t.Fatalf("rows after crash recovery = %d; want 1", n)
	}
}

func TestManagedClusterStalePIDFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c := newCluster(t, dir)
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	c.Stop()
	// A pid file naming a process that is not a postgres (this test's parent
	// shell, say, after pid reuse) must not block the start.
	pidFile := filepath.Join(dir, "postgres", "postmaster.pid")
	stale := []byte("999999\n" + filepath.Join(dir, "postgres") + "\n")
	if err := os.WriteFile(pidFile, stale, 0o600); err != nil {
		t.Fatal(err)
	}
	c2 := newCluster(t, dir)
	if err := c2.Start(ctx); err != nil {
		t.Fatalf("start with stale pid file: %v", err)
	}
	if n := exec(t, c2.URL("postgres"), "SELECT 1"); n != 1 {
		t.Fatal("server does not answer")
	}
}
