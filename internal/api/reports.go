package api

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/tindaklanjut/tindaklanjut/internal/date"
	"github.com/tindaklanjut/tindaklanjut/internal/finding"
	"github.com/tindaklanjut/tindaklanjut/internal/report"
)

// --- response types ------------------------------------------------------------

// countsResponse is the counts of one group of findings.
type countsResponse struct {
	Total int `json:"total"`
	// ByState has every state, drafts included (only auditors and admins
	// see drafts).
	ByState map[finding.State]int `json:"by_state"`
	// ByAuditCategory has every category; a draft has none.
	ByAuditCategory map[finding.AuditCategory]int `json:"by_audit_category"`
	// Overdue counts open and in-progress findings due before today.
	Overdue int `json:"overdue"`
	// DueIn7Days and DueIn30Days count open and in-progress findings due
	// from today to 7 (30) days after it, both included.
	DueIn7Days  int `json:"due_in_7_days"`
	DueIn30Days int `json:"due_in_30_days"`
}

type unitCountsResponse struct {
	UnitID   *int64 `json:"unit_id"`
	UnitCode string `json:"unit_code"`
	UnitName string `json:"unit_name"`
	countsResponse
}

type domainCountsResponse struct {
	FrameworkCode string `json:"framework_code"`
	Code          string `json:"code"`
	Name          string `json:"name"`
	countsResponse
}

// aspectCountsResponse is the findings that count on one aspect of the
// current model, through the mapping for those naming older indicators.
type aspectCountsResponse struct {
	FrameworkCode string `json:"framework_code"`
	Code          string `json:"code"`
	Name          string `json:"name"`
	countsResponse
}

// summaryResponse is the dashboard's figures over the findings the caller
// may see.
type summaryResponse struct {
	Today date.Date `json:"today"`
	countsResponse
	ByUnit   []unitCountsResponse   `json:"by_unit"`
	ByDomain []domainCountsResponse `json:"by_domain"`
	// Aspects has every aspect of the current model.
	Aspects []aspectCountsResponse `json:"aspects"`
}

// --- converters ----------------------------------------------------------------

func toCounts(c report.Counts) countsResponse {
	return countsResponse{Total: c.Total, ByState: c.ByState, ByAuditCategory: c.ByCategory(), Overdue: c.Overdue,
		DueIn7Days: c.DueIn7Days, DueIn30Days: c.DueIn30Days}
}

func toSummary(s report.Summary) summaryResponse {
	out := summaryResponse{Today: s.Today, countsResponse: toCounts(s.Counts),
		ByUnit: make([]unitCountsResponse, len(s.Units)), ByDomain: make([]domainCountsResponse, len(s.Domains)),
		Aspects: make([]aspectCountsResponse, len(s.Aspects))}
	for i, u := range s.Units {
		out.ByUnit[i] = unitCountsResponse{UnitID: u.UnitID, UnitCode: u.Code, UnitName: u.Name, countsResponse: toCounts(u.Counts)}
	}
	for i, d := range s.Domains {
		out.ByDomain[i] = domainCountsResponse{FrameworkCode: d.FrameworkCode, Code: d.Code, Name: d.Name, countsResponse: toCounts(d.Counts)}
	}
	for i, a := range s.Aspects {
		out.Aspects[i] = aspectCountsResponse{FrameworkCode: a.FrameworkCode, Code: a.Code, Name: a.Name, countsResponse: toCounts(a.Counts)}
	}
	return out
}

// --- routes ----------------------------------------------------------------------

// matrixQuery documents the follow-up matrix's query: its format and every
// filter of the finding list (not its paging: the matrix holds them all).
var matrixQuery = append([]param{
	{name: "format", typ: "string", doc: "xlsx (the default), csv or pdf"},
}, findingQuery[:len(findingQuery)-len(pageQuery)]...)

// reportRoutes are the endpoints of reports.
func (a *API) reportRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/reports/summary", tag: "reports",
			summary: "Counts of the findings the caller may see: by state, audit category, unit and SPBE domain; by aspect " +
				"of the current model (aspects: a finding counts once under each aspect it names an indicator of, directly " +
				"or through an older indicator mapped onto it); overdue; due within 7 and 30 days (today in the " +
				"organisation's time zone)",
			response: summaryResponse{}, status: 200, handler: a.reportSummary},
		{method: http.MethodGet, path: "/reports/follow-up-matrix", tag: "reports",
			summary: fmt.Sprintf("The follow-up matrix (%s) of "+
				"every finding the list's filters select, in the list's order, as a download: XLSX to print, CSV "+
				"(UTF-8 with BOM, ';'-separated) or PDF (A4 landscape, letterhead, filters named, headings on every page, "+
				"page numbers, signature block). At most %d findings: more is a 422",
				strings.Join(report.Columns, ", "), a.reports.MaxRows()),
			files: []string{report.XLSXContentType, report.CSVContentType, report.PDFContentType}, status: 200, query: matrixQuery,
			handler: a.reportMatrix},
	}
}

// --- handlers --------------------------------------------------------------------

func (a *API) reportSummary(c echo.Context) error {
	s, err := a.reports.Summary(c.Request().Context(), principal(c), a.findings.Today())
	if err != nil {
		return err
	}
	if _, pretty := c.QueryParams()["pretty"]; pretty || c.Echo().Debug {
		return c.JSON(http.StatusOK, toSummary(s))
	}
	// The bytes c.JSON would write (see appendSummary).
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, append(appendSummary(make([]byte, 0, 1024+400*len(s.Units)), s), '\n'))
}

// reportMatrix answers the follow-up matrix as a file. Everything that can
// fail for the caller is checked, and the rows read, before the first byte
// is sent; the XLSX is then streamed as it is written.
func (a *API) reportMatrix(c echo.Context) error {
	q := c.QueryParams()
	format := "xlsx"
	if q.Has("format") {
		format = q.Get("format")
		if format != "xlsx" && format != "csv" && format != "pdf" {
			return invalid("format", "must be xlsx, csv or pdf")
		}
	}
	for _, name := range []string{"limit", "cursor"} {
		if q.Has(name) {
			return invalid(name, "is not used here: the matrix holds every finding the filters select")
		}
	}
	f, err := findingFilter(c)
	if err != nil {
		return err
	}
	day, err := a.findings.Day(c.Request().Context())
	if err != nil {
		return err
	}
	m, err := a.reports.Matrix(c.Request().Context(), principal(c), f, day.Today)
	if err != nil {
		return err
	}
	m.CountWorkingDays(day.Cal)
	if format == "pdf" {
		scope, err := a.reports.FilterScope(c.Request().Context(), q)
		if err != nil {
			return err
		}
		return report.ServePDF(c.Response(), m, a.printing(c, scope))
	}
	return report.Serve(c.Response(), m, format)
}

// printing is the circumstances of a report the caller prints now.
func (a *API) printing(c echo.Context, scope []string) report.Printing {
	return report.Printing{Letterhead: a.letterhead, PrintedAt: a.findings.Now().In(a.findings.Location()),
		PrintedBy: caller(c).Name, Scope: scope}
}
