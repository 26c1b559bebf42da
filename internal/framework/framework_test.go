package framework_test

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/dbtest"
	"github.com/tindaklanjut/tindaklanjut/internal/framework"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func seeded(t *testing.T) (*framework.Store, framework.Framework) {
	t.Helper()
	st := framework.NewStore(dbtest.New(t))
	fw, err := st.Get(context.Background(), framework.DefaultCode)
	if err != nil {
		t.Fatal(err)
	}
	return st, fw
}

// levelsBy gives every indicator of a domain the same level.
func levelsBy(fw framework.Framework, byDomain map[string]int) map[string]framework.Decimal {
	out := map[string]framework.Decimal{}
	for _, d := range fw.Domains {
		for _, a := range d.Aspects {
			for _, i := range a.Indicators {
				if l, ok := byDomain[d.Code]; ok {
					out[i.Code] = framework.Whole(l)
				}
			}
		}
	}
	return out
}

func TestIndexHandComputed(t *testing.T) {
	_, fw := seeded(t)
	// The management (A5) and audit (A6) indicators make up domain D3.
	var d3 []string
	for _, a := range fw.Domains[2].Aspects {
		for _, i := range a.Indicators {
			d3 = append(d3, i.Code)
		}
	}
	if fw.Domains[2].Code != "D3" || len(d3) != 11 {
		t.Fatalf("D3 = %s with %d indicators", fw.Domains[2].Code, len(d3))
	}
	tests := []struct {
		name          string
		levels        map[string]framework.Decimal
		improve       []string
		wantIndex     string
		wantPredicate string
		wantProjected string
		wantProjPred  string
	}{
		// (2·13 + 2·25 + 1·16.5 + 3·45.5) / 100 = 2.29; with D3 at its target
		// 3: (26 + 50 + 49.5 + 136.5) / 100 = 2.62.
		{"province at level 1 on management and audit", levelsBy(fw, map[string]int{"D1": 2, "D2": 2, "D3": 1, "D4": 3}),
			d3, "2.29", "Cukup", "2.62", "Baik"},
		{"all at level 1", levelsBy(fw, map[string]int{"D1": 1, "D2": 1, "D3": 1, "D4": 1}), nil, "1.00", "Kurang", "1.00", "Kurang"},
		{"all at level 5", levelsBy(fw, map[string]int{"D1": 5, "D2": 5, "D3": 5, "D4": 5}), nil, "5.00", "Memuaskan", "5.00", "Memuaskan"},
		// Only D4 scored: its own mean.
		{"one domain scored", levelsBy(fw, map[string]int{"D4": 4}), nil, "4.00", "Sangat Baik", "4.00", "Sangat Baik"},
		// (3·13 + 4·25 + 3·16.5 + 4·45.5) / 100 = 3.705, published as 3.71.
		{"rounded to two decimals", levelsBy(fw, map[string]int{"D1": 3, "D2": 4, "D3": 3, "D4": 4}), nil,
			"3.71", "Sangat Baik", "3.71", "Sangat Baik"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			targets := map[string]framework.Decimal{}
			improve := map[string]bool{}
			for _, c := range tt.improve {
				targets[c] = framework.Whole(3)
				improve[c] = true
			}
			got := framework.Compute(fw, tt.levels)
			proj := framework.Compute(fw, framework.Project(tt.levels, targets, improve))
			if got.Index.String() != tt.wantIndex || got.Predicate.Name != tt.wantPredicate {
				t.Errorf("index = %v %s; want %v %s", got.Index, got.Predicate.Name, tt.wantIndex, tt.wantPredicate)
			}
			if proj.Index.String() != tt.wantProjected || proj.Predicate.Name != tt.wantProjPred {
				t.Errorf("projected = %v %s; want %v %s", proj.Index, proj.Predicate.Name, tt.wantProjected, tt.wantProjPred)
			}
		})
	}
}

func TestPredicateBands(t *testing.T) {
	_, fw := seeded(t)
	for _, tt := range []struct {
		index framework.Decimal
		want  string
	}{{100, "Kurang"}, {179, "Kurang"}, {180, "Cukup"}, {259, "Cukup"}, {260, "Baik"}, {349, "Baik"},
		{350, "Sangat Baik"}, {419, "Sangat Baik"}, {420, "Memuaskan"}, {500, "Memuaskan"}} {
		if got := fw.PredicateOf(tt.index).Name; got != tt.want {
			t.Errorf("PredicateOf(%v) = %q; want %q", tt.index, got, tt.want)
		}
	}
}

func TestProjectNeverLowers(t *testing.T) {
	got := framework.Project(map[string]framework.Decimal{"I01": 400, "I02": 100}, map[string]framework.Decimal{"I01": 300, "I02": 325},
		map[string]bool{"I01": true, "I02": true})
	if diff := cmp.Diff(map[string]framework.Decimal{"I01": 400, "I02": 325}, got); diff != "" {
		t.Error(diff)
	}
}

// TestExportImportRoundTrip exports each shipped model, imports it under a
// new code with its indicator codes renamed (codes are unique across
// models), and reads back the same model.
func TestExportImportRoundTrip(t *testing.T) {
	st, _ := seeded(t)
	ctx := context.Background()
	for _, tt := range []struct{ code, prefix, renamed string }{{"spbe-2020", "I", "X"}, {"pemdi-2026", "P", "Q"}} {
		t.Run(tt.code, func(t *testing.T) {
			fw, err := st.Get(ctx, tt.code)
			if err != nil {
				t.Fatal(err)
			}
			data, err := framework.Export(fw)
			if err != nil {
				t.Fatal(err)
			}
			copyCode := tt.code + "-salinan"
			data = bytes.Replace(data, []byte(`"`+tt.code+`"`), []byte(`"`+copyCode+`"`), 1)
			data = regexp.MustCompile(`"code": "`+tt.prefix+`(\d\d)"`).ReplaceAll(data, []byte(`"code": "`+tt.renamed+`$1"`))
			parsed, err := framework.Parse(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			// A copy, not a successor: it must not take over as current.
			parsed.Current, parsed.Supersedes = false, ""
			if err := st.Import(ctx, parsed); err != nil {
				t.Fatal(err)
			}
			back, err := st.Get(ctx, copyCode)
			if err != nil {
				t.Fatal(err)
			}
			back.Code = fw.Code
			for i := range back.Aspects {
				for k := range back.Aspects[i].Indicators {
					c := &back.Aspects[i].Indicators[k].Code
					*c = tt.prefix + strings.TrimPrefix(*c, tt.renamed)
				}
			}
			for i := range back.Domains {
				back.Domains[i].Aspects = nil
			}
			want := fw
			want.Domains = slices.Clone(fw.Domains)
			for i := range want.Domains {
				want.Domains[i].Aspects = nil
			}
			// The copy of the current model supersedes nothing and is not
			// current; the rest is the same model.
			back.Current, back.Supersedes = want.Current, want.Supersedes
			if diff := cmp.Diff(want, back); diff != "" {
				t.Errorf("imported model differs (-shipped +imported):\n%s", diff)
			}
			// A model's code is its version: importing it again is a conflict.
			if err := st.Import(ctx, parsed); apperr.KindOf(err) != apperr.Conflict {
				t.Errorf("second import: %v; want a conflict", err)
			}
		})
	}
	list, _ := st.List(ctx)
	if len(list) != 4 || !list[0].Current || list[0].Code != "pemdi-2026" {
		t.Errorf("list = %+v", list)
	}
}

// editor returns a function that applies an edit to a copy of model's
// exported file and returns the edited file.
func editor(model framework.Framework) func(f func(m map[string]any)) string {
	base, _ := framework.Export(model)
	return func(f func(m map[string]any)) string {
		var m map[string]any
		json.Unmarshal(base, &m)
		f(m)
		out, _ := json.Marshal(m)
		return string(out)
	}
}

// badFile is a model file and the fields Parse must name.
type badFile struct {
	name, file string
	want       []string // fields named
}

// checkRejected parses each file and requires an Invalid error naming at
// least the fields wanted.
func checkRejected(t *testing.T, tests []badFile) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := framework.Parse(strings.NewReader(tt.file))
			var ae *apperr.Error
			if !asError(err, &ae) || ae.Kind != apperr.Invalid {
				t.Fatalf("Parse = %v; want Invalid", err)
			}
			var got []string
			for _, f := range ae.Fields {
				got = append(got, f.Field)
			}
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("fields %v lack %s (%v)", got, w, ae.Fields)
				}
			}
		})
	}
}

func TestImportRejectsBadModels(t *testing.T) {
	_, fw := seeded(t)
	edit := editor(fw)
	domains := func(m map[string]any) []any { return m["domains"].([]any) }
	firstIndicator := func(m map[string]any) map[string]any {
		d := domains(m)[0].(map[string]any)
		a := d["aspects"].([]any)[0].(map[string]any)
		return a["indicators"].([]any)[0].(map[string]any)
	}
	checkRejected(t, []badFile{
		{"weights do not add up", edit(func(m map[string]any) { firstIndicator(m)["weight_percent"] = 2.3 }),
			[]string{"domains[0].aspects[0].weight_percent"}},
		{"duplicate indicator code", edit(func(m map[string]any) { firstIndicator(m)["code"] = "I02" }),
			[]string{"domains[0].aspects[0].indicators[1].code"}},
		{"gap between bands", edit(func(m map[string]any) {
			m["predicates"].([]any)[1].(map[string]any)["min"] = 1.9
		}), []string{"predicates"}},
		{"bands not starting at 1", edit(func(m map[string]any) {
			m["predicates"].([]any)[0].(map[string]any)["min"] = 1.5
		}), []string{"predicates"}},
		{"missing level name", edit(func(m map[string]any) {
			lv := m["levels"].(map[string]any)
			lv["process"] = lv["process"].([]any)[:4]
		}), []string{"levels.process"}},
		{"bad code and no title", edit(func(m map[string]any) { m["framework_code"] = "SPBE 2026"; m["title"] = "" }),
			[]string{"framework_code", "title"}},
		{"a domain without a scale", edit(func(m map[string]any) {
			delete(m["levels"].(map[string]any)["scale_by_domain"].(map[string]any), "D2")
		}), []string{"domains[1]"}},
		{"no domains and no aspects", edit(func(m map[string]any) { m["domains"] = []any{} }), []string{"aspects"}},
		{"decimal bound with three places", edit(func(m map[string]any) {
			m["predicates"].([]any)[0].(map[string]any)["min"] = 4.205
		}), []string{"predicates[0]"}},
		{"unknown scoring", edit(func(m map[string]any) { m["scoring"] = "percent" }), []string{"scoring"}},
	})
	if _, err := framework.Parse(strings.NewReader(`{"framework_code":`)); apperr.KindOf(err) != apperr.Malformed {
		t.Errorf("malformed file: %v", err)
	}
}
