package api

import (
	"bufio"
	"fmt"
	"mime"
	"mime/multipart"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
	"github.com/tindaklanjut/tindaklanjut/internal/importer"
)

// importForm documents the multipart body of an import.
type importForm struct {
	File string `json:"file" format:"binary" required:"true"`
	// Columns is a JSON object: header in the file → field name.
	Columns string `json:"columns"`
	DryRun  string `json:"dry_run" enum:"true,false"`
}

// importFields are the form's text fields.
var importFields = []string{"columns", "dry_run"}

// importItemResponse is one row's outcome.
type importItemResponse struct {
	Row     int    `json:"row"`
	Ref     string `json:"ref"`
	Outcome string `json:"outcome" enum:"new,changed,unchanged"`
	// FindingID is null for a new row of a preview.
	FindingID *int64 `json:"finding_id"`
}

// importErrorResponse is one problem of one row (row 0: the file).
type importErrorResponse struct {
	Row     int    `json:"row"`
	Column  string `json:"column"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// importResponse is a preview or a committed import.
type importResponse struct {
	DryRun         bool                  `json:"dry_run"`
	Rows           int                   `json:"rows"`
	New            int                   `json:"new"`
	Changed        int                   `json:"changed"`
	Unchanged      int                   `json:"unchanged"`
	UnknownColumns []string              `json:"unknown_columns"`
	Items          []importItemResponse  `json:"items"`
	Errors         []importErrorResponse `json:"errors"`
}

func toImport(r importer.Result) importResponse {
	out := importResponse{DryRun: r.DryRun, Rows: r.Rows, New: r.New, Changed: r.Changed, Unchanged: r.Unchanged,
		UnknownColumns: r.UnknownColumns, Items: make([]importItemResponse, len(r.Items)),
		Errors: make([]importErrorResponse, len(r.Problems))}
	for i, it := range r.Items {
		out.Items[i] = importItemResponse{Row: it.Row, Ref: it.Ref, Outcome: it.Outcome}
		if it.FindingID != 0 {
			out.Items[i].FindingID = &it.FindingID
		}
	}
	for i, p := range r.Problems {
		out.Errors[i] = importErrorResponse{Row: p.Row, Column: p.Column, Field: p.Field, Message: p.Message}
	}
	return out
}

// importRoutes are the endpoints of importing registers.
func (a *API) importRoutes() []route {
	l := a.imports.Limits()
	return []route{
		{method: http.MethodPost, path: "/reviews/:id/imports", tag: "findings",
			summary: fmt.Sprintf("Import a register (XLSX or CSV in UTF-8, ',' or ';', detected from the content) into a review "+
				"(auditor, admin). A preview unless dry_run=false; then every row is written in one transaction, or, "+
				"with any error, nothing (422 with the same errors). Rows are keyed by their number (ref) within the "+
				"review. At most %d rows and %d MiB", l.MaxRows, l.MaxBytes>>20),
			form: importForm{}, response: importResponse{}, status: 200, handler: a.importCreate},
		{method: http.MethodGet, path: "/imports/template", tag: "findings",
			summary: "The import template: the headers, a filled example row and (XLSX) the lists of severities, units and indicators",
			files:   []string{importer.XLSXContentType, importer.CSVContentType}, status: 200, handler: a.importTemplate,
			query: []param{{name: "format", typ: "string", doc: "xlsx (the default) or csv"}}},
	}
}

// importCreate previews or commits an import. The caller's role is
// checked before the body is read.
func (a *API) importCreate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	req := c.Request()
	p := principal(c)
	if err := identity.Authorize(p, identity.FindingCreate, nil); err != nil {
		return err
	}
	media, params, err := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
	if err != nil || media != "multipart/form-data" || params["boundary"] == "" {
		return apperr.E(apperr.Unsupported, "Send the register as multipart/form-data: a file part named file, and the fields columns and dry_run.")
	}
	l := a.imports.Limits()
	body := http.MaxBytesReader(c.Response(), req.Body, l.MaxBytes+formOverhead)
	up, err := importer.ReadUpload(multipart.NewReader(bufio.NewReaderSize(body, 64<<10), params["boundary"]), l, importFields)
	if err != nil {
		return err
	}
	cols, err := importer.ParseColumns(up.Fields["columns"])
	if err != nil {
		return err
	}
	dry, ok := up.Fields["dry_run"]
	dryRun, err := importer.ParseDryRun(dry, ok)
	if err != nil {
		return err
	}
	res, err := a.imports.Import(req.Context(), p, importer.Request{ReviewID: id, File: up.File, Columns: cols, Commit: !dryRun})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toImport(res))
}

// importTemplate answers the template as a download.
func (a *API) importTemplate(c echo.Context) error {
	format := "xlsx"
	if q := c.QueryParams(); q.Has("format") {
		format = q.Get("format")
		if format != "xlsx" && format != "csv" {
			return invalid("format", "must be xlsx or csv")
		}
	}
	return a.imports.ServeTemplate(c.Request().Context(), c.Response(), format)
}
