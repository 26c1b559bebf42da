package api_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// pemdiIndex is GET /assessments/{id}/index of a pemdi-2026 assessment.
type pemdiIndex struct {
	Scoring                 string
	Index                   json.Number
	Predicate               string
	PredicateLabel          string      `json:"predicate_label"`
	ProjectedIndex          json.Number `json:"projected_index"`
	ProjectedPredicate      string      `json:"projected_predicate"`
	ProjectedPredicateLabel string      `json:"projected_predicate_label"`
	Domains                 []any
	Aspects                 []struct {
		Code           string
		Index          json.Number
		ProjectedIndex json.Number `json:"projected_index"`
	}
	Indicators []struct {
		Code           string
		Score          json.Number
		Target         json.Number
		ActiveFindings int `json:"active_findings"`
	}
}

func (r pemdiIndex) line() string {
	s := fmt.Sprintf("%s %s (%s) → %s %s (%s);", r.Index, r.Predicate, r.PredicateLabel, r.ProjectedIndex,
		r.ProjectedPredicate, r.ProjectedPredicateLabel)
	for _, a := range r.Aspects {
		if a.Code == "A1" || a.Code == "A4" {
			s += fmt.Sprintf(" %s %s→%s", a.Code, a.Index, a.ProjectedIndex)
		}
	}
	for _, i := range r.Indicators {
		if i.ActiveFindings > 0 {
			s += fmt.Sprintf(" %s:%d", i.Code, i.ActiveFindings)
		}
	}
	return s
}

// findingCodes lists the codes of the findings GET /findings answers.
func (f *fixture) findingCodes(query string) []string {
	f.t.Helper()
	var list struct{ Items []findingDoc }
	mustStatus(f.t, f.do("GET", "/api/v1/findings?"+query, f.tokens["auditor"], "", &list), 200)
	out := []string{}
	for _, it := range list.Items {
		out = append(out, it.Code)
	}
	slices.Sort(out)
	return out
}

// TestCarryOverAcrossTheRegulationChange is the Kalsel story across
// PermenPANRB 8/2026: the findings the 2024 SPBE evaluation left open on
// risk management (I21) and on the ICT audits (I29–I31) weigh on P02 and
// P09 of the 2026 Pemdi assessment, and closing them through the normal
// life cycle brings the projected index down to the current one.
func TestCarryOverAcrossTheRegulationChange(t *testing.T) {
	f := newFixture(t)
	spbe := f.createAssessment(`{"year":2024,"name":"Evaluasi SPBE 2024","framework_code":"spbe-2020"}`)
	review := f.newReview(fmt.Sprintf(`{"kind":"spbe_evaluation","title":"Evaluasi SPBE 2024","conducted_on":"2024-07-15","assessment_id":%d}`, spbe.ID))
	onCodes := func(codes string) findingDoc {
		t.Helper()
		return f.mustMove("auditor", f.newFinding(review, `,"indicator_codes":`+codes), "issue", "")
	}
	risk := onCodes(`["I21"]`)         // open
	audits := onCodes(`["I29","I30"]`) // in progress: counts once on P09
	a := f.assign("manager", audits.ID, `["sk"]`)
	security := onCodes(`["I31"]`) // submitted
	sa := f.assign("manager", security.ID, `["sk"]`)
	f.attach(sa.ID, "sk")
	f.complete("officer", sa)
	security = f.mustMove("manager", f.getFinding("auditor", security.ID), "submit", "")
	arch := onCodes(`["I01"]`) // set aside: counts nowhere
	f.mustMove("auditor", arch, "mark_not_actionable", "Sudah ditetapkan")
	f.newFinding(review, `,"indicator_codes":["I05"]`) // a draft counts nowhere

	pemdi := f.createAssessment(`{"year":2026,"name":"Evaluasi Pemdi 2026","framework_code":"pemdi-2026"}`)
	path := fmt.Sprintf("/api/v1/assessments/%d", pemdi.ID)
	score := map[string]string{"P02": `{"level":2.00,"target_level":3.50}`, "P09": `{"level":1.75,"target_level":3.25}`}
	for i := 1; i <= 20; i++ {
		code := fmt.Sprintf("P%02d", i)
		body, ok := score[code]
		if !ok {
			body = `{"level":2.5,"target_level":3}`
		}
		var got struct {
			Level       json.Number
			TargetLevel json.Number `json:"target_level"`
		}
		mustStatus(t, f.do("PUT", path+"/scores/"+code, f.tokens["auditor"], body, &got), 200)
		if code == "P09" && (got.Level != "1.75" || got.TargetLevel != "3.25") {
			t.Errorf("P09 score = %s → %s; want the decimals as written", got.Level, got.TargetLevel)
		}
	}
	index := func() string {
		t.Helper()
		var r pemdiIndex
		mustStatus(t, f.do("GET", path+"/index", f.tokens["viewer"], "", &r), 200)
		if r.Scoring != "decimal" || len(r.Domains) != 0 || len(r.Aspects) != 7 || len(r.Indicators) != 20 {
			t.Fatalf("index shape: %+v", r)
		}
		return r.line()
	}
	// Current: (2.50·91 + 2.00·5 + 1.75·4) / 100 = 2.445, published 2.45:
	// Cukup (Membangun). Projected, P02 and P09 at their targets: (227.5 +
	// 3.50·5 + 3.25·4) / 100 = 2.58: Baik (Berkembang). A1 (P01, P02 at 5
	// each): 2.25 → 3.00. A4 (P09 4, P10 4, P11 3, P12 4): (1.75·4 + 2.5·11)
	// / 15 = 2.30 → (3.25·4 + 27.5) / 15 = 2.70.
	want := "2.45 Cukup (Membangun) → 2.58 Baik (Berkembang); A1 2.25→3.00 A4 2.30→2.70 P02:1 P09:2"
	if got := index(); got != want {
		t.Errorf("with the 2024 findings open:\n got %s\nwant %s", got, want)
	}
	// The list filter matches through the mapping; an old code matches
	// only itself.
	if got, want := f.findingCodes("indicator=P09"), []string{audits.Code, security.Code}; !slices.Equal(got, want) {
		t.Errorf("indicator=P09: %v; want %v", got, want)
	}
	if got, want := f.findingCodes("indicator=P02"), []string{risk.Code}; !slices.Equal(got, want) {
		t.Errorf("indicator=P02: %v; want %v", got, want)
	}
	if got := f.findingCodes("indicator=I29"); !slices.Equal(got, []string{audits.Code}) {
		t.Errorf("indicator=I29: %v", got)
	}

	// Risk management is followed up and closed: P02 no longer rises.
	// (227.5 + 2.00·5 + 3.25·4) / 100 = 2.505, published 2.51.
	ra := f.assign("manager", risk.ID, `["sk"]`)
	f.attach(ra.ID, "sk")
	f.complete("officer", ra)
	f.mustMove("auditor", f.mustMove("manager", f.getFinding("auditor", risk.ID), "submit", ""), "close", "")
	if got, want := index(), "2.45 Cukup (Membangun) → 2.51 Baik (Berkembang); A1 2.25→2.25 A4 2.30→2.70 P09:2"; got != want {
		t.Errorf("after closing the risk finding:\n got %s\nwant %s", got, want)
	}
	// The audits too: projected and current meet.
	f.attach(a.ID, "sk")
	f.complete("officer", a)
	f.mustMove("auditor", f.mustMove("manager", f.getFinding("auditor", audits.ID), "submit", ""), "close", "")
	f.mustMove("auditor", security, "close", "")
	if got, want := index(), "2.45 Cukup (Membangun) → 2.45 Cukup (Membangun); A1 2.25→2.25 A4 2.30→2.30"; got != want {
		t.Errorf("after closing every finding:\n got %s\nwant %s", got, want)
	}
	// The 2024 assessment is still read in its own terms: levels, domains.
	var old struct {
		Scoring string
		Domains []struct{ Code string }
		Aspects []struct{ Code string }
	}
	mustStatus(t, f.do("GET", fmt.Sprintf("/api/v1/assessments/%d/index", spbe.ID), f.tokens["viewer"], "", &old), 200)
	if old.Scoring != "levels" || len(old.Domains) != 4 || len(old.Aspects) != 8 {
		t.Errorf("spbe index: %+v", old)
	}
}

// TestMappingEndpoint reads the shipped mapping, refuses bad replacements
// (naming each bad place, writing nothing) and follows a good one at once.
func TestMappingEndpoint(t *testing.T) {
	f := newFixture(t)
	const path = "/api/v1/framework-mappings?from=spbe-2020&to=pemdi-2026"
	type mapping struct {
		From, To, Note string
		Pairs          []struct {
			From string
			To   []string
			Why  string
		}
		UnmappedTo  []string          `json:"unmapped_to"`
		UnmappedWhy map[string]string `json:"unmapped_why"`
		Version     int
	}
	var shipped mapping
	mustStatus(t, f.do("GET", path, f.tokens["officer"], "", &shipped), 200)
	targets := map[string][]string{}
	for _, p := range shipped.Pairs {
		targets[p.From] = p.To
	}
	if len(shipped.Pairs) != 47 || !slices.Equal(targets["I21"], []string{"P02"}) || !slices.Equal(targets["I24"], []string{"P02", "P14"}) ||
		len(shipped.UnmappedTo) != 6 || shipped.UnmappedWhy["P08"] == "" || !strings.Contains(shipped.Note, "not official") || shipped.Version != 1 {
		t.Errorf("shipped mapping: %+v", shipped)
	}

	fd := f.mustMove("auditor", f.newFinding(f.newReview(""), ""), "issue", "") // on I21
	asm := f.createAssessment(`{"year":2026,"name":"Evaluasi Pemdi 2026","framework_code":"pemdi-2026"}`)
	activeOn := func() map[string]int {
		t.Helper()
		var r pemdiIndex
		mustStatus(t, f.do("GET", fmt.Sprintf("/api/v1/assessments/%d/index", asm.ID), f.tokens["viewer"], "", &r), 200)
		out := map[string]int{}
		for _, i := range r.Indicators {
			if i.ActiveFindings > 0 {
				out[i.Code] = i.ActiveFindings
			}
		}
		return out
	}
	if diff := cmp.Diff(map[string]int{"P02": 1}, activeOn()); diff != "" {
		t.Errorf("carry-over (-want +got):\n%s", diff)
	}

	q := "/api/v1/framework-mappings?"
	tests := []badInput{
		{"read without to", "GET", q + "from=spbe-2020", "", 422, []string{"to"}, ""},
		{"read with a code too long", "GET", q + "from=" + strings.Repeat("x", 65) + "&to=pemdi-2026", "", 422, []string{"from"}, ""},
		{"read between models held with no mapping", "GET", q + "from=pemdi-2026&to=spbe-2020", "", 404, nil, "no mapping"},
		{"malformed", "PUT", path, `{"pairs":[`, 400, nil, ""},
		{"pairs an object", "PUT", path, `{"pairs":{"from":"I21"}}`, 400, nil, ""},
		{"no models named", "PUT", q, `{"pairs":[]}`, 422, []string{"from", "to"}, ""},
		{"unknown models", "PUT", q + "from=spbe-2019&to=pemdi-2030", `{"pairs":[]}`, 422, []string{"from", "to"}, "not a model held here"},
		{"body names other models", "PUT", path, `{"from":"pemdi-2026","to":"spbe-2020","pairs":[]}`, 422, []string{"from", "to"}, "the address names"},
		{"a model onto itself", "PUT", q + "from=pemdi-2026&to=pemdi-2026", `{"pairs":[]}`, 422, []string{"to"}, ""},
		{"unknown and misplaced codes", "PUT", path, `{"pairs":[{"from":"I21","to":["P21"]},{"from":"P02","to":["P01"]},
			{"from":"I22","to":["I23"]},{"from":"I21","to":["P02"]},{"from":"I23","to":[]},{"from":"I24","to":["P02","P02"]},
			{"from":"I25; DROP","to":["P03"]}],"unmapped_to":["P01","P99"],"unmapped_why":{"P06":"x"}}`, 422,
			[]string{"pairs[0].to[0]", "pairs[1].from", "pairs[2].to[0]", "pairs[3].from", "pairs[4].to", "pairs[5].to[1]", "pairs[6].from",
				"unmapped_to[0]", "unmapped_to[1]", "unmapped_why.P06"}, ""},
		{"codes of no model", "PUT", path, `{"pairs":[{"from":"I21","to":["P21"]},{"from":"P02","to":["P01"]}],"unmapped_to":["P99"]}`, 422,
			[]string{"pairs[0].to[0]", "pairs[1].from", "unmapped_to[0]"}, "is not an indicator of"},
	}
	count := func() (n int64) {
		f.db.Raw(`SELECT (SELECT sum(version) FROM framework_mappings) + (SELECT count(*) FROM framework_mapping_pairs)
			+ (SELECT count(*) FROM framework_mapping_unmapped) + (SELECT count(*) FROM audit_log)
			+ (SELECT coalesce(sum(active * length(indicator_code)), 0) FROM finding_indicator_counts)`).Scan(&n)
		return n
	}
	f.checkBadInput(t, tests, count)

	// A corrected mapping: risk management now counts on governance (P01).
	var put mapping
	mustStatus(t, f.do("PUT", path, f.tokens["admin"], `{"note":"Koreksi Tim SPBE","pairs":[{"from":"I21","to":["P01"],"why":"risiko di tata kelola"}],
		"unmapped_to":["P20"],"unmapped_why":{"P20":"baru"}}`, &put), 200)
	if put.Version != 2 || len(put.Pairs) != 1 || put.Note != "Koreksi Tim SPBE" || put.UnmappedWhy["P20"] != "baru" {
		t.Errorf("replaced mapping: %+v", put)
	}
	if diff := cmp.Diff(map[string]int{"P01": 1}, activeOn()); diff != "" {
		t.Errorf("carry-over after the correction (-want +got):\n%s", diff)
	}
	if got := f.findingCodes("indicator=P01"); !slices.Equal(got, []string{fd.Code}) {
		t.Errorf("indicator=P01 after the correction: %v", got)
	}
	var audited int
	f.db.Raw(`SELECT count(*) FROM audit_log WHERE object_type = 'framework_mapping' AND action = 'replace'`).Scan(&audited)
	if audited != 1 {
		t.Errorf("%d audit entries for the replacement", audited)
	}
}

// TestCarryOverCountsStayExact drives transitions, indicator edits and
// unit changes from eight clients at once and then compares the counts the
// trigger kept with a recount from the findings themselves.
func TestCarryOverCountsStayExact(t *testing.T) {
	f := newFixture(t)
	review := f.newReview("")
	codes := []string{`["I21"]`, `["I29","I30"]`, `["I24"]`, `["P02"]`, `["I21","P02"]`, `[]`, `["I07","I18"]`}
	var docs []findingDoc
	for i := range 24 {
		docs = append(docs, f.newFinding(review, `,"indicator_codes":`+codes[i%len(codes)]))
	}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(uint64(w), 7))
			for _, fd := range docs[w*3 : w*3+3] {
				fd = f.mustMove("auditor", fd, "issue", "")
				patch := func(body string) {
					var out findingDoc
					mustStatus(t, f.do("PATCH", fmt.Sprintf("/api/v1/findings/%d", fd.ID), f.tokens["auditor"],
						fmt.Sprintf(`{%s,"version":%d}`, body, fd.Version), &out), 200)
					fd = f.getFinding("auditor", fd.ID)
				}
				for range 4 {
					switch rnd.IntN(3) {
					case 0: // set aside and taken up again: leaves and re-enters the counts
						fd = f.mustMove("auditor", fd, "mark_not_actionable", "Tidak relevan")
						fd = f.mustMove("auditor", fd, "reopen", "Relevan lagi")
					case 1: // other indicators: moves between counts
						patch(`"indicator_codes":` + codes[rnd.IntN(len(codes))])
					case 2: // another unit, while no action is assigned
						if fd.State == "open" {
							patch(fmt.Sprintf(`"unit_id":%d`, []int64{f.unitA.ID, f.unitB.ID}[rnd.IntN(2)]))
						}
					}
				}
				if rnd.IntN(2) == 0 {
					f.mustMove("auditor", fd, "mark_not_actionable", "Ditutup")
				}
			}
		}(w)
	}
	wg.Wait()
	type count struct {
		Code string
		N    int
	}
	var kept, recount []count
	f.db.Raw(`SELECT indicator_code AS code, sum(active)::int AS n FROM finding_indicator_counts
		GROUP BY 1 HAVING sum(active) <> 0 ORDER BY 1`).Scan(&kept)
	f.db.Raw(`SELECT t.code, count(*)::int AS n FROM findings f, unnest(finding_indicator_targets(f.indicator_codes)) AS t(code)
		WHERE f.state IN ('open', 'in_progress', 'submitted') GROUP BY 1 ORDER BY 1`).Scan(&recount)
	if len(recount) == 0 {
		t.Fatal("no active findings to count")
	}
	if diff := cmp.Diff(recount, kept); diff != "" {
		t.Errorf("kept counts differ from a recount (-recount +kept):\n%s", diff)
	}
}
