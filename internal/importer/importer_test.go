package importer

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/dbtest"
	"github.com/tindaklanjut/tindaklanjut/internal/finding"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// env is a database with two units, an auditor and a review to import into.
type env struct {
	db      *gorm.DB
	svc     *Service
	auditor identity.Principal
	review  int64
}

func newEnv(t testing.TB) *env {
	t.Helper()
	db := dbtest.New(t)
	e := &env{db: db}
	var unit int64
	must(t, db.Raw(`INSERT INTO units (code, name) VALUES ('DISKOMINFO', 'Dinas Komunikasi dan Informatika') RETURNING id`).Scan(&unit).Error)
	must(t, db.Exec(`INSERT INTO units (code, name) VALUES ('BAPPEDA', 'Badan Perencanaan Pembangunan Daerah')`).Error)
	var uid int64
	must(t, db.Raw(`INSERT INTO users (email, name, role, unit_id, password_hash) VALUES ('auditor@kalselprov.go.id', 'Auditor', 'auditor', ?, 'x') RETURNING id`, unit).Scan(&uid).Error)
	e.auditor = identity.Principal{UserID: uid, Role: identity.RoleAuditor, UnitID: unit}
	must(t, db.Raw(`INSERT INTO reviews (kind, title, conducted_on, created_by) VALUES ('internal_audit', 'Audit TIK 2024', '2024-11-04', ?) RETURNING id`, uid).Scan(&e.review).Error)
	must(t, db.Exec(`INSERT INTO applications (name, unit_id, kind) VALUES ('SIMPEG', ?, 'administrasi')`, unit).Error)
	e.svc = NewService(db, finding.NewService(db, time.Now, time.UTC), Limits{})
	return e
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// registerHeaders are a unit's register's headers, in Indonesian.
var registerHeaders = []string{"No.", "Judul Temuan", "Uraian Temuan", "Kriteria", "Penyebab", "Akibat", "Rekomendasi",
	"Tingkat", "Unit Kerja", "Indikator", "Aplikasi", "Batas Waktu", "Status", "Catatan Internal"}

// dateForms are the contract's date forms, cycled through the rows; nil
// is a spreadsheet date cell (a CSV writes it as YYYY-MM-DD).
var dateForms = []func(time.Time) any{
	func(t time.Time) any { return t.Format("2006-01-02") },
	func(t time.Time) any { return t.Format("02/01/2006") },
	func(t time.Time) any { return t.Format("02-01-2006") },
	func(t time.Time) any {
		return fmt.Sprintf("%d %s %d", t.Day(), []string{"Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli",
			"Agustus", "September", "Oktober", "November", "Desember"}[t.Month()-1], t.Year())
	},
	func(t time.Time) any { return t }, // a date cell
}

// register returns n rows of a register: every date form, both states,
// Indonesian and English severities.
func register(n int) [][]any {
	sev := []string{"Rendah", "sedang", "TINGGI", "kritis", "high"}
	rows := [][]any{}
	for i := 1; i <= n; i++ {
		due := time.Date(2025, time.Month(1+i%12), 1+i%28, 0, 0, 0, 0, time.UTC)
		state := "draft"
		if i%3 == 0 {
			state = "open"
		}
		unit := "DISKOMINFO"
		if i%2 == 0 {
			unit = "bappeda"
		}
		app := ""
		if i%4 == 0 {
			app = "simpeg"
		}
		rows = append(rows, []any{fmt.Sprintf("%d", i), fmt.Sprintf("Temuan nomor %d tentang tata kelola", i),
			fmt.Sprintf("Kondisi temuan %d: kebijakan belum ditetapkan.\nBaris kedua.", i), "Permen PANRB 59/2020", "Belum ada SOP",
			"Risiko layanan terganggu", fmt.Sprintf("Menetapkan kebijakan %d", i), sev[i%len(sev)], unit,
			fmt.Sprintf("I%02d, I%02d", 1+i%47, 1+(i+5)%47), app, dateForms[i%len(dateForms)](due), state, "catatan"})
	}
	return rows
}

// xlsxOf writes rows under headers into a workbook's first sheet.
func xlsxOf(t testing.TB, headers []string, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	must(t, err)
	head := make([]any, len(headers))
	for i, h := range headers {
		head[i] = h
	}
	must(t, sw.SetRow("A1", head))
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	must(t, err)
	for i, r := range rows {
		cells := make([]any, len(r))
		for j, c := range r {
			if tm, ok := c.(time.Time); ok {
				cells[j] = excelize.Cell{StyleID: dateStyle, Value: tm}
			} else {
				cells[j] = c
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		must(t, sw.SetRow(cell, cells))
	}
	must(t, sw.Flush())
	var buf bytes.Buffer
	must(t, f.Write(&buf))
	return buf.Bytes()
}

// csvOf writes rows as ;-separated CSV with a BOM, CRLF, quoting as Excel does.
func csvOf(headers []string, rows [][]any) []byte {
	var b strings.Builder
	b.WriteString("\uFEFF")
	line := func(cells []string) {
		for i, c := range cells {
			if i > 0 {
				b.WriteByte(';')
			}
			if strings.ContainsAny(c, ";\"\n") {
				c = `"` + strings.ReplaceAll(c, `"`, `""`) + `"`
			}
			b.WriteString(c)
		}
		b.WriteString("\r\n")
	}
	line(headers)
	for _, r := range rows {
		cells := make([]string, len(r))
		for i, c := range r {
			if tm, ok := c.(time.Time); ok {
				c = tm.Format("2006-01-02")
			}
			cells[i] = fmt.Sprint(c)
		}
		line(cells)
	}
	return []byte(b.String())
}

// state is a fingerprint of everything an import may write.
func state(t testing.TB, db *gorm.DB) string {
	t.Helper()
	var s string
	must(t, db.Raw(`SELECT concat_ws('|',
		(SELECT md5(coalesce(string_agg(f::text, ',' ORDER BY id), '')) FROM findings f),
		(SELECT md5(coalesce(string_agg(e::text, ',' ORDER BY id), '')) FROM finding_events e),
		(SELECT md5(coalesce(string_agg(c::text, ',' ORDER BY year), '')) FROM finding_code_counters c))`).Scan(&s).Error)
	return s
}

func (e *env) run(t testing.TB, data []byte, commit bool) (Result, error) {
	t.Helper()
	return e.svc.Import(context.Background(), e.auditor, Request{ReviewID: e.review, File: File{Name: "register.xlsx", Data: data}, Commit: commit})
}

func TestRegisterPreviewCommitReimport(t *testing.T) {
	e := newEnv(t)
	rows := register(25)
	file := xlsxOf(t, registerHeaders, rows)

	before := state(t, e.db)
	pre, err := e.run(t, file, false)
	must(t, err)
	if len(pre.Problems) != 0 || pre.New != 25 || pre.Rows != 25 || !pre.DryRun {
		t.Fatalf("preview: %+v", pre)
	}
	if fmt.Sprint(pre.UnknownColumns) != "[Catatan Internal]" {
		t.Errorf("unknown columns: %v", pre.UnknownColumns)
	}
	if state(t, e.db) != before {
		t.Fatal("the preview wrote")
	}

	res, err := e.run(t, file, true)
	must(t, err)
	if res.New != 25 || res.Items[0].FindingID == 0 || res.Items[0].Row != 2 {
		t.Fatalf("commit: %+v", res.ImportResult)
	}
	var got []struct {
		ImportRef  string
		Title      string
		Severity   string
		State      string
		DueDate    string
		EventCount int
		Unit       string
		App        *int64
		Codes      string
		Condition  string
	}
	must(t, e.db.Raw(`SELECT f.import_ref, f.title, f.severity, f.state, f.due_date::text, f.event_count, u.code AS unit,
			f.application_id AS app, array_to_string(f.indicator_codes, ',') AS codes, f.condition
		FROM findings f JOIN units u ON u.id = f.unit_id ORDER BY f.import_ref::int`).Scan(&got).Error)
	if len(got) != 25 {
		t.Fatalf("%d findings", len(got))
	}
	for i, g := range got {
		n := i + 1
		due := time.Date(2025, time.Month(1+n%12), 1+n%28, 0, 0, 0, 0, time.UTC).Format("2006-01-02")
		wantState, wantEvents := "draft", 1
		if n%3 == 0 {
			wantState, wantEvents = "open", 2
		}
		wantSev := []string{"low", "medium", "high", "critical", "high"}[n%5]
		wantUnit := map[bool]string{true: "BAPPEDA", false: "DISKOMINFO"}[n%2 == 0]
		if g.DueDate != due || g.State != wantState || g.EventCount != wantEvents || g.Severity != wantSev || g.Unit != wantUnit ||
			(g.App != nil) != (n%4 == 0) || g.Codes != fmt.Sprintf("I%02d,I%02d", 1+n%47, 1+(n+5)%47) || !strings.Contains(g.Condition, "\nBaris kedua.") {
			t.Errorf("row %d: %+v (due %s)", n+1, g, due)
		}
	}
	var broken int
	rep, err := finding.VerifyHistory(context.Background(), e.db)
	must(t, err)
	broken = len(rep.Breaks)
	if broken != 0 || rep.Events != 25+8 {
		t.Errorf("history: %+v", rep)
	}

	// The same file again changes nothing.
	after := state(t, e.db)
	again, err := e.run(t, file, true)
	must(t, err)
	if again.Unchanged != 25 || again.New+again.Changed != 0 || state(t, e.db) != after {
		t.Fatalf("re-import: %+v", again.ImportResult)
	}

	// A corrected register updates exactly the corrected rows.
	rows[4][6] = "Menetapkan kebijakan 5 paling lambat triwulan II" // recommendation
	rows[9][11] = "31/12/2025"                                      // due date
	rows[10][12] = "open"                                           // issue row 12 (11 % 3 != 0 was draft)
	fixed := xlsxOf(t, registerHeaders, rows)
	pre, err = e.run(t, fixed, false)
	must(t, err)
	if pre.Changed != 3 || pre.Unchanged != 22 {
		t.Fatalf("corrected preview: %+v", pre.ImportResult)
	}
	res, err = e.run(t, fixed, true)
	must(t, err)
	var changed []struct {
		ImportRef string
		Kinds     string
	}
	must(t, e.db.Raw(`SELECT f.import_ref, string_agg(e.kind, ',' ORDER BY e.seq) AS kinds FROM findings f
		JOIN finding_events e ON e.finding_id = f.id GROUP BY f.id HAVING count(*) > 1 AND bool_or(e.kind = 'updated' OR (e.kind = 'issue' AND e.seq > 2 OR f.import_ref = '11'))
		ORDER BY f.import_ref::int`).Scan(&changed).Error)
	if fmt.Sprint(changed) != "[{5 created,updated} {10 created,updated} {11 created,issue}]" {
		t.Errorf("events of the corrected rows: %v", changed)
	}
	rep, err = finding.VerifyHistory(context.Background(), e.db)
	must(t, err)
	if len(rep.Breaks) != 0 || rep.Events != 25+8+3 {
		t.Errorf("history after the correction: %+v", rep)
	}

	// The same register as a ;-separated CSV with a BOM reads the same.
	csvRows := register(25)
	copy(csvRows[4], rows[4])
	copy(csvRows[9], rows[9])
	copy(csvRows[10], rows[10])
	after = state(t, e.db)
	viaCSV, err := e.run(t, csvOf(registerHeaders, csvRows), true)
	must(t, err)
	if viaCSV.Kind != KindCSV || viaCSV.Unchanged != 25 || len(viaCSV.Problems) != 0 || state(t, e.db) != after {
		t.Fatalf("CSV: %+v %+v", viaCSV.ImportResult, viaCSV.Problems)
	}
}

// zipOf writes a ZIP of the named entries.
func zipOf(t testing.TB, entries map[string][]byte) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range entries {
		w, err := zw.Create(name)
		must(t, err)
		_, err = w.Write(data)
		must(t, err)
	}
	must(t, zw.Close())
	return buf.Bytes()
}

// bomb is a ZIP that passes for a workbook and unpacks to 256 MiB, twice
// the limit, made once.
func bomb(t testing.TB) []byte {
	bombOnce.Do(func() { bombData = makeBomb(t) })
	return bombData
}

var (
	bombOnce sync.Once
	bombData []byte
)

func makeBomb(t testing.TB) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestSpeed) })
	for _, name := range []string{"[Content_Types].xml", "xl/workbook.xml"} {
		w, _ := zw.Create(name)
		w.Write([]byte("<x/>"))
	}
	w, err := zw.Create("xl/worksheets/sheet1.xml")
	must(t, err)
	chunk := bytes.Repeat([]byte{' '}, 1<<20)
	for range 256 {
		_, err := w.Write(chunk)
		must(t, err)
	}
	must(t, zw.Close())
	return buf.Bytes()
}

func TestBadFilesLeaveTheDatabaseAsItWas(t *testing.T) {
	e := newEnv(t)
	// Something to leave alone.
	_, err := e.run(t, xlsxOf(t, registerHeaders, register(3)), true)
	must(t, err)
	before := state(t, e.db)

	rowsWith := func(edit func(r []any)) [][]any {
		rows := register(4)
		edit(rows[2]) // spreadsheet row 4
		return rows
	}
	many := make([][]any, 10_001)
	for i := range many {
		many[i] = []any{fmt.Sprint(i + 1), "Temuan", "", "", "", "", "", "rendah", "", "", "", "", ""}
	}
	big := append(csvOf(registerHeaders, register(1)), bytes.Repeat([]byte(" "), 10<<20)...)[:10<<20+1]
	win1252 := append(csvOf(registerHeaders, register(2)), []byte("3;Kebijakan \xe9l\xe9ktronik;;;;;;rendah;;;;;\r\n")...)
	bomb := bomb(t)

	cases := []struct {
		name   string
		data   []byte
		kind   apperr.Kind
		row    int
		column string
	}{
		{"an executable renamed .xlsx", append([]byte("MZ\x90\x00\x03\x00\x00\x00"), bytes.Repeat([]byte{0}, 500)...), apperr.Unsupported, 0, ""},
		{"a plain zip", zipOf(t, map[string][]byte{"laporan.txt": []byte("isi")}), apperr.Unsupported, 0, ""},
		{"a zip bomb disguised as XLSX", bomb, apperr.TooLarge, 0, ""},
		{"an empty file", nil, apperr.Invalid, 0, ""},
		{"a file of spaces", []byte("  \r\n "), apperr.Invalid, 0, ""},
		{"10,001 rows", xlsxOf(t, registerHeaders, many), apperr.Invalid, 0, ""},
		{"10 MiB + 1 byte", big, apperr.TooLarge, 0, ""},
		{"a Windows-1252 CSV", win1252, apperr.Invalid, 4, ""},
		{"31/02/2024", xlsxOf(t, registerHeaders, rowsWith(func(r []any) { r[11] = "31/02/2024" })), apperr.Invalid, 4, "Batas Waktu"},
		{"an unknown unit", xlsxOf(t, registerHeaders, rowsWith(func(r []any) { r[8] = "DINKES" })), apperr.Invalid, 4, "Unit Kerja"},
		{"an unknown indicator", xlsxOf(t, registerHeaders, rowsWith(func(r []any) { r[9] = "I01, I99" })), apperr.Invalid, 4, "Indikator"},
		{"a duplicate number", xlsxOf(t, registerHeaders, rowsWith(func(r []any) { r[0] = "2" })), apperr.Invalid, 4, "No."},
		{"a missing title", xlsxOf(t, registerHeaders, rowsWith(func(r []any) { r[1] = "" })), apperr.Invalid, 4, "Judul Temuan"},
		{"an open finding without a due date", xlsxOf(t, registerHeaders, rowsWith(func(r []any) { r[11], r[12] = "", "open" })), apperr.Invalid, 4, "Batas Waktu"},
		{"an unknown severity", xlsxOf(t, registerHeaders, rowsWith(func(r []any) { r[7] = "parah" })), apperr.Invalid, 4, "Tingkat"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			for _, commit := range []bool{false, true} {
				res, err := e.run(t, c.data, commit)
				if !commit && c.row > 0 && err == nil {
					// A problem of a row is shown by the preview.
					if len(res.Problems) == 0 || res.Problems[0].Row != c.row || res.Problems[0].Column != c.column {
						t.Errorf("preview problems: %+v", res.Problems)
					}
					continue
				}
				if apperr.KindOf(err) != c.kind {
					t.Fatalf("commit=%v: %v, want %s", commit, err, c.kind)
				}
				if c.row > 0 {
					fe := err.(*apperr.Error).Fields
					if len(fe) == 0 || fe[0].Row != c.row || fe[0].Column != c.column {
						t.Errorf("problems: %+v", fe)
					}
				}
			}
			if state(t, e.db) != before {
				t.Error("the database changed")
			}
			if c.kind == apperr.TooLarge && time.Since(start) > time.Second {
				t.Errorf("refused in %s", time.Since(start))
			}
		})
	}
}

func TestZipBombBoundedMemory(t *testing.T) {
	e := newEnv(t)
	data := bomb(t)
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	_, err := e.run(t, data, false)
	runtime.ReadMemStats(&m1)
	if apperr.KindOf(err) != apperr.TooLarge {
		t.Fatalf("%v", err)
	}
	if alloc := m1.TotalAlloc - m0.TotalAlloc; alloc > 16<<20 {
		t.Errorf("refusing the bomb allocated %d MiB", alloc>>20)
	}
}

func TestFormulasStayText(t *testing.T) {
	e := newEnv(t)
	rows := register(2)
	rows[0][1] = `=HYPERLINK("http://evil.example/x","klik")`
	rows[0][2] = `=cmd|' /C calc'!A0`
	rows[1][1] = "@SUM(A1:A2)"
	rows[1][5] = "-2+3"
	file := xlsxOf(t, registerHeaders, rows)
	// A real formula cell, with no cached value: read as its (empty)
	// cached value, never computed.
	f, err := excelize.OpenReader(bytes.NewReader(file))
	must(t, err)
	must(t, f.SetCellFormula("Sheet1", "G3", "=1+1"))
	var buf bytes.Buffer
	must(t, f.Write(&buf))
	for _, data := range [][]byte{buf.Bytes(), csvOf(registerHeaders, rows)} {
		e2 := newEnv(t)
		_, err := e2.run(t, data, true)
		must(t, err)
		var got []struct{ Title, Condition, Effect, Recommendation string }
		must(t, e2.db.Raw(`SELECT title, condition, effect, recommendation FROM findings ORDER BY import_ref`).Scan(&got).Error)
		if got[0].Title != rows[0][1] || got[0].Condition != rows[0][2] || got[1].Title != "@SUM(A1:A2)" || got[1].Effect != "-2+3" {
			t.Errorf("formulas: %+v", got)
		}
		if bytes.HasPrefix(data, []byte("PK")) && got[1].Recommendation != "" {
			t.Errorf("a formula cell was evaluated: %q", got[1].Recommendation)
		}
	}
	_ = e
}

func TestRolesThatMayNotImport(t *testing.T) {
	e := newEnv(t)
	file := xlsxOf(t, registerHeaders, register(2))
	for _, r := range []identity.Role{identity.RoleViewer, identity.RoleManager, identity.RoleOfficer} {
		p := identity.Principal{UserID: e.auditor.UserID, Role: r, UnitID: e.auditor.UnitID}
		_, err := e.svc.Import(context.Background(), p, Request{ReviewID: e.review, File: File{Name: "x.xlsx", Data: file}, Commit: true})
		if apperr.KindOf(err) != apperr.Forbidden {
			t.Errorf("%s: %v", r, err)
		}
	}
	var n int
	e.db.Raw(`SELECT count(*) FROM findings`).Scan(&n)
	if n != 0 {
		t.Errorf("%d findings written", n)
	}
}

func TestColumnMapping(t *testing.T) {
	e := newEnv(t)
	headers := []string{"Kode", "Temuan Pemeriksaan", "Tingkat", "Unit"}
	rows := [][]any{{"A-1", "Kebijakan belum ada", "rendah", "DISKOMINFO"}}
	file := xlsxOf(t, headers, rows)
	_, err := e.run(t, file, false)
	if apperr.KindOf(err) != apperr.Invalid {
		t.Fatalf("without a number column: %v", err)
	}
	res, err := e.svc.Import(context.Background(), e.auditor, Request{ReviewID: e.review, File: File{Name: "x.xlsx", Data: file},
		Columns: map[string]string{"Kode": "ref", "Temuan Pemeriksaan": "title"}})
	must(t, err)
	if res.New != 1 || len(res.Problems) != 0 || len(res.UnknownColumns) != 0 {
		t.Fatalf("%+v", res)
	}
	_, err = e.svc.Import(context.Background(), e.auditor, Request{ReviewID: e.review, File: File{Name: "x.xlsx", Data: file},
		Columns: map[string]string{"Kode": "nomor_urut"}})
	if ae, ok := err.(*apperr.Error); !ok || ae.Kind != apperr.Invalid || ae.Fields[0].Field != "columns.Kode" {
		t.Fatalf("a mapping to no field: %v", err)
	}
}
