package main

import (
	"bufio"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestProcessInterruptStopsEverything runs the real binary on the managed
// database, as a user would, and stops it with SIGINT (Ctrl-C): it must exit
// 0 and leave no PostgreSQL process behind.
func TestProcessInterruptStopsEverything(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildServer(t)
	dataDir := t.TempDir()
	addr := freeAddr(t)
	cmd := exec.Command(bin)
	cmd.Dir = t.TempDir()
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "TINDAKLANJUT_DATA_DIR=" + dataDir, "TINDAKLANJUT_ADDR=" + addr}
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var logLines []string
	logDone := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logLines = append(logLines, sc.Text())
		}
		close(logDone)
	}()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("not ready within 60s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	pgPID := postmasterPID(t, dataDir)

	cmd.Process.Signal(syscall.SIGINT)
	waitErr := make(chan error, 1)
	go func() { waitErr <- cmd.Wait() }()
	select {
	case err := <-waitErr:
		<-logDone
		if err != nil {
			t.Fatalf("exit after SIGINT: %v\n%s", err, strings.Join(logLines, "\n"))
		}
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatal("did not exit within 60s of SIGINT")
	}
	if err := syscall.Kill(pgPID, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("postgres (pid %d) still running after shutdown", pgPID)
	}
	// Shutdown happened in order: HTTP first, the database last.
	var order []string
	for _, l := range logLines {
		for _, msg := range []string{"shutting down http server", "http server stopped", "scheduler stopped", "managed postgres stopped"} {
			if strings.Contains(l, msg) {
				order = append(order, msg)
			}
		}
	}
	if strings.Join(order, ",") != "shutting down http server,http server stopped,scheduler stopped,managed postgres stopped" {
		t.Errorf("shutdown order = %v", order)
	}
}

func TestProcessConfigErrorExitCode(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildServer(t)
	cmd := exec.Command(bin, "serve")
	cmd.Dir = t.TempDir()
	cmd.Env = []string{"TINDAKLANJUT_TIMEZONE=Nowhere/Atlantis", "TINDAKLANJUT_DATA_DIR=" + t.TempDir()}
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("exit = %v; want status 1", err)
	}
	if !strings.Contains(string(out), "TINDAKLANJUT_TIMEZONE") || strings.Contains(string(out), "goroutine") {
		t.Errorf("output:\n%s", out)
	}
}
