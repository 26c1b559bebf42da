package importer

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"

	"github.com/xuri/excelize/v2"
)

// The template's media types.
const (
	XLSXContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	CSVContentType  = "text/csv; charset=utf-8"
)

// TemplateSheet and ListSheet are the template's worksheets: the register
// to fill (first, the one an import reads) and the allowed values.
const (
	TemplateSheet = "Temuan"
	ListSheet     = "Daftar"
)

// templateExample is the template's filled example row, one value per
// field of Fields.
var templateExample = []string{"1", "Kebijakan internal SPBE belum ditetapkan",
	"Pemerintah daerah belum menetapkan kebijakan internal arsitektur SPBE.",
	"Peraturan Presiden Nomor 95 Tahun 2018 tentang SPBE", "Belum ada unit yang ditugasi menyusun kebijakan",
	"Pembangunan SPBE tidak terarah", "Menetapkan peraturan kepala daerah tentang arsitektur SPBE", "tinggi", "",
	"", "", "17 Agustus 2025", "draft"}

// SeverityNames are the severities the template lists, in Indonesian.
var SeverityNames = []string{"rendah", "sedang", "tinggi", "kritis"}

// templateLists reads the unit codes and the indicators of the current
// model (the template lists them).
func (s *Service) templateLists(ctx context.Context) (units [][2]string, indicators [][2]string, err error) {
	var us, is []struct{ Code, Name string }
	db := s.db.WithContext(ctx)
	if err = db.Raw(`SELECT code, name FROM units ORDER BY code`).Scan(&us).Error; err != nil {
		return
	}
	if err = db.Raw(`SELECT i.code, i.name FROM framework_indicators i JOIN frameworks f ON f.id = i.framework_id
		WHERE f.code = coalesce((SELECT code FROM frameworks WHERE is_current), 'spbe-2020') ORDER BY i.code`).Scan(&is).Error; err != nil {
		return
	}
	for _, u := range us {
		units = append(units, [2]string{u.Code, u.Name})
	}
	for _, i := range is {
		indicators = append(indicators, [2]string{i.Code, i.Name})
	}
	return
}

// WriteTemplate writes the import template: "xlsx" (the headers, a filled
// example row, and the lists of severities, units and indicators on a
// second sheet, the severity and unit columns offering them as drop-down
// lists) or "csv" (headers and the example, ';'-separated, with a BOM).
func (s *Service) WriteTemplate(ctx context.Context, w io.Writer, format string) error {
	units, indicators, err := s.templateLists(ctx)
	if err != nil {
		return err
	}
	example := append([]string(nil), templateExample...)
	if len(units) > 0 {
		example[8] = units[0][0]
	}
	if len(indicators) > 1 {
		example[9] = indicators[0][0] + ", " + indicators[1][0]
	}
	if format == "csv" {
		if _, err := io.WriteString(w, utf8BOM); err != nil {
			return err
		}
		cw := csv.NewWriter(w)
		cw.Comma = ';'
		cw.UseCRLF = true
		if err := cw.Write(TemplateHeaders); err != nil {
			return err
		}
		if err := cw.Write(example); err != nil {
			return err
		}
		cw.Flush()
		return cw.Error()
	}
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", TemplateSheet); err != nil {
		return err
	}
	if _, err := f.NewSheet(ListSheet); err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}}})
	if err != nil {
		return err
	}
	set := func(sheet string, col, row int, v string) error {
		cell, _ := excelize.CoordinatesToCellName(col, row)
		return f.SetCellStr(sheet, cell, v)
	}
	for i, h := range TemplateHeaders {
		if err := set(TemplateSheet, i+1, 1, h); err != nil {
			return err
		}
		if err := set(TemplateSheet, i+1, 2, example[i]); err != nil {
			return err
		}
	}
	last, _ := excelize.ColumnNumberToName(len(TemplateHeaders))
	if err := f.SetCellStyle(TemplateSheet, "A1", last+"1", bold); err != nil {
		return err
	}
	if err := f.SetColWidth(TemplateSheet, "B", "G", 30); err != nil {
		return err
	}
	lists := []struct {
		head string
		rows [][2]string
	}{{"Tingkat", nil}, {"Unit", units}, {"Nama unit", nil}, {"Indikator", indicators}, {"Nama indikator", nil}}
	for _, sv := range SeverityNames {
		lists[0].rows = append(lists[0].rows, [2]string{sv})
	}
	for c, l := range lists {
		if err := set(ListSheet, c+1, 1, l.head); err != nil {
			return err
		}
	}
	for _, l := range []int{0, 1, 3} {
		for r, v := range lists[l].rows {
			if err := set(ListSheet, l+1, r+2, v[0]); err != nil {
				return err
			}
			if v[1] != "" {
				if err := set(ListSheet, l+2, r+2, v[1]); err != nil {
					return err
				}
			}
		}
	}
	if err := f.SetCellStyle(ListSheet, "A1", "E1", bold); err != nil {
		return err
	}
	maxRow := 1 + DefaultLimits.MaxRows
	for _, dl := range []struct {
		col, listCol string
		n            int
	}{{"H", "A", len(SeverityNames)}, {"I", "B", len(units)}} {
		if dl.n == 0 {
			continue
		}
		dv := excelize.NewDataValidation(true)
		dv.Sqref = fmt.Sprintf("%s2:%s%d", dl.col, dl.col, maxRow)
		dv.SetSqrefDropList(fmt.Sprintf("%s!$%s$2:$%s$%d", ListSheet, dl.listCol, dl.listCol, dl.n+1))
		if err := f.AddDataValidation(TemplateSheet, dv); err != nil {
			return err
		}
	}
	return f.Write(w)
}

// ServeTemplate answers a download of the template in format ("xlsx" or
// "csv", checked by the caller).
func (s *Service) ServeTemplate(ctx context.Context, w http.ResponseWriter, format string) error {
	h := w.Header()
	h.Set("Content-Disposition", `attachment; filename="templat-impor-temuan.`+format+`"`)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Type", XLSXContentType)
	if format == "csv" {
		h.Set("Content-Type", CSVContentType)
	}
	w.WriteHeader(http.StatusOK)
	return s.WriteTemplate(ctx, w, format)
}
