package report_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"github.com/tindaklanjut/tindaklanjut/internal/calendar"
	"github.com/tindaklanjut/tindaklanjut/internal/date"
	"github.com/tindaklanjut/tindaklanjut/internal/finding"
	"github.com/tindaklanjut/tindaklanjut/internal/report"
)

// sample is a matrix whose texts try every way into a formula.
func sample() report.Matrix {
	today := date.MustParse("2024-09-30")
	rows := []report.Row{
		{Code: "TL-2024-0001", Title: "=HYPERLINK(\"http://evil.example\",\"klik\")", Condition: "Belum ada SK.",
			Recommendation: "=HYPERLINK(\"http://evil.example\",\"klik\")", State: finding.InProgress,
			DueDate: date.MustParse("2024-09-01"), Overdue: true, UnitName: "Dinas Komunikasi dan Informatika",
			LastRejection: "Lampiran SK belum ditandatangani",
			Actions: []report.MatrixAction{{Title: "Menyusun SK", AssigneeName: "Sari", Status: finding.Done,
				DueDate: date.MustParse("2024-08-31"), Artifacts: []report.MatrixArtifact{{Kind: "sk",
					DocNumber: "188.44/0123/KUM/2024", DocDate: date.MustParse("2024-08-20"), FileName: "SK Tim.pdf"}}}},
			Indicators: []report.MatrixIndicator{{Code: "I21", Onto: []string{"P02"}}, {Code: "I29", Onto: []string{"P09"}}}},
		{Code: "TL-2024-0002", Title: "Judul biasa", Recommendation: "+1", State: finding.Open, DueDate: date.MustParse("2024-10-05"),
			Indicators: []report.MatrixIndicator{{Code: "P05"}, {Code: "I24", Onto: []string{"P02", "P14"}}}},
		{Code: "TL-2024-0003", Title: "Judul", Recommendation: "@SUM(A1:A9)", State: finding.Closed, DueDate: date.MustParse("2024-10-05")},
		{Code: "TL-2024-0004", Title: "Judul", Recommendation: "-2+3", State: finding.NotActionable, NotActionable: "Aplikasi dihentikan"},
		{Code: "TL-2024-0005", Title: "<script>alert(1)</script>", Recommendation: "\tTab", State: finding.Submitted},
		{Code: "TL-2024-0006", Title: "Judul", Recommendation: "\rCR", State: finding.Open},
	}
	for i := range rows {
		rows[i].No = i + 1
	}
	m := report.Matrix{Today: today, Rows: rows}
	m.CountWorkingDays(calendar.New([]date.Date{date.MustParse("2024-09-16")}))
	return m
}

func TestCellsOfARow(t *testing.T) {
	got := sample().Rows[0].Cells()
	want := []string{"1",
		"TL-2024-0001\n=HYPERLINK(\"http://evil.example\",\"klik\")\n\nKondisi: Belum ada SK.",
		"=HYPERLINK(\"http://evil.example\",\"klik\")",
		"1. Menyusun SK\n(PJ: Sari; selesai; batas 31 Agustus 2024)",
		"1. Surat Keputusan (SK), Nomor 188.44/0123/KUM/2024, tanggal 20 Agustus 2024, berkas SK Tim.pdf",
		"Belum sesuai",
		"Batas waktu: 1 September 2024\nKeadaan: dalam proses tindak lanjut\nTerlambat: batas waktu telah lewat\n" +
			"Unit: Dinas Komunikasi dan Informatika\nAlasan penolakan terakhir: Lampiran SK belum ditandatangani",
		"I21 (P02), I29 (P09)",
		// Overdue since 1 September: the 20 weekdays of 2–30 September
		// but the holiday of the 16th.
		"-20",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("cells (-want +got):\n%s", diff)
	}
	// A code of the current model is shown as it is; a finding without
	// indicators says so rather than leave the row's last cell empty.
	for i, want := range []string{"I21 (P02), I29 (P09)", "P05, I24 (P02, P14)", "Tanpa indikator"} {
		if got := sample().Rows[i].Cells()[7]; got != want {
			t.Errorf("row %d: Indikator = %q; want %q", i+1, got, want)
		}
	}
	statuses := map[finding.State]string{finding.Open: "Belum ditindaklanjuti", finding.InProgress: "Belum sesuai",
		finding.Submitted: "Belum sesuai", finding.Closed: "Sesuai", finding.NotActionable: "Tidak dapat ditindaklanjuti"}
	for st, want := range statuses {
		if got := (report.Row{State: st}).Cells()[5]; got != want {
			t.Errorf("status of %s = %q; want %q", st, got, want)
		}
	}
}

func TestCSVNeutralisesFormulas(t *testing.T) {
	var buf bytes.Buffer
	if err := report.WriteCSV(&buf, sample()); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("\xef\xbb\xbf")) {
		t.Fatalf("no UTF-8 BOM: %q", buf.Bytes()[:10])
	}
	r := csv.NewReader(bytes.NewReader(buf.Bytes()[3:]))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(report.Columns, recs[0]); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	var recommendations []string
	for _, rec := range recs[1:] {
		recommendations = append(recommendations, rec[2])
	}
	// A lone CR is dropped by encoding/csv's CRLF mode, after the quote.
	want := []string{"'=HYPERLINK(\"http://evil.example\",\"klik\")", "'+1", "'@SUM(A1:A9)", "'-2+3", "'\tTab", "'CR"}
	if diff := cmp.Diff(want, recommendations); diff != "" {
		t.Errorf("recommendations (-want +got):\n%s", diff)
	}
	if !strings.Contains(recs[5][1], "<script>alert(1)</script>") {
		t.Errorf("script text changed: %q", recs[5][1])
	}
	var indicators []string
	for _, rec := range recs[1:] {
		indicators = append(indicators, rec[7])
	}
	wantInd := []string{"I21 (P02), I29 (P09)", "P05, I24 (P02, P14)", "Tanpa indikator", "Tanpa indikator", "Tanpa indikator",
		"Tanpa indikator"}
	if diff := cmp.Diff(wantInd, indicators); diff != "" {
		t.Errorf("Indikator (-want +got):\n%s", diff)
	}
}

// TestColumnsKeepTheirPlaces: Indikator came last, so that what reads the
// matrix by column position (macros, imports into other registers) still
// finds each column where it was.
func TestColumnsKeepTheirPlaces(t *testing.T) {
	want := []string{"No", "Temuan", "Rekomendasi", "Tindak Lanjut", "Bukti Dukung", "Status", "Keterangan", "Indikator", "Sisa Hari Kerja"}
	if diff := cmp.Diff(want, report.Columns); diff != "" {
		t.Errorf("columns (-want +got):\n%s", diff)
	}
}

func TestXLSXWritesTextNeverFormulas(t *testing.T) {
	var buf bytes.Buffer
	m := sample()
	if err := report.WriteXLSX(&buf, m); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	sheet := report.SheetName
	title, _ := x.GetCellValue(sheet, "A1")
	dated, _ := x.GetCellValue(sheet, "A2")
	if title != report.MatrixTitle || !strings.Contains(dated, "30 September 2024") {
		t.Errorf("title %q, date line %q", title, dated)
	}
	rows, err := x.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(report.Columns, rows[report.HeaderRow-1]); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	if got := len(rows) - report.HeaderRow; got != len(m.Rows) {
		t.Fatalf("%d rows; want %d", got, len(m.Rows))
	}
	for i, r := range m.Rows {
		want := r.Cells()
		if diff := cmp.Diff(want, rows[report.HeaderRow+i]); diff != "" {
			t.Errorf("row %d (-want +got):\n%s", i+1, diff)
		}
		for col := 2; col <= len(report.Columns); col++ {
			cell, _ := excelize.CoordinatesToCellName(col, report.HeaderRow+1+i)
			formula, err := x.GetCellFormula(sheet, cell)
			if err != nil || formula != "" {
				t.Errorf("%s has formula %q (%v)", cell, formula, err)
			}
			typ, _ := x.GetCellType(sheet, cell)
			if typ != excelize.CellTypeInlineString && typ != excelize.CellTypeSharedString {
				t.Errorf("%s has type %v; want a string", cell, typ)
			}
		}
	}
	// Printing: landscape A4, the header row repeated, frozen on screen,
	// filtered.
	layout, err := x.GetPageLayout(sheet)
	if err != nil || layout.Orientation == nil || *layout.Orientation != "landscape" || layout.Size == nil || *layout.Size != 9 {
		t.Errorf("page layout %+v (%v)", layout, err)
	}
	if props, err := x.GetSheetProps(sheet); err != nil || props.FitToPage == nil || !*props.FitToPage {
		t.Errorf("not fitted to the page width: %+v (%v)", props, err)
	}
	var printTitles bool
	for _, dn := range x.GetDefinedName() {
		if dn.Name == "_xlnm.Print_Titles" && strings.HasSuffix(dn.RefersTo, "!$4:$4") {
			printTitles = true
		}
	}
	if !printTitles {
		t.Errorf("no print titles in %+v", x.GetDefinedName())
	}
	panes, err := x.GetPanes(sheet)
	if err != nil || !panes.Freeze || panes.YSplit != report.HeaderRow {
		t.Errorf("panes %+v (%v)", panes, err)
	}
	style, _ := x.GetCellStyle(sheet, "B4")
	st, err := x.GetStyle(style)
	if err != nil || st.Font == nil || !st.Font.Bold || len(st.Border) != 4 {
		t.Errorf("header style %+v (%v)", st, err)
	}
	body, _ := x.GetCellStyle(sheet, "B5")
	if st, _ := x.GetStyle(body); st.Alignment == nil || !st.Alignment.WrapText {
		t.Errorf("body cells do not wrap: %+v", st)
	}
	if w, _ := x.GetColWidth(sheet, "B"); w < 30 {
		t.Errorf("column B is %v wide", w)
	}
	if h, _ := x.GetCellValue(sheet, "H4"); h != "Indikator" {
		t.Errorf("H4 = %q; want the Indikator heading", h)
	}
	if v, _ := x.GetCellValue(sheet, "H5"); v != "I21 (P02), I29 (P09)" {
		t.Errorf("H5 = %q; want the first finding's indicators", v)
	}
	if w, _ := x.GetColWidth(sheet, "H"); w < 15 {
		t.Errorf("column H is %v wide", w)
	}
}

func TestXLSXOfNoFindings(t *testing.T) {
	var buf bytes.Buffer
	if err := report.WriteXLSX(&buf, report.Matrix{Today: date.MustParse("2024-09-30")}); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rows, _ := x.GetRows(report.SheetName)
	if len(rows) != report.HeaderRow {
		t.Errorf("%d rows; want the title, date, blank and header rows only: %q", len(rows), rows)
	}
}
