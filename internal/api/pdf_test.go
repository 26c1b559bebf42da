package api_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestMatrixPDFDownload(t *testing.T) {
	f := newFixture(t)
	review := f.newReview("")
	a := f.newFinding(review, "")
	b := f.newFinding(review, "")
	rec := f.do("GET", "/api/v1/reports/follow-up-matrix?format=pdf&review_id="+strconv.FormatInt(review, 10), f.tokens["auditor"], "", nil)
	mustStatus(t, rec, 200)
	if rec.Header().Get("Content-Type") != "application/pdf" || !strings.HasPrefix(rec.Body.String(), "%PDF-") {
		t.Fatalf("%s %.20q", rec.Header().Get("Content-Type"), rec.Body.String())
	}
	path := filepath.Join(t.TempDir(), "m.pdf")
	os.WriteFile(path, rec.Body.Bytes(), 0o600)
	out, err := exec.Command("pdftotext", "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	text := string(out)
	for _, want := range []string{a.Code, b.Code, "Halaman 1 dari 1", "Reviu (id): " + strconv.FormatInt(review, 10), "Pengguna auditor"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF lacks %q:\n%s", want, text)
		}
	}
	f.problem(f.do("GET", "/api/v1/reports/follow-up-matrix?format=docx", f.tokens["auditor"], "", nil), 422)
}
