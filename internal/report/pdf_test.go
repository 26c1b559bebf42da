package report_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tindaklanjut/tindaklanjut/internal/date"
	"github.com/tindaklanjut/tindaklanjut/internal/finding"
	"github.com/tindaklanjut/tindaklanjut/internal/report"
	"github.com/tindaklanjut/tindaklanjut/internal/report/reporttest"
)

// bigMatrix is n findings with long, wrapping texts; every tallEvery-th
// row is taller than a page, so that it continues onto the next page.
func bigMatrix(n, tallEvery int) report.Matrix {
	m := report.Matrix{Today: date.MustParse("2024-09-30")}
	long := strings.Repeat("Kebijakan internal manajemen risiko SPBE belum ditetapkan oleh kepala daerah; ", 4)
	for i := range n {
		r := report.Row{No: i + 1, Code: fmt.Sprintf("TL-2024-%04d", i+1), Title: fmt.Sprintf("Temuan ke-%d tentang tata kelola", i+1),
			Condition: long, Recommendation: "Menetapkan peraturan kepala daerah tentang arsitektur SPBE", State: finding.InProgress,
			DueDate: date.MustParse("2024-12-31"), UnitName: "Dinas Komunikasi dan Informatika",
			Actions: []report.MatrixAction{{Title: "Menyusun rancangan", AssigneeName: "Sari Wulandari", Status: finding.Todo,
				DueDate: date.MustParse("2024-11-30")}},
			Indicators: []report.MatrixIndicator{{Code: "I21", Onto: []string{"P02"}}}}
		if i%tallEvery == 3 {
			r.Condition = strings.Repeat(long+"\n", 14)
		}
		m.Rows = append(m.Rows, r)
	}
	return m
}

func printing() report.Printing {
	return report.Printing{Letterhead: report.Letterhead{OrgName: "Pemerintah Provinsi Kalimantan Selatan", Logo: logoPNG()},
		PrintedAt: time.Date(2024, 9, 30, 14, 5, 0, 0, time.FixedZone("WITA", 8*3600)), PrintedBy: "Rahmat Hidayat",
		Scope: []string{"Penyaring: Status: in_progress (Belum sesuai)"}}
}

// logoPNG is a small two-colour logo.
func logoPNG() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 40, 40))
	for x := range 40 {
		for y := range 40 {
			c := color.RGBA{0, 80, 160, 255}
			if (x-20)*(x-20)+(y-20)*(y-20) < 120 {
				c = color.RGBA{240, 200, 0, 255}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	return buf.Bytes()
}

func TestMatrixPDF(t *testing.T) {
	m := bigMatrix(60, 7)
	var buf bytes.Buffer
	if err := report.WritePDF(&buf, m, printing()); err != nil {
		t.Fatal(err)
	}
	pages := reporttest.Pages(t, buf.Bytes())
	all := strings.Join(pages, "\n")
	for _, r := range m.Rows {
		if !strings.Contains(all, r.Code) {
			t.Errorf("%s is not in the PDF", r.Code)
		}
	}
	n := len(pages)
	if n < 10 {
		t.Fatalf("%d pages for 60 long findings", n)
	}
	footer := regexp.MustCompile(`Halaman (\d+) dari (\d+)`)
	for i, p := range pages {
		f := footer.FindStringSubmatch(p)
		if f == nil || f[1] != fmt.Sprint(i+1) || f[2] != fmt.Sprint(n) {
			t.Errorf("page %d's footer: %v", i+1, f)
		}
		// The headings on every page, Sisa Hari Kerja (wrapped) last.
		if i < n-1 && !regexp.MustCompile(`No\s+Temuan\s+Rekomendasi\s+Tindak Lanjut\s+Bukti Dukung\s+Status\s+Keterangan\s+Indikator\s+Sisa`).MatchString(p) {
			t.Errorf("page %d lacks the headings", i+1)
		}
		if !strings.Contains(p, "Dicetak Senin, 30 September 2024 pukul 14.05") {
			t.Errorf("page %d lacks the print date", i+1)
		}
	}
	for _, want := range []string{"Pemerintah Provinsi Kalimantan Selatan", report.MatrixTitle, "Penyaring: Status: in_progress",
		"Per tanggal 30 September 2024 — 60 temuan", "Mengetahui,", "Disiapkan oleh,", "Rahmat Hidayat", "Unit: Dinas Komunikasi"} {
		if !strings.Contains(all, want) {
			t.Errorf("the PDF lacks %q", want)
		}
	}
	if strings.Contains(pages[1], "Penyaring") {
		t.Error("the letterhead is repeated past page 1")
	}
	reporttest.Keep(t, buf.Bytes(), "matriks-tindak-lanjut")
}

func TestMatrixPDFEmptyAndLogoless(t *testing.T) {
	p := printing()
	p.Logo = []byte("not an image")
	var buf bytes.Buffer
	if err := report.WritePDF(&buf, report.Matrix{Today: date.MustParse("2024-09-30")}, p); err != nil {
		t.Fatal(err)
	}
	pages := reporttest.Pages(t, buf.Bytes())
	if len(pages) != 1 || !strings.Contains(pages[0], "Tidak ada temuan yang cocok") || !strings.Contains(pages[0], "Halaman 1 dari 1") {
		t.Errorf("empty matrix: %q", pages)
	}
}

// BenchmarkMatrixPDF1000 writes the PDF of a 1,000-finding matrix whose
// conditions run to several lines, one finding in fifty over two pages.
func BenchmarkMatrixPDF1000(b *testing.B) {
	m := bigMatrix(1000, 50)
	p := printing()
	for range b.N {
		var buf bytes.Buffer
		if err := report.WritePDF(&buf, m, p); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(buf.Len())/(1<<20), "MiB")
		b.ReportMetric(float64(bytes.Count(buf.Bytes(), []byte("/Type /Page\n"))), "pages")
	}
}
