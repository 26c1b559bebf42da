package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/tindaklanjut/tindaklanjut/internal/framework"
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

func (s *fullSite) scores(id int64) map[string][2]int {
	s.t.Helper()
	a, err := s.assessments.Get(context.Background(), s.people["auditor"], id)
	if err != nil {
		s.t.Fatal(err)
	}
	out := map[string][2]int{}
	for _, sc := range a.Scores {
		out[sc.IndicatorCode] = [2]int{sc.Level, sc.TargetLevel}
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
	if len(got) != 47 || got["I38"] != [2]int{2, 4} {
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
	for _, want := range []string{fmt.Sprintf("%.2f", idx.Current.Index), fmt.Sprintf("%.2f", idx.Projected.Index)} {
		if !strings.Contains(page, want) {
			t.Errorf("the page does not show the index %s", want)
		}
	}
}
