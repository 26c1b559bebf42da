package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

// faultPassword is the first admin's password in TestDatabaseKilledUnderLoad.
const faultPassword = "rahasia-uji-gangguan-basis-data"

// TestDatabaseKilledUnderLoad runs the real binary on a database it does not
// own (DATABASE_URL, a cluster this test starts), kills that database with
// SIGKILL in the middle of a stream of writes and reads, and starts it
// again. While it is away every request must end within 2 s as a 503
// problem with Retry-After (never a 500, never a hang) and /readyz must
// answer 503; once it is back the same process serves again, and every
// write that was answered 201 is in the database.
func TestDatabaseKilledUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills a database")
	}
	ctx := context.Background()
	dir := t.TempDir()
	startCluster := func() *postgres.Cluster {
		t.Helper()
		c, err := postgres.NewCluster(postgres.ClusterOptions{Dir: filepath.Join(dir, "pg"), LogFile: filepath.Join(dir, "pg.log")})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Start(ctx); err != nil {
			t.Fatal(err)
		}
		return c
	}
	cluster := startCluster()
	t.Cleanup(func() { cluster.Stop() })
	if err := cluster.EnsureDatabase(ctx, "tindaklanjut"); err != nil {
		t.Fatal(err)
	}
	dbURL := cluster.URL("tindaklanjut")

	bin := buildBinary(t)
	addr := freeAddr(t)
	base := "http://" + addr
	cmd := exec.Command(bin, "serve")
	cmd.Dir = t.TempDir()
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "DATABASE_URL=" + dbURL, "TINDAKLANJUT_DATA_DIR=" + filepath.Join(dir, "data"),
		"TINDAKLANJUT_ADDR=" + addr, "TINDAKLANJUT_ADMIN_EMAIL=admin@kalselprov.go.id", "TINDAKLANJUT_ADMIN_PASSWORD=" + faultPassword,
		"TINDAKLANJUT_LOG_FORMAT=json"}
	var logs strings.Builder
	var logMu sync.Mutex
	cmd.Stdout, cmd.Stderr = lockedWriter{&logs, &logMu}, lockedWriter{&logs, &logMu}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	client := &http.Client{Timeout: 10 * time.Second}
	waitReady := func(within time.Duration) time.Duration {
		t.Helper()
		start := time.Now()
		for time.Since(start) < within {
			if resp, err := client.Get(base + "/readyz"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					return time.Since(start)
				}
			}
			time.Sleep(50 * time.Millisecond)
		}
		logMu.Lock()
		defer logMu.Unlock()
		t.Fatalf("not ready within %v\n%s", within, logs.String())
		return 0
	}
	waitReady(60 * time.Second)

	var tok struct{ Token string }
	resp, err := client.Post(base+"/api/v1/auth/token", "application/json",
		strings.NewReader(fmt.Sprintf(`{"email":"admin@kalselprov.go.id","password":%q}`, faultPassword)))
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()

	// The load: four writers creating units, two readers listing them.
	type answer struct {
		status     int
		took       time.Duration
		problem    bool
		retryAfter string
		at         time.Time
	}
	var (
		mu       sync.Mutex
		answers  []answer
		created  []string
		stop     atomic.Bool
		seq      atomic.Int64
		wg       sync.WaitGroup
		inflight atomic.Int64
	)
	do := func(method, path, body string) (answer, []byte) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok.Token)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		t0 := time.Now()
		inflight.Add(1)
		resp, err := client.Do(req)
		inflight.Add(-1)
		a := answer{took: time.Since(t0), at: t0}
		if err != nil {
			a.status = -1
			return a, nil
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		a.status = resp.StatusCode
		a.problem = resp.Header.Get("Content-Type") == "application/problem+json"
		a.retryAfter = resp.Header.Get("Retry-After")
		return a, data
	}
	record := func(a answer) {
		mu.Lock()
		answers = append(answers, a)
		mu.Unlock()
	}
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				if w < 4 {
					code := fmt.Sprintf("U%05d", seq.Add(1))
					a, _ := do("POST", "/api/v1/units", fmt.Sprintf(`{"code":%q,"name":"Unit %s"}`, code, code))
					record(a)
					if a.status == http.StatusCreated {
						mu.Lock()
						created = append(created, code)
						mu.Unlock()
					}
				} else {
					a, _ := do("GET", "/api/v1/units?limit=20", "")
					record(a)
				}
				time.Sleep(5 * time.Millisecond)
			}
		}()
	}

	time.Sleep(1500 * time.Millisecond)
	killedAt := time.Now()
	cluster.Kill()
	time.Sleep(3 * time.Second)
	// While it is away: not ready, and a page says so too.
	ready, _ := do("GET", "/readyz", "")
	pageReq, _ := http.NewRequest("GET", base+"/", nil)
	pageReq.AddCookie(&http.Cookie{Name: "tl_session", Value: tok.Token})
	t0 := time.Now()
	page, err := client.Do(pageReq)
	if err != nil {
		t.Fatal(err)
	}
	pageBody, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if page.StatusCode != http.StatusServiceUnavailable || page.Header.Get("Retry-After") == "" ||
		!strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(pageBody), "Basis data sedang tidak dapat dijangkau") ||
		time.Since(t0) > 2*time.Second {
		t.Errorf("the dashboard with the database down: %d %q %q after %v\n%s", page.StatusCode, page.Header.Get("Retry-After"),
			page.Header.Get("Content-Type"), time.Since(t0), pageBody)
	}
	downUntil := time.Now()
	cluster = startCluster()
	back := waitReady(30 * time.Second)
	time.Sleep(1500 * time.Millisecond)
	stop.Store(true)
	wg.Wait()

	if ready.status != http.StatusServiceUnavailable {
		t.Errorf("/readyz with the database down = %d; want 503", ready.status)
	}
	var ok, unavailable, after int
	for _, a := range answers {
		switch {
		case a.status == http.StatusServiceUnavailable:
			unavailable++
			if !a.problem || a.retryAfter == "" {
				t.Errorf("a 503 without a problem document or Retry-After: %+v", a)
			}
		case a.status >= 200 && a.status < 300:
			ok++
			if a.at.After(downUntil) {
				after++
			}
		default:
			t.Errorf("status %d (took %v, at %v after the kill)", a.status, a.took, a.at.Sub(killedAt))
		}
		if a.took > 2*time.Second {
			t.Errorf("a request took %v (status %d, %v after the kill)", a.took, a.status, a.at.Sub(killedAt))
		}
	}
	if unavailable == 0 || after == 0 {
		t.Errorf("%d answers 503 while the database was away, %d 2xx after it came back; want both", unavailable, after)
	}
	// Every write answered 201 is there.
	conn, err := pgx.Connect(ctx, cluster.URL("tindaklanjut"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var missing []string
	for _, code := range created {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM units WHERE code = $1`, code).Scan(&n); err != nil || n != 1 {
			missing = append(missing, code)
		}
	}
	if len(missing) > 0 {
		t.Errorf("%d acknowledged writes are missing: %v", len(missing), missing)
	}
	logMu.Lock()
	fiveHundreds := strings.Count(logs.String(), `"internal error"`)
	logMu.Unlock()
	if fiveHundreds > 0 {
		t.Errorf("%d internal errors logged", fiveHundreds)
	}
	t.Logf("answers: %d (2xx %d, 503 %d); created %d units, all present; ready again %v after the restart",
		len(answers), ok, unavailable, len(created), back)
}

// lockedWriter lets the process's two streams share one builder.
type lockedWriter struct {
	b  *strings.Builder
	mu *sync.Mutex
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}
