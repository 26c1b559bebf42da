package web_test

import (
	"context"
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tindaklanjut/tindaklanjut/internal/framework"
	"github.com/tindaklanjut/tindaklanjut/internal/report/reporttest"
)

func TestMatrixPDFLink(t *testing.T) {
	s := newSite(t)
	s.issued("SK tim manajemen risiko belum ditetapkan", s.unitA, "officer")
	b := s.browser()
	b.signIn("auditor")
	_, page, _ := b.get("/temuan?state=open")
	m := regexp.MustCompile(`<a href="([^"]+format=pdf[^"]*)" download>Cetak PDF</a>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no PDF link:\n%.2000s", page)
	}
	status, pdf, h := b.get(html.UnescapeString(m[1]))
	if status != 200 || h.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf, "%PDF-") {
		t.Errorf("PDF: %d %s", status, h.Get("Content-Type"))
	}
}

func TestAssessmentReportLink(t *testing.T) {
	s := newSite(t)
	a, err := framework.NewAssessments(s.db, time.Now).Create(context.Background(), s.people["auditor"],
		framework.AssessmentInput{Year: 2024, Name: "Evaluasi SPBE 2024", FrameworkCode: "spbe-2020"})
	if err != nil {
		t.Fatal(err)
	}
	b := s.browser()
	b.signIn("manager")
	_, page, _ := b.get(fmt.Sprintf("/penilaian/%d", a.ID))
	link := fmt.Sprintf(`<a href="/penilaian/%d/laporan" download>Cetak laporan indeks (PDF)</a>`, a.ID)
	if !strings.Contains(page, link) {
		t.Fatalf("no report link:\n%.1500s", page)
	}
	status, pdf, h := b.get(fmt.Sprintf("/penilaian/%d/laporan", a.ID))
	if status != 200 || h.Get("Content-Type") != "application/pdf" {
		t.Fatalf("report: %d %s", status, h.Get("Content-Type"))
	}
	if status, _, _ = b.get("/penilaian/99999/laporan"); status != 404 {
		t.Errorf("no such assessment: %d", status)
	}
	text := strings.Join(reporttest.Pages(t, []byte(pdf)), "\n")
	if !strings.Contains(text, "Laporan Indeks SPBE — Evaluasi SPBE 2024") || !strings.Contains(text, "Tidak ada indikator dengan temuan aktif.") {
		t.Errorf("report text:\n%s", text)
	}
}
