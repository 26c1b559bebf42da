// Package reporttest reads printed reports as a reader would, for tests:
// the text of each page (pdftotext, from Debian's poppler-utils) and a page
// rendered as an image (pdftoppm) kept under test-artifacts/pdf.
//
// CI installs poppler-utils (.ci/run); elsewhere a test that reads a PDF
// is skipped where the tools are missing, as the browser tests are without
// Chromium, so that the README's test command passes on a fresh machine.
package reporttest

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Pages returns the text of each page of pdf, laid out as printed.
func Pages(t testing.TB, pdf []byte) []string {
	t.Helper()
	need(t, "pdftotext")
	path := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return strings.Split(strings.TrimRight(string(out), "\f"), "\f")
}

// Keep writes pdf and its first page rendered by pdftoppm (PNG) to the
// repository's test-artifacts/pdf, named name.
func Keep(t testing.TB, pdf []byte, name string) {
	t.Helper()
	need(t, "pdftoppm")
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", "..", "..", "test-artifacts", "pdf")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name+".pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", path, filepath.Join(dir, name)).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
	t.Logf("page 1 rendered to %s.png", filepath.Join(dir, name))
}

// need stops t when tool is not on PATH: a failure under CI, which
// installs it, and a skip elsewhere.
func need(t testing.TB, tool string) {
	t.Helper()
	if _, err := exec.LookPath(tool); err == nil {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("no %s on PATH; .ci/run installs Debian's poppler-utils package", tool)
	}
	t.Skipf("no %s on PATH (apt-get install poppler-utils)", tool)
}
