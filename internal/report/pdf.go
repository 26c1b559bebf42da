package report

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"

	"github.com/tindaklanjut/tindaklanjut/internal/date"
	"github.com/tindaklanjut/tindaklanjut/internal/finding"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

// PDFContentType is the media type of the printed reports.
const PDFContentType = "application/pdf"

// Letterhead is what heads every printed report: the organisation's name
// (TINDAKLANJUT_ORG_NAME) and, optionally, its logo (the bytes of a PNG or
// JPEG file, TINDAKLANJUT_ORG_LOGO).
type Letterhead struct {
	OrgName string
	Logo    []byte
}

// Printing is one printed report's circumstances: the letterhead, the
// moment and place of printing, who printed it, and what it covers.
type Printing struct {
	Letterhead
	// PrintedAt is the moment of printing, in the organisation's zone.
	PrintedAt time.Time
	// PrintedBy names who printed the report, for the signature block.
	PrintedBy string
	// Scope lines say what the report covers (the filters, or the
	// assessment).
	Scope []string
}

// The page: A4 landscape, in millimetres.
const (
	pageW, pageH             = 297.0, 210.0
	marginX, marginTop       = 12.0, 10.0
	marginBottom             = 14.0
	lineH                    = 4.2
	bodyPt, headPt, footerPt = 8.0, 8.5, 7.5
)

// pdfDoc is a printed report being written: the letterhead on the first
// page, a running head on the others, the table's headings repeated on
// every page a table continues onto, and "Halaman x dari y" at the foot.
type pdfDoc struct {
	*fpdf.Fpdf
	p     Printing
	title string
	// table is the heading of the table in progress (nil: none).
	table   []string
	widths  []float64
	logoSet bool
}

// font names of the embedded Go fonts (BSD licence), which cover the
// Latin script Indonesian is written in.
const fontFamily = "gofont"

func newPDF(title string, p Printing) *pdfDoc {
	f := fpdf.NewCustom(&fpdf.InitType{OrientationStr: "L", UnitStr: "mm", SizeStr: "A4"})
	d := &pdfDoc{Fpdf: f, p: p, title: title}
	f.AddUTF8FontFromBytes(fontFamily, "", goregular.TTF)
	f.AddUTF8FontFromBytes(fontFamily, "B", gobold.TTF)
	f.SetMargins(marginX, marginTop, marginX)
	f.SetAutoPageBreak(false, marginBottom)
	f.SetTitle(title, true)
	f.SetAuthor(p.OrgName, true)
	f.SetCreator("tindaklanjut", true)
	f.SetLang("id-ID")
	f.SetCreationDate(p.PrintedAt)
	f.SetModificationDate(p.PrintedAt)
	f.AliasNbPages("{nb}")
	if len(p.Logo) > 0 {
		kind := "PNG"
		if bytes.HasPrefix(p.Logo, []byte{0xFF, 0xD8}) {
			kind = "JPG"
		}
		f.RegisterImageOptionsReader("logo", fpdf.ImageOptions{ImageType: kind}, bytes.NewReader(p.Logo))
		d.logoSet = f.Ok()
		if !d.logoSet {
			f.ClearError() // a logo that cannot be read is left out, not a failed report
		}
	}
	f.SetHeaderFunc(d.header)
	f.SetFooterFunc(d.footer)
	return d
}

// header writes the letterhead (first page) or the running head, then the
// table's headings when a table is in progress.
func (d *pdfDoc) header() {
	x := marginX
	if d.PageNo() == 1 {
		if d.logoSet {
			d.ImageOptions("logo", marginX, marginTop, 0, 16, false, fpdf.ImageOptions{}, 0, "")
			x += 20
		}
		d.SetXY(x, marginTop)
		d.SetFont(fontFamily, "B", 13)
		d.CellFormat(pageW-marginX-x, 6.5, d.p.OrgName, "", 2, "L", false, 0, "")
		d.SetFont(fontFamily, "B", 11)
		d.CellFormat(pageW-marginX-x, 6, d.title, "", 2, "L", false, 0, "")
		d.SetFont(fontFamily, "", headPt)
		for _, s := range d.p.Scope {
			d.CellFormat(pageW-marginX-x, lineH, s, "", 2, "L", false, 0, "")
		}
		y := max(d.GetY(), marginTop+16) + 1.5
		d.SetLineWidth(0.5)
		d.Line(marginX, y, pageW-marginX, y)
		d.SetLineWidth(0.2)
		d.SetY(y + 2.5)
	} else {
		d.SetFont(fontFamily, "", headPt)
		head := d.title
		if d.p.OrgName != "" {
			head = d.p.OrgName + " — " + head
		}
		d.CellFormat(0, lineH, head, "B", 1, "L", false, 0, "")
		d.SetY(d.GetY() + 2)
	}
	if d.table != nil {
		d.tableHead()
	}
}

func (d *pdfDoc) footer() {
	d.SetY(pageH - marginBottom + 4)
	d.SetFont(fontFamily, "", footerPt)
	d.CellFormat((pageW-2*marginX)/2, 4, "Dicetak "+printDate(d.p.PrintedAt), "T", 0, "L", false, 0, "")
	d.CellFormat((pageW-2*marginX)/2, 4, fmt.Sprintf("Halaman %d dari {nb}", d.PageNo()), "T", 0, "R", false, 0, "")
}

// printDate writes the moment of printing the Indonesian way: "Senin,
// 2 September 2024 pukul 14.05".
func printDate(t time.Time) string {
	return date.Of(t, t.Location()).Indonesian() + " pukul " + t.Format("15.04")
}

// tableHead writes the table's headings, bold, shaded, wrapped.
func (d *pdfDoc) tableHead() {
	d.SetFont(fontFamily, "B", bodyPt)
	d.SetFillColor(217, 225, 242)
	cells := make([][]string, len(d.table))
	n := 1
	for i, h := range d.table {
		cells[i] = d.lines(h, d.widths[i])
		n = max(n, len(cells[i]))
	}
	d.drawRow(cells, 0, n, true)
	d.SetFont(fontFamily, "", bodyPt)
}

// lines wraps s to width w in the current font.
func (d *pdfDoc) lines(s string, w float64) []string {
	var out []string
	for _, para := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if para == "" {
			out = append(out, "")
			continue
		}
		out = append(out, d.SplitText(para, w)...)
	}
	if len(out) == 0 {
		out = []string{""}
	}
	return out
}

// drawRow writes lines [from, to) of each cell as one band of the table,
// bordered, at the current position.
func (d *pdfDoc) drawRow(cells [][]string, from, to int, fill bool) {
	y := d.GetY()
	h := float64(to-from)*lineH + 1.6
	x := marginX
	style := "D"
	if fill {
		style = "FD"
	}
	for i, c := range cells {
		d.Rect(x, y, d.widths[i], h, style)
		for k := from; k < to && k < len(c); k++ {
			d.SetXY(x, y+0.8+float64(k-from)*lineH)
			d.CellFormat(d.widths[i], lineH, c[k], "", 0, "L", false, 0, "")
		}
		x += d.widths[i]
	}
	d.SetXY(marginX, y+h)
}

// startTable begins a table of headings with widths in proportion to
// weights, across the page.
func (d *pdfDoc) startTable(headings []string, weights []float64) {
	total := 0.0
	for _, w := range weights {
		total += w
	}
	d.widths = make([]float64, len(weights))
	for i, w := range weights {
		d.widths[i] = w / total * (pageW - 2*marginX)
	}
	d.table = headings
	if d.GetY() > pageH-marginBottom-30 {
		d.AddPage()
		return
	}
	d.tableHead()
}

// row writes one row of the table, continuing it on the next pages when
// it is taller than what is left of the page.
func (d *pdfDoc) row(texts []string) {
	d.SetFont(fontFamily, "", bodyPt)
	cells := make([][]string, len(texts))
	n := 1
	for i, t := range texts {
		cells[i] = d.lines(t, d.widths[i])
		n = max(n, len(cells[i]))
	}
	for from := 0; from < n; {
		fit := int((pageH - marginBottom - d.GetY() - 1.6) / lineH)
		// A row starts on a new page rather than with a line or two.
		if fit < 1 || (from == 0 && fit < min(n, 4)) {
			d.AddPage()
			continue
		}
		to := min(n, from+fit)
		d.drawRow(cells, from, to, false)
		from = to
	}
}

// endTable ends the table: pages added from here on have no headings.
func (d *pdfDoc) endTable() { d.table = nil }

// signature writes the signature block: who prepared the report and who
// acknowledges it, with room to sign, on a new page if it does not fit.
func (d *pdfDoc) signature() {
	if d.GetY() > pageH-marginBottom-42 {
		d.AddPage()
	}
	d.SetY(d.GetY() + 6)
	d.SetFont(fontFamily, "", 9)
	col := 80.0
	left, right := marginX+10, pageW-marginX-col-10
	y := d.GetY()
	block := func(x float64, lines ...string) {
		d.SetXY(x, y)
		for _, l := range lines {
			d.SetX(x)
			d.CellFormat(col, 5, l, "", 2, "C", false, 0, "")
		}
	}
	by := d.p.PrintedBy
	if by == "" {
		by = "(………………………………)"
	}
	block(left, "Disiapkan oleh,", "", "", "", "", by)
	block(right, date.Of(d.p.PrintedAt, d.p.PrintedAt.Location()).Indonesian(), "Mengetahui,", "", "", "", "(………………………………)", "NIP. ……………………")
}

// matrixWeights are the PDF matrix's column widths in proportion: those of
// the XLSX (so that a column added to the matrix is added to both), except
// that No is kept wide enough for its heading and the finding codes' row
// numbers on a page that also holds Sisa Hari Kerja.
func matrixWeights() []float64 {
	w := slices.Clone(columnWidths)
	w[0] = max(w[0], 7)
	return w
}

// WritePDF writes the matrix as a printed report: A4 landscape, the
// letterhead, the filters named, the columns of Columns (each row's
// Cells, wrapped), the headings on every page, the page footer, and the
// signature block.
func WritePDF(w io.Writer, m Matrix, p Printing) error {
	d := newPDF(MatrixTitle, p)
	d.p.Scope = append(slices.Clone(p.Scope), fmt.Sprintf("Per tanggal %s — %d temuan", Tanggal(m.Today), len(m.Rows)))
	d.AddPage()
	d.startTable(Columns, matrixWeights())
	for _, r := range m.Rows {
		d.row(r.Cells())
	}
	if len(m.Rows) == 0 {
		d.row(append([]string{"", "Tidak ada temuan yang cocok dengan penyaring."}, make([]string, len(Columns)-2)...))
	}
	d.endTable()
	d.signature()
	return d.Output(w)
}

// filterLabels name the finding list's filters in the printed matrix.
var filterLabels = map[string]string{
	"state": "Status", "unit_id": "Unit", "review_id": "Reviu", "assessment_id": "Penilaian",
	"indicator": "Indikator", "severity": "Tingkat", "overdue": "Terlambat", "due_before": "Batas waktu sebelum",
	"due_after": "Batas waktu sesudah", "q": "Pencarian", "audit_category": "Kategori",
}

// severityWords name the severities as the register does.
var severityWords = map[string]string{"low": "rendah", "medium": "sedang", "high": "tinggi", "critical": "kritis"}

// scopeNames are the queries that name the objects a filter gives by id.
var scopeNames = map[string]string{
	"unit_id":       `SELECT id::text AS id, code || ' — ' || name AS name FROM units WHERE id = ANY (?)`,
	"review_id":     `SELECT id::text AS id, title AS name FROM reviews WHERE id = ANY (?)`,
	"assessment_id": `SELECT id::text AS id, name || ' (' || year || ')' AS name FROM assessments WHERE id = ANY (?)`,
}

// FilterScope names the filters of a matrix's query for the printed report,
// in a fixed order and in the reader's words: units, reviews and
// assessments by name, states and severities as the matrix and the register
// word them, dates in Indonesian; "format" is not a filter. A value that
// names nothing held (the list has already refused a malformed one) is
// shown as given.
func (s *Service) FilterScope(ctx context.Context, q url.Values) ([]string, error) {
	keys := make([]string, 0, len(q))
	for k := range q {
		if k != "format" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		vals := slices.Clone(q[k])
		if query, ok := scopeNames[k]; ok {
			ids := make([]int64, 0, len(vals))
			for _, v := range vals {
				if id, err := strconv.ParseInt(v, 10, 64); err == nil {
					ids = append(ids, id)
				}
			}
			var named []struct{ ID, Name string }
			if err := s.db.WithContext(ctx).Raw(query, postgres.Array[int64](ids)).Scan(&named).Error; err != nil {
				return nil, err
			}
			for i, v := range vals {
				for _, n := range named {
					if n.ID == v {
						vals[i] = n.Name
					}
				}
			}
		}
		for i, v := range vals {
			switch k {
			case "state":
				if w, ok := StatusLabels[finding.State(v)]; ok {
					vals[i] = v + " (" + w + ")"
				}
			case "severity":
				vals[i] = cmp.Or(severityWords[v], v)
			case "overdue":
				vals[i] = map[string]string{"true": "ya", "false": "tidak"}[v]
			case "due_before", "due_after":
				if d, err := date.Parse(v); err == nil {
					vals[i] = Tanggal(d)
				}
			}
		}
		parts = append(parts, cmp.Or(filterLabels[k], k)+": "+strings.Join(vals, ", "))
	}
	if len(parts) == 0 {
		return []string{"Penyaring: semua temuan yang dapat dilihat pencetak"}, nil
	}
	return []string{"Penyaring: " + strings.Join(parts, "; ")}, nil
}

// ServePDF answers a download of the matrix as a printed report. The PDF
// is made whole before the first byte is sent, so a failure is still an
// error answer.
func ServePDF(w http.ResponseWriter, m Matrix, p Printing) error {
	var buf bytes.Buffer
	if err := WritePDF(&buf, m, p); err != nil {
		return err
	}
	return servePDF(w, buf.Bytes(), fmt.Sprintf("matriks-tindak-lanjut-%s.pdf", m.Today))
}

// servePDF sends a made PDF as an attachment named name.
func servePDF(w http.ResponseWriter, pdf []byte, name string) error {
	h := w.Header()
	h.Set("Content-Type", PDFContentType)
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-store")
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(pdf)
	return err
}
