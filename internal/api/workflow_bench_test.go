package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/api"
	"github.com/tindaklanjut/tindaklanjut/internal/evidence"
	"github.com/tindaklanjut/tindaklanjut/internal/finding"
	"github.com/tindaklanjut/tindaklanjut/internal/finding/findingtest"
	"github.com/tindaklanjut/tindaklanjut/internal/framework"
	"github.com/tindaklanjut/tindaklanjut/internal/idempotency"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
	"github.com/tindaklanjut/tindaklanjut/internal/importer"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
	"github.com/tindaklanjut/tindaklanjut/internal/report"
	"github.com/tindaklanjut/tindaklanjut/internal/server"
)

// The workflow benchmarks quoted in issue notes run on the full generated
// data set (findingtest.Full: 100,000 findings, 250,000 actions, 1,000,000
// events, 60 units), each on its own copy, through the real handler with 8
// concurrent clients. Each reports requests per second, the handler's
// latency percentiles (server side: the time in ServeHTTP, authentication
// and JSON included) and, where /proc shows them, the CPU time per request
// of this process (app-cpu-ms/op) and of the PostgreSQL cluster
// (pg-cpu-ms/op); BenchmarkTransition also reports its ratio to pgbench's
// figure of the same run (of-pgbench). Generating the data set takes about
// half a minute, once per test server:
//
//	go test -run '^$' -bench 'FindingList|Transition|FindingCreate' ./internal/api/

// workflowBench is the API on a copy of the generated data set, with an
// auditor signed in.
type workflowBench struct {
	url     string
	db      *gorm.DB
	handler http.Handler
	auditor string          // token
	warmed  map[string]bool // sub-benchmarks warmed up
	cpu     *cpuMeter
	trips   *roundTrips
	// n, when set, is the number of clients instead of benchClients().
	n int
}

func newWorkflowBench(b *testing.B) *workflowBench {
	b.Helper()
	if testing.Short() {
		b.Skip("generates 100,000 findings with 1,000,000 events")
	}
	ctx := context.Background()
	// Measure the service as serve runs it.
	server.TuneGC(os.LookupEnv)
	w := &workflowBench{url: copyFull(b), trips: &roundTrips{}}
	db, err := postgres.Open(ctx, w.url, postgres.Options{Tracer: w.trips})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { postgres.Close(db) })
	w.db = db
	w.cpu = newCPUMeter(db)

	// The workflow's clock runs from the morning of the data set's today.
	start := time.Now()
	morning := findingtest.Today.Time(wita).Add(9 * time.Hour)
	clock := func() time.Time { return morning.Add(time.Since(start)) }
	ids := identity.NewService(db, time.Now, identity.DefaultSettings)
	key, err := postgres.Secret(ctx, db, "cursor_key")
	if err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	srv := server.New(server.Options{Logger: log, Registry: prometheus.NewRegistry(),
		ErrorHandler: api.NewErrorHandler(log, func(r *http.Request) string { return server.RequestID(r.Context()) })})
	fs := finding.NewService(db, clock, wita)
	store, err := evidence.NewFS(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	api.New(api.Options{Evidence: store, Identity: ids, Idempotency: idempotency.NewStore(db, time.Now), Frameworks: framework.NewStore(db),
		Assessments: framework.NewAssessments(db, clock), Findings: fs, CursorKey: key,
		Reports: report.NewService(db, 0), Imports: importer.NewService(db, fs, importer.DefaultLimits), TimeZone: time.UTC}).Register(srv.Echo())
	w.handler = srv.Echo()

	// Generated people cannot sign in; the benchmarks' auditor can.
	if _, err := identity.EnsureAdmin(ctx, db, "admin@kalselprov.go.id", password); err != nil {
		b.Fatal(err)
	}
	var admin identity.Principal
	db.Raw(`SELECT id AS user_id, role, unit_id FROM users WHERE email = 'admin@kalselprov.go.id'`).Scan(&admin)
	var unit int64
	db.Raw(`SELECT unit_id FROM users WHERE role = 'auditor' ORDER BY id LIMIT 1`).Scan(&unit)
	if _, err := ids.CreateUser(ctx, &admin, identity.UserInput{Email: "auditor.bench@kalselprov.go.id", Name: "Auditor Uji Beban",
		Role: identity.RoleAuditor, UnitID: unit, Password: password}); err != nil {
		b.Fatal(err)
	}
	var tok struct{ Token string }
	rec := w.request(http.MethodPost, "/api/v1/auth/token", "", `{"email":"auditor.bench@kalselprov.go.id","password":"`+password+`"}`)
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &tok) != nil {
		b.Fatalf("sign in: %d %s", rec.Code, rec.Body)
	}
	w.auditor = tok.Token
	return w
}

// copyFull returns the URL of a fresh copy of the full data set. The copy
// is hundreds of megabytes of files just written: they are flushed to disk
// first, or the kernel's writeback competes with the measurements.
func copyFull(b *testing.B) string {
	b.Helper()
	u := findingtest.URL(b, findingtest.BenchSize())
	exec.Command("sync").Run()
	return u
}

// request serves one request outside the measurements.
func (w *workflowBench) request(method, path, token, body string) *httptest.ResponseRecorder {
	return (&benchClient{w: w}).do(method, path, token, body)
}

// benchClient is one of the concurrent clients; it records the handler's
// time for each of its requests.
type benchClient struct {
	id  int
	w   *workflowBench
	lat []time.Duration
}

func (c *benchClient) do(method, path, token, body string) *httptest.ResponseRecorder {
	return c.send(newRequest(method, path, token, body))
}

// send serves req, timing the handler.
func (c *benchClient) send(req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	start := time.Now()
	c.w.handler.ServeHTTP(rec, req)
	c.lat = append(c.lat, time.Since(start))
	return rec
}

// benchClients is how many goroutines clients runs: 8 (or
// TL_BENCH_CLIENTS), whatever GOMAXPROCS is, rounded to a multiple of it.
func benchClients() int {
	return max(1, findingtest.BenchClients()/runtime.GOMAXPROCS(0)) * runtime.GOMAXPROCS(0)
}

// clients runs op from benchClients() concurrent clients, numbered from 0,
// and reports (and returns) requests per second and the handler's latency
// percentiles. The first call for a sub-benchmark warms up first, for a
// second: fresh pooled connections prepare their statements and fresh
// server processes fill their catalogue caches, which would otherwise weigh
// on the short runs that testing.B starts with.
func (w *workflowBench) clients(b *testing.B, op func(c *benchClient)) float64 {
	n := benchClients()
	if w.n > 0 {
		n = w.n
	}
	if w.warmed == nil {
		w.warmed = map[string]bool{}
	}
	if !w.warmed[b.Name()] {
		w.warmed[b.Name()] = true
		var wg sync.WaitGroup
		deadline := time.Now().Add(time.Second)
		for id := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := &benchClient{id: id, w: w}
				for time.Now().Before(deadline) {
					op(c)
					c.lat = c.lat[:0]
				}
			}()
		}
		wg.Wait()
	}
	b.SetParallelism(max(1, n/runtime.GOMAXPROCS(0)))
	var (
		mu   sync.Mutex
		all  []time.Duration
		next atomic.Int32
	)
	b.ReportAllocs()
	pg0, self0, measured := w.cpu.read()
	trips0, stmts0 := w.trips.read()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		c := &benchClient{id: int(next.Add(1)) - 1, w: w, lat: make([]time.Duration, 0, 1024)}
		for pb.Next() {
			op(c)
		}
		mu.Lock()
		all = append(all, c.lat...)
		mu.Unlock()
	})
	rate := float64(len(all)) / time.Since(start).Seconds()
	b.StopTimer()
	if pg1, self1, ok := w.cpu.read(); measured && ok {
		reportCPU(b, pg1-pg0, self1-self0, len(all))
	}
	if trips1, stmts1 := w.trips.read(); len(all) > 0 {
		b.ReportMetric(float64(trips1-trips0)/float64(len(all)), "rt/op")
		b.ReportMetric(float64(stmts1-stmts0)/float64(len(all)), "stmts/op")
	}
	b.ReportMetric(rate, "req/s")
	findingtest.ReportLatency(b, all)
	return rate
}

// roundTrips counts the statements the pool's connections send and the
// round trips they take (a pipelined batch is one); while recording, it
// keeps their SQL.
type roundTrips struct {
	trips, stmts atomic.Int64
	recording    atomic.Bool
	mu           sync.Mutex
	sent         []string
}

func (r *roundTrips) read() (trips, stmts int64) { return r.trips.Load(), r.stmts.Load() }

// record returns the SQL of the statements that fn sends, not batched.
func (r *roundTrips) record(fn func()) []string {
	r.mu.Lock()
	r.sent = nil
	r.mu.Unlock()
	r.recording.Store(true)
	fn()
	r.recording.Store(false)
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sent
}

func (r *roundTrips) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	r.trips.Add(1)
	r.stmts.Add(1)
	if r.recording.Load() {
		r.mu.Lock()
		r.sent = append(r.sent, data.SQL)
		r.mu.Unlock()
	}
	return ctx
}

func (r *roundTrips) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (r *roundTrips) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	r.trips.Add(1)
	return ctx
}

func (r *roundTrips) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {
	r.stmts.Add(1)
}

func (r *roundTrips) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

// cpuMeter reads the CPU time used by this process and by the database
// cluster (its postmaster, the children it has reaped and those still
// running), from /proc: CPU per request is what a 2-core machine shared by
// the service and PostgreSQL spends, and unlike requests per second it
// hardly moves when other work shares the machine. It is nil where /proc or
// the cluster's processes cannot be read (another OS, a remote server).
type cpuMeter struct{ postmaster int }

func newCPUMeter(db *gorm.DB) *cpuMeter {
	var pid int
	if db.Raw(`SELECT pg_backend_pid()`).Scan(&pid).Error != nil {
		return nil
	}
	st, err := procStat(pid)
	if err != nil {
		return nil
	}
	return &cpuMeter{postmaster: st.ppid}
}

// read returns the CPU time of the cluster and of this process so far.
func (m *cpuMeter) read() (cluster, self time.Duration, ok bool) {
	if m == nil {
		return 0, 0, false
	}
	pm, err := procStat(m.postmaster)
	if err != nil {
		return 0, 0, false
	}
	cluster = pm.cpu + pm.children
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		pid, _ := strconv.Atoi(filepath.Base(d))
		if st, err := procStat(pid); err == nil && st.ppid == m.postmaster {
			cluster += st.cpu
		}
	}
	me, err := procStat(os.Getpid())
	if err != nil {
		return 0, 0, false
	}
	return cluster, me.cpu, true
}

type procTimes struct {
	ppid          int
	cpu, children time.Duration
}

// procStat reads a process's parent and CPU times from /proc/<pid>/stat,
// in clock ticks of 1/100 s.
func procStat(pid int) (procTimes, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procTimes{}, err
	}
	i := strings.LastIndexByte(string(data), ')')
	if i < 0 {
		return procTimes{}, fmt.Errorf("/proc/%d/stat: %q", pid, data)
	}
	f := strings.Fields(string(data[i+1:])) // f[0] is field 3, the state
	if len(f) < 15 {
		return procTimes{}, fmt.Errorf("/proc/%d/stat: %q", pid, data)
	}
	n := func(k int) int64 { v, _ := strconv.ParseInt(f[k-3], 10, 64); return v }
	tick := 10 * time.Millisecond
	return procTimes{ppid: int(n(4)), cpu: time.Duration(n(14)+n(15)) * tick, children: time.Duration(n(16)+n(17)) * tick}, nil
}

// reportCPU reports the CPU time per operation of the cluster and of the
// client (this process, or pgbench).
func reportCPU(b *testing.B, cluster, client time.Duration, ops int) {
	if ops == 0 {
		return
	}
	b.ReportMetric(float64(cluster.Microseconds())/1000/float64(ops), "pg-cpu-ms/op")
	b.ReportMetric(float64(client.Microseconds())/1000/float64(ops), "app-cpu-ms/op")
}

func mustCode(rec *httptest.ResponseRecorder, want int, what string) {
	if rec.Code != want {
		panic(fmt.Sprintf("%s: %d %s", what, rec.Code, rec.Body))
	}
}

// BenchmarkFindingList measures the list of one unit's overdue findings in
// progress, as an auditor, at its first page and at its last full page,
// reached by following next_cursor; the unit is the one with most of them.
func BenchmarkFindingList(b *testing.B) {
	w := newWorkflowBench(b)
	var unit int64
	w.db.Raw(`SELECT unit_id FROM findings WHERE state = 'in_progress' AND due_sort < ? GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`,
		findingtest.Today).Scan(&unit)
	path := fmt.Sprintf("/api/v1/findings?state=in_progress&unit_id=%d&overdue=true&limit=50", unit)

	// Follow next_cursor to the end; the deep page is the last full one.
	urls, sizes := w.listPages(b, path)
	k := len(urls) - 1
	if sizes[k] < 50 && k > 0 {
		k--
	}
	if k < 4 {
		b.Fatalf("the list has %d pages; want a deep one", len(urls))
	}
	deep, pageNo := urls[k], k+1
	list := func(path string) func(b *testing.B) {
		return func(b *testing.B) {
			w.clients(b, func(c *benchClient) {
				mustCode(c.do(http.MethodGet, path, w.auditor, ""), http.StatusOK, "list")
			})
		}
	}
	b.Run("first", list(path))
	b.Run("deep", func(b *testing.B) {
		list(deep)(b)
		b.ReportMetric(float64(pageNo), "page")
	})
}

// listPages follows a list's next_cursor from path to the end and returns
// each page's URL and number of items.
func (w *workflowBench) listPages(b *testing.B, path string) (urls []string, sizes []int) {
	b.Helper()
	for cursor := ""; ; {
		rec := w.request(http.MethodGet, path+cursor, w.auditor, "")
		mustCode(rec, http.StatusOK, "list")
		var page struct {
			Items      []json.RawMessage
			NextCursor *string `json:"next_cursor"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil {
			b.Fatal(err)
		}
		urls, sizes = append(urls, path+cursor), append(sizes, len(page.Items))
		if page.NextCursor == nil {
			return urls, sizes
		}
		cursor = "&cursor=" + url.QueryEscape(*page.NextCursor)
	}
}

// transitionTargets picks n findings in progress, spread over the table;
// the pgbench comparison works on the same ones.
const transitionTargets = `SELECT id FROM findings WHERE state = 'in_progress' ORDER BY id % 97, id LIMIT ?`

// pgbenchTPS is the raw PostgreSQL figure of this run, for the ratio that
// BenchmarkTransition reports.
var pgbenchTPS atomic.Value // float64

// BenchmarkTransitionPgbench runs the writes of a transition in their
// locked form (lock and read the finding, one event with a 32-byte hash, a
// version-checked update of the finding: what the service falls back to
// when another change came first) as a pgbench script, 8 clients for 10
// seconds, on its own copy of the data set: what PostgreSQL alone does on
// this machine. BenchmarkWritesVsRaw replays the statements the service
// sends now (transition/own).
func BenchmarkTransitionPgbench(b *testing.B) {
	if testing.Short() {
		b.Skip("generates 100,000 findings with 1,000,000 events")
	}
	pgbench := pgbenchPath(b)
	script, err := filepath.Abs("testdata/pgbench_transition.sql")
	if err != nil {
		b.Fatal(err)
	}
	target := copyFull(b)
	db, err := postgres.Open(context.Background(), target, postgres.Options{MaxConns: 2})
	if err != nil {
		b.Fatal(err)
	}
	// Each pgbench client works on its own 64 findings, as each client of
	// BenchmarkTransition does.
	err = db.Exec(`CREATE TABLE pgbench_targets AS SELECT row_number() OVER () - 1 AS n, id AS finding_id FROM (`+
		transitionTargets+`) t`, 64*8).Error
	if err == nil {
		err = db.Exec(`ALTER TABLE pgbench_targets ADD PRIMARY KEY (n); ANALYZE pgbench_targets`).Error
	}
	meter := newCPUMeter(db)
	postgres.Close(db)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("c8", func(b *testing.B) {
		logs := b.TempDir()
		cmd := exec.Command(pgbench, "-n", "-M", "prepared", "-c", "8", "-j", "2", "-T", "10", "-f", script, "-l", "--log-prefix", filepath.Join(logs, "tx"), target)
		cmd.Env = append(os.Environ(), "PGAPPNAME=pgbench_transition")
		pg0, _, measured := meter.read()
		b.ResetTimer()
		out, err := cmd.CombinedOutput()
		b.StopTimer()
		pg1, _, ok := meter.read()
		if err != nil {
			b.Fatalf("pgbench: %v\n%s", err, out)
		}
		m := regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`).FindSubmatch(out)
		if m == nil {
			b.Fatalf("pgbench printed no tps:\n%s", out)
		}
		tps, _ := strconv.ParseFloat(string(m[1]), 64)
		if f := regexp.MustCompile(`number of failed transactions: ([0-9]+)`).FindSubmatch(out); f != nil && string(f[1]) != "0" {
			b.Fatalf("pgbench transactions failed:\n%s", out)
		}
		pgbenchTPS.Store(tps)
		b.ReportMetric(tps, "req/s")
		b.ReportMetric(1e9/tps, "ns/op")
		lat, err := pgbenchLatencies(logs)
		if err != nil {
			b.Fatal(err)
		}
		if measured && ok {
			reportCPU(b, pg1-pg0, cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime(), len(lat))
		}
		// pgbench's latencies are its client's: five round trips each.
		findingtest.ReportLatency(b, lat)
	})
}

// pgbenchPath finds pgbench beside the test server's binaries, or on PATH.
func pgbenchPath(b *testing.B) string {
	if dir, err := postgres.FindBinaries(); err == nil {
		if p := filepath.Join(dir, "pgbench"); fileExists(p) {
			return p
		}
	}
	if p, err := exec.LookPath("pgbench"); err == nil {
		return p
	}
	b.Skip("pgbench not found (Debian: apt-get install postgresql-contrib)")
	return ""
}

func fileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir()
}

// pgbenchLatencies reads the per-transaction logs of pgbench -l: the third
// field of each line is the transaction's latency in microseconds.
func pgbenchLatencies(dir string) ([]time.Duration, error) {
	files, err := filepath.Glob(filepath.Join(dir, "tx*"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no pgbench logs in %s (%v)", dir, err)
	}
	var out []time.Duration
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 3 {
				continue
			}
			us, err := strconv.ParseInt(fields[2], 10, 64)
			if err != nil {
				f.Close()
				return nil, fmt.Errorf("%s: %q: %w", name, sc.Text(), err)
			}
			out = append(out, time.Duration(us)*time.Microsecond)
		}
		f.Close()
		if err := sc.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// BenchmarkTransition measures transitions, each a real change of state
// with its event, on findings in progress that each client has to itself,
// the version taken from the previous answer:
//
//   - not_actionable_reopen: mark_not_actionable, then reopen (both
//     auditors' verbs with a reason; the first queues a notification);
//   - reject_submit: on submitted findings, reject, then submit again (the
//     submission checks that every action is done and evidence exists).
//
// When BenchmarkTransitionPgbench ran before in the same run, it also
// reports the ratio to pgbench's transactions per second.
func BenchmarkTransition(b *testing.B) {
	w := newWorkflowBench(b)
	const perClient = 64
	n := benchClients()
	type target struct {
		id      int64
		version int
		state   string
	}
	pick := func(q string, args ...any) [][]*target {
		var rows []struct {
			ID      int64
			Version int
			State   string
		}
		w.db.Raw(`SELECT id, version, state FROM findings WHERE id IN (`+q+`) ORDER BY id % 97, id`, args...).Scan(&rows)
		if len(rows) < n*perClient {
			b.Fatalf("%d findings to transition; want %d", len(rows), n*perClient)
		}
		out := make([][]*target, n)
		for i, r := range rows {
			out[i%n] = append(out[i%n], &target{id: r.ID, version: r.Version, state: r.State})
		}
		return out
	}
	run := func(b *testing.B, targets [][]*target, step func(t *target) (verb, reason string)) {
		next := make([]int, n)
		rate := w.clients(b, func(c *benchClient) {
			mine := targets[c.id]
			t := mine[next[c.id]%len(mine)]
			next[c.id]++
			verb, reason := step(t)
			t.state, t.version = w.move(c, t.id, verb, reason, t.version)
		})
		if tps, ok := pgbenchTPS.Load().(float64); ok {
			b.ReportMetric(rate/tps, "of-pgbench")
		}
	}
	inWork := pick(transitionTargets, n*perClient)
	b.Run("not_actionable_reopen", func(b *testing.B) {
		run(b, inWork, func(t *target) (string, string) {
			if t.state == "in_progress" {
				return "mark_not_actionable", "Aplikasi telah dihentikan"
			}
			return "reopen", "Temuan berulang pada pemeriksaan berikutnya"
		})
	})
	submitted := pick(`SELECT id FROM findings WHERE state = 'submitted' ORDER BY id % 97, id LIMIT ?`, n*perClient)
	b.Run("reject_submit", func(b *testing.B) {
		run(b, submitted, func(t *target) (string, string) {
			if t.state == "submitted" {
				return "reject", "Bukti dukung belum ditandatangani pejabat berwenang"
			}
			return "submit", ""
		})
	})
}

// BenchmarkFindingCreate measures recording a draft finding with a new code
// on one of the generated reviews.
func BenchmarkFindingCreate(b *testing.B) {
	w := newWorkflowBench(b)
	var reviews, units []int64
	w.db.Raw(`SELECT id FROM reviews ORDER BY id`).Scan(&reviews)
	w.db.Raw(`SELECT id FROM units ORDER BY id`).Scan(&units)
	var count atomic.Int64
	b.Run("draft", func(b *testing.B) {
		w.clients(b, func(c *benchClient) {
			i := int(count.Add(1))
			mustCode(c.do(http.MethodPost, "/api/v1/findings", w.auditor, createBody(reviews[i%len(reviews)], i, units[i%len(units)])),
				http.StatusCreated, "create")
		})
	})
}

// move makes a transition as the auditor and returns the finding's new
// state and version.
func (w *workflowBench) move(c *benchClient, id int64, verb, reason string, version int) (string, int) {
	body := fmt.Sprintf(`{"action":%q,"reason":%q,"version":%d}`, verb, reason, version)
	rec := c.do(http.MethodPost, fmt.Sprintf("/api/v1/findings/%d/transitions", id), w.auditor, body)
	mustCode(rec, http.StatusOK, verb)
	var out struct {
		State   string
		Version int
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		panic(err)
	}
	return out.State, out.Version
}

// createBody is the i-th draft finding the create benchmarks record.
func createBody(review int64, i int, unit int64) string {
	return fmt.Sprintf(`{"review_id":%d,"title":"Peta rencana manajemen risiko SPBE belum ada (%d)",
		"condition":"Belum ada dokumen peta rencana manajemen risiko SPBE yang ditetapkan.",
		"criteria":"Peraturan Menteri PANRB Nomor 5 Tahun 2020 tentang Pedoman Manajemen Risiko SPBE",
		"cause":"Belum ada tim manajemen risiko","effect":"Indikator 38 bernilai 1",
		"recommendation":"Menyusun dan menetapkan peta rencana manajemen risiko SPBE","severity":"high","unit_id":%d,
		"indicator_codes":["I38","I05"],"due_date":"2025-12-31"}`, review, i, unit)
}
