package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tindaklanjut/tindaklanjut/internal/dbtest"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// mapEnv turns a map into the lookup run() expects; nothing else of the
// test process's environment leaks in.
func mapEnv(m map[string]string) env {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func freeAddr(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// syncBuffer is a bytes.Buffer safe to read while run() writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// running is a serve started in-process.
type running struct {
	addr           string
	stdout, stderr *syncBuffer
	stop           context.CancelFunc
	done           chan error
}

func startServe(t *testing.T, vars map[string]string) *running {
	t.Helper()
	r := &running{addr: freeAddr(t), stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan error, 1)}
	vars["TINDAKLANJUT_ADDR"] = r.addr
	vars["TINDAKLANJUT_CONFIG"] = filepath.Join(t.TempDir(), "none.env")
	os.WriteFile(vars["TINDAKLANJUT_CONFIG"], nil, 0o600)
	ctx, cancel := context.WithCancel(context.Background())
	r.stop = cancel
	go func() { r.done <- run(ctx, []string{"serve"}, mapEnv(vars), strings.NewReader(""), r.stdout, r.stderr) }()
	t.Cleanup(func() { r.shutdown(t) })
	deadline := time.Now().Add(60 * time.Second)
	for {
		if status, _ := get(t, r.url("/readyz")); status == http.StatusOK {
			return r
		}
		select {
		case err := <-r.done:
			r.done <- err
			t.Fatalf("serve exited early: %v\n%s", err, r.stderr)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready within 60s\n%s", r.stderr)
		}
	}
}

func (r *running) url(path string) string { return "http://" + r.addr + path }

func (r *running) shutdown(t *testing.T) {
	t.Helper()
	r.stop()
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("serve returned %v", err)
		}
		r.done <- nil
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not stop within 60s")
	}
}

func get(t *testing.T, url string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

func TestServeOperationalEndpoints(t *testing.T) {
	r := startServe(t, map[string]string{"DATABASE_URL": dbtest.URL(t), "TINDAKLANJUT_DATA_DIR": t.TempDir(), "TINDAKLANJUT_ADMIN_PASSWORD": "rahasia-sekali"})

	status, body := get(t, r.url("/healthz"))
	if status != 200 || strings.TrimSpace(string(body)) != `{"status":"ok"}` {
		t.Errorf("/healthz = %d %s", status, body)
	}

	resp, err := http.Get(r.url("/no/such/page"))
	if err != nil {
		t.Fatal(err)
	}
	var problem map[string]any
	json.NewDecoder(resp.Body).Decode(&problem)
	resp.Body.Close()
	if resp.StatusCode != 404 || resp.Header.Get("Content-Type") != "application/problem+json" || problem["status"] != float64(404) {
		t.Errorf("unknown route: %d %s %v", resp.StatusCode, resp.Header.Get("Content-Type"), problem)
	}
	rid := resp.Header.Get("X-Request-ID")
	if rid == "" || problem["request_id"] != rid {
		t.Errorf("request id header %q, problem %v", rid, problem["request_id"])
	}

	status, body = get(t, r.url("/metrics"))
	for _, want := range []string{
		`tindaklanjut_http_requests_total{method="GET",route="/healthz",status="200"} 1`,
		`tindaklanjut_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		fmt.Sprintf(`go_sql_max_open_connections{db_name="tindaklanjut"} %d`, postgres.DefaultMaxConns()),
		`tindaklanjut_http_request_duration_seconds_bucket{method="GET",route="/healthz"`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics (%d) lacks %q", status, want)
		}
	}
	// The reminder planner and the mail sender ran once at start (they
	// catch up on what was due while the service was down), and their
	// figures are exposed.
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, body = get(t, r.url("/metrics"))
		m := string(body)
		if strings.Contains(m, `tindaklanjut_job_runs_total{job="reminder_planner",outcome="ok"} 1`) &&
			strings.Contains(m, `tindaklanjut_job_runs_total{job="mail_sender",outcome="ok"}`) &&
			strings.Contains(m, "tindaklanjut_notification_queue_age_seconds 0") {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("/metrics lacks the reminder jobs' runs and queue age:\n%s", m)
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Two summaries with nothing changed between: one read, one given from
	// what was kept.
	var tok struct{ Token string }
	mustAPI(t, r.url(""), 200, "POST", "/auth/token", "", map[string]string{"email": "admin@localhost", "password": "rahasia-sekali"}, &tok)
	for range 2 {
		mustAPI(t, r.url(""), 200, "GET", "/reports/summary", tok.Token, nil, nil)
	}
	_, body = get(t, r.url("/metrics"))
	for _, want := range []string{
		`tindaklanjut_kept_answers_total{answer="summary",source="kept"} 1`,
		`tindaklanjut_kept_answers_total{answer="summary",source="read"} 1`,
		`tindaklanjut_kept_answers_total{answer="index",source="read"} 0`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	// One log line per request, with its id.
	if !strings.Contains(r.stderr.String(), `"request_id":"`+rid+`"`) {
		t.Errorf("no log line for request %s", rid)
	}
	// The configured password is never logged or printed.
	if strings.Contains(r.stderr.String()+r.stdout.String(), "rahasia-sekali") {
		t.Error("admin password appears in the output")
	}
}

func TestServeManagedDatabase(t *testing.T) {
	dataDir := t.TempDir()
	vars := map[string]string{"TINDAKLANJUT_DATA_DIR": dataDir, "TINDAKLANJUT_ADMIN_EMAIL": "admin@kalselprov.go.id"}
	r := startServe(t, vars)
	out := r.stdout.String()
	if !strings.Contains(out, "First admin created") || !strings.Contains(out, "admin@kalselprov.go.id") {
		t.Fatalf("first start did not print the generated admin password:\n%s", out)
	}

	// Readiness follows the database: kill the server under us.
	pid := postmasterPID(t, dataDir)
	if err := killProcess(pid); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		status, body := get(t, r.url("/readyz"))
		if status == http.StatusServiceUnavailable {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz = %d %s after the database died; want 503", status, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if status, _ := get(t, r.url("/healthz")); status != 200 {
		t.Errorf("/healthz = %d while the database is down; want 200 (the process is up)", status)
	}
	r.shutdown(t)

	// The second start recovers the crashed cluster and keeps its data: the
	// admin exists, so no new password is made.
	r2 := startServe(t, vars)
	if strings.Contains(r2.stdout.String(), "First admin created") {
		t.Errorf("second start created another admin:\n%s", r2.stdout)
	}
	r2.shutdown(t)
	if _, err := os.Stat(filepath.Join(dataDir, "postgres", "postmaster.pid")); !os.IsNotExist(err) {
		t.Errorf("postmaster.pid remains after shutdown (err %v): the database was not stopped", err)
	}
}

func postmasterPID(t *testing.T, dataDir string) int {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dataDir, "postgres", "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	var pid int
	fmt.Sscanf(string(data), "%d", &pid)
	return pid
}

func TestConfigurationErrors(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	file := filepath.Join(t.TempDir(), "plain-file")
	os.WriteFile(file, []byte("x"), 0o600)

	tests := []struct {
		name string
		vars map[string]string
		want []string
	}{
		{"bad database url", map[string]string{"DATABASE_URL": "postgres://u:secretpw@host:notaport/db"},
			[]string{"DATABASE_URL", "not a valid PostgreSQL URL"}},
		{"unknown time zone", map[string]string{"TINDAKLANJUT_TIMEZONE": "Asia/Banjarmasin"},
			[]string{"TINDAKLANJUT_TIMEZONE", `unknown time zone "Asia/Banjarmasin"`, "Asia/Makassar"}},
		{"port in use", map[string]string{"TINDAKLANJUT_ADDR": busy.Addr().String()},
			[]string{"TINDAKLANJUT_ADDR", "already in use"}},
		{"unwritable data dir", map[string]string{"TINDAKLANJUT_DATA_DIR": filepath.Join(file, "var")},
			[]string{"TINDAKLANJUT_DATA_DIR", "cannot create"}},
		{"bad listen address", map[string]string{"TINDAKLANJUT_ADDR": "8080"},
			[]string{"TINDAKLANJUT_ADDR", "not a listen address"}},
		{"bad smtp url", map[string]string{"SMTP_URL": "smtp://mail.example.go.id:25?tls=maybe"},
			[]string{"SMTP_URL", "tls="}},
		{"pool size not a number", map[string]string{"TINDAKLANJUT_DB_MAX_CONNS": "many"},
			[]string{"TINDAKLANJUT_DB_MAX_CONNS", `"many" is not auto or a number from 2 to 1000`}},
		{"pool size too small", map[string]string{"TINDAKLANJUT_DB_MAX_CONNS": "1"},
			[]string{"TINDAKLANJUT_DB_MAX_CONNS", "from 2 to 1000"}},
		{"several at once", map[string]string{"TINDAKLANJUT_TIMEZONE": "Mars/Olympus", "TINDAKLANJUT_LOG_LEVEL": "loud"},
			[]string{"TINDAKLANJUT_TIMEZONE", "TINDAKLANJUT_LOG_LEVEL"}},
		{"unknown key in config file", map[string]string{"TINDAKLANJUT_CONFIG": writeFile(t, "TINDAKLANJUT_PORT=8080\n")},
			[]string{"TINDAKLANJUT_CONFIG", `unknown key "TINDAKLANJUT_PORT"`}},
		{"missing config file", map[string]string{"TINDAKLANJUT_CONFIG": "/nonexistent/tl.env"},
			[]string{"TINDAKLANJUT_CONFIG", "no such file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.vars["TINDAKLANJUT_DATA_DIR"] == "" {
				tt.vars["TINDAKLANJUT_DATA_DIR"] = t.TempDir()
			}
			if tt.vars["TINDAKLANJUT_ADDR"] == "" {
				tt.vars["TINDAKLANJUT_ADDR"] = "127.0.0.1:0"
			}
			if _, ok := tt.vars["TINDAKLANJUT_CONFIG"]; !ok {
				tt.vars["TINDAKLANJUT_CONFIG"] = writeFile(t, "")
			}
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), []string{"serve"}, mapEnv(tt.vars), strings.NewReader(""), &stdout, &stderr)
			if err == nil {
				t.Fatal("run succeeded; want a configuration error")
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
			if strings.Contains(err.Error()+stderr.String(), "secretpw") {
				t.Error("the error or log shows the database password")
			}
		})
	}
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "tindaklanjut.env")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
