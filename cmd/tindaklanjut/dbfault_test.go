package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// faultPassword is the first admin's password in the fault tests.
const faultPassword = "rahasia-uji-gangguan-basis-data"

// TestDatabaseKilledUnderLoad runs the real binary on a database it does not
// own (DATABASE_URL, a cluster this test starts), kills that database with
// SIGKILL in the middle of a stream of writes and reads, and starts it
// again. While it is away every request must end within 2 s as a 503
// problem with Retry-After (never a 500, never a hang), /readyz must answer
// 503 and a page a 503 page; once it is back the same process serves
// again, and every write that was answered 201 is in the database.
func TestDatabaseKilledUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills a database")
	}
	ctx := context.Background()
	dir := t.TempDir()
	cluster := testCluster(t, dir)
	t.Cleanup(func() { cluster.Stop() })
	svc := startService(t, buildBinary(t), "DATABASE_URL="+cluster.URL("tindaklanjut"), "TINDAKLANJUT_DATA_DIR="+dir+"/data",
		"TINDAKLANJUT_ADMIN_EMAIL=admin@kalselprov.go.id", "TINDAKLANJUT_ADMIN_PASSWORD="+faultPassword)
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
	cluster.Kill()
	time.Sleep(3 * time.Second)
	// While it is away: not ready, and a page says so too.
	ready := svc.do(client, "GET", "/readyz", "", "")
	pageReq, _ := http.NewRequest("GET", svc.Base+"/", nil)
	pageReq.AddCookie(&http.Cookie{Name: "tl_session", Value: tok.Token})
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
	downUntil := time.Now()
	cluster = testCluster(t, dir)
	back := svc.waitReady(30 * time.Second)
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
	if n := strings.Count(svc.Logs(), `"internal error"`); n > 0 {
		t.Errorf("%d internal errors logged", n)
	}
	t.Logf("answers: %d (2xx %d, 503 %d); created %d units, all present; ready again %v after the restart",
		len(answers), ok, unavailable, len(created), back)
}
