package api_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// assessment is an assessment as the API answers it.
type assessment struct {
	ID            int64  `json:"id"`
	Year          int    `json:"year"`
	Name          string `json:"name"`
	FrameworkCode string `json:"framework_code"`
	Milestones    []struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
		Date string `json:"date"`
	} `json:"milestones"`
	Scores  []score `json:"scores"`
	Version int     `json:"version"`
}

type score struct {
	IndicatorCode string `json:"indicator_code"`
	Level         int    `json:"level"`
	TargetLevel   int    `json:"target_level"`
}

// milestones lists "name date" of a, in the order given.
func (a assessment) milestones() []string {
	var out []string
	for _, m := range a.Milestones {
		out = append(out, m.Name+" "+m.Date)
	}
	return out
}

// milestoneID returns the id of a's milestone named name, or 0.
func (a assessment) milestoneID(name string) int64 {
	for _, m := range a.Milestones {
		if m.Name == name {
			return m.ID
		}
	}
	return 0
}

// createAssessment creates an assessment as the auditor.
func (f *fixture) createAssessment(body string) assessment {
	f.t.Helper()
	var a assessment
	if rec := f.do("POST", "/api/v1/assessments", f.tokens["auditor"], body, &a); rec.Code != 201 {
		f.t.Fatalf("create assessment: %d %s", rec.Code, rec.Body)
	}
	return a
}

func TestAssessments(t *testing.T) {
	f := newFixture(t)
	var a assessment
	rec := f.do("POST", "/api/v1/assessments", f.tokens["auditor"], `{"year":2024,"name":"Evaluasi SPBE 2024","milestones":[
		{"name":"Penilaian eksternal","date":"2024-09-02"},
		{"name":"Penilaian mandiri","date":"2024-07-31"},
		{"name":"Wawancara","date":"2024-08-20"},
		{"name":"Unggah bukti dukung","date":"2024-08-09"}]}`, &a)
	if rec.Code != 201 {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	if got, want := rec.Header().Get("Location"), fmt.Sprintf("/api/v1/assessments/%d", a.ID); got != want {
		t.Errorf("Location = %q; want %q", got, want)
	}
	// Milestones come by date; the model defaults to spbe-2020.
	wantMilestones := []string{"Penilaian mandiri 2024-07-31", "Unggah bukti dukung 2024-08-09", "Wawancara 2024-08-20", "Penilaian eksternal 2024-09-02"}
	if diff := cmp.Diff(wantMilestones, a.milestones()); diff != "" {
		t.Errorf("milestones (-want +got):\n%s", diff)
	}
	if a.Year != 2024 || a.Name != "Evaluasi SPBE 2024" || a.FrameworkCode != "spbe-2020" || a.Version != 1 || a.Scores == nil || len(a.Scores) != 0 {
		t.Errorf("created %+v", a)
	}
	path := fmt.Sprintf("/api/v1/assessments/%d", a.ID)
	var got assessment
	f.do("GET", path, f.tokens["viewer"], "", &got)
	if diff := cmp.Diff(a, got); diff != "" {
		t.Errorf("read back (-created +read):\n%s", diff)
	}

	t.Run("patch keeps the ids of kept milestones", func(t *testing.T) {
		var out assessment
		// Penilaian mandiri moves (and is written in capitals), Wawancara
		// goes, Pengumuman is new.
		rec := f.do("PATCH", path, f.tokens["admin"], `{"name":"Evaluasi SPBE Tahun 2024","version":1,"milestones":[
			{"name":"PENILAIAN MANDIRI","date":"2024-08-05"},
			{"name":"Unggah bukti dukung","date":"2024-08-09"},
			{"name":"Penilaian eksternal","date":"2024-09-02"},
			{"name":"Pengumuman","date":"2024-12-10"}]}`, &out)
		if rec.Code != 200 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		want := []string{"PENILAIAN MANDIRI 2024-08-05", "Unggah bukti dukung 2024-08-09", "Penilaian eksternal 2024-09-02", "Pengumuman 2024-12-10"}
		if diff := cmp.Diff(want, out.milestones()); diff != "" {
			t.Errorf("milestones (-want +got):\n%s", diff)
		}
		for old, now := range map[string]string{"Penilaian mandiri": "PENILAIAN MANDIRI", "Unggah bukti dukung": "Unggah bukti dukung", "Penilaian eksternal": "Penilaian eksternal"} {
			if a.milestoneID(old) == 0 || a.milestoneID(old) != out.milestoneID(now) {
				t.Errorf("milestone %s: id %d became %d", old, a.milestoneID(old), out.milestoneID(now))
			}
		}
		if id := out.milestoneID("Pengumuman"); id == 0 || id == a.milestoneID("Wawancara") {
			t.Errorf("new milestone id %d", id)
		}
		var rows int
		f.db.Raw("SELECT count(*) FROM assessment_milestones WHERE assessment_id = ?", a.ID).Scan(&rows)
		if out.Version != 2 || out.Name != "Evaluasi SPBE Tahun 2024" || rows != 4 {
			t.Errorf("version %d, name %q, %d milestone rows", out.Version, out.Name, rows)
		}
		// A patch without milestones leaves them.
		f.do("PATCH", path, f.tokens["auditor"], `{"year":2025}`, &out, "If-Match", `"2"`)
		if out.Year != 2025 || out.Version != 3 || len(out.Milestones) != 4 {
			t.Errorf("year patch: %+v", out)
		}
		// A stale version changes nothing.
		f.problem(f.do("PATCH", path, f.tokens["admin"], `{"milestones":[],"version":2}`, nil), 409)
		f.do("GET", path, f.tokens["admin"], "", &got)
		if len(got.Milestones) != 4 || got.Version != 3 {
			t.Errorf("after a stale patch: %+v", got)
		}
		// [] removes every milestone.
		f.do("PATCH", path, f.tokens["admin"], `{"milestones":[],"version":3}`, &out)
		if out.Milestones == nil || len(out.Milestones) != 0 || out.Version != 4 {
			t.Errorf("emptied: %+v", out)
		}
	})

	t.Run("scores", func(t *testing.T) {
		var s score
		if rec := f.do("PUT", path+"/scores/I21", f.tokens["auditor"], `{"level":1,"target_level":3}`, &s); rec.Code != 200 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		if s != (score{"I21", 1, 3}) {
			t.Errorf("score = %+v", s)
		}
		f.do("PUT", path+"/scores/I21", f.tokens["admin"], `{"level":2,"target_level":4}`, &s)
		f.do("PUT", path+"/scores/I01", f.tokens["admin"], `{"level":3,"target_level":3}`, &s)
		f.do("GET", path, f.tokens["officer"], "", &got)
		// Scores come in the model's order; setting them needs no version
		// and does not change the assessment's.
		if diff := cmp.Diff([]score{{"I01", 3, 3}, {"I21", 2, 4}}, got.Scores); diff != "" || got.Version != 4 {
			t.Errorf("scores (-want +got):\n%s version %d", diff, got.Version)
		}
		hist, err := f.ids.History(t.Context(), "assessment", a.ID)
		if err != nil {
			t.Fatal(err)
		}
		var last map[string]map[string]any
		json.Unmarshal([]byte(hist[len(hist)-1].Changes), &last)
		if hist[len(hist)-1].Action != "score" || last["I01"]["from"] != nil || last["I01"]["to"] == nil {
			t.Errorf("last audit entry %+v", hist[len(hist)-1])
		}
	})

	t.Run("list", func(t *testing.T) {
		b := f.createAssessment(`{"year":2025,"name":"Evaluasi SPBE 2025","framework_code":"spbe-2020"}`)
		c := f.createAssessment(`{"year":2023,"name":"Evaluasi SPBE 2023"}`)
		type page struct {
			Items      []assessment `json:"items"`
			NextCursor *string      `json:"next_cursor"`
		}
		var p1, p2, y page
		f.do("GET", "/api/v1/assessments?limit=2", f.tokens["manager"], "", &p1)
		if len(p1.Items) != 2 || p1.Items[0].ID != a.ID || p1.Items[1].ID != b.ID || p1.NextCursor == nil {
			t.Fatalf("first page %+v", p1)
		}
		if len(p1.Items[0].Scores) != 2 {
			t.Errorf("list item lacks its scores: %+v", p1.Items[0])
		}
		f.do("GET", "/api/v1/assessments?limit=2&cursor="+url.QueryEscape(*p1.NextCursor), f.tokens["manager"], "", &p2)
		if len(p2.Items) != 1 || p2.Items[0].ID != c.ID || p2.NextCursor != nil {
			t.Errorf("second page %+v", p2)
		}
		f.do("GET", "/api/v1/assessments?year=2025", f.tokens["viewer"], "", &y)
		var ids []int64
		for _, it := range y.Items {
			ids = append(ids, it.ID)
		}
		if diff := cmp.Diff([]int64{a.ID, b.ID}, ids); diff != "" {
			t.Errorf("year=2025 (-want +got):\n%s", diff)
		}
	})

	t.Run("idempotent create", func(t *testing.T) {
		body := `{"year":2026,"name":"Evaluasi SPBE 2026"}`
		var first, again assessment
		f.do("POST", "/api/v1/assessments", f.tokens["auditor"], body, &first, "Idempotency-Key", "eval-2026")
		rec := f.do("POST", "/api/v1/assessments", f.tokens["auditor"], body, &again, "Idempotency-Key", "eval-2026")
		if rec.Code != 201 || first.ID == 0 || again.ID != first.ID || rec.Header().Get("Idempotent-Replayed") != "true" {
			t.Errorf("replay: %d, ids %d and %d", rec.Code, first.ID, again.ID)
		}
	})
}

// TestAssessmentBadInput sends every field of the assessment endpoints in
// its bad forms and checks the status, the fields named, and that nothing
// was written.
func TestAssessmentBadInput(t *testing.T) {
	f := newFixture(t)
	a := f.createAssessment(`{"year":2024,"name":"Evaluasi SPBE 2024","milestones":[{"name":"Wawancara","date":"2024-08-20"}]}`)
	f.createAssessment(`{"year":2023,"name":"Evaluasi SPBE 2023"}`)
	path := fmt.Sprintf("/api/v1/assessments/%d", a.ID)
	if rec := f.do("PUT", path+"/scores/I05", f.tokens["admin"], `{"level":2,"target_level":3}`, nil); rec.Code != 200 {
		t.Fatalf("score: %d %s", rec.Code, rec.Body)
	}
	p := f.createAssessment(`{"year":2026,"name":"Evaluasi Pemdi 2026","framework_code":"pemdi-2026"}`)
	pemdi := fmt.Sprintf("/api/v1/assessments/%d", p.ID)
	if rec := f.do("PUT", pemdi+"/scores/P01", f.tokens["admin"], `{"level":2.75,"target_level":3.5}`, nil); rec.Code != 200 {
		t.Fatalf("score: %d %s", rec.Code, rec.Body)
	}
	var units struct {
		NextCursor *string `json:"next_cursor"`
	}
	f.do("GET", "/api/v1/units?limit=1", f.tokens["admin"], "", &units)
	tests := []badInput{
		// Malformed bodies: 400.
		{"malformed json", "POST", "/api/v1/assessments", `{"year":2024,`, 400, nil, ""},
		{"not an object", "POST", "/api/v1/assessments", `2024`, 400, nil, ""},
		{"patch malformed", "PATCH", path, `{"version":1`, 400, nil, ""},
		{"score malformed", "PUT", path + "/scores/I01", `{"level":`, 400, nil, ""},
		{"score empty body", "PUT", path + "/scores/I01", ``, 400, nil, ""},
		// Wrong types: 422 naming the field.
		{"year a string", "POST", "/api/v1/assessments", `{"year":"2024","name":"X"}`, 422, []string{"year"}, ""},
		{"year a fraction", "POST", "/api/v1/assessments", `{"year":2024.5,"name":"X"}`, 422, []string{"year"}, ""},
		{"milestones an object", "POST", "/api/v1/assessments", `{"year":2024,"name":"X","milestones":{"name":"A"}}`, 422, []string{"milestones"}, ""},
		{"milestone date a number", "POST", "/api/v1/assessments", `{"year":2024,"name":"X","milestones":[{"name":"A","date":20240801}]}`, 422, []string{"milestones.date"}, ""},
		{"patch name a number", "PATCH", path, `{"name":5,"version":1}`, 422, []string{"name"}, ""},
		{"level a string", "PUT", path + "/scores/I01", `{"level":"3","target_level":4}`, 422, []string{"level"}, ""},
		{"target a fraction", "PUT", path + "/scores/I01", `{"level":3,"target_level":3.5}`, 422, []string{"target_level"}, "whole number"},
		// Validation: 422 naming every invalid field.
		{"empty", "POST", "/api/v1/assessments", `{}`, 422, []string{"name", "year"}, ""},
		{"every field bad", "POST", "/api/v1/assessments", `{"year":1999,"name":"` + strings.Repeat("e", 201) + `","framework_code":"sakip-2019",
			"milestones":[{"name":"","date":"2024-13-01"},{"name":"Wawancara","date":"2024-08-20"},{"name":" wawancara ","date":""},{"name":"Pengumuman","date":"10/12/2024"}]}`,
			422, []string{"framework_code", "milestones[0].date", "milestones[0].name", "milestones[2].date", "milestones[2].name", "milestones[3].date", "name", "year"}, ""},
		{"year 2101", "POST", "/api/v1/assessments", `{"year":2101,"name":"Evaluasi 2101"}`, 422, []string{"year"}, ""},
		{"name two lines", "POST", "/api/v1/assessments", `{"year":2024,"name":"Evaluasi\nSPBE"}`, 422, []string{"name"}, ""},
		{"milestone date with time", "POST", "/api/v1/assessments", `{"year":2024,"name":"X","milestones":[{"name":"A","date":"2024-08-01T00:00:00Z"}]}`, 422, []string{"milestones[0].date"}, ""},
		{"milestone 30 February", "POST", "/api/v1/assessments", `{"year":2024,"name":"X","milestones":[{"name":"A","date":"2024-02-30"}]}`, 422, []string{"milestones[0].date"}, ""},
		{"too many milestones", "POST", "/api/v1/assessments", `{"year":2024,"name":"X","milestones":[` +
			strings.TrimSuffix(strings.Repeat(`{"name":"A","date":"2024-08-01"},`, 51), ",") + `]}`, 422, []string{"milestones"}, ""},
		{"patch nulls", "PATCH", path, `{"year":null,"name":null,"milestones":null,"version":1}`, 422, []string{"milestones", "name", "year"}, ""},
		{"patch another model", "PATCH", path, `{"framework_code":"spbe-2025","version":1}`, 422, []string{"framework_code"}, ""},
		{"patch bad milestones", "PATCH", path, `{"milestones":[{"name":"A","date":"2024-08-01"},{"name":"a","date":"2024-08-02"}],"version":1}`,
			422, []string{"milestones[1].name"}, ""},
		{"patch without version", "PATCH", path, `{"year":2025}`, 422, []string{"version"}, ""},
		{"levels out of range", "PUT", path + "/scores/I01", `{"level":0,"target_level":6}`, 422, []string{"level", "target_level"}, ""},
		{"levels missing", "PUT", path + "/scores/I01", `{}`, 422, []string{"level", "target_level"}, ""},
		{"level negative", "PUT", path + "/scores/I01", `{"level":-1,"target_level":3}`, 422, []string{"level"}, ""},
		// Duplicates and stale versions: 409.
		{"duplicate name, other case", "POST", "/api/v1/assessments", `{"year":2025,"name":"evaluasi spbe 2024"}`, 409, []string{"name"}, ""},
		{"rename onto another", "PATCH", path, `{"name":"EVALUASI SPBE 2023","version":1}`, 409, []string{"name"}, ""},
		{"stale version", "PATCH", path, `{"year":2025,"version":9}`, 409, nil, ""},
		// Unknown objects: 404.
		{"unknown id", "GET", "/api/v1/assessments/999999", "", 404, nil, ""},
		{"id not a number", "GET", "/api/v1/assessments/2024a", "", 404, nil, ""},
		{"patch unknown id", "PATCH", "/api/v1/assessments/999999", `{"year":2025,"version":1}`, 404, nil, ""},
		{"score unknown assessment", "PUT", "/api/v1/assessments/999999/scores/I01", `{"level":1,"target_level":2}`, 404, nil, ""},
		{"score unknown indicator", "PUT", path + "/scores/I48", `{"level":1,"target_level":2}`, 422, []string{"indicator_code"}, "I48"},
		{"score indicator in lower case", "PUT", path + "/scores/i01", `{"level":1,"target_level":2}`, 422, []string{"indicator_code"}, "spbe-2020"},
		{"score an indicator of another model", "PUT", path + "/scores/P02", `{"level":1,"target_level":2}`, 422, []string{"indicator_code"}, "pemdi-2026"},
		// Decimal scores on a decimal model (pemdi-2026): two decimals, 1.00–5.00.
		{"decimal with three places", "PUT", pemdi + "/scores/P01", `{"level":3.255,"target_level":4}`, 422, []string{"level"}, "two decimals"},
		{"decimal below 1", "PUT", pemdi + "/scores/P01", `{"level":0.99,"target_level":4}`, 422, []string{"level"}, "1.00 to 5.00"},
		{"decimal above 5", "PUT", pemdi + "/scores/P01", `{"level":3,"target_level":5.01}`, 422, []string{"target_level"}, "1.00 to 5.00"},
		{"decimal a word", "PUT", pemdi + "/scores/P01", `{"level":"abc","target_level":4}`, 422, []string{"level"}, "1.00 to 5.00"},
		{"decimal a string of digits", "PUT", pemdi + "/scores/P01", `{"level":"3.25","target_level":4}`, 422, []string{"level"}, ""},
		{"decimal with a comma in a string", "PUT", pemdi + "/scores/P01", `{"level":"3,25","target_level":4}`, 422, []string{"level"}, ""},
		{"decimal null", "PUT", pemdi + "/scores/P01", `{"level":null,"target_level":null}`, 422, []string{"level", "target_level"}, "required"},
		{"decimal in exponent form", "PUT", pemdi + "/scores/P01", `{"level":3e0,"target_level":4}`, 422, []string{"level"}, ""},
		{"decimal negative", "PUT", pemdi + "/scores/P01", `{"level":-3.25,"target_level":4}`, 422, []string{"level"}, ""},
		{"decimal an object", "PUT", pemdi + "/scores/P01", `{"level":{"v":3},"target_level":[4]}`, 422, []string{"level", "target_level"}, ""},
		{"a spbe indicator on a pemdi assessment", "PUT", pemdi + "/scores/I21", `{"level":3,"target_level":4}`, 422, []string{"indicator_code"}, "spbe-2020"},
		{"a decimal on a levels model", "PUT", path + "/scores/I01", `{"level":3.25,"target_level":4}`, 422, []string{"level"}, "whole number"},
		{"index unknown assessment", "GET", "/api/v1/assessments/999999/index", "", 404, nil, ""},
		// List parameters.
		{"limit 0", "GET", "/api/v1/assessments?limit=0", "", 422, []string{"limit"}, ""},
		{"limit 201", "GET", "/api/v1/assessments?limit=201", "", 422, []string{"limit"}, ""},
		{"garbage cursor", "GET", "/api/v1/assessments?cursor=abc", "", 400, nil, ""},
		{"cursor of another list", "GET", "/api/v1/assessments?cursor=" + url.QueryEscape(*units.NextCursor), "", 400, nil, ""},
		{"bad year filter", "GET", "/api/v1/assessments?year=dua-ribu", "", 422, []string{"year"}, ""},
	}
	count := func() (n int64) {
		f.db.Raw(`SELECT (SELECT count(*) FROM assessments) + (SELECT sum(version) FROM assessments)
			+ (SELECT count(*) FROM assessment_milestones) + (SELECT coalesce(sum(level * 1000 + target_level * 10), 0) FROM assessment_scores)
			+ (SELECT count(*) FROM audit_log)`).Scan(&n)
		return n
	}
	var milestoneBefore assessment
	f.do("GET", path, f.tokens["admin"], "", &milestoneBefore)
	f.checkBadInput(t, tests, count)
	var milestoneAfter assessment
	f.do("GET", path, f.tokens["admin"], "", &milestoneAfter)
	if diff := cmp.Diff(milestoneBefore, milestoneAfter, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("bad input changed the assessment:\n%s", diff)
	}
}

// indexReport is GET /assessments/{id}/index.
type indexReport struct {
	Index              *float64 `json:"index"`
	Predicate          *string  `json:"predicate"`
	ProjectedIndex     *float64 `json:"projected_index"`
	ProjectedPredicate *string  `json:"projected_predicate"`
	Scored             int      `json:"scored"`
	WithFindings       []string `json:"indicators_with_open_findings"`
	Domains            []struct {
		Code           string   `json:"code"`
		Index          *float64 `json:"index"`
		ProjectedIndex *float64 `json:"projected_index"`
	} `json:"domains"`
}

// summary writes the numbers of an index report on one line, to compare.
func (r indexReport) summary() string {
	s := fmt.Sprintf("%s %s → %s %s;", num(r.Index), str(r.Predicate), num(r.ProjectedIndex), str(r.ProjectedPredicate))
	for _, d := range r.Domains {
		s += fmt.Sprintf(" %s %s→%s", d.Code, num(d.Index), num(d.ProjectedIndex))
	}
	return s
}

func num(p *float64) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprint(*p)
}

func str(p *string) string {
	if p == nil {
		return "null"
	}
	return *p
}

// TestAssessmentIndex scores the province of PRODUCT.md's story (services
// above 3, management and audit at 1) through the API and checks the index
// and its projection against the hand-computed values of
// framework.TestIndexHandComputed: (2·13 + 2·25 + 1·16.5 + 3·45.5) / 100 =
// 2.29, and 2.62 once the management and audit indicators (D3, I21–I31)
// reach their target 3. Every active finding of the organisation counts,
// whichever assessment's review it came from (PRODUCT.md, carry-over);
// closed, set-aside and draft findings do not.
func TestAssessmentIndex(t *testing.T) {
	f := newFixture(t)
	var fw struct {
		Domains []struct {
			Code    string
			Aspects []struct{ Indicators []struct{ Code string } }
		}
	}
	f.do("GET", "/api/v1/framework", f.tokens["viewer"], "", &fw)
	a := f.createAssessment(`{"year":2024,"name":"Evaluasi SPBE 2024"}`)
	other := f.createAssessment(`{"year":2023,"name":"Evaluasi SPBE 2023"}`)
	path := fmt.Sprintf("/api/v1/assessments/%d", a.ID)
	index := func() indexReport {
		t.Helper()
		var r indexReport
		if rec := f.do("GET", path+"/index", f.tokens["viewer"], "", &r); rec.Code != 200 {
			t.Fatalf("index: %d %s", rec.Code, rec.Body)
		}
		return r
	}
	if got := index().summary(); got != "null null → null null; D1 null→null D2 null→null D3 null→null D4 null→null" {
		t.Errorf("unscored: %s", got)
	}

	// D1 and D2 at 2, D3 (management and audit) at 1 aiming at 3, D4 at 3.
	// I01 aims at 4 and I32 at 5: only the other assessment's open finding
	// names them.
	levels := map[string][2]int{"D1": {2, 2}, "D2": {2, 2}, "D3": {1, 3}, "D4": {3, 3}}
	var d3 []string
	for _, d := range fw.Domains {
		for _, asp := range d.Aspects {
			for _, ind := range asp.Indicators {
				l := levels[d.Code]
				switch ind.Code {
				case "I01":
					l[1] = 4
				case "I32":
					l[1] = 5
				}
				if d.Code == "D3" {
					d3 = append(d3, ind.Code)
				}
				body := fmt.Sprintf(`{"level":%d,"target_level":%d}`, l[0], l[1])
				if rec := f.do("PUT", path+"/scores/"+ind.Code, f.tokens["auditor"], body, nil); rec.Code != 200 {
					t.Fatalf("score %s: %d %s", ind.Code, rec.Code, rec.Body)
				}
			}
		}
	}
	if want := []string{"I21", "I22", "I23", "I24", "I25", "I26", "I27", "I28", "I29", "I30", "I31"}; !slices.Equal(d3, want) {
		t.Fatalf("D3 = %v; want %v", d3, want)
	}
	r := index()
	if got, want := r.summary(), "2.29 Cukup → 2.29 Cukup; D1 2→2 D2 2→2 D3 1→1 D4 3→3"; got != want || r.Scored != 47 || len(r.WithFindings) != 0 {
		t.Errorf("without findings: %s, %d scored, %v; want %s", got, r.Scored, r.WithFindings, want)
	}

	// Reviews of this assessment, of none, and of the other one; findings
	// in every state. The findings API is someone else's, so they are
	// written directly.
	auditor := f.users["auditor"].ID
	review := func(assessmentID any) (id int64) {
		t.Helper()
		if err := f.db.Raw(`INSERT INTO reviews (kind, title, conducted_on, assessment_id, created_by)
			VALUES ('spbe_evaluation', 'Reviu', '2024-06-01', ?, ?) RETURNING id`, assessmentID, auditor).Scan(&id).Error; err != nil {
			t.Fatal(err)
		}
		return id
	}
	mine, none, others := review(a.ID), review(nil), review(other.ID)
	seq := 0
	finding := func(reviewID int64, state string, codes ...string) (id int64) {
		t.Helper()
		seq++
		if err := f.db.Raw(`INSERT INTO findings (code, review_id, title, severity, state, unit_id, due_date, recommendation, created_by, indicator_codes)
			VALUES (?, ?, 'Peta rencana belum ada', 'high', ?, ?, '2024-08-31', 'Susun peta rencana', ?, ?) RETURNING id`,
			fmt.Sprintf("TL-2024-%04d", seq), reviewID, state, f.unitA.ID, auditor, "{"+strings.Join(codes, ",")+"}").Scan(&id).Error; err != nil {
			t.Fatal(err)
		}
		return id
	}
	management := finding(mine, "open", "I21", "I22", "I23", "I24", "I25", "I26", "I27", "I28")
	finding(none, "in_progress", "I29", "I30")
	finding(mine, "submitted", "I31", "I99") // I99 is in no model: ignored
	finding(mine, "closed", "I01")
	finding(mine, "draft", "I01")
	finding(mine, "not_actionable", "I32")
	finding(others, "open", "I01", "I32")

	// The other assessment's open finding raises I01 to 4 and I32 to 5 as
	// well: D1 (2·13 + 2·1.3) / 13 = 2.2; D4 (3·45.5 + 2·2.75) / 45.5 =
	// 3.1208…, published 3.12; overall (28.6 + 50 + 49.5 + 142) / 100 =
	// 2.701, published 2.70.
	r = index()
	if got, want := r.summary(), "2.29 Cukup → 2.7 Baik; D1 2→2.2 D2 2→2 D3 1→3 D4 3→3.12"; got != want {
		t.Errorf("with findings: %s; want %s", got, want)
	}
	if diff := cmp.Diff(append(append([]string{"I01"}, d3...), "I32"), r.WithFindings); diff != "" {
		t.Errorf("indicators with open findings (-want +got):\n%s", diff)
	}

	// Once the management finding is closed, I21–I28 no longer rise: D3
	// (8·1.5·1 + 3·1.5·3) / 16.5 = 1.545…, published 1.55; overall (28.6 +
	// 50 + 25.5 + 142) / 100 = 2.461, published 2.46.
	f.db.Exec(`UPDATE findings SET state = 'closed' WHERE id = ?`, management)
	r = index()
	if got, want := r.summary(), "2.29 Cukup → 2.46 Cukup; D1 2→2.2 D2 2→2 D3 1→1.55 D4 3→3.12"; got != want {
		t.Errorf("after closing: %s; want %s", got, want)
	}
	// Read again while the counts and scores are locked: nothing changed,
	// so the report comes at once, the same. Scores changed straight in SQL
	// show at the next read: D3 at 3, (26 + 50 + 49.5 + 136.5) / 100 = 2.62,
	// projected (28.6 + 50 + 49.5 + 142) / 100 = 2.70.
	rec := f.whileLocked("finding_indicator_counts, assessment_scores", func() *httptest.ResponseRecorder {
		return f.do("GET", path+"/index", f.tokens["viewer"], "", &r)
	})
	if got, want := r.summary(), "2.29 Cukup → 2.46 Cukup; D1 2→2.2 D2 2→2 D3 1→1.55 D4 3→3.12"; rec.Code != 200 || got != want {
		t.Errorf("read again: %d %s; want %s", rec.Code, got, want)
	}
	f.db.Exec(`UPDATE assessment_scores SET level = 3 WHERE assessment_id = ? AND indicator_code IN ?`, a.ID, d3)
	r = index()
	if got, want := r.summary(), "2.62 Baik → 2.7 Baik; D1 2→2.2 D2 2→2 D3 3→3 D4 3→3.12"; got != want {
		t.Errorf("after scores changed in SQL: %s; want %s", got, want)
	}
	// The other assessment has no scores: its index is null, whatever its
	// reviews' findings.
	var o indexReport
	f.do("GET", fmt.Sprintf("/api/v1/assessments/%d/index", other.ID), f.tokens["manager"], "", &o)
	if o.Index != nil || o.ProjectedIndex != nil || o.Scored != 0 {
		t.Errorf("unscored assessment: %s", o.summary())
	}
}
