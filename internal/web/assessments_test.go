package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/tindaklanjut/tindaklanjut/internal/finding"
	"github.com/tindaklanjut/tindaklanjut/internal/framework"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
)

// assessment creates the 2024 evaluation with two milestones.
func (s *fullSite) assessment() framework.Assessment {
	s.t.Helper()
	a, err := s.assessments.Create(context.Background(), s.people["auditor"], framework.AssessmentInput{Year: 2024,
		Name: "Evaluasi SPBE 2024", Milestones: []framework.MilestoneInput{{Name: "Penilaian mandiri", Date: "2024-06-30"},
			{Name: "Wawancara", Date: "2024-08-15"}}})
	if err != nil {
		s.t.Fatal(err)
	}
	return a
}

func (s *fullSite) scores(id int64) map[string][2]framework.Decimal {
	s.t.Helper()
	a, err := s.assessments.Get(context.Background(), s.people["auditor"], id)
	if err != nil {
		s.t.Fatal(err)
	}
	out := map[string][2]framework.Decimal{}
	for _, sc := range a.Scores {
		out[sc.IndicatorCode] = [2]framework.Decimal{sc.Level, sc.TargetLevel}
	}
	return out
}

var indicatorRowRE = regexp.MustCompile(`<tr id="I\d\d">`)

func TestAssessmentPagesByRole(t *testing.T) {
	s := newFullSite(t)
	a := s.assessment()
	findingID, _ := s.issued("SK tim manajemen risiko SPBE belum ada", s.unitA, "officer")
	path := fmt.Sprintf("/penilaian/%d", a.ID)
	for _, who := range []string{"auditor", "admin", "manager", "officer"} {
		b := s.browser()
		b.signIn(who)
		status, list, _ := b.get("/penilaian")
		if status != http.StatusOK || !strings.Contains(list, fmt.Sprintf(`href="%s"`, path)) || !strings.Contains(list, "Wawancara") {
			t.Errorf("%s: list %d", who, status)
		}
		status, page, _ := b.get(path)
		if status != http.StatusOK {
			t.Fatalf("%s: page %d", who, status)
		}
		if n := len(indicatorRowRE.FindAllString(page, -1)); n != 47 {
			t.Errorf("%s: %d indicators, want 47", who, n)
		}
		if !strings.Contains(page, "Penilaian mandiri") || !strings.Contains(page, `aria-label="breadcrumb"`) {
			t.Errorf("%s: milestones or breadcrumb missing", who)
		}
		editable := strings.Contains(page, `name="level_I01"`)
		if want := who == "auditor" || who == "admin"; editable != want {
			t.Errorf("%s: levels editable %v, want %v", who, editable, want)
		}
		// I38's row links the open finding.
		row := page[strings.Index(page, `<tr id="I38">`):]
		row = row[:strings.Index(row, "</tr>")]
		if !strings.Contains(row, fmt.Sprintf(`href="/temuan/%d"`, findingID)) {
			t.Errorf("%s: the open finding is not listed at I38:\n%s", who, row)
		}
		if row := page[strings.Index(page, `<tr id="I01">`):]; strings.Contains(row[:strings.Index(row, "</tr>")], "/temuan/") {
			t.Errorf("%s: I01 lists a finding it does not have", who)
		}
	}
	b := s.browser()
	b.signIn("officer")
	if status, _, _ := b.get("/penilaian/999999"); status != http.StatusNotFound {
		t.Errorf("an assessment that does not exist: %d", status)
	}
	if status, _, _ := b.get("/penilaian/x"); status != http.StatusNotFound {
		t.Errorf("an id that is not one: %d", status)
	}
}

func TestAssessmentLevelsForm(t *testing.T) {
	s := newFullSite(t)
	a := s.assessment()
	s.issued("SK tim manajemen risiko SPBE belum ada", s.unitA, "officer")
	path := fmt.Sprintf("/penilaian/%d", a.ID)
	post := path + "/tingkat"

	// A manager may look but not set levels.
	manager := s.browser()
	manager.signIn("manager")
	_, page, _ := manager.get(path)
	if status, _, _ := manager.post(post, url.Values{"csrf": {token(t, page)}, "level_I01": {"3"}, "target_I01": {"4"}}); status != http.StatusForbidden {
		t.Errorf("manager sets levels: %d", status)
	}

	auditor := s.browser()
	auditor.signIn("auditor")
	_, page, _ = auditor.get(path)
	tok := token(t, page)
	for name, form := range map[string]url.Values{
		"missing": {"level_I01": {"3"}, "target_I01": {"4"}},
		"wrong":   {"csrf": {tok + "x"}, "level_I01": {"3"}, "target_I01": {"4"}},
	} {
		if status, _, _ := auditor.post(post, form); status != http.StatusForbidden {
			t.Errorf("%s token: %d", name, status)
		}
	}
	if got := s.scores(a.ID); len(got) != 0 {
		t.Fatalf("refused forms wrote levels: %v", got)
	}

	// Level 6 and a row with only a target: messages next to those
	// fields, the input kept, and nothing written (not even I02, which is
	// right).
	status, page, _ := auditor.post(post, url.Values{"csrf": {tok}, "level_I01": {"6"}, "target_I01": {"4"},
		"level_I02": {"2"}, "target_I02": {"3"}, "target_I03": {"3"}})
	if status != http.StatusUnprocessableEntity {
		t.Errorf("level 6: %d", status)
	}
	for _, want := range []string{`<option value="6" selected>6</option>`, `<option value="3" selected>3</option>`, "field-error"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page after level 6 lacks %q", want)
		}
	}
	row := page[strings.Index(page, `<tr id="I01">`):]
	if row = row[:strings.Index(row, "</tr>")]; !strings.Contains(row, "field-error") {
		t.Errorf("no message in I01's row:\n%s", row)
	}
	if got := s.scores(a.ID); len(got) != 0 {
		t.Errorf("a bad form wrote levels: %v", got)
	}

	// A good form: every level written, the index shown now and projected.
	form := url.Values{"csrf": {tok}}
	fw, err := framework.NewStore(s.db).Get(context.Background(), a.FrameworkCode)
	if err != nil {
		t.Fatal(err)
	}
	for _, ind := range fw.Indicators() {
		form.Set("level_"+ind.Code, "2")
		form.Set("target_"+ind.Code, "4")
	}
	status, _, h := auditor.post(post, form)
	if status != http.StatusSeeOther {
		t.Fatalf("save levels: %d", status)
	}
	got := s.scores(a.ID)
	if len(got) != 47 || got["I38"] != [2]framework.Decimal{framework.Whole(2), framework.Whole(4)} {
		t.Errorf("scores: %d, I38 %v", len(got), got["I38"])
	}
	_, page, _ = auditor.get(h.Get("Location"))
	if !strings.Contains(page, "Tingkat indikator disimpan.") {
		t.Errorf("no message after saving")
	}
	idx, err := s.assessments.Index(context.Background(), s.people["auditor"], a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if idx.Projected.Index <= idx.Current.Index {
		t.Errorf("projected %v not above current %v", idx.Projected.Index, idx.Current.Index)
	}
	// Indonesian writes the decimal comma.
	for _, want := range []string{idx.Current.Index.Comma(), idx.Projected.Index.Comma()} {
		if !strings.Contains(page, want) {
			t.Errorf("the page does not show the index %s", want)
		}
	}
}

// assessmentRows is every assessment and milestone as stored, with their
// counts: equal before and after a refused form when it wrote nothing.
func (s *fullSite) assessmentRows() string {
	s.t.Helper()
	var as, ms []string
	if err := s.db.Raw(`SELECT concat_ws('|', id, year, name, framework_id, version) FROM assessments ORDER BY id`).Scan(&as).Error; err != nil {
		s.t.Fatal(err)
	}
	if err := s.db.Raw(`SELECT concat_ws('|', id, assessment_id, name, on_date) FROM assessment_milestones ORDER BY id`).Scan(&ms).Error; err != nil {
		s.t.Fatal(err)
	}
	return fmt.Sprintf("%d assessments, %d milestones\n%s\n%s", len(as), len(ms), strings.Join(as, "\n"), strings.Join(ms, "\n"))
}

// fieldErrorAt reports whether page shows a message for field right after
// its input (or select), before any other input.
func fieldErrorAt(page, field string) bool {
	in := strings.Index(page, `name="`+field+`"`)
	msg := strings.Index(page, `<span class="field-error" id="`+field+`-error">`)
	return in >= 0 && msg > in && !strings.Contains(page[in+len(field)+7:msg], `name="`)
}

// with is form with the fields of change set (an empty value stays, as a
// browser sends an empty input).
func with(form url.Values, change url.Values) url.Values {
	out := url.Values{}
	for k, v := range form {
		out[k] = v
	}
	for k, v := range change {
		out[k] = v
	}
	return out
}

var versionRE = regexp.MustCompile(`name="version" value="(\d+)"`)

func TestAssessmentCreateAndEditForms(t *testing.T) {
	s := newFullSite(t)
	auditor := s.browser()
	auditor.signIn("auditor")
	_, list, _ := auditor.get("/penilaian")
	if !strings.Contains(list, `href="/penilaian/baru"`) {
		t.Errorf("the list has no link to a new assessment")
	}
	status, page, _ := auditor.get("/penilaian/baru")
	if status != http.StatusOK {
		t.Fatalf("the form: %d", status)
	}
	// The current model is proposed, its four stages fill the first rows
	// (TestNewAssessmentProposesTheCurrentModel looks closer).
	for _, want := range []string{"<h1>Penilaian baru</h1>", `aria-label="breadcrumb"`, `<a href="/penilaian">Penilaian</a>`,
		`<option value="pemdi-2026" selected>`, `name="milestone_name_6"`, `name="milestone_date_6"`, "Model evaluasi", "Tahapan"} {
		if !strings.Contains(page, want) {
			t.Errorf("the new form lacks %q", want)
		}
	}
	if strings.Contains(page, `name="milestone_name_7"`) || strings.Contains(page, `name="version"`) {
		t.Errorf("the new form has more than 3 empty rows after the stages, or a version")
	}

	// Three milestones, one row left empty between them.
	tok := token(t, page)
	status, _, h := auditor.post("/penilaian/baru", url.Values{"csrf": {tok}, "year": {" 2025 "}, "name": {"Evaluasi SPBE 2025"},
		"framework_code": {"spbe-2020"}, "milestone_name_0": {"Penilaian mandiri"}, "milestone_date_0": {"2025-06-30"},
		"milestone_name_1": {""}, "milestone_date_1": {""}, "milestone_name_2": {"Wawancara"}, "milestone_date_2": {"2025-08-15"},
		"milestone_name_3": {"Pengumuman"}, "milestone_date_3": {"2025-11-30"}})
	loc := h.Get("Location")
	var id int64
	if _, err := fmt.Sscanf(loc, "/penilaian/%d?ok=created", &id); status != http.StatusSeeOther || err != nil {
		t.Fatalf("create: %d %q", status, loc)
	}
	a, err := s.assessments.Get(context.Background(), s.people["auditor"], id)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := milestoneList(a), "Penilaian mandiri 2025-06-30; Wawancara 2025-08-15; Pengumuman 2025-11-30"; a.Year != 2025 ||
		a.Name != "Evaluasi SPBE 2025" || a.FrameworkCode != "spbe-2020" || got != want {
		t.Errorf("created %d %q %s, milestones %q; want %q", a.Year, a.Name, a.FrameworkCode, got, want)
	}
	_, page, _ = auditor.get(loc)
	if !strings.Contains(page, "Penilaian dibuat.") || !strings.Contains(page, fmt.Sprintf(`href="/penilaian/%d/ubah"`, id)) {
		t.Errorf("no flash or no edit link after creating")
	}

	// The edit form holds the assessment as it is, the model as text.
	edit := fmt.Sprintf("/penilaian/%d/ubah", id)
	status, page, _ = auditor.get(edit)
	if status != http.StatusOK {
		t.Fatalf("the edit form: %d", status)
	}
	for _, want := range []string{"<h1>Ubah penilaian</h1>", fmt.Sprintf(`<a href="/penilaian/%d">Evaluasi SPBE 2025</a>`, id),
		`value="2025"`, `value="Evaluasi SPBE 2025"`, `name="milestone_name_1" type="text" maxlength="200" value="Wawancara"`,
		`name="milestone_date_1" type="date" value="2025-08-15"`, "PermenPANRB No. 59 Tahun 2020", `name="milestone_name_5"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the edit form lacks %q", want)
		}
	}
	if strings.Contains(page, `name="framework_code"`) || strings.Contains(page, `name="milestone_name_6"`) {
		t.Errorf("the edit form sends the model, or has more than 3 empty rows")
	}
	m := versionRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no version on the edit form")
	}
	// Rename the first milestone, move the second, empty the third.
	form := url.Values{"csrf": {tok}, "version": {m[1]}, "year": {"2026"}, "name": {"Evaluasi SPBE 2026"},
		"framework_code":   {"spbe-1999"}, // not on the form; ignored
		"milestone_name_0": {"Penilaian mandiri instansi"}, "milestone_date_0": {"2025-06-30"},
		"milestone_name_1": {"Wawancara"}, "milestone_date_1": {"2025-09-01"},
		"milestone_name_2": {""}, "milestone_date_2": {""}, "milestone_name_3": {""}, "milestone_date_3": {""}}
	status, _, h = auditor.post(edit, form)
	if status != http.StatusSeeOther || h.Get("Location") != fmt.Sprintf("/penilaian/%d?ok=edited", id) {
		t.Fatalf("edit: %d %q", status, h.Get("Location"))
	}
	b, err := s.assessments.Get(context.Background(), s.people["auditor"], id)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := milestoneList(b), "Penilaian mandiri instansi 2025-06-30; Wawancara 2025-09-01"; b.Year != 2026 ||
		b.Name != "Evaluasi SPBE 2026" || b.FrameworkCode != "spbe-2020" || got != want {
		t.Errorf("edited %d %q %s, milestones %q; want %q", b.Year, b.Name, b.FrameworkCode, got, want)
	}
	if b.Milestones[1].ID != a.Milestones[1].ID {
		t.Errorf("the re-dated milestone has a new id (%d, was %d): its reminders would be planned again", b.Milestones[1].ID, a.Milestones[1].ID)
	}
	_, page, _ = auditor.get(h.Get("Location"))
	if !strings.Contains(page, "Penilaian disimpan.") || !strings.Contains(page, "Penilaian mandiri instansi") {
		t.Errorf("no flash or the old milestones after editing")
	}

	// The same form again is stale: a page-level message, the input kept,
	// nothing written.
	before := s.assessmentRows()
	status, page, _ = auditor.post(edit, with(form, url.Values{"name": {"Evaluasi SPBE basi"}}))
	if status != http.StatusConflict || !strings.Contains(page, `<p class="error" role="alert">`) ||
		!strings.Contains(page, `value="Evaluasi SPBE basi"`) || !strings.Contains(page, `value="Penilaian mandiri instansi"`) {
		t.Errorf("a stale edit: %d\n%s", status, page)
	}
	if after := s.assessmentRows(); after != before {
		t.Errorf("a stale edit wrote:\n%s\nwas\n%s", after, before)
	}
}

// milestoneList writes a's milestones as "name date; …".
func milestoneList(a framework.Assessment) string {
	var out []string
	for _, m := range a.Milestones {
		out = append(out, m.Name+" "+m.Date.String())
	}
	return strings.Join(out, "; ")
}

func TestAssessmentFormBadInput(t *testing.T) {
	s := newFullSite(t)
	taken := s.assessment() // "Evaluasi SPBE 2024"
	auditor := s.browser()
	auditor.signIn("auditor")
	_, page, _ := auditor.get("/penilaian/baru")
	tok := token(t, page)
	good := url.Values{"csrf": {tok}, "year": {"2025"}, "name": {"Evaluasi SPBE 2025"}, "framework_code": {"spbe-2020"},
		"milestone_name_0": {"Penilaian mandiri"}, "milestone_date_0": {"2025-06-30"},
		"milestone_name_1": {"Wawancara"}, "milestone_date_1": {"2025-08-15"},
		"milestone_name_2": {""}, "milestone_date_2": {""}, "milestone_name_3": {""}, "milestone_date_3": {""}}
	_, page, _ = auditor.get(fmt.Sprintf("/penilaian/%d/ubah", taken.ID))
	edit := with(good, url.Values{"version": {versionRE.FindStringSubmatch(page)[1]}, "name": {"Evaluasi SPBE 2024"}})
	delete(edit, "framework_code")

	tests := []struct {
		name   string
		edit   bool // post to the edit form of taken, else the new form
		change url.Values
		status int
		field  string // where the message is; "" for the page's
		kept   string // typed input shown again
		says   string // in the message, if set
	}{
		{"year not a number", false, url.Values{"year": {"abc"}}, 422, "year", `value="abc"`, "Tulis tahun dengan angka"},
		{"year 1999", false, url.Values{"year": {"1999"}}, 422, "year", `value="1999"`, ""},
		{"no name", false, url.Values{"name": {"  "}}, 422, "name", `value="Wawancara"`, ""},
		{"the name of another assessment", false, url.Values{"name": {"evaluasi spbe 2024"}}, 409, "name", `value="evaluasi spbe 2024"`, ""},
		// After an empty row: the service's milestones[2] is row 3.
		{"two milestones of one name", false, url.Values{"milestone_name_3": {"wawancara"}, "milestone_date_3": {"2025-09-01"}},
			422, "milestone_name_3", `value="wawancara"`, "Namanya sama dengan tahapan 2;"},
		{"a bad date", false, url.Values{"milestone_name_3": {"Pengumuman"}, "milestone_date_3": {"30-11-2025"}},
			422, "milestone_date_3", `value="30-11-2025"`, ""},
		{"a date without a name", false, url.Values{"milestone_date_3": {"2025-11-30"}}, 422, "milestone_name_3", `value="2025-11-30"`, ""},
		{"an unknown model", false, url.Values{"framework_code": {"spbe-1999"}}, 422, "framework_code", `<option value="spbe-1999" selected>`, ""},
		{"edit: year not a number", true, url.Values{"year": {"dua ribu"}}, 422, "year", `value="dua ribu"`, ""},
		{"edit: a bad date", true, url.Values{"milestone_date_0": {"2025-02-30"}}, 422, "milestone_date_0", `value="2025-02-30"`, ""},
		{"edit: a stale version", true, url.Values{"version": {"7"}, "name": {"Evaluasi SPBE 2024 (ubah)"}}, 409, "",
			`value="Evaluasi SPBE 2024 (ubah)"`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, form := "/penilaian/baru", with(good, tt.change)
			if tt.edit {
				path, form = fmt.Sprintf("/penilaian/%d/ubah", taken.ID), with(edit, tt.change)
			}
			before := s.assessmentRows()
			status, page, _ := auditor.post(path, form)
			if status != tt.status {
				t.Errorf("status %d, want %d", status, tt.status)
			}
			if !strings.Contains(page, `<p class="error" role="alert">`) {
				t.Errorf("no message at the top")
			}
			wantErrors := 1
			if tt.field == "" {
				wantErrors = 0
			} else if !fieldErrorAt(page, tt.field) {
				t.Errorf("no message next to %s", tt.field)
			}
			if n := strings.Count(page, `class="field-error"`); n != wantErrors {
				t.Errorf("%d field messages, want %d", n, wantErrors)
			}
			if !strings.Contains(page, tt.says) {
				t.Errorf("the message does not say %q", tt.says)
			}
			if !strings.Contains(page, tt.kept) {
				t.Errorf("the input %s is not kept", tt.kept)
			}
			if after := s.assessmentRows(); after != before {
				t.Errorf("a refused form wrote:\n%s\nwas\n%s", after, before)
			}
		})
	}
}

func TestAssessmentFormsNeedTokenAndRole(t *testing.T) {
	s := newFullSite(t)
	a := s.assessment()
	ctx := context.Background()
	if _, err := s.ids.CreateUser(ctx, &s.admin, identity.UserInput{Email: "viewer@kalselprov.go.id", Name: "Bu viewer",
		Role: identity.RoleViewer, UnitID: s.unitA, Password: password}); err != nil {
		t.Fatal(err)
	}
	edit := fmt.Sprintf("/penilaian/%d/ubah", a.ID)
	form := url.Values{"version": {"1"}, "year": {"2025"}, "name": {"Evaluasi SPBE 2025"}, "framework_code": {"spbe-2020"},
		"milestone_name_0": {"Penilaian mandiri"}, "milestone_date_0": {"2025-06-30"}}
	before := s.assessmentRows()

	auditor := s.browser()
	auditor.signIn("auditor")
	_, page, _ := auditor.get("/penilaian/baru")
	tok := token(t, page)
	for _, path := range []string{"/penilaian/baru", edit} {
		for name, csrf := range map[string][]string{"missing": nil, "wrong": {tok + "x"}} {
			if status, _, _ := auditor.post(path, with(form, url.Values{"csrf": csrf})); status != http.StatusForbidden {
				t.Errorf("%s, %s token: %d", path, name, status)
			}
		}
	}

	admin := s.browser()
	admin.signIn("admin")
	_, list, _ := admin.get("/penilaian")
	_, page, _ = admin.get(fmt.Sprintf("/penilaian/%d", a.ID))
	if !strings.Contains(list, `href="/penilaian/baru"`) || !strings.Contains(page, `href="`+edit+`"`) {
		t.Errorf("an admin is not offered the forms")
	}
	for _, path := range []string{"/penilaian/baru", edit} {
		if status, _, _ := admin.get(path); status != http.StatusOK {
			t.Errorf("an admin opens %s: %d", path, status)
		}
	}

	for _, who := range []string{"officer", "manager", "viewer"} {
		b := s.browser()
		b.signIn(who)
		_, list, _ := b.get("/penilaian")
		_, page, _ := b.get(fmt.Sprintf("/penilaian/%d", a.ID))
		if strings.Contains(list, `href="/penilaian/baru"`) || strings.Contains(page, `href="`+edit+`"`) {
			t.Errorf("%s is offered a form they may not send", who)
		}
		for _, path := range []string{"/penilaian/baru", edit} {
			status, page, _ := b.get(path)
			if status != http.StatusForbidden || !strings.Contains(page, `aria-label="breadcrumb"`) {
				t.Errorf("%s opens %s: %d", who, path, status)
			}
			if status, _, _ := b.post(path, with(form, url.Values{"csrf": {token(t, list)}})); status != http.StatusForbidden {
				t.Errorf("%s posts %s: %d", who, path, status)
			}
		}
	}
	if after := s.assessmentRows(); after != before {
		t.Errorf("refused forms wrote:\n%s\nwas\n%s", after, before)
	}
}

// pemdi creates the 2026 evaluation on the current model, with its four
// stages.
func (s *fullSite) pemdi() framework.Assessment {
	s.t.Helper()
	a, err := s.assessments.Create(context.Background(), s.people["auditor"], framework.AssessmentInput{Year: 2026,
		Name: "Evaluasi Pemdi 2026", FrameworkCode: "pemdi-2026", Milestones: []framework.MilestoneInput{
			{Name: "Penilaian Mandiri", Date: "2026-07-31"}, {Name: "Penilaian Dokumen", Date: "2026-08-31"},
			{Name: "Penilaian Interviu", Date: "2026-09-30"}, {Name: "Penilaian Visitasi", Date: "2026-10-31"}}})
	if err != nil {
		s.t.Fatal(err)
	}
	return a
}

// openOn creates and issues a finding of the first unit on the site's
// review (which belongs to no assessment) naming codes; it stays open.
func (s *site) openOn(title string, codes ...string) int64 {
	s.t.Helper()
	ctx := context.Background()
	due := "2026-09-30"
	d, err := s.findings.CreateFinding(ctx, s.people["auditor"], finding.FindingInput{ReviewID: s.review, Title: title,
		Condition: "Belum ditindaklanjuti", Recommendation: "Menindaklanjuti", Severity: finding.Severity("medium"),
		UnitID: &s.unitA, IndicatorCodes: codes, DueDate: &due})
	if err != nil {
		s.t.Fatal(err)
	}
	if _, err := s.findings.Transition(ctx, s.people["auditor"], d.ID, finding.TransitionInput{Verb: finding.Issue, Version: d.Version}); err != nil {
		s.t.Fatal(err)
	}
	return d.ID
}

// partOf is page from the element with id to the first end after it; the
// test fails when there is none.
func partOf(t *testing.T, page, id, end string) string {
	t.Helper()
	i := strings.Index(page, `id="`+id+`"`)
	if i < 0 {
		t.Fatalf("no element %s on the page", id)
	}
	part := page[i:]
	return part[:strings.Index(part, end)]
}

// rowOf is the table row of the indicator code on page.
func rowOf(t *testing.T, page, code string) string {
	t.Helper()
	return partOf(t, page, code, "</tr>")
}

var tagRE = regexp.MustCompile(`<[^>]+>`)

// cellText is the text of the table row with id on page, tags dropped.
func cellText(t *testing.T, page, id string) string {
	t.Helper()
	row := partOf(t, page, id, "</tr>")
	return strings.Join(strings.Fields(tagRE.ReplaceAllString(row[strings.Index(row, ">")+1:], " ")), " ")
}

var pemdiRowRE = regexp.MustCompile(`<tr id="P\d\d">`)

// TestPemdiAssessmentScoresAndCarryOver: an assessment on pemdi-2026 is
// scored in one form of decimals, read with a comma or a point and
// checked whole before anything is written; its page shows the index now
// and projected overall and per aspect with the predicates' labels, and
// lists at each indicator the active findings that count on it, those of
// the SPBE indicators mapped onto it with the code they came through.
func TestPemdiAssessmentScoresAndCarryOver(t *testing.T) {
	s := newFullSite(t)
	a := s.pemdi()
	risk := s.openOn("Tim manajemen risiko SPBE belum ditetapkan", "I21")
	audits := s.openOn("Audit infrastruktur dan aplikasi belum dilaksanakan", "I29", "I30")
	security := s.openOn("Audit keamanan belum dilaksanakan", "P09", "I31")
	path := fmt.Sprintf("/penilaian/%d", a.ID)
	post := path + "/tingkat"

	auditor := s.browser()
	auditor.signIn("auditor")
	status, page, _ := auditor.get(path)
	if status != http.StatusOK {
		t.Fatalf("page: %d", status)
	}
	if n := len(pemdiRowRE.FindAllString(page, -1)); n != 20 {
		t.Errorf("%d indicators, want 20", n)
	}
	if n := strings.Count(page, `type="text" inputmode="decimal"`); n != 40 {
		t.Errorf("%d decimal inputs, want a score and a target for each of 20 indicators", n)
	}
	if strings.Contains(page, "<select") {
		t.Errorf("a decimal model's scores are chosen from a select")
	}
	for _, want := range []string{"<h2>Indeks Pemerintah Digital</h2>", `id="indeks-A7"`, "Per aspek",
		"Sumber nilai: Indeks Satu Data Indonesia (SDI), Bappenas/BPS"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(page, "Per domain") {
		t.Errorf("a model without domains shows domains")
	}

	// Carry-over: each finding once at each indicator it counts on.
	if row := rowOf(t, page, "P02"); !strings.Contains(row, fmt.Sprintf(`href="/temuan/%d"`, risk)) || !strings.Contains(row, "melalui I21") {
		t.Errorf("P02 does not list the I21 finding carried over:\n%s", row)
	}
	row := rowOf(t, page, "P09")
	if strings.Count(row, fmt.Sprintf(`href="/temuan/%d"`, audits)) != 1 || !strings.Contains(row, "melalui I29, I30") {
		t.Errorf("P09 does not list the I29/I30 finding once, through both:\n%s", row)
	}
	if i := strings.Index(row, fmt.Sprintf(`href="/temuan/%d"`, security)); i < 0 || strings.Contains(row[i:], "melalui") {
		t.Errorf("P09 lists the finding that names it as carried over:\n%s", row)
	}
	if row := rowOf(t, page, "P01"); strings.Contains(row, "/temuan/") {
		t.Errorf("P01 lists a finding:\n%s", row)
	}

	// Bad scores: each message at its field, the input kept, nothing
	// written, not even the good row.
	tok := token(t, page)
	form := url.Values{"csrf": {tok}, "level_P01": {"3.255"}, "target_P01": {"4"}, "level_P02": {"0,99"}, "target_P02": {"3"},
		"level_P03": {"2"}, "target_P03": {"5.01"}, "level_P04": {"abc"}, "target_P04": {"3"}, "level_P05": {"3,25"},
		"level_P06": {"2,50"}, "target_P06": {"3,00"}}
	status, page, _ = auditor.post(post, form)
	if status != http.StatusUnprocessableEntity {
		t.Errorf("bad scores: %d", status)
	}
	for field, says := range map[string]string{
		"level_P01":  "paling banyak dua angka di belakang koma, mis. 3,25",
		"level_P02":  "harus berupa angka 1,00 sampai 5,00",
		"target_P03": "harus berupa angka 1,00 sampai 5,00",
		"level_P04":  "harus berupa angka 1,00 sampai 5,00",
		"target_P05": "wajib diisi",
	} {
		if !fieldErrorAt(page, field) {
			t.Errorf("no message next to %s", field)
		} else if msg := page[strings.Index(page, `id="`+field+`-error">`):]; !strings.HasPrefix(msg[strings.Index(msg, ">")+1:], says) {
			t.Errorf("%s: %.120s; want %q", field, msg, says)
		}
	}
	if n := strings.Count(page, `class="field-error"`); n != 5 {
		t.Errorf("%d field messages, want 5", n)
	}
	for _, kept := range []string{`value="3.255"`, `value="0,99"`, `value="abc"`, `value="2,50"`} {
		if !strings.Contains(page, kept) {
			t.Errorf("the input %s is not kept", kept)
		}
	}
	if got := s.scores(a.ID); len(got) != 0 {
		t.Fatalf("a bad form wrote scores: %v", got)
	}

	// A good form, commas and points mixed: every indicator at 2.40 with
	// target 3.00, P02 and P09 (where the findings count) with target 4.
	form = url.Values{"csrf": {tok}}
	for i := 1; i <= 20; i++ {
		code := fmt.Sprintf("P%02d", i)
		form.Set("level_"+code, "2,40")
		form.Set("target_"+code, "3,00")
	}
	form.Set("target_P02", "4,00")
	form.Set("level_P09", "2.40")
	form.Set("target_P09", "4")
	status, _, h := auditor.post(post, form)
	if status != http.StatusSeeOther || h.Get("Location") != path+"?ok=scores" {
		t.Fatalf("save scores: %d %s", status, h.Get("Location"))
	}
	got := s.scores(a.ID)
	if len(got) != 20 || got["P02"] != [2]framework.Decimal{240, 400} || got["P09"] != [2]framework.Decimal{240, 400} ||
		got["P20"] != [2]framework.Decimal{240, 300} {
		t.Errorf("scores: %d, P02 %v, P09 %v, P20 %v", len(got), got["P02"], got["P09"], got["P20"])
	}
	_, page, _ = auditor.get(h.Get("Location"))
	if !strings.Contains(page, "Nilai indikator disimpan.") || !strings.Contains(page, `name="level_P09" type="text" inputmode="decimal" autocomplete="off" size="5" maxlength="8" value="2,40"`) {
		t.Errorf("no message, or the stored score is not shown with a comma")
	}
	// Now: 2.40 everywhere, Cukup (Membangun). Projected: P02 (weight 5)
	// and P09 (weight 4) reach 4.00: (2.40·100 + 1.60·5 + 1.60·4) / 100 =
	// 2.544, published as 2.54, Baik (Berkembang). Aspect A1 (P01, P02 of
	// 5 each): (2.40·5 + 4.00·5) / 10 = 3.20; A4 (P09–P12 of 4, 4, 3, 4):
	// (4.00·4 + 2.40·11) / 15 = 2.8266…, 2.83.
	for id, want := range map[string]string{
		"indeks":    "Indeks keseluruhan 2,40 Cukup (Membangun) 2,54 Baik (Berkembang)",
		"indeks-A1": "Tata Kelola dan Manajemen 2,40 3,20",
		"indeks-A4": "Keamanan Pemdi 2,40 2,83",
		"indeks-A7": "Kepuasan Pengguna Layanan Digital Pemerintah 2,40 2,40",
	} {
		if got := cellText(t, page, id); got != want {
			t.Errorf("%s: %q, want %q", id, got, want)
		}
	}
	idx, err := s.assessments.Index(context.Background(), s.people["auditor"], a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if idx.Current.Index != 240 || idx.Projected.Index != 254 || predicateOf(idx.Projected.Predicate) != "Baik (Berkembang)" {
		t.Errorf("the service computes %v → %v %+v", idx.Current.Index, idx.Projected.Index, idx.Projected.Predicate)
	}

	// In English: points, and "via".
	auditor.get("/bahasa?ke=en&kembali=/")
	_, page, _ = auditor.get(path)
	if got := cellText(t, page, "indeks"); got != "Overall index 2.40 Cukup (Membangun) 2.54 Baik (Berkembang)" {
		t.Errorf("English index: %q", got)
	}
	if row := rowOf(t, page, "P02"); !strings.Contains(row, "via I21") {
		t.Errorf("English carry-over:\n%s", row)
	}

	// A manager reads the scores and the findings, and has no form.
	manager := s.browser()
	manager.signIn("manager")
	_, page, _ = manager.get(path)
	if strings.Contains(page, `name="level_P01"`) || !strings.Contains(rowOf(t, page, "P01"), "<td>2,40</td><td>3,00</td>") ||
		!strings.Contains(rowOf(t, page, "P02"), "melalui I21") {
		t.Errorf("the manager's view of P01 and P02:\n%s\n%s", rowOf(t, page, "P01"), rowOf(t, page, "P02"))
	}
	// The list names each assessment's model: the SPBE one reads beside it.
	s.assessment()
	_, list, _ := manager.get("/penilaian")
	for _, want := range []string{`<span class="badge">pemdi-2026</span>`, `<span class="badge">spbe-2020</span>`, "Evaluasi SPBE 2024",
		"Indeks SPBE — PermenPANRB No. 59 Tahun 2020"} {
		if !strings.Contains(list, want) {
			t.Errorf("the list lacks %q", want)
		}
	}
}

// predicateOf writes a predicate as the pages do.
func predicateOf(p framework.Predicate) string {
	if p.Label == "" {
		return p.Name
	}
	return p.Name + " (" + p.Label + ")"
}

// TestNewAssessmentProposesTheCurrentModel: the new form proposes the
// current model with its stages as rows to date; ?model= shows another
// model's; a stage left without a date is an error at its row, an empty
// row is ignored.
func TestNewAssessmentProposesTheCurrentModel(t *testing.T) {
	s := newFullSite(t)
	auditor := s.browser()
	auditor.signIn("auditor")
	_, page, _ := auditor.get("/penilaian/baru")
	stages := []string{"Penilaian Mandiri", "Penilaian Dokumen", "Penilaian Interviu", "Penilaian Visitasi"}
	for i, name := range stages {
		for _, want := range []string{fmt.Sprintf(`name="milestone_name_%d" type="text" maxlength="200" value="%s"`, i, name),
			fmt.Sprintf(`name="milestone_date_%d" type="date" value=""`, i)} {
			if !strings.Contains(page, want) {
				t.Errorf("the new form lacks %s", want)
			}
		}
	}
	for _, want := range []string{`<option value="pemdi-2026" selected>`, "(model yang berlaku)", `href="/penilaian/baru?model=spbe-2020"`,
		`name="milestone_name_4" type="text" maxlength="200" value=""`} {
		if !strings.Contains(page, want) {
			t.Errorf("the new form lacks %s", want)
		}
	}
	status, other, _ := auditor.get("/penilaian/baru?model=spbe-2020")
	if status != http.StatusOK || !strings.Contains(other, `<option value="spbe-2020" selected>`) ||
		!strings.Contains(other, `name="milestone_name_3" type="text" maxlength="200" value="Penilaian Visitasi"`) {
		t.Errorf("the form on spbe-2020: %d", status)
	}
	if status, _, _ := auditor.get("/penilaian/baru?model=spbe-1999"); status != http.StatusNotFound {
		t.Errorf("a model not held: %d", status)
	}

	// The form as the browser sends it: two stages dated, two not, the
	// spare rows empty.
	form := url.Values{"csrf": {token(t, page)}, "year": {"2026"}, "name": {"Evaluasi Pemdi 2026"}, "framework_code": {"pemdi-2026"}}
	for i := range 7 {
		form.Set(fmt.Sprintf("milestone_name_%d", i), "")
		form.Set(fmt.Sprintf("milestone_date_%d", i), "")
		if i < len(stages) {
			form.Set(fmt.Sprintf("milestone_name_%d", i), stages[i])
		}
	}
	form.Set("milestone_date_0", "2026-07-31")
	form.Set("milestone_date_1", "2026-08-31")
	before := s.assessmentRows()
	status, page, _ = auditor.post("/penilaian/baru", form)
	if status != http.StatusUnprocessableEntity || strings.Count(page, `class="field-error"`) != 2 ||
		!fieldErrorAt(page, "milestone_date_2") || !fieldErrorAt(page, "milestone_date_3") ||
		!strings.Contains(page, "wajib diisi (tanggal, mis. 2024-09-30)") || !strings.Contains(page, `value="Penilaian Visitasi"`) {
		t.Errorf("stages without dates: %d\n%s", status, page)
	}
	if after := s.assessmentRows(); after != before {
		t.Errorf("a refused form wrote:\n%s", after)
	}
	form.Set("milestone_date_2", "2026-09-30")
	form.Set("milestone_date_3", "2026-10-31")
	status, _, h := auditor.post("/penilaian/baru", form)
	var id int64
	if _, err := fmt.Sscanf(h.Get("Location"), "/penilaian/%d?ok=created", &id); status != http.StatusSeeOther || err != nil {
		t.Fatalf("create: %d %q", status, h.Get("Location"))
	}
	a, err := s.assessments.Get(context.Background(), s.people["auditor"], id)
	if err != nil {
		t.Fatal(err)
	}
	want := "Penilaian Mandiri 2026-07-31; Penilaian Dokumen 2026-08-31; Penilaian Interviu 2026-09-30; Penilaian Visitasi 2026-10-31"
	if got := milestoneList(a); a.FrameworkCode != "pemdi-2026" || a.Scoring != framework.DecimalScores || got != want {
		t.Errorf("created on %s (%s): %q", a.FrameworkCode, a.Scoring, got)
	}
}
