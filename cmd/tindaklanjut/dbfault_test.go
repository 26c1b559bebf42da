package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// faultPassword is the first admin's password in the fault tests.
const faultPassword = "rahasia-uji-gangguan-basis-data"

// TestDatabaseKilledUnderLoad runs the real binary, kills its database with
// SIGKILL in the middle of a stream of writes and reads, and lets it come
// back: a database the service does not own (DATABASE_URL; the test starts
// it again) and the managed one (the service's supervisor starts it
// again). While it is away every request must end within 2 s as a 503
// problem with Retry-After (never a 500, never a hang), /readyz must answer
// 503 and a page a 503 page; once it is back the same process serves
// again, and every write that was answered 201 is in the database.
func TestDatabaseKilledUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills a database")
	}
	bin := buildServer(t)
	admin := []string{"TINDAKLANJUT_ADMIN_EMAIL=admin@kalselprov.go.id", "TINDAKLANJUT_ADMIN_PASSWORD=" + faultPassword}
	t.Run("DATABASE_URL", func(t *testing.T) {
		dir := t.TempDir()
		cluster := testCluster(t, dir)
		t.Cleanup(func() { cluster.Stop() })
		svc := startService(t, bin, append(admin, "DATABASE_URL="+cluster.URL("tindaklanjut"), "TINDAKLANJUT_DATA_DIR="+dir+"/data")...)
		killDatabaseUnderLoad(t, svc, cluster.URL("tindaklanjut"), false, cluster.Kill, func() {
			cluster = testCluster(t, dir)
		})
	})
	t.Run("managed", func(t *testing.T) {
		dataDir := t.TempDir()
		svc := startService(t, bin, append(admin, "TINDAKLANJUT_DATA_DIR="+dataDir)...)
		var url string
		for _, l := range strings.Split(svc.Logs(), "\n") {
			if strings.Contains(l, `"managed postgres starting"`) {
				url = "postgres://postgres@/tindaklanjut?host=" + filepath.Join(dataDir, "postgres") + "&sslmode=disable"
			}
		}
		if url == "" {
			t.Fatalf("no managed database started:\n%s", svc.Logs())
		}
		pid := postmasterPID(t, dataDir)
		killDatabaseUnderLoad(t, svc, url, true, func() {
			if err := killProcess(pid); err != nil {
				t.Fatal(err)
			}
		}, func() {}) // the service starts it again by itself
		if !strings.Contains(svc.Logs(), "managed postgres restarted") {
			t.Errorf("the supervisor did not say it restarted the database:\n%s", svc.Logs())
		}
		// Another command on the installation uses the running database
		// instead of taking it for an orphan and stopping it.
		running := postmasterPID(t, dataDir)
		var out bytes.Buffer
		err := run(context.Background(), []string{"verify-history"}, mapEnv(map[string]string{"TINDAKLANJUT_DATA_DIR": dataDir,
			"TINDAKLANJUT_CONFIG": writeFile(t, "")}), strings.NewReader(""), &out, &out)
		if err != nil || postmasterPID(t, dataDir) != running {
			t.Errorf("verify-history beside serve: %v, postgres pid %d → %d\n%s", err, running, postmasterPID(t, dataDir), out.String())
		}
		svc.waitReady(5 * time.Second)
	})
}

// killDatabaseUnderLoad drives svc with four writers and two readers,
// kills the database with kill, checks the answers while it is away,
// brings it back with revive and checks the answers after and every
// acknowledged write. A self-healing service brings the database back by
// itself (revive does nothing), within a second or two: the outage is then
// too short to ask /readyz and a page during it.
func killDatabaseUnderLoad(t *testing.T, svc *serviceProcess, dbURL string, selfHealing bool, kill, revive func()) {
	ctx := context.Background()
	client := &http.Client{Timeout: 10 * time.Second}
	var tok struct{ Token string }
	svc.must(client, "POST", "/api/v1/auth/token", "", fmt.Sprintf(`{"email":"admin@kalselprov.go.id","password":%q}`, faultPassword), 200, &tok)

	// The load: four writers creating units, two readers listing them.
	var (
		mu      sync.Mutex
		answers []call
		created []string
		stop    atomic.Bool
		seq     atomic.Int64
		wg      sync.WaitGroup
	)
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				var c call
				if w < 4 {
					code := fmt.Sprintf("U%05d", seq.Add(1))
					c = svc.do(client, "POST", "/api/v1/units", tok.Token, fmt.Sprintf(`{"code":%q,"name":"Unit %s"}`, code, code))
					if c.status == http.StatusCreated {
						mu.Lock()
						created = append(created, code)
						mu.Unlock()
					}
				} else {
					c = svc.do(client, "GET", "/api/v1/units?limit=20", tok.Token, "")
				}
				mu.Lock()
				answers = append(answers, c)
				mu.Unlock()
				time.Sleep(5 * time.Millisecond)
			}
		}()
	}

	time.Sleep(1500 * time.Millisecond)
	killedAt := time.Now()
	kill()
	time.Sleep(3 * time.Second)
	// While it is away: not ready, and a page says so too.
	if !selfHealing {
		checkOutage(t, svc, client, tok.Token)
	}
	downUntil := time.Now()
	revive()
	back := svc.waitReady(90 * time.Second)
	time.Sleep(1500 * time.Millisecond)
	stop.Store(true)
	wg.Wait()

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
	conn, err := pgx.Connect(ctx, dbURL)
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
	if n := strings.Count(svc.Logs(), `"internal error"`); n > 0 {
		t.Errorf("%d internal errors logged", n)
	}
	t.Logf("answers: %d (2xx %d, 503 %d); created %d units, all present; ready again %v after the revival",
		len(answers), ok, unavailable, len(created), back)
}

// checkOutage asks /readyz and a page while the database is away: both 503,
// the page in Bahasa Indonesia with Retry-After, within 2 s.
func checkOutage(t *testing.T, svc *serviceProcess, client *http.Client, token string) {
	t.Helper()
	if ready := svc.do(client, "GET", "/readyz", "", ""); ready.status != http.StatusServiceUnavailable {
		t.Errorf("/readyz with the database down = %d; want 503", ready.status)
	}
	pageReq, _ := http.NewRequest("GET", svc.Base+"/", nil)
	pageReq.AddCookie(&http.Cookie{Name: "tl_session", Value: token})
	t0 := time.Now()
	page, err := client.Do(pageReq)
	if err != nil {
		t.Fatal(err)
	}
	pageBody, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if page.StatusCode != http.StatusServiceUnavailable || page.Header.Get("Retry-After") == "" ||
		!strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") || time.Since(t0) > 2*time.Second ||
		!strings.Contains(string(pageBody), "Basis data sedang tidak dapat dijangkau") {
		t.Errorf("the dashboard with the database down: %d %q %q after %v", page.StatusCode, page.Header.Get("Retry-After"),
			page.Header.Get("Content-Type"), time.Since(t0))
	}
}
