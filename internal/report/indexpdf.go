package report

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/tindaklanjut/tindaklanjut/internal/framework"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
)

// IndexReport is what the printed index report of an assessment shows.
type IndexReport struct {
	Assessment framework.Assessment
	Model      framework.Framework
	Index      framework.IndexReport
}

// indexColumns are the headings of the domain and aspect tables.
var indexColumns = []string{"Kode", "Nama", "Bobot (%)", "Indeks saat ini", "Indeks proyeksi"}

// indicatorColumns are the headings of the table of the indicators with
// active findings.
var indicatorColumns = []string{"Kode", "Indikator", "Nilai", "Target", "Temuan aktif"}

// comma writes a weight with the decimal comma (13; 16,5).
func comma(f float64) string {
	return strings.Replace(strconv.FormatFloat(f, 'f', -1, 64), ".", ",", 1)
}

// groupIndex writes a group's index, "-" when none of its indicators has a
// score.
func groupIndex(g framework.GroupResult) string {
	if g.Scored == 0 {
		return "-"
	}
	return g.Index.Comma()
}

func decimalOrDash(d *framework.Decimal) string {
	if d == nil {
		return "-"
	}
	return d.Comma()
}

// WriteIndexPDF writes an assessment's index report: the index now and
// projected (every indicator with active findings at its target), per
// domain and per aspect, a bar chart of the aspects, and the active
// findings per indicator; numbers with the decimal comma.
func WriteIndexPDF(w io.Writer, r IndexReport, p Printing) error {
	title := fmt.Sprintf("Laporan %s — %s", r.Model.IndexName(), r.Assessment.Name)
	d := newPDF(title, p)
	d.p.Scope = append([]string{fmt.Sprintf("Model evaluasi: %s (%s); tahun %d", r.Model.Title, r.Model.Code, r.Assessment.Year)}, p.Scope...)
	d.AddPage()
	cur, proj := r.Index.Current, r.Index.Projected
	d.SetFont(fontFamily, "B", 10)
	d.CellFormat(0, 6, fmt.Sprintf("Indeks saat ini: %s (%s)", cur.Index.Comma(), predicateText(cur.Predicate)), "", 1, "L", false, 0, "")
	d.CellFormat(0, 6, fmt.Sprintf("Indeks proyeksi: %s (%s)", proj.Index.Comma(), predicateText(proj.Predicate)), "", 1, "L", false, 0, "")
	d.SetFont(fontFamily, "", headPt)
	d.MultiCell(0, lineH, "Proyeksi: indeks bila setiap indikator yang masih memiliki temuan aktif (terbit, dalam proses, "+
		"menunggu verifikasi) mencapai nilai targetnya.", "", "L", false)
	d.SetY(d.GetY() + 3)

	groups := func(heading string, cur, proj []framework.GroupResult) {
		if len(cur) == 0 {
			return
		}
		d.SetFont(fontFamily, "B", 10)
		d.CellFormat(0, 6, heading, "", 1, "L", false, 0, "")
		d.startTable(indexColumns, []float64{12, 70, 14, 18, 18})
		for i, g := range cur {
			pr := "-"
			if i < len(proj) {
				pr = groupIndex(proj[i])
			}
			d.row([]string{g.Code, g.Name, comma(g.Weight), groupIndex(g), pr})
		}
		d.endTable()
		d.SetY(d.GetY() + 4)
	}
	groups("Indeks per domain", cur.Domains, proj.Domains)
	groups("Indeks per aspek", cur.Aspects, proj.Aspects)
	d.chart(cur.Aspects, proj.Aspects)

	names := map[string]string{}
	for _, ind := range r.Model.Indicators() {
		names[ind.Code] = ind.Name
	}
	d.SetFont(fontFamily, "B", 10)
	if d.GetY() > pageH-marginBottom-30 {
		d.AddPage()
	}
	d.CellFormat(0, 6, "Temuan aktif per indikator", "", 1, "L", false, 0, "")
	d.startTable(indicatorColumns, []float64{12, 100, 14, 14, 16})
	n := 0
	for _, st := range r.Index.Indicators {
		if st.ActiveFindings == 0 {
			continue
		}
		n++
		d.row([]string{st.Code, names[st.Code], decimalOrDash(st.Score), decimalOrDash(st.Target), strconv.Itoa(st.ActiveFindings)})
	}
	if n == 0 {
		d.row([]string{"", "Tidak ada indikator dengan temuan aktif.", "", "", ""})
	}
	d.endTable()
	d.signature()
	return d.Output(w)
}

func predicateText(p framework.Predicate) string {
	if p.Label != "" && p.Label != p.Name {
		return p.Name + " — " + p.Label
	}
	if p.Name == "" {
		return "belum dinilai"
	}
	return p.Name
}

// chart draws a horizontal bar per aspect, the index now (dark) and
// projected (light), on a scale of 0 to 5.
func (d *pdfDoc) chart(cur, proj []framework.GroupResult) {
	if len(cur) == 0 {
		return
	}
	const barH, gap, labelW, scaleW = 3.2, 2.2, 70.0, 150.0
	need := float64(len(cur))*(2*barH+gap) + 22
	if d.GetY()+need > pageH-marginBottom {
		d.AddPage()
	}
	d.SetFont(fontFamily, "B", 10)
	d.CellFormat(0, 6, "Grafik indeks per aspek (skala 1–5)", "", 1, "L", false, 0, "")
	d.SetFont(fontFamily, "", 7)
	x0, y := marginX+labelW, d.GetY()+2
	// The scale: a tick per level.
	for v := 0; v <= 5; v++ {
		x := x0 + scaleW*float64(v)/5
		d.SetDrawColor(190, 190, 190)
		d.Line(x, y, x, y+float64(len(cur))*(2*barH+gap))
		d.SetXY(x-3, y+float64(len(cur))*(2*barH+gap))
		d.CellFormat(6, 4, strconv.Itoa(v), "", 0, "C", false, 0, "")
	}
	d.SetDrawColor(0, 0, 0)
	for i, g := range cur {
		yy := y + float64(i)*(2*barH+gap)
		d.SetXY(marginX, yy)
		d.CellFormat(labelW-2, 2*barH, g.Code+" "+g.Name, "", 0, "L", false, 0, "")
		bar := func(r framework.GroupResult, dy float64, rgb [3]int) {
			if r.Scored == 0 {
				return
			}
			d.SetFillColor(rgb[0], rgb[1], rgb[2])
			wd := scaleW * r.Index.Float() / 5
			d.Rect(x0, yy+dy, wd, barH, "F")
			d.SetXY(x0+wd+1, yy+dy-0.4)
			d.CellFormat(12, barH, r.Index.Comma(), "", 0, "L", false, 0, "")
		}
		bar(g, 0, [3]int{31, 78, 121})
		if i < len(proj) {
			bar(proj[i], barH, [3]int{155, 194, 230})
		}
	}
	d.SetY(y + float64(len(cur))*(2*barH+gap) + 6)
	d.SetFillColor(31, 78, 121)
	d.Rect(x0, d.GetY(), 4, 3, "F")
	d.SetXY(x0+5, d.GetY()-0.5)
	d.CellFormat(30, 4, "Indeks saat ini", "", 0, "L", false, 0, "")
	d.SetFillColor(155, 194, 230)
	d.Rect(x0+40, d.GetY()+0.5, 4, 3, "F")
	d.SetXY(x0+45, d.GetY())
	d.CellFormat(40, 4, "Indeks proyeksi", "", 1, "L", false, 0, "")
	d.SetY(d.GetY() + 4)
}

// ServeIndexPDF answers a download of an assessment's printed index report.
func ServeIndexPDF(w http.ResponseWriter, r IndexReport, p Printing) error {
	var buf bytes.Buffer
	if err := WriteIndexPDF(&buf, r, p); err != nil {
		return err
	}
	return servePDF(w, buf.Bytes(), fmt.Sprintf("laporan-indeks-%d.pdf", r.Assessment.ID))
}

// LoadIndexReport reads what an assessment's printed report shows, as p
// may see it. Errors: those of Assessments.Get and Index.
func LoadIndexReport(ctx context.Context, as *framework.Assessments, models *framework.Store, p identity.Principal, id int64) (IndexReport, error) {
	a, err := as.Get(ctx, p, id)
	if err != nil {
		return IndexReport{}, err
	}
	idx, err := as.Index(ctx, p, id)
	if err != nil {
		return IndexReport{}, err
	}
	fw, err := models.Get(ctx, a.FrameworkCode)
	if err != nil {
		return IndexReport{}, err
	}
	return IndexReport{Assessment: a, Model: fw, Index: idx}, nil
}
