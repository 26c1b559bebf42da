package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"
)

// The formats of the follow-up matrix.
const (
	CSVContentType  = "text/csv; charset=utf-8"
	XLSXContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// CSVSeparator separates the fields of the CSV. Indonesian-locale Excel
// (id-ID) writes decimals with a comma and lists with a semicolon, and opens
// a double-clicked CSV split on its list separator: with a semicolon the
// columns come out right where the report is read.
const CSVSeparator = ';'

// utf8BOM makes Excel read the CSV as UTF-8 rather than the local code page.
const utf8BOM = "\uFEFF"

// formulaLead are the characters that make a spreadsheet read a typed-in
// or imported value as a formula (OWASP, CSV injection).
const formulaLead = "=+-@\t\r"

// csvSafe neutralises a field that a spreadsheet would read as a formula by
// prefixing a single quote, as OWASP recommends: Excel shows the text and
// evaluates nothing.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune(formulaLead, rune(s[0])) {
		return "'" + s
	}
	return s
}

// WriteCSV writes the matrix as CSV: a UTF-8 byte-order mark, a header row
// of Columns, then one record per finding, fields separated by
// CSVSeparator and quoted where needed (line breaks inside a field are kept),
// lines ended with CRLF. A field that would start a formula is prefixed
// with a single quote.
func WriteCSV(w io.Writer, m Matrix) error {
	if _, err := io.WriteString(w, utf8BOM); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Comma = CSVSeparator
	cw.UseCRLF = true
	if err := cw.Write(Columns); err != nil {
		return err
	}
	for _, r := range m.Rows {
		cells := r.Cells()
		for i, c := range cells {
			cells[i] = csvSafe(c)
		}
		if err := cw.Write(cells); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// SheetName is the XLSX worksheet of the matrix.
const SheetName = "Matriks Tindak Lanjut"

// HeaderRow is the XLSX row of the column headings (after the title, the
// date and a blank row); findings start on the next row.
const HeaderRow = 4

// columnWidths are the XLSX columns' widths in characters; together they fit
// a landscape A4 page at about 75 %.
var columnWidths = []float64{5, 42, 36, 42, 36, 17, 32, 18, 10}

// maxCellChars is below Excel's limit of 32,767 UTF-16 units in a cell.
const maxCellChars = 32000

const truncated = "\n… (terpotong: teks selengkapnya ada di aplikasi)"

// cellText keeps s within what one Excel cell holds.
func cellText(s string) string {
	u := utf16.Encode([]rune(s))
	if len(u) <= maxCellChars {
		return s
	}
	return string(utf16.Decode(u[:maxCellChars])) + truncated
}

// WriteXLSX writes the matrix as a workbook of one sheet a head of unit can
// print: a title row, the date, bold bordered column headings frozen on
// screen and repeated on every printed page, wrapped bordered cells,
// landscape A4 fitted to the page width, and an autofilter on the
// headings. The rows are streamed (excelize's StreamWriter), and every
// text is written as a string cell, never a formula, whatever it starts
// with.
func WriteXLSX(w io.Writer, m Matrix) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", SheetName); err != nil {
		return err
	}
	last := HeaderRow + len(m.Rows)
	lastCol, _ := excelize.ColumnNumberToName(len(Columns))
	quoted := "'" + SheetName + "'"
	// Sheet settings are made before the stream writer starts: it writes
	// the worksheet's other parts as they stand then.
	a4, landscape, one, anyPages, yes := 9, "landscape", 1, 0, true
	steps := []func() error{
		// First: it replaces the sheet's properties that FitToPage is one of.
		func() error {
			return f.AutoFilter(SheetName, fmt.Sprintf("A%d:%s%d", HeaderRow, lastCol, max(last, HeaderRow+1)), nil)
		},
		func() error {
			return f.SetDocProps(&excelize.DocProperties{Title: MatrixTitle, Creator: "tindaklanjut", Language: "id-ID"})
		},
		func() error {
			return f.SetPageLayout(SheetName, &excelize.PageLayoutOptions{Size: &a4, Orientation: &landscape,
				FitToWidth: &one, FitToHeight: &anyPages})
		},
		func() error { return f.SetSheetProps(SheetName, &excelize.SheetPropsOptions{FitToPage: &yes}) },
		func() error {
			l, r, tb, hf := 0.4, 0.4, 0.6, 0.3
			return f.SetPageMargins(SheetName, &excelize.PageLayoutMarginsOptions{Left: &l, Right: &r, Top: &tb,
				Bottom: &tb, Header: &hf, Footer: &hf, Horizontally: &yes})
		},
		func() error {
			return f.SetHeaderFooter(SheetName, &excelize.HeaderFooterOptions{
				OddFooter: "&L" + MatrixTitle + " — per " + Tanggal(m.Today) + "&RHalaman &P dari &N"})
		},
		func() error {
			return f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles",
				RefersTo: fmt.Sprintf("%s!$%d:$%d", quoted, HeaderRow, HeaderRow), Scope: SheetName})
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}

	border := []excelize.Border{{Type: "left", Color: "000000", Style: 1}, {Type: "top", Color: "000000", Style: 1},
		{Type: "right", Color: "000000", Style: 1}, {Type: "bottom", Color: "000000", Style: 1}}
	styles := []*excelize.Style{
		{Font: &excelize.Font{Bold: true, Size: 14}},
		{Font: &excelize.Font{Italic: true}},
		{Font: &excelize.Font{Bold: true}, Border: border, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}},
		{Border: border, Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}},
		{Border: border, Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "top"}},
	}
	ids := make([]int, len(styles))
	for i, s := range styles {
		id, err := f.NewStyle(s)
		if err != nil {
			return err
		}
		ids[i] = id
	}
	titleStyle, dateStyle, headStyle, bodyStyle, numStyle := ids[0], ids[1], ids[2], ids[3], ids[4]

	sw, err := f.NewStreamWriter(SheetName)
	if err != nil {
		return err
	}
	// Set from the last column: excelize puts each new one first, and
	// spreadsheets expect the columns in ascending order.
	for i := len(columnWidths) - 1; i >= 0; i-- {
		if err := sw.SetColWidth(i+1, i+1, columnWidths[i]); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: HeaderRow, TopLeftCell: fmt.Sprintf("A%d", HeaderRow+1),
		ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	if err := sw.SetRow("A1", []any{excelize.Cell{StyleID: titleStyle, Value: MatrixTitle}}, excelize.RowOpts{Height: 22}); err != nil {
		return err
	}
	if err := sw.SetRow("A2", []any{excelize.Cell{StyleID: dateStyle,
		Value: fmt.Sprintf("Per tanggal %s — %d temuan", Tanggal(m.Today), len(m.Rows))}}); err != nil {
		return err
	}
	if err := sw.MergeCell("A1", lastCol+"1"); err != nil {
		return err
	}
	if err := sw.MergeCell("A2", lastCol+"2"); err != nil {
		return err
	}
	head := make([]any, len(Columns))
	for i, c := range Columns {
		head[i] = excelize.Cell{StyleID: headStyle, Value: c}
	}
	if err := sw.SetRow(fmt.Sprintf("A%d", HeaderRow), head, excelize.RowOpts{Height: 20}); err != nil {
		return err
	}
	for i, r := range m.Rows {
		texts := r.Cells()
		row := make([]any, len(texts))
		row[0] = excelize.Cell{StyleID: numStyle, Value: r.No}
		for j := 1; j < len(texts); j++ {
			// A Go string is written as an inline string cell: its text is
			// shown as it is, never evaluated, even "=HYPERLINK(…)".
			row[j] = excelize.Cell{StyleID: bodyStyle, Value: cellText(texts[j])}
		}
		if err := sw.SetRow(fmt.Sprintf("A%d", HeaderRow+1+i), row, excelize.RowOpts{Height: rowHeight(texts)}); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.Write(w)
}

// rowHeight estimates the height in points that shows every wrapped line
// of a row's cells: spreadsheets do not fit a row to wrapped text that a
// program wrote until someone edits it.
func rowHeight(texts []string) float64 {
	lines := 1
	for i, t := range texts {
		perLine := int(columnWidths[i] * 1.1)
		n := 0
		for _, l := range strings.Split(t, "\n") {
			n += 1 + max(0, len([]rune(l))-1)/perLine
		}
		lines = max(lines, n)
	}
	return min(409, 15*float64(lines)+3) // 409 points is Excel's tallest row
}
