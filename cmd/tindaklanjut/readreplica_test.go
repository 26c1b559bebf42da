//go:build linux

package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

// standbyOf makes a streaming-replication standby of primary (a base
// backup written by pg_basebackup -R) under dir/standby and starts it.
func standbyOf(t *testing.T, primary *postgres.Cluster, dir string) *postgres.Cluster {
	t.Helper()
	bin, err := serverBinDir()
	if err != nil {
		t.Fatal(err)
	}
	cred, err := postgres.ServerCredential()
	if err != nil {
		t.Fatal(err)
	}
	parent := filepath.Join(dir, "standby")
	if err := os.Mkdir(parent, 0o700); err != nil {
		t.Fatal(err)
	}
	if cred != nil {
		if err := os.Chown(parent, int(cred.Uid), int(cred.Gid)); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(filepath.Join(bin, "pg_basebackup"), "-D", filepath.Join(parent, "pg"), "-R", "-X", "stream",
		"-c", "fast", "-d", primary.URL(""))
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pg_basebackup: %v\n%s", err, out)
	}
	// The primary's socket lives in its data directory, and the backup
	// copied the socket's lock file: the standby has a socket of its own.
	os.Remove(filepath.Join(parent, "pg", ".s.PGSQL.5432.lock"))
	standby, err := postgres.NewCluster(postgres.ClusterOptions{Dir: filepath.Join(parent, "pg"), LogFile: filepath.Join(parent, "pg.log")})
	if err != nil {
		t.Fatal(err)
	}
	if err := standby.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { standby.Stop() })
	return standby
}

// TestReadReplica runs the real binary with DATABASE_READ_URL on a
// streaming standby of its database. The follow-up matrix is read from
// the standby: it holds the committed findings once the standby has
// replayed them, and not those it has yet to replay (replay paused),
// while the finding list, which a user acts on, reads the primary. A
// primary become read-only answers writes 503. With the standby stopped
// the matrix comes from the primary, whole, and the service stays ready.
// The replica's lag and state are in /metrics.
func TestReadReplica(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and a standby")
	}
	ctx := context.Background()
	bin := buildServer(t)
	// Not under t.TempDir: the standby, as the postgres OS user, reaches
	// the primary's socket under it.
	dir, err := os.MkdirTemp("", "tlrepl-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	primary := testCluster(t, dir)
	t.Cleanup(func() { primary.Stop() })
	standby := standbyOf(t, primary, dir)
	vars := artEnv(t, primary.URL("tindaklanjut"), t.TempDir())
	vars["DATABASE_READ_URL"] = standby.URL("tindaklanjut") + "&target_session_attrs=prefer-standby"
	srv := startBinServe(t, bin, vars)
	base := srv.url("")
	target := newUploadTarget(t, base)
	var auditor struct{ Token string }
	mustAPI(t, base, 200, "POST", "/auth/token", "", map[string]string{"email": "auditor@kalselprov.go.id", "password": artPassword}, &auditor)
	var first struct {
		UnitID   int64 `json:"unit_id"`
		ReviewID int64 `json:"review_id"`
	}
	mustAPI(t, base, 200, "GET", fmt.Sprintf("/findings/%d", target.findingID), auditor.Token, nil, &first)

	pconn, err := pgx.Connect(ctx, primary.URL("tindaklanjut"))
	if err != nil {
		t.Fatal(err)
	}
	defer pconn.Close(ctx)
	sconn, err := pgx.Connect(ctx, standby.URL("tindaklanjut"))
	if err != nil {
		t.Fatal(err)
	}
	defer sconn.Close(ctx)
	var recovering bool
	if err := sconn.QueryRow(ctx, `SELECT pg_is_in_recovery()`).Scan(&recovering); err != nil || !recovering {
		t.Fatalf("the standby is not in recovery: %v", err)
	}

	create := func(title string) {
		t.Helper()
		mustAPI(t, base, 201, "POST", "/findings", auditor.Token, map[string]any{"review_id": first.ReviewID, "title": title,
			"recommendation": "Menindaklanjuti temuan", "severity": "medium", "unit_id": first.UnitID, "due_date": "2027-06-30"}, nil)
	}
	// replayed waits until the standby has replayed all the primary has
	// committed so far.
	replayed := func() {
		t.Helper()
		var lsn string
		if err := pconn.QueryRow(ctx, `SELECT pg_current_wal_lsn()::text`).Scan(&lsn); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			var done bool
			if err := sconn.QueryRow(ctx, `SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn`, lsn).Scan(&done); err != nil {
				t.Fatal(err)
			}
			if done {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("the standby has not replayed %s within 30 s", lsn)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	read := func(path string) string {
		t.Helper()
		status, body := apiCall(t, base, "GET", path, auditor.Token, nil, nil)
		if status != http.StatusOK {
			t.Fatalf("%s: %d %s", path, status, body)
		}
		return string(body)
	}
	matrix := func() string { return read("/reports/follow-up-matrix?format=csv") }
	list := func() string { return read("/findings?limit=100") }

	// Committed and replayed: in the matrix read from the standby.
	for i := range 3 {
		create(fmt.Sprintf("Temuan replika %d", i))
	}
	replayed()
	if m := matrix(); !strings.Contains(m, "Temuan replika 0") || !strings.Contains(m, "Temuan replika 2") {
		t.Fatalf("the matrix lacks findings the standby has replayed:\n%s", m)
	}
	// Committed, not yet replayed: the list (primary) has it, the matrix
	// (standby) not yet; once replayed, the matrix has it too.
	if _, err := sconn.Exec(ctx, `SELECT pg_wal_replay_pause()`); err != nil {
		t.Fatal(err)
	}
	create("Temuan belum direplikasi")
	if !strings.Contains(list(), "Temuan belum direplikasi") {
		t.Errorf("the finding list, read from the primary, lacks a finding just created")
	}
	if strings.Contains(matrix(), "Temuan belum direplikasi") {
		t.Fatalf("the matrix has a finding the standby has not replayed: it was not read from the standby")
	}
	if _, err := sconn.Exec(ctx, `SELECT pg_wal_replay_resume()`); err != nil {
		t.Fatal(err)
	}
	replayed()
	if !strings.Contains(matrix(), "Temuan belum direplikasi") {
		t.Errorf("the matrix lacks a finding the standby has replayed")
	}
	metrics := func() string {
		_, body := get(t, srv.url("/metrics"))
		return string(body)
	}
	if m := metrics(); !strings.Contains(m, "\ntindaklanjut_replica_lag_seconds ") || !strings.Contains(m, "\ntindaklanjut_replica_up 1") {
		t.Errorf("/metrics lacks the replica's lag or state:\n%s", m)
	}

	// The primary become read-only, as an old primary is after a failover
	// (SQLSTATE 25006): a write is a 503 problem with Retry-After, never a
	// 500, and leaves nothing; reads go on.
	setReadOnly := func(on string) {
		t.Helper()
		for _, q := range []string{`SET default_transaction_read_only = off`,
			`ALTER SYSTEM SET default_transaction_read_only = ` + on, `SELECT pg_reload_conf()`} {
			if _, err := pconn.Exec(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(300 * time.Millisecond) // every session has read the new setting
	}
	setReadOnly("on")
	svc := &serviceProcess{t: t, Base: base}
	c := svc.do(http.DefaultClient, "POST", "/api/v1/findings", auditor.Token, fmt.Sprintf(`{"review_id":%d,"title":"Temuan hanya baca",
		"recommendation":"Menindaklanjuti temuan","severity":"medium","unit_id":%d,"due_date":"2027-06-30"}`, first.ReviewID, first.UnitID))
	if c.status != http.StatusServiceUnavailable || !c.problem || c.retryAfter == "" {
		t.Errorf("a write to a read-only primary: %d problem=%v Retry-After %q: %s", c.status, c.problem, c.retryAfter, c.body)
	}
	list()
	setReadOnly("off")
	if strings.Contains(list(), "Temuan hanya baca") {
		t.Errorf("the write refused by a read-only primary left a finding")
	}

	// The standby away: the matrix comes from the primary, whole; the
	// service stays ready.
	sconn.Close(ctx)
	if err := standby.Stop(); err != nil {
		t.Fatal(err)
	}
	create("Temuan tanpa replika")
	t0 := time.Now()
	if m := matrix(); !strings.Contains(m, "Temuan tanpa replika") || !strings.Contains(m, "Temuan replika 1") {
		t.Errorf("with the standby away the matrix is not the primary's:\n%s", m)
	}
	fallback := time.Since(t0)
	if status, _ := get(t, srv.url("/readyz")); status != http.StatusOK {
		t.Errorf("/readyz with the standby away = %d; want 200", status)
	}
	if m := metrics(); !strings.Contains(m, "\ntindaklanjut_replica_up 0") {
		t.Errorf("/metrics does not say the replica is down")
	}
	if n := strings.Count(srv.stderr.String(), `"internal error"`); n > 0 {
		t.Errorf("%d internal errors logged", n)
	}
	t.Logf("matrix from the standby once replayed, without what it had yet to replay; from the primary in %v with the standby away",
		fallback.Round(time.Millisecond))
}
