package web_test

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestReviewAndFindingForms(t *testing.T) {
	s := newSite(t)
	officer := s.browser()
	officer.signIn("officer")
	if status, _, _ := officer.get("/temuan/baru"); status != http.StatusForbidden {
		t.Errorf("an officer opens the finding form: %d", status)
	}
	auditor := s.browser()
	auditor.signIn("auditor")
	_, page, _ := auditor.get("/reviu/baru")
	tok := token(t, page)
	// Bad input: the message next to the field, the input kept.
	status, page, _ := auditor.post("/reviu/baru", url.Values{"csrf": {tok}, "kind": {"spbe_evaluation"}, "title": {""},
		"conducted_on": {"2024-02-30"}, "summary": {"Ringkasan <b>tebal</b>"}})
	if status != http.StatusUnprocessableEntity || strings.Count(page, `class="field-error"`) != 2 ||
		!strings.Contains(page, "Ringkasan &lt;b&gt;tebal&lt;/b&gt;") {
		t.Errorf("bad review: %d\n%s", status, page)
	}
	if status, _, _ := auditor.post("/reviu/baru", url.Values{"kind": {"ict_audit"}, "title": {"Tanpa token"}}); status != http.StatusForbidden {
		t.Errorf("review without token: %d", status)
	}
	status, _, h := auditor.post("/reviu/baru", url.Values{"csrf": {tok}, "kind": {"application_review"}, "title": {"Reviu Aplikasi SIMPEG"},
		"conducted_on": {"2024-07-15"}})
	if status != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/temuan/baru?reviu=") {
		t.Fatalf("review: %d %s", status, h.Get("Location"))
	}
	_, page, _ = auditor.get(h.Get("Location"))
	review := regexp.MustCompile(`<option value="(\d+)" selected>Reviu Aplikasi SIMPEG`).FindStringSubmatch(page)
	if review == nil {
		t.Fatalf("the new review is not chosen:\n%s", page)
	}
	form := url.Values{"csrf": {tok}, "review_id": {review[1]}, "title": {"Belum ada SK tim manajemen risiko SPBE"},
		"condition": {"Tidak ada SK"}, "recommendation": {"Menetapkan SK"}, "severity": {"high"},
		"unit_id": {fmt.Sprint(s.unitA)}, "indicator_codes": {"i38, X1"}, "due_date": {"2024-09-30"}}
	status, page, _ = auditor.post("/temuan/baru", form)
	if status != http.StatusUnprocessableEntity || !regexp.MustCompile(`class="field-error">[^<]*X1`).MatchString(page) ||
		!strings.Contains(page, `value="i38, X1"`) {
		t.Errorf("a bad indicator: %d", status)
	}
	form.Set("indicator_codes", "I38, I21")
	status, _, h = auditor.post("/temuan/baru", form)
	if status != http.StatusSeeOther {
		t.Fatalf("finding: %d", status)
	}
	_, page, _ = auditor.get(h.Get("Location"))
	if !strings.Contains(page, "TL-2024-") || !strings.Contains(page, `value="issue"`) || !strings.Contains(page, "I38, I21") {
		t.Errorf("the new draft:\n%s", page)
	}
}

func TestAssignAndCompleteForms(t *testing.T) {
	s := newSite(t)
	id, action := s.issued("Belum ada pedoman manajemen risiko", s.unitA, "officer")
	manager := s.browser()
	manager.signIn("manager")
	_, page, _ := manager.get(fmt.Sprintf("/temuan/%d", id))
	if !strings.Contains(page, `action="/temuan/`+fmt.Sprint(id)+`/tindak-lanjut"`) || strings.Contains(page, "Pak officerB") {
		t.Fatalf("the assign form is missing, or offers another unit's officer")
	}
	tok := token(t, page)
	status, page, _ := manager.post(fmt.Sprintf("/temuan/%d/tindak-lanjut", id), url.Values{"csrf": {tok}, "title": {"Menyusun pedoman"},
		"due_date": {"2024-09-15"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(page, `value="Menyusun pedoman"`) {
		t.Errorf("no assignee: %d", status)
	}
	officerID := regexp.MustCompile(`<option value="(\d+)">Pak officer</option>`).FindStringSubmatch(page)
	if officerID == nil {
		t.Fatal("no officer to choose")
	}
	status, _, _ = manager.post(fmt.Sprintf("/temuan/%d/tindak-lanjut", id), url.Values{"csrf": {tok}, "title": {"Menyusun pedoman"},
		"assignee_id": {officerID[1]}, "due_date": {"2024-09-15"}, "required_artifact_kinds": {"pedoman"}})
	if status != http.StatusSeeOther {
		t.Fatalf("assign: %d", status)
	}
	officer := s.browser()
	officer.signIn("officer")
	_, page, _ = officer.get(fmt.Sprintf("/temuan/%d", id))
	if strings.Contains(page, "/tindak-lanjut\"") {
		t.Errorf("an officer is offered the assign form")
	}
	// The SK is required and missing: 422 next to the action's form.
	status, page, _ = officer.post(fmt.Sprintf("/tindak-lanjut/%d/selesai", action), url.Values{"csrf": {token(t, page)}, "version": {"1"}, "note": {"Selesai"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(page, "sk") || !strings.Contains(page, "field-error") {
		t.Errorf("complete without evidence: %d", status)
	}
	// Another unit's officer cannot complete it.
	other := s.browser()
	other.signIn("officerB")
	_, p2, _ := other.get("/temuan")
	if status, _, _ := other.post(fmt.Sprintf("/tindak-lanjut/%d/selesai", action), url.Values{"csrf": {token(t, p2)}, "version": {"1"}}); status != http.StatusNotFound {
		t.Errorf("another unit's officer: %d", status)
	}
}

func TestMatrixDownloadFromTheList(t *testing.T) {
	s := newSite(t)
	s.issued("=HYPERLINK(\"http://evil.example\") SK belum ada", s.unitA, "officer")
	var unitB int64
	for _, p := range s.people {
		if p.UnitID != s.unitA {
			unitB = p.UnitID
		}
	}
	s.issued("Temuan Bappeda", unitB, "officerB")
	b := s.browser()
	b.signIn("officer")
	_, page, _ := b.get("/temuan?state=in_progress")
	link := regexp.MustCompile(`href="(/laporan/matriks\?[^"]*format=xlsx[^"]*)"`).FindStringSubmatch(page)
	if link == nil {
		t.Fatalf("no download link on the list")
	}
	status, body, h := b.get(strings.ReplaceAll(link[1], "&amp;", "&"))
	if status != 200 || !strings.Contains(h.Get("Content-Disposition"), ".xlsx") {
		t.Fatalf("download: %d %v", status, h)
	}
	x, err := excelize.OpenReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := x.GetRows(x.GetSheetName(0))
	var all string
	for _, r := range rows {
		all += strings.Join(r, "|") + "\n"
	}
	if strings.Contains(all, "Bappeda") || !strings.Contains(all, "SK belum ada") {
		t.Errorf("the officer's matrix:\n%s", all)
	}
	if status, _, _ := b.get("/laporan/matriks?format=docx"); status != http.StatusUnprocessableEntity {
		t.Errorf("format=docx: %d", status)
	}
	// Every state of a list filtered by several goes to the download.
	_, page, _ = b.get("/temuan?state=open&state=in_progress")
	if !strings.Contains(page, `/laporan/matriks?format=csv&amp;state=open&amp;state=in_progress"`) {
		t.Errorf("the download drops a state of the filter:\n%s", page)
	}
}

func TestEditFindingForm(t *testing.T) {
	s := newSite(t)
	id, _ := s.issued("Judul lama", s.unitA, "officer")
	manager := s.browser()
	manager.signIn("manager")
	if status, _, _ := manager.get(fmt.Sprintf("/temuan/%d/ubah", id)); status != http.StatusForbidden {
		t.Errorf("a manager opens the edit form: %d", status)
	}
	auditor := s.browser()
	auditor.signIn("auditor")
	_, page, _ := auditor.get(fmt.Sprintf("/temuan/%d/ubah", id))
	if !strings.Contains(page, `value="Judul lama"`) || !strings.Contains(page, `value="I38"`) {
		t.Fatalf("the form is not filled:\n%s", page)
	}
	version := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(page)[1]
	form := url.Values{"csrf": {token(t, page)}, "version": {version}, "title": {"Judul baru"}, "severity": {"critical"},
		"unit_id": {fmt.Sprint(s.unitA)}, "recommendation": {"Menetapkan SK"}, "indicator_codes": {"I38"}, "due_date": {"2024-10-31"}}
	bad := maps.Clone(form)
	bad.Set("due_date", "31-10-2024")
	if status, page, _ := auditor.post(fmt.Sprintf("/temuan/%d/ubah", id), bad); status != http.StatusUnprocessableEntity ||
		!strings.Contains(page, `value="Judul baru"`) || !strings.Contains(page, "field-error") {
		t.Errorf("a bad date: %d", status)
	}
	if status, _, _ := auditor.post(fmt.Sprintf("/temuan/%d/ubah", id), form); status != http.StatusSeeOther {
		t.Fatalf("edit: %d", status)
	}
	// The same form again is stale.
	if status, page, _ := auditor.post(fmt.Sprintf("/temuan/%d/ubah", id), form); status != http.StatusConflict || !strings.Contains(page, `class="error"`) {
		t.Errorf("a stale edit: %d", status)
	}
	_, page, _ = auditor.get(fmt.Sprintf("/temuan/%d", id))
	if !strings.Contains(page, "Judul baru") {
		t.Errorf("the edit is not shown")
	}
}

func TestUnknownPathsAreNotFound(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	for _, path := range []string{"/tidak-ada", "/api/v1/tidak-ada", "/temuan/1/tidak-ada"} {
		if status, _, _ := b.get(path); status != http.StatusNotFound {
			t.Errorf("%s: %d; want 404, not the sign-in page", path, status)
		}
	}
}

func TestListFiltersOfTheAPI(t *testing.T) {
	s := newSite(t)
	s.issued("SK tim risiko", s.unitA, "officer")
	b := s.browser()
	b.signIn("auditor")
	for _, tt := range []struct {
		query string
		found bool
	}{
		{"unit_id=" + fmt.Sprint(s.unitA), true},
		{"indicator=i38", true},
		{"indicator=I01", false},
		{"severity=high", true},
		{"severity=low", false},
		{"due_after=2024-09-29&due_before=2024-10-01", true},
		{"due_before=2024-09-30", false},
	} {
		status, page, _ := b.get("/temuan?" + tt.query)
		if status != 200 || strings.Contains(page, "SK tim risiko") != tt.found {
			t.Errorf("%s: %d, found %v; want %v", tt.query, status, !tt.found, tt.found)
		}
	}
	for _, bad := range []string{"unit_id=abc", "due_before=30-09-2024", "severity=gawat", "indicator=I%2F%2F", "due_after=2024-10-01&due_before=2024-09-01"} {
		status, page, _ := b.get("/temuan?" + bad)
		if status != http.StatusUnprocessableEntity || !strings.Contains(page, "field-error") {
			t.Errorf("%s: %d", bad, status)
		}
	}
	if status, _, _ := b.get("/laporan/matriks?due_before=kemarin"); status != http.StatusUnprocessableEntity {
		t.Errorf("a bad filter on the download: %d", status)
	}
}

func TestEditActionForm(t *testing.T) {
	s := newSite(t)
	id, action := s.issued("Belum ada SOP", s.unitA, "officer")
	manager := s.browser()
	manager.signIn("manager")
	_, page, _ := manager.get(fmt.Sprintf("/temuan/%d", id))
	if !strings.Contains(page, fmt.Sprintf(`action="/tindak-lanjut/%d/ubah"`, action)) || !strings.Contains(page, `value="sk" checked`) {
		t.Fatalf("the edit form is missing or does not show the required kinds")
	}
	tok := token(t, page)
	form := url.Values{"csrf": {tok}, "version": {"1"}, "title": {"Menyusun SOP manajemen risiko"},
		"assignee_id": {fmt.Sprint(s.people["officer"].UserID)}, "due_date": {"2024-10-15"}, "required_artifact_kinds": {"sop"}}
	bad := maps.Clone(form)
	bad.Set("assignee_id", fmt.Sprint(s.people["officerB"].UserID))
	if status, page, _ := manager.post(fmt.Sprintf("/tindak-lanjut/%d/ubah", action), bad); status != http.StatusUnprocessableEntity ||
		!strings.Contains(page, "field-error") {
		t.Errorf("another unit's assignee: %d", status)
	}
	if status, _, _ := manager.post(fmt.Sprintf("/tindak-lanjut/%d/ubah", action), form); status != http.StatusSeeOther {
		t.Fatalf("edit: %d", status)
	}
	if status, _, _ := manager.post(fmt.Sprintf("/tindak-lanjut/%d/ubah", action), form); status != http.StatusConflict {
		t.Errorf("a stale edit: %d", status)
	}
	_, page, _ = manager.get(fmt.Sprintf("/temuan/%d", id))
	if !strings.Contains(page, "Menyusun SOP manajemen risiko") || !strings.Contains(page, `value="sop" checked`) {
		t.Errorf("the edit is not shown")
	}
	officer := s.browser()
	officer.signIn("officer")
	_, page, _ = officer.get(fmt.Sprintf("/temuan/%d", id))
	if strings.Contains(page, "/ubah\"") {
		t.Errorf("an officer is offered to edit the action")
	}
}

func TestErrorPagesHaveTitleAndBreadcrumb(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.signIn("officer")
	status, page, _ := b.get("/temuan/999999")
	if status != http.StatusNotFound || !strings.Contains(page, "<title>Terjadi kesalahan") || !strings.Contains(page, `aria-label="breadcrumb"`) {
		t.Errorf("error page: %d\n%s", status, page)
	}
}
