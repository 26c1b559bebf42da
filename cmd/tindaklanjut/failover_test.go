//go:build linux

package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

// formation is a pg_auto_failover formation on loopback: a monitor and
// two nodes with synchronous replication (with two nodes pg_auto_failover
// makes the standby synchronous), each pg_autoctl running as the postgres
// OS user under a directory of the test's own.
type formation struct {
	t     *testing.T
	dir   string
	env   []string
	cred  *syscall.Credential
	mon   int    // the monitor's port
	ports [2]int // the nodes'
	mu    sync.Mutex
	procs []*exec.Cmd
}

// serverBinDir is the directory of the PostgreSQL server's package, with
// all its programs (FindBinaries may name a directory of links to a few).
func serverBinDir() (string, error) {
	bin, err := postgres.FindBinaries()
	if err != nil {
		return "", err
	}
	server, err := filepath.EvalSymlinks(filepath.Join(bin, "postgres"))
	return filepath.Dir(server), err
}

// needAutoFailover skips the test when pg_auto_failover is not installed,
// unless CI is set: there it must run, and its absence fails the test.
func needAutoFailover(t *testing.T) string {
	t.Helper()
	bin, err := serverBinDir()
	if err == nil {
		_, err = exec.LookPath("pg_autoctl")
	}
	if err == nil {
		_, err = os.Stat(filepath.Join(filepath.Dir(bin), "lib", "pgautofailover.so"))
	}
	if err != nil {
		msg := "pg_auto_failover is not installed (apt-get install postgresql-15-auto-failover pg-auto-failover-cli): " + err.Error()
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return bin
}

// startFormation builds the formation and waits until node 1 is the
// primary and node 2 its synchronous standby.
func startFormation(t *testing.T) *formation {
	t.Helper()
	bin := needAutoFailover(t)
	cred, err := postgres.ServerCredential()
	if err != nil {
		t.Fatal(err)
	}
	// Not under t.TempDir: the postgres OS user must reach it.
	dir, err := os.MkdirTemp("", "tlpgaf-")
	if err != nil {
		t.Fatal(err)
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			t.Fatal(err)
		}
	}
	f := &formation{t: t, dir: dir, cred: cred, env: []string{"PATH=" + bin + ":/usr/bin:/bin", "HOME=" + dir,
		"XDG_CONFIG_HOME=" + dir + "/config", "XDG_DATA_HOME=" + dir + "/share", "XDG_RUNTIME_DIR=" + dir + "/run",
		"LC_ALL=C.UTF-8", "PGHOST=127.0.0.1"}}
	t.Cleanup(func() { f.stop(); os.RemoveAll(dir) })
	f.mon, f.ports[0], f.ports[1] = freePort(t), freePort(t), freePort(t)
	common := []string{"--hostname", "127.0.0.1", "--auth", "trust", "--no-ssl", "--run"}
	f.start("monitor", append([]string{"create", "monitor", "--pgdata", dir + "/monitor", "--pgport", strconv.Itoa(f.mon)}, common...)...)
	f.waitFor(30*time.Second, func(states map[string][2]string) bool { return true })
	node := func(i int) {
		name := fmt.Sprintf("node%d", i+1)
		f.start(name, append([]string{"create", "postgres", "--pgdata", dir + "/" + name, "--pgport", strconv.Itoa(f.ports[i]),
			"--name", name, "--dbname", "tindaklanjut", "--monitor", f.monitorURL("autoctl_node")}, common...)...)
	}
	node(0)
	f.waitFor(60*time.Second, func(s map[string][2]string) bool { return s["node1"] == [2]string{"single", "single"} })
	// The probe's own database (writeProbe), beside the service's.
	f.exec(f.nodeURL(0), "CREATE DATABASE "+probeDB)
	f.exec(onProbeDB(f.nodeURL(0)),
		"CREATE TABLE probe (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())")
	// The standby's base backup starts at once instead of waiting for the
	// next checkpoint.
	f.exec(f.nodeURL(0), "CHECKPOINT")
	node(1)
	f.waitFor(60*time.Second, func(s map[string][2]string) bool {
		return s["node1"] == [2]string{"primary", "primary"} && s["node2"] == [2]string{"secondary", "secondary"}
	})
	return f
}

func freePort(t *testing.T) int {
	addr := freeAddr(t)
	p, _ := strconv.Atoi(addr[strings.LastIndexByte(addr, ':')+1:])
	return p
}

func (f *formation) monitorURL(user string) string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/pg_auto_failover?sslmode=disable", user, f.mon)
}

func (f *formation) nodeURL(i int) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/tindaklanjut?sslmode=disable", f.ports[i])
}

// URL is what the service is given: both nodes, the one that writes.
func (f *formation) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d,127.0.0.1:%d/tindaklanjut?sslmode=disable&target_session_attrs=read-write",
		f.ports[0], f.ports[1])
}

// probeDB is the formation's database of writeProbe, beside the service's.
const probeDB = "failover_probe"

// onProbeDB is url (of the service's database) naming probeDB instead.
func onProbeDB(url string) string { return strings.Replace(url, "/tindaklanjut?", "/"+probeDB+"?", 1) }

// probeURL names the probe's database as URL names the service's.
func (f *formation) probeURL() string { return onProbeDB(f.URL()) }

// writeProbe writes a row to the formation's probe database every 20 ms,
// straight through pgx on the same multi-host URL as the service and with
// a new connection after each failure: the database's own outage during a
// failover, as any client of it sees it. window ends it and returns the
// time from the start of the first failed write to the end of the last.
type writeProbe struct {
	stop        atomic.Bool
	done        chan struct{}
	first, last time.Time
}

func startWriteProbe(url string) *writeProbe {
	p := &writeProbe{done: make(chan struct{})}
	go func() {
		defer close(p.done)
		var conn *pgx.Conn
		for !p.stop.Load() {
			start := time.Now()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			var err error
			if conn == nil {
				conn, err = pgx.Connect(ctx, url)
			}
			if err == nil {
				_, err = conn.Exec(ctx, `INSERT INTO probe DEFAULT VALUES`)
			}
			cancel()
			if err != nil {
				if conn != nil {
					conn.Close(context.Background())
					conn = nil
				}
				if p.first.IsZero() {
					p.first = start
				}
				p.last = time.Now()
			}
			time.Sleep(20 * time.Millisecond)
		}
		if conn != nil {
			conn.Close(context.Background())
		}
	}()
	return p
}

func (p *writeProbe) window() time.Duration {
	p.stop.Store(true)
	<-p.done
	return p.last.Sub(p.first)
}

// command is pg_autoctl with args, as the postgres OS user.
func (f *formation) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command("pg_autoctl", args...)
	cmd.Dir, cmd.Env = f.dir, f.env
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: f.cred, Setpgid: true, Pdeathsig: syscall.SIGTERM}
	log, err := os.OpenFile(filepath.Join(os.TempDir(), filepath.Base(f.dir)+"-"+name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { log.Close(); os.Remove(log.Name()) })
	cmd.Stdout, cmd.Stderr = log, log
	return cmd
}

// start runs a pg_autoctl service (create … --run) until the test ends.
func (f *formation) start(name string, args ...string) {
	cmd := f.command(name, args...)
	if err := cmd.Start(); err != nil {
		f.t.Fatal(err)
	}
	f.mu.Lock()
	f.procs = append(f.procs, cmd)
	f.mu.Unlock()
}

// stop ends every pg_autoctl service, nodes first (SIGTERM: a fast stop
// of its PostgreSQL), and kills what is left after 20 s.
func (f *formation) stop() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := len(f.procs) - 1; i >= 0; i-- {
		cmd := f.procs[i]
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	}
	f.procs = nil
}

// exec runs sql on url.
func (f *formation) exec(url, sql string) {
	f.t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		f.t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		f.t.Fatal(err)
	}
}

// states reads each node's reported and assigned state from the monitor.
func (f *formation) states() (map[string][2]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, f.monitorURL("postgres"))
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT nodename, reportedstate::text, goalstate::text FROM pgautofailover.node`)
	if err != nil {
		return nil, err
	}
	out := map[string][2]string{}
	for rows.Next() {
		var name, reported, goal string
		if err := rows.Scan(&name, &reported, &goal); err != nil {
			return nil, err
		}
		out[name] = [2]string{reported, goal}
	}
	return out, rows.Err()
}

// waitFor waits until the monitor answers with states that satisfy ok.
func (f *formation) waitFor(within time.Duration, ok func(map[string][2]string) bool) {
	f.t.Helper()
	deadline := time.Now().Add(within)
	var last map[string][2]string
	var err error
	for time.Now().Before(deadline) {
		if last, err = f.states(); err == nil && ok(last) {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	f.t.Fatalf("formation not as wanted within %v: %v %v\n%s", within, last, err, f.logs())
}

// logs is the tail of every pg_autoctl log.
func (f *formation) logs() string {
	var b strings.Builder
	matches, _ := filepath.Glob(filepath.Join(os.TempDir(), filepath.Base(f.dir)+"-*.log"))
	for _, m := range matches {
		data, _ := os.ReadFile(m)
		fmt.Fprintf(&b, "== %s\n%s\n", m, tailString(string(data), 3000))
	}
	return b.String()
}

// failover has the monitor promote the standby, node to (0 or 1), waits
// until it is the primary and the other node its standby, and returns how
// long it took.
func (f *formation) failover(to int) time.Duration {
	f.t.Helper()
	start := time.Now()
	cmd := f.command("failover", "perform", "failover", "--pgdata", f.dir+"/monitor", "--wait", "60")
	if err := cmd.Run(); err != nil {
		f.t.Fatalf("pg_autoctl perform failover: %v\n%s", err, f.logs())
	}
	f.waitFor(30*time.Second, func(s map[string][2]string) bool {
		return s[fmt.Sprintf("node%d", to+1)] == [2]string{"primary", "primary"} &&
			s[fmt.Sprintf("node%d", 2-to)] == [2]string{"secondary", "secondary"}
	})
	return time.Since(start)
}

// TestFailover runs the real binary on a pg_auto_failover formation, with
// DATABASE_URL naming both nodes (target_session_attrs=read-write), under
// mixed load — findings created and issued, documents uploaded, the
// planner and the sender every 2 s mailing a real SMTP sink — while the
// monitor fails the primary over to the standby; then with 32 clients
// while it fails back. After each failover every write that was
// acknowledged is on the new primary, nothing is half-written (every
// history chain verifies, every document is whole), every mail arrives
// exactly once (the reminders among them), the requests that failed did
// so within 5 s, each as a 503 problem with Retry-After (never a 500), and
// the service serves on the new primary without a restart.
func TestFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a pg_auto_failover formation and fails it over under load")
	}
	start := time.Now()
	needAutoFailover(t)
	bin := buildServer(t)
	built := time.Now()
	f := startFormation(t)
	t.Logf("binary built in %v, formation in %v", built.Sub(start).Round(time.Millisecond), time.Since(built).Round(time.Millisecond))
	sink, smtpURL := startMailSink(t)
	dataDir := t.TempDir()
	vars := artEnv(t, f.URL(), dataDir)
	for k, v := range map[string]string{"SMTP_URL": smtpURL, "TINDAKLANJUT_REMINDER_HOUR": "0", "TINDAKLANJUT_LOG_LEVEL": "info",
		"TINDAKLANJUT_PLANNER_SCHEDULE": "@every 2s", "TINDAKLANJUT_SENDER_SCHEDULE": "@every 2s"} {
		vars[k] = v
	}
	srv := startBinServe(t, bin, vars)
	base := srv.url("")
	r := &failoverRun{f: f, bin: bin, vars: vars, srv: srv, sink: sink, target: newUploadTarget(t, base), refused: map[string]bool{}}
	login := func(email string) string {
		var out struct{ Token string }
		mustAPI(t, base, 200, "POST", "/auth/token", "", map[string]string{"email": email, "password": artPassword}, &out)
		return out.Token
	}
	r.auditor, r.manager = login("auditor@kalselprov.go.id"), login("manager@kalselprov.go.id")
	mustAPI(t, base, 200, "GET", fmt.Sprintf("/findings/%d", r.target.findingID), r.auditor, nil, &r.first)
	var officer struct{ ID int64 }
	mustAPI(t, base, 200, "GET", "/me", r.target.officerToken, nil, &officer)
	r.officer = officer.ID
	// Reminders for the planner: issued findings with an action due
	// tomorrow, assigned three days ago (as if).
	tomorrow := time.Now().Add(24 * time.Hour).Format("2006-01-02")
	for i := range failoverReminders {
		var fd struct {
			ID      int64
			Version int
		}
		mustAPI(t, base, 201, "POST", "/findings", r.auditor, map[string]any{"review_id": r.first.ReviewID, "title": fmt.Sprintf("Temuan tenggat %d", i),
			"recommendation": "Menetapkan SK", "severity": "high", "unit_id": r.first.UnitID, "due_date": tomorrow}, &fd)
		mustAPI(t, base, 200, "POST", fmt.Sprintf("/findings/%d/transitions", fd.ID), r.auditor, map[string]any{"action": "issue", "version": fd.Version}, nil)
		mustAPI(t, base, 201, "POST", fmt.Sprintf("/findings/%d/actions", fd.ID), r.manager, map[string]any{"title": "Menyusun SK",
			"assignee_id": officer.ID, "due_date": tomorrow}, nil)
	}
	f.exec(f.nodeURL(0), `UPDATE actions SET created_at = created_at - interval '3 days', due_set_at = due_set_at - interval '3 days'`)
	t.Run("4 clients", func(t *testing.T) { r.underLoad(t, 4, 1) })
	t.Run("32 clients, back", func(t *testing.T) { r.underLoad(t, 32, 0) })
	// A backup through the multi-host URL reaches the primary (pg_dump
	// follows target_session_attrs as the service does).
	archive := filepath.Join(t.TempDir(), "tindaklanjut-backup.tar")
	if out, errOut, status := runBin(t, bin, vars, "backup", "--out", archive); status != 0 {
		t.Errorf("backup on the formation: exit %d\n%s%s", status, out, errOut)
	} else {
		t.Logf("backup on the formation: %s", strings.TrimSpace(out))
	}
	if n := strings.Count(srv.stderr.String(), `"internal error"`); n > 0 {
		t.Errorf("%d internal errors logged", n)
	}
	t.Logf("whole test %v", time.Since(start).Round(time.Millisecond))
}

// failoverReminders is how many reminders the planner has to send.
const failoverReminders = 4

// failoverRun is the service on a formation with its people and data.
type failoverRun struct {
	f                *formation
	bin              string
	vars             map[string]string
	srv              *binServer
	sink             *mailSink
	target           uploadTarget
	auditor, manager string
	officer          int64           // the officer's id
	refused          map[string]bool // the SHA-256 of each upload refused
	first            struct {
		UnitID   int64 `json:"unit_id"`
		ReviewID int64 `json:"review_id"`
	}
}

// ackedWrite is a write the service acknowledged.
type ackedWrite struct {
	kind string // "finding", "issue", "action" or "artifact"
	id   int64
	key  string // a finding's code; an artifact's SHA-256
}

// underLoad runs the load with clients for 4 s, fails over to node to
// under it, runs it 4 s more and checks what came of it.
func (r *failoverRun) underLoad(t *testing.T, clients, to int) {
	start := time.Now()
	ctx := context.Background()
	f, bin, vars, sink, target, auditor, manager, first := r.f, r.bin, r.vars, r.sink, r.target, r.auditor, r.manager, r.first
	base := r.srv.url("")

	// The load: each client in turn creates and issues a finding, uploads
	// a document, lists findings and reads who it is.
	var (
		mu      sync.Mutex
		answers []call
		acked   []ackedWrite
		stop    atomic.Bool
		wg      sync.WaitGroup
		seq     atomic.Int64
		refused = r.refused
	)
	client := &http.Client{Timeout: 30 * time.Second}
	svc := &serviceProcess{t: t, Base: base}
	keep := func(c call, w ...ackedWrite) {
		mu.Lock()
		answers = append(answers, c)
		acked = append(acked, w...)
		mu.Unlock()
	}
	for w := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; !stop.Load(); i++ {
				switch i % 4 {
				case 0:
					n := seq.Add(1)
					c := svc.do(client, "POST", "/api/v1/findings", auditor, fmt.Sprintf(`{"review_id":%d,"title":"Temuan beban %d",
						"recommendation":"Menindaklanjuti temuan","severity":"medium","unit_id":%d,"due_date":"2027-06-30"}`, first.ReviewID, n, first.UnitID))
					var fd struct {
						ID      int64
						Code    string
						Version int
					}
					if c.status != http.StatusCreated || json.Unmarshal(c.body, &fd) != nil {
						keep(c)
						continue
					}
					keep(c, ackedWrite{kind: "finding", id: fd.ID, key: fd.Code})
					c = svc.do(client, "POST", fmt.Sprintf("/api/v1/findings/%d/transitions", fd.ID), auditor,
						fmt.Sprintf(`{"action":"issue","version":%d}`, fd.Version))
					if c.status != http.StatusOK {
						keep(c)
						continue
					}
					keep(c, ackedWrite{kind: "issue", id: fd.ID})
					// An action assigned: a mail to its assignee, queued
					// with it and sent while the load runs.
					c = svc.do(client, "POST", fmt.Sprintf("/api/v1/findings/%d/actions", fd.ID), manager,
						fmt.Sprintf(`{"title":"Tindak lanjut %d","assignee_id":%d,"due_date":"2027-05-31"}`, n, r.officer))
					var act struct{ ID int64 }
					if c.status == http.StatusCreated && json.Unmarshal(c.body, &act) == nil {
						keep(c, ackedWrite{kind: "action", id: act.ID})
					} else {
						keep(c)
					}
				case 1:
					n := seq.Add(1)
					doc := testPDF(4<<10, 5000+uint64(n))
					c := uploadCall(client, target, fmt.Sprintf("lampiran-%d.pdf", n), doc)
					var a artifactDoc
					if c.status == http.StatusCreated && json.Unmarshal(c.body, &a) == nil {
						keep(c, ackedWrite{kind: "artifact", id: a.ID, key: a.SHA256})
					} else {
						sum := sha256.Sum256(doc)
						mu.Lock()
						refused[hex.EncodeToString(sum[:])] = true
						mu.Unlock()
						keep(c)
					}
				case 2:
					keep(svc.do(client, "GET", "/api/v1/findings?limit=20", manager, ""))
				case 3:
					keep(svc.do(client, "GET", "/api/v1/me", auditor, ""))
				}
			}
		}()
	}
	time.Sleep(4 * time.Second)
	// A failover keeps every acknowledged write only from a synchronous
	// pair: a standby the monitor has dropped from synchronous replication
	// under load (the primary in wait_primary, acknowledging alone) is
	// waited for until it is a secondary again.
	f.waitFor(60*time.Second, func(s map[string][2]string) bool {
		return s[fmt.Sprintf("node%d", 2-to)] == [2]string{"primary", "primary"} &&
			s[fmt.Sprintf("node%d", to+1)] == [2]string{"secondary", "secondary"}
	})
	probe := startWriteProbe(f.probeURL())
	failStart := time.Now()
	took := f.failover(to)
	time.Sleep(4 * time.Second)
	stop.Store(true)
	wg.Wait()
	dbWindow := probe.window()

	// Every answer is a success or a 503 problem with Retry-After; the
	// failures fall within 5 s.
	var ok, failed int
	var firstFail, lastFail time.Time
	for _, c := range answers {
		switch {
		case c.status >= 200 && c.status < 300:
			ok++
		case c.status == http.StatusServiceUnavailable:
			failed++
			if !c.problem || c.retryAfter == "" {
				t.Errorf("a 503 without a problem document or Retry-After: %s", c.body)
			}
			if firstFail.IsZero() || c.at.Before(firstFail) {
				firstFail = c.at
			}
			if end := c.at.Add(c.took); end.After(lastFail) {
				lastFail = end
			}
		default:
			t.Errorf("status %d at %v after the failover began: %s", c.status, c.at.Sub(failStart).Round(time.Millisecond), c.body)
		}
	}
	// Under 5 s, or where the database itself refused writes for longer
	// (pg_auto_failover's steps — the old primary stopped, the standby
	// promoted, then opened to writes — slow down on a loaded machine),
	// at most 2 s more than it did: what the service adds is its own. The
	// requests in flight as writes resume end a little later than the
	// probe's last refusal (up to 0.75 s here, 32 clients on two cores
	// beside other tests); a service slow to find the new primary would
	// show beyond that.
	window := lastFail.Sub(firstFail)
	if limit := max(5*time.Second, dbWindow+2*time.Second); window > limit {
		t.Errorf("requests failed over %v (from %v after the failover began), the database refused writes for %v; want under %v",
			window, firstFail.Sub(failStart), dbWindow, limit)
	}
	var after int
	for _, c := range answers {
		if c.at.After(failStart.Add(took)) && c.status/100 == 2 {
			after++
		}
	}
	if after == 0 {
		t.Errorf("no request succeeded on the new primary")
	}

	// Every acknowledged write is on the new primary.
	conn, err := pgx.Connect(ctx, f.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var primaryPort int
	conn.QueryRow(ctx, `SELECT current_setting('port')::int`).Scan(&primaryPort)
	if primaryPort != f.ports[to] {
		t.Errorf("the primary after the failover listens on %d; want node %d's %d", primaryPort, to+1, f.ports[to])
	}
	var lost []ackedWrite
	for _, w := range acked {
		var okRow bool
		var err error
		switch w.kind {
		case "finding":
			err = conn.QueryRow(ctx, `SELECT count(*) = 1 FROM findings WHERE id = $1 AND code = $2`, w.id, w.key).Scan(&okRow)
		case "issue":
			err = conn.QueryRow(ctx, `SELECT count(*) = 1 FROM findings WHERE id = $1 AND state <> 'draft'`, w.id).Scan(&okRow)
		case "action": // assigned, and its assignee told once (sent below)
			err = conn.QueryRow(ctx, `SELECT count(*) = 1 FROM actions WHERE id = $1`, w.id).Scan(&okRow)
		case "artifact":
			err = conn.QueryRow(ctx, `SELECT count(*) = 1 FROM artifacts WHERE id = $1 AND encode(sha256, 'hex') = $2`, w.id, w.key).Scan(&okRow)
		}
		if err != nil || !okRow {
			lost = append(lost, w)
		}
	}
	if len(lost) > 0 {
		t.Errorf("%d acknowledged writes are missing: %v", len(lost), lost)
	}

	// Nothing half-written: every chain verifies, every document is whole.
	if out, errOut, status := runBin(t, bin, vars, "verify-history"); status != 0 || !strings.Contains(out, "; 0 broken chains") {
		t.Errorf("verify-history: exit %d\n%s%s", status, out, errOut)
	}
	// An upload refused because the database went away leaves its file
	// stored under its hash with no artifact naming it (unreferenced), to
	// be named when the client sends it again; nothing else may be.
	out, errOut, status := runBin(t, bin, vars, "verify-artifacts")
	if status != 0 || !strings.Contains(out, "0 missing, 0 corrupt, ") || !strings.Contains(out, " unreferenced, 0 interrupted uploads") {
		t.Errorf("verify-artifacts: exit %d\n%s%s", status, out, errOut)
	}
	for _, l := range strings.Split(out, "\n") {
		if sum, ok := strings.CutPrefix(l, "UNREFERENCED "); ok && !refused[strings.Fields(sum)[0]] {
			t.Errorf("an unreferenced file that no refused upload sent: %s", l)
		}
	}

	// The outbox drains; the sink has each mail once, the reminders among
	// them.
	deadline := time.Now().Add(60 * time.Second)
	var pending, sent, dueSent int
	for {
		if err := conn.QueryRow(ctx, `SELECT count(*) FILTER (WHERE status IN ('pending', 'sending')), count(*) FILTER (WHERE status = 'sent'),
				count(*) FILTER (WHERE status = 'sent' AND kind = 'action_due') FROM notifications`).Scan(&pending, &sent, &dueSent); err != nil {
			t.Fatal(err)
		}
		if (pending == 0 && dueSent == failoverReminders) || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	mails, seen, twice := sink.once(t)
	var assigned int
	for _, w := range acked {
		if w.kind != "action" {
			continue
		}
		assigned++
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM notifications WHERE action_id = $1 AND kind = 'action_assigned' AND status = 'sent'`,
			w.id).Scan(&n); err != nil || n != 1 {
			t.Errorf("action %d: %d assignment mails sent (%v); want one", w.id, n, err)
		}
	}
	if pending != 0 || mails != sent || len(seen) != sent || dueSent != failoverReminders {
		t.Errorf("outbox: %d pending, %d sent (%d due reminders; want %d); sink: %d mails, %d distinct", pending, sent, dueSent, failoverReminders, mails, len(seen))
	}
	t.Logf("%d clients: %d writes acknowledged, %d lost; %d requests answered (%d 2xx, %d 503), failed window %v (the database's %v); "+
		"failover took %v; %d mails in all (%d assignments in this run, %d reminders), %d delivered more than once; this run %v",
		clients, len(acked), len(lost), len(answers), ok, failed, window.Round(time.Millisecond), dbWindow.Round(time.Millisecond), took.Round(time.Millisecond),
		mails, assigned, dueSent, twice, time.Since(start).Round(time.Millisecond))
}

// uploadCall uploads doc to the target's action as its officer and
// returns the answer as do does.
func uploadCall(client *http.Client, u uploadTarget, fileName string, doc []byte) call {
	ctype, head, tail := multipartFrame(fileName)
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/actions/%d/artifacts", u.base, u.actionID),
		bytes.NewReader(append(append(head, doc...), tail...)))
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Authorization", "Bearer "+u.officerToken)
	return answer(client, req)
}
