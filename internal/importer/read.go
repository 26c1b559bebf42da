package importer

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
)

// Kinds of file read.
const (
	KindXLSX = "xlsx"
	KindCSV  = "csv"
)

// table is a file read as rows of cell texts; rows[0] is the header.
// Rows are numbered as the spreadsheet shows them: rows[i] is row i+1.
type table struct {
	kind string
	rows [][]string
}

// detect names the kind of data from its content, not its name: a ZIP
// holding a workbook is XLSX, text is CSV; anything else (an executable,
// a PDF, a plain ZIP) is Unsupported.
func detect(data []byte, l Limits) (string, error) {
	if len(bytes.TrimSpace(bytes.TrimPrefix(data, []byte(utf8BOM)))) == 0 {
		return "", apperr.E(apperr.Invalid, "The file is empty.")
	}
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return KindXLSX, checkZip(data, l)
	}
	head := data[:min(len(data), 4096)]
	for _, b := range head {
		// Bytes that no text holds (as net/http's sniffer judges).
		if b <= 0x08 || b == 0x0B || (b >= 0x0E && b <= 0x1A) || (b >= 0x1C && b <= 0x1F) {
			return "", unsupported()
		}
	}
	return KindCSV, nil
}

func unsupported() error {
	return apperr.E(apperr.Unsupported, "The file is neither an XLSX workbook nor a CSV text; save the register as .xlsx, or as CSV UTF-8.")
}

// checkZip refuses, before anything is unpacked, a ZIP that is not a
// workbook or that would unpack to more than l.MaxUnzipped bytes (a zip
// bomb). archive/zip stops with an error at any entry that unpacks to
// more than it declares, so the declared sizes bound what is read.
func checkZip(data []byte, l Limits) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return apperr.E(apperr.Invalid, "The file is not a readable XLSX workbook: its ZIP structure is damaged.")
	}
	var total uint64
	workbook := false
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if f.Name == "xl/workbook.xml" {
			workbook = true
		}
	}
	if !workbook {
		return unsupported()
	}
	if total > uint64(l.MaxUnzipped) {
		return apperr.E(apperr.TooLarge, "The workbook unpacks to more than %d MiB; it is refused (save it without images, or split it).", l.MaxUnzipped>>20)
	}
	return nil
}

const utf8BOM = "\uFEFF"

// readXLSX reads the first worksheet row by row: the worksheet's XML is
// streamed from a temporary file rather than held in memory (excelize's
// row iterator), formulas are not evaluated (a formula cell gives its
// cached value), and numbers come raw, so that a date cell gives its
// serial number. It stops after maxRows data rows plus one.
func readXLSX(data []byte, l Limits) (table, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: l.MaxUnzipped, UnzipXMLSizeLimit: 1 << 20})
	if err != nil {
		if errors.Is(err, excelize.ErrWorkbookFileFormat) || errors.Is(err, zip.ErrFormat) {
			return table{}, unsupported()
		}
		return table{}, apperr.E(apperr.Invalid, "The file is not a readable XLSX workbook; open it in a spreadsheet program and save it again.")
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return table{}, apperr.E(apperr.Invalid, "The workbook has no worksheet.")
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return table{}, apperr.E(apperr.Invalid, "The file is not a readable XLSX workbook; open it in a spreadsheet program and save it again.")
	}
	defer rows.Close()
	t := table{kind: KindXLSX}
	data_ := 0
	for rows.Next() {
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return table{}, apperr.E(apperr.Invalid, "The file is not a readable XLSX workbook; open it in a spreadsheet program and save it again.")
		}
		if len(t.rows) > 0 && blank(cells) {
			t.rows = append(t.rows, nil)
			continue
		}
		t.rows = append(t.rows, cells)
		if len(t.rows) > 1 {
			data_++
		}
		if data_ > l.MaxRows {
			return table{}, tooManyRows(l)
		}
	}
	if err := rows.Error(); err != nil {
		return table{}, apperr.E(apperr.Invalid, "The file is not a readable XLSX workbook; open it in a spreadsheet program and save it again.")
	}
	return t, nil
}

func tooManyRows(l Limits) error {
	return apperr.E(apperr.Invalid, "The file holds more than %d rows of findings; split it into files of at most %d rows.", l.MaxRows, l.MaxRows)
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// readCSV reads CSV text in UTF-8, with or without a byte-order mark,
// its fields separated by ',' or ';' (whichever the header line holds
// more of, outside quotes). Text that is not UTF-8 is refused, naming the
// first row that is not.
func readCSV(data []byte, l Limits) (table, error) {
	data = bytes.TrimPrefix(data, []byte(utf8BOM))
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = separator(data)
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	t := table{kind: KindCSV}
	n := 0
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			e := apperr.E(apperr.Invalid, "The CSV text cannot be read from line %d; check its quotes.", line)
			e.Fields = []apperr.FieldError{apperr.FieldError{Row: len(t.rows) + 1, Field: "file", Message: "cannot be read as CSV"}}
			return table{}, e
		}
		for _, c := range rec {
			if !utf8.ValidString(c) {
				row := len(t.rows) + 1
				e := apperr.E(apperr.Invalid, "The file is not UTF-8 text (row %d is not); save it as \"CSV UTF-8\" and import it again.", row)
				e.Fields = []apperr.FieldError{apperr.FieldError{Row: row, Field: "file", Message: "is not UTF-8 text"}}
				return table{}, e
			}
		}
		if len(t.rows) > 0 && blank(rec) {
			t.rows = append(t.rows, nil)
			continue
		}
		t.rows = append(t.rows, append([]string(nil), rec...))
		if len(t.rows) > 1 {
			n++
		}
		if n > l.MaxRows {
			return table{}, tooManyRows(l)
		}
	}
	return t, nil
}

// separator is ';' when the first line holds more semicolons than commas
// outside quotes, else ','.
func separator(data []byte) rune {
	semi, comma, quoted := 0, 0, false
	for _, b := range data {
		switch {
		case b == '"':
			quoted = !quoted
		case quoted:
		case b == '\n':
			if semi > comma {
				return ';'
			}
			return ','
		case b == ';':
			semi++
		case b == ',':
			comma++
		}
	}
	if semi > comma {
		return ';'
	}
	return ','
}
