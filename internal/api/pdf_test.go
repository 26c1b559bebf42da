package api_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/tindaklanjut/tindaklanjut/internal/report/reporttest"
)

func TestMatrixPDFDownload(t *testing.T) {
	f := newFixture(t)
	review := f.newReview("")
	a := f.newFinding(review, "")
	b := f.newFinding(review, "")
	// The filters are named in the reader's words: the review and the unit
	// by name, the severity as the register writes it, dates in Indonesian.
	rec := f.do("GET", fmt.Sprintf("/api/v1/reports/follow-up-matrix?format=pdf&review_id=%d&unit_id=%d&severity=high&due_before=2024-10-01",
		review, f.unitA.ID), f.tokens["auditor"], "", nil)
	mustStatus(t, rec, 200)
	if rec.Header().Get("Content-Type") != "application/pdf" || !strings.HasPrefix(rec.Body.String(), "%PDF-") {
		t.Fatalf("%s %.20q", rec.Header().Get("Content-Type"), rec.Body.String())
	}
	f.problem(f.do("GET", "/api/v1/reports/follow-up-matrix?format=docx", f.tokens["auditor"], "", nil), 422)
	text := strings.Join(reporttest.Pages(t, rec.Body.Bytes()), "\n")
	flat := strings.Join(strings.Fields(text), " ") // the filters' line wraps as it must
	for _, want := range []string{a.Code, b.Code, "Halaman 1 dari 1", "Pengguna auditor",
		"Penyaring: Batas waktu sebelum: 1 Oktober 2024; Reviu: Reviu Aplikasi SIMPEG; Tingkat: tinggi; Unit: DISKOMINFO — Dinas Komunikasi dan Informatika"} {
		if !strings.Contains(flat, want) {
			t.Errorf("the PDF lacks %q:\n%s", want, text)
		}
	}
}

func TestAssessmentReportPDF(t *testing.T) {
	f := newFixture(t)
	var asm struct{ ID int64 }
	mustStatus(t, f.do("POST", "/api/v1/assessments", f.tokens["auditor"], `{"year":2024,"name":"Evaluasi SPBE 2024","framework_code":"spbe-2020"}`, &asm), 201)
	for n := 1; n <= 47; n++ {
		body := fmt.Sprintf(`{"level":%d,"target_level":3}`, 1+n%3)
		mustStatus(t, f.do("PUT", fmt.Sprintf("/api/v1/assessments/%d/scores/I%02d", asm.ID, n), f.tokens["auditor"], body, nil), 200)
	}
	review := f.newReview(fmt.Sprintf(`{"kind":"spbe_evaluation","title":"Evaluasi SPBE 2024","conducted_on":"2024-07-08","assessment_id":%d}`, asm.ID))
	fd := f.newFinding(review, "") // on I21
	f.mustMove("auditor", fd, "issue", "")
	var ix struct {
		Index          json.Number `json:"index"`
		ProjectedIndex json.Number `json:"projected_index"`
	}
	mustStatus(t, f.do("GET", fmt.Sprintf("/api/v1/assessments/%d/index", asm.ID), f.tokens["viewer"], "", &ix), 200)

	rec := f.do("GET", fmt.Sprintf("/api/v1/assessments/%d/report?format=pdf", asm.ID), f.tokens["viewer"], "", nil)
	mustStatus(t, rec, 200)
	f.problem(f.do("GET", fmt.Sprintf("/api/v1/assessments/%d/report?format=xlsx", asm.ID), f.tokens["viewer"], "", nil), 422)
	f.problem(f.do("GET", "/api/v1/assessments/99999/report", f.tokens["viewer"], "", nil), 404)
	text := strings.Join(reporttest.Pages(t, rec.Body.Bytes()), "\n")
	reporttest.Keep(t, rec.Body.Bytes(), "laporan-indeks")
	comma := func(s string) string { return strings.Replace(s, ".", ",", 1) }
	for _, want := range []string{"Evaluasi SPBE 2024", "Indeks saat ini: " + comma(ix.Index.String()), "Indeks proyeksi: " + comma(ix.ProjectedIndex.String()),
		"Indeks per domain", "Indeks per aspek", "Grafik indeks per aspek", "Temuan aktif per indikator", "I21", "Halaman 1 dari",
		"Mengetahui,"} {
		if !strings.Contains(text, want) {
			t.Errorf("the report lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, ix.Index.String()) {
		t.Errorf("the index %s is written with a decimal point", ix.Index)
	}
}
