package api_test

import (
	"bytes"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/tindaklanjut/tindaklanjut/internal/importer"
)

// importDoc is the answer of an import.
type importDoc struct {
	DryRun                        bool `json:"dry_run"`
	Rows, New, Changed, Unchanged int
	UnknownColumns                []string `json:"unknown_columns"`
	Items                         []struct {
		Row       int    `json:"row"`
		Ref       string `json:"ref"`
		Outcome   string `json:"outcome"`
		FindingID *int64 `json:"finding_id"`
	} `json:"items"`
	Errors []struct {
		Row     int    `json:"row"`
		Column  string `json:"column"`
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

// importCSV is a small ';' register with a BOM: two good rows of unit A.
func (f *fixture) importCSV(extra string) []byte {
	return []byte("\uFEFFNo;Judul;Rekomendasi;Tingkat;Unit;Indikator;Tenggat;Status;Lampiran\r\n" +
		"1;Kebijakan SPBE belum ada;Menetapkan kebijakan;tinggi;DISKOMINFO;I01;30/09/2025;open;x\r\n" +
		"2;SOP belum ada;;rendah;;;;draft;y\r\n" + extra)
}

func (f *fixture) postImport(who string, review int64, parts ...part) *httptest.ResponseRecorder {
	f.t.Helper()
	ct, body := multipartBody(parts...)
	return f.do("POST", fmt.Sprintf("/api/v1/reviews/%d/imports", review), f.tokens[who], body, nil, "Content-Type", ct)
}

func (f *fixture) findingCount() int64 {
	var n int64
	f.db.Raw(`SELECT count(*) + (SELECT count(*) FROM finding_events) FROM findings`).Scan(&n)
	return n
}

func TestImportAPI(t *testing.T) {
	f := newFixture(t)
	review := f.newReview("")
	data := f.importCSV("")

	rec := f.postImport("auditor", review, file("register.csv", data))
	mustStatus(t, rec, 200)
	var pre importDoc
	mustDecode(t, rec, &pre)
	if !pre.DryRun || pre.New != 2 || len(pre.Errors) != 0 || pre.Items[0].Row != 2 || pre.Items[0].FindingID != nil ||
		fmt.Sprint(pre.UnknownColumns) != "[Lampiran]" {
		t.Fatalf("preview: %s", rec.Body)
	}
	if f.findingCount() != 0 {
		t.Fatal("the preview wrote")
	}
	rec = f.postImport("admin", review, file("register.csv", data), field("dry_run", "false"),
		field("columns", `{"Lampiran": ""}`))
	mustStatus(t, rec, 200)
	var done importDoc
	mustDecode(t, rec, &done)
	if done.DryRun || done.New != 2 || done.Items[0].FindingID == nil || len(done.UnknownColumns) != 0 {
		t.Fatalf("commit: %s", rec.Body)
	}
	var fd findingDoc
	mustStatus(t, f.do("GET", fmt.Sprintf("/api/v1/findings/%d", *done.Items[0].FindingID), f.tokens["manager"], "", &fd), 200)
	if fd.State != "open" {
		t.Errorf("the open row was not issued: %+v", fd)
	}

	// A commit with a problem: 422 with the problems by row and column;
	// nothing written.
	before := f.findingCount()
	bad := f.importCSV("3;Aplikasi tanpa SOP;;sedang;DINKES;;31/02/2024;draft;\r\n")
	rec = f.postImport("auditor", review, file("register.csv", bad), field("dry_run", "false"))
	p := f.problem(rec, 422)
	if len(p.Errors) != 2 || p.Errors[0].Row != 4 || p.Errors[0].Column != "Unit" || p.Errors[0].Field != "unit" ||
		p.Errors[1].Column != "Tenggat" || p.Errors[1].Field != "due_date" {
		t.Errorf("problems: %s", rec.Body)
	}
	if f.findingCount() != before {
		t.Error("a refused import wrote")
	}

	for _, who := range []string{"viewer", "manager", "officer"} {
		f.problem(f.postImport(who, review, file("register.csv", data), field("dry_run", "false")), 403)
	}
	f.problem(f.postImport("auditor", review+1000, file("register.csv", data)), 404)
	if f.findingCount() != before {
		t.Error("a refused import wrote")
	}
}

func TestImportAPIBadInput(t *testing.T) {
	f := newFixture(t)
	review := f.newReview("")
	data := f.importCSV("")
	path := fmt.Sprintf("/api/v1/reviews/%d/imports", review)
	before := f.findingCount()

	f.problem(f.do("POST", path, f.tokens["auditor"], `{"file":"x"}`, nil), 415)
	f.problem(f.postImport("auditor", review, file("register.xlsx", append([]byte("MZ\x90\x00\x03"), make([]byte, 300)...))), 415)
	f.problem(f.postImport("auditor", review, file("register.csv", bytes.Repeat([]byte("a"), 10<<20+1))), 413)
	for _, c := range []struct {
		parts []part
		field string
	}{
		{[]part{file("r.csv", data), field("dry_run", "nanti")}, "dry_run"},
		{[]part{file("r.csv", data), field("columns", `["No"]`)}, "columns"},
		{[]part{file("r.csv", data), field("columns", `{"Kolom X": "ref"}`)}, "columns.Kolom X"},
		{[]part{file("r.csv", data), field("columns", `{"Lampiran": "nomor"}`)}, "columns.Lampiran"},
		{[]part{field("dry_run", "true")}, "file"},
		{[]part{file("r.csv", data), field("catatan", "x")}, "catatan"},
		{[]part{file("r.csv", []byte("\uFEFFNo;Judul\r\n1;Kebijakan \xe9\r\n"))}, "file"},
		{[]part{file("r.csv", nil)}, ""},
	} {
		rec := f.postImport("auditor", review, c.parts...)
		p := f.problem(rec, 422)
		if c.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != c.field) {
			t.Errorf("%s: %s", c.field, rec.Body)
		}
	}
	rec := f.postImport("auditor", review, file("r.csv", []byte("\uFEFFNo;Judul\r\n1;Kebijakan\r\n2;Kebijakan \xe9l\xe9ktronik\r\n")))
	if p := f.problem(rec, 422); p.Errors[0].Row != 3 || !strings.Contains(p.Detail, "UTF-8") {
		t.Errorf("not UTF-8: %s", rec.Body)
	}
	if f.findingCount() != before {
		t.Error("bad input wrote")
	}
}

func TestImportTemplate(t *testing.T) {
	f := newFixture(t)
	review := f.newReview("")
	rec := f.do("GET", "/api/v1/imports/template?format=xlsx", f.tokens["auditor"], "", nil)
	mustStatus(t, rec, 200)
	if rec.Header().Get("Content-Type") != importer.XLSXContentType {
		t.Fatalf("type %q", rec.Header().Get("Content-Type"))
	}
	wb, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := wb.GetRows(importer.TemplateSheet)
	lists, _ := wb.GetRows(importer.ListSheet)
	if len(rows) != 2 || strings.Join(rows[0], "|") != strings.Join(importer.TemplateHeaders, "|") ||
		len(lists) < 5 || lists[1][0] != "rendah" || lists[2][1] != "BAPPEDA" || lists[1][3] != "P01" {
		t.Errorf("template: %v / %v", rows, lists[:2])
	}
	if dv, _ := wb.GetDataValidations(importer.TemplateSheet); len(dv) != 2 {
		t.Errorf("%d drop-down lists", len(dv))
	}
	// The template, as downloaded, imports.
	var pre importDoc
	rec = f.postImport("auditor", review, file("templat.xlsx", rec.Body.Bytes()))
	mustStatus(t, rec, 200)
	mustDecode(t, rec, &pre)
	if pre.New != 1 || len(pre.Errors) != 0 || len(pre.UnknownColumns) != 0 {
		t.Errorf("the template's example: %s", rec.Body)
	}

	rec = f.do("GET", "/api/v1/imports/template?format=csv", f.tokens["viewer"], "", nil)
	mustStatus(t, rec, 200)
	if !strings.HasPrefix(rec.Body.String(), "\uFEFFNo;Judul;Kondisi;") {
		t.Errorf("CSV template: %q", rec.Body.String()[:40])
	}
	f.problem(f.do("GET", "/api/v1/imports/template?format=pdf", f.tokens["auditor"], "", nil), 422)
}

// TestConcurrentImportsAcrossUnits: two registers committed at once into
// two reviews, each with rows of both units, in opposite orders. The
// summary counts of a unit are locked by the first row of it each import
// writes, so without a common order the two would deadlock and one would
// fail; both commit, and the counts match a recount.
func TestConcurrentImportsAcrossUnits(t *testing.T) {
	f := newFixture(t)
	register := func(first, second string) []byte {
		var b strings.Builder
		b.WriteString("No;Judul;Tingkat;Unit;Status\r\n")
		for i := range 300 {
			unit := first
			if i%2 == 1 {
				unit = second
			}
			fmt.Fprintf(&b, "%d;Temuan %d;sedang;%s;draft\r\n", i+1, i+1, unit)
		}
		return []byte(b.String())
	}
	for round := range 4 {
		reviews := []int64{f.newReview(""), f.newReview("")}
		files := [][]byte{register("DISKOMINFO", "BAPPEDA"), register("BAPPEDA", "DISKOMINFO")}
		var wg sync.WaitGroup
		recs := make([]*httptest.ResponseRecorder, 2)
		for i := range 2 {
			wg.Go(func() {
				recs[i] = f.postImport("auditor", reviews[i], file("r.csv", files[i]), field("dry_run", "false"))
			})
		}
		wg.Wait()
		for i, rec := range recs {
			if rec.Code != 200 {
				t.Fatalf("round %d, import %d: %d %s", round, i, rec.Code, rec.Body)
			}
		}
	}
	var n, wrong int64
	f.db.Raw(`SELECT count(*) FROM findings`).Scan(&n)
	f.db.Raw(`SELECT count(*) FROM (SELECT unit_id, count(*) AS n FROM findings GROUP BY unit_id) r
		JOIN finding_counts c ON c.unit_id = r.unit_id AND c.grp = '' WHERE c.draft <> r.n`).Scan(&wrong)
	if n != 2400 || wrong != 0 {
		t.Errorf("%d findings (want 2400); %d units whose kept count differs", n, wrong)
	}
}

// TestImportCodesFollowCreation: an import's new findings take their codes
// from the same sequence of the year as findings recorded one by one, so
// codes made before, by and after an import never collide.
func TestImportCodesFollowCreation(t *testing.T) {
	f := newFixture(t)
	review := f.newReview("")
	before := f.newFinding(review, "")
	mustStatus(t, f.postImport("auditor", review, file("r.csv", f.importCSV("")), field("dry_run", "false"),
		field("columns", `{"Lampiran": ""}`)), 200)
	after := f.newFinding(review, "")
	var codes []string
	f.db.Raw(`SELECT code FROM findings ORDER BY code`).Scan(&codes)
	want := []string{"TL-2024-0001", "TL-2024-0002", "TL-2024-0003", "TL-2024-0004"}
	if fmt.Sprint(codes) != fmt.Sprint(want) || before.Code != want[0] || after.Code != want[3] {
		t.Errorf("codes %v (before %s, after %s); want %v", codes, before.Code, after.Code, want)
	}
}

// TestOppositeImportsDoNotDeadlock makes the interleaving that deadlocks
// two imports taking the units' counts in the order of their rows: another
// transaction holds unit B's counts while the import of rows B, A waits
// for them first in line and the import of rows A, B waits behind it
// holding A. When B is let go, the first would take B and wait for A, the
// second hold A and wait for B. Taken in unit order up front, both commit.
func TestOppositeImportsDoNotDeadlock(t *testing.T) {
	f := newFixture(t)
	register := func(units ...string) []byte {
		var b strings.Builder
		b.WriteString("No;Judul;Tingkat;Unit;Status\r\n")
		for i, u := range units {
			fmt.Fprintf(&b, "%d;Temuan %d;sedang;%s;draft\r\n", i+1, i+1, u)
		}
		return []byte(b.String())
	}
	mustStatus(t, f.do("POST", "/api/v1/findings", f.tokens["auditor"], fmt.Sprintf(`{"review_id":%d,"title":"Temuan unit B",
		"recommendation":"Menetapkan SK","severity":"low","unit_id":%d}`, f.newReview(""), f.unitB.ID), nil), 201)
	hold := f.db.Begin()
	defer hold.Rollback()
	if err := hold.Exec(`SELECT 1 FROM finding_counts WHERE unit_id = ? AND grp = '' FOR UPDATE`, f.unitB.ID).Error; err != nil {
		t.Fatal(err)
	}
	waiting := func(n int) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			var w int
			f.db.Raw(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&w)
			if w >= n {
				return
			}
		}
		t.Fatalf("fewer than %d imports waiting for a lock", n)
	}
	var wg sync.WaitGroup
	recs := make([]*httptest.ResponseRecorder, 2)
	for i, units := range [][]string{{"BAPPEDA", "DISKOMINFO"}, {"DISKOMINFO", "BAPPEDA"}} {
		review := f.newReview("")
		wg.Go(func() {
			recs[i] = f.postImport("auditor", review, file("r.csv", register(units...)), field("dry_run", "false"))
		})
		waiting(i + 1)
	}
	hold.Rollback()
	wg.Wait()
	for i, rec := range recs {
		if rec.Code != 200 {
			t.Errorf("import %d: %d %s", i, rec.Code, rec.Body)
		}
	}
}
