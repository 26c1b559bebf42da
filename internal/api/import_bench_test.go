package api_test

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// BenchmarkImportVersusOneByOne commits a 10,000-row register through
// POST /reviews/{id}/imports and then creates the same 10,000 findings one
// by one through POST /findings, in the same run, and reports both times
// and their ratio (x-faster). Run it once:
//
//	go test -run '^$' -bench ImportVersusOneByOne -benchtime 1x ./internal/api/
func BenchmarkImportVersusOneByOne(b *testing.B) {
	const n = 10_000
	f := newFixture(b)
	var csv strings.Builder
	csv.WriteString("No;Judul;Kondisi;Rekomendasi;Tingkat;Unit;Indikator;Tenggat\r\n")
	bodies := make([]string, n)
	for i := range n {
		title := fmt.Sprintf("Temuan %d: kebijakan tata kelola belum ditetapkan", i+1)
		cond := "Kebijakan internal belum ditetapkan oleh kepala daerah."
		rec := fmt.Sprintf("Menetapkan kebijakan %d", i+1)
		ind := fmt.Sprintf("I%02d", 1+i%47)
		fmt.Fprintf(&csv, "%d;%s;%s;%s;tinggi;DISKOMINFO;%s;30/09/2025\r\n", i+1, title, cond, rec, ind)
		bodies[i] = fmt.Sprintf(`{"review_id":%%d,"title":%q,"condition":%q,"recommendation":%q,"severity":"high","unit_id":%d,
			"indicator_codes":[%q],"due_date":"2025-09-30"}`, title, cond, rec, f.unitA.ID, ind)
	}
	data := []byte(csv.String())
	b.ResetTimer()
	for range b.N {
		review := f.newReview("")
		start := time.Now()
		rec := f.postImport("auditor", review, file("register.csv", data), field("dry_run", "false"))
		imported := time.Since(start)
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"new":10000`) {
			b.Fatalf("import: %d %.300s", rec.Code, rec.Body)
		}
		other := f.newReview("")
		start = time.Now()
		for _, body := range bodies {
			var r *httptest.ResponseRecorder
			if r = f.do("POST", "/api/v1/findings", f.tokens["auditor"], fmt.Sprintf(body, other), nil); r.Code != 201 {
				b.Fatalf("create: %d %s", r.Code, r.Body)
			}
		}
		oneByOne := time.Since(start)
		b.ReportMetric(imported.Seconds(), "import-s")
		b.ReportMetric(oneByOne.Seconds(), "one-by-one-s")
		b.ReportMetric(oneByOne.Seconds()/imported.Seconds(), "x-faster")
	}
}
