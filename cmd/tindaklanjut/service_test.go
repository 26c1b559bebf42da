package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

// testCluster starts a PostgreSQL cluster of the test's own under dir (a
// database the service does not own: it is reached through DATABASE_URL),
// with the database tindaklanjut. Starting it again on the same dir keeps
// its data and its socket, so its URL stays the same.
func testCluster(t *testing.T, dir string) *postgres.Cluster {
	t.Helper()
	c, err := postgres.NewCluster(postgres.ClusterOptions{Dir: filepath.Join(dir, "pg"), LogFile: filepath.Join(dir, "pg.log")})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := c.EnsureDatabase(context.Background(), "tindaklanjut"); err != nil {
		t.Fatal(err)
	}
	return c
}

// serviceProcess is the real binary serving on a loopback address.
type serviceProcess struct {
	t    *testing.T
	bin  string
	env  []string
	Base string

	mu   sync.Mutex
	logs bytes.Buffer
	cmd  *exec.Cmd
}

// startService runs `bin serve` with env (PATH is added) on a free
// address and waits until it is ready; it is killed when the test ends.
func startService(t *testing.T, bin string, env ...string) *serviceProcess {
	t.Helper()
	addr := freeAddr(t)
	s := &serviceProcess{t: t, bin: bin, Base: "http://" + addr,
		env: append([]string{"PATH=" + os.Getenv("PATH"), "TINDAKLANJUT_ADDR=" + addr, "TINDAKLANJUT_LOG_FORMAT=json"}, env...)}
	s.start()
	t.Cleanup(s.kill)
	return s
}

func (s *serviceProcess) start() {
	s.t.Helper()
	cmd := exec.Command(s.bin, "serve")
	cmd.Dir = s.t.TempDir()
	cmd.Env = s.env
	cmd.Stdout, cmd.Stderr = s, s
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.mu.Lock()
	s.cmd = cmd
	s.mu.Unlock()
	s.waitReady(60 * time.Second)
}

// Write collects the process's output.
func (s *serviceProcess) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logs.Write(p)
}

// Logs returns what the process wrote so far.
func (s *serviceProcess) Logs() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logs.String()
}

// waitReady waits until /readyz answers 200 and returns how long it took.
func (s *serviceProcess) waitReady(within time.Duration) time.Duration {
	s.t.Helper()
	start := time.Now()
	for time.Since(start) < within {
		if resp, err := http.Get(s.Base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(start)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("not ready within %v\n%s", within, s.Logs())
	return 0
}

// restart stops the process as an operator would (SIGTERM: in-flight
// requests finish) and starts it again on the same address.
func (s *serviceProcess) restart() {
	s.t.Helper()
	s.mu.Lock()
	cmd := s.cmd
	s.mu.Unlock()
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		s.t.Errorf("exit after SIGTERM: %v", err)
	}
	s.start()
}

func (s *serviceProcess) kill() {
	s.mu.Lock()
	cmd := s.cmd
	s.mu.Unlock()
	if cmd != nil && cmd.ProcessState == nil {
		cmd.Process.Kill()
		cmd.Wait()
	}
}

// call is one answer of the service.
type call struct {
	status     int // -1: no answer (connection refused or cut)
	took       time.Duration
	at         time.Time
	problem    bool
	retryAfter string
	body       []byte
}

// do sends a request with a bearer token (and a JSON body when body is
// not empty) and returns the answer.
func (s *serviceProcess) do(client *http.Client, method, path, token, body string) call {
	req, _ := http.NewRequest(method, s.Base+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return answer(client, req)
}

// answer sends req and returns the answer.
func answer(client *http.Client, req *http.Request) call {
	t0 := time.Now()
	resp, err := client.Do(req)
	c := call{took: time.Since(t0), at: t0}
	if err != nil {
		c.status = -1
		return c
	}
	c.body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	c.status = resp.StatusCode
	c.problem = resp.Header.Get("Content-Type") == "application/problem+json"
	c.retryAfter = resp.Header.Get("Retry-After")
	return c
}

// must sends a request that has to answer want and decodes the answer
// into out.
func (s *serviceProcess) must(client *http.Client, method, path, token, body string, want int, out any) {
	s.t.Helper()
	c := s.do(client, method, path, token, body)
	if c.status != want {
		s.t.Fatalf("%s %s = %d; want %d\n%s", method, path, c.status, want, c.body)
	}
	if out != nil {
		if err := json.Unmarshal(c.body, out); err != nil {
			s.t.Fatal(err)
		}
	}
}
