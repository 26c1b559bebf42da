package framework_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/framework"
)

// pemdiScores gives every indicator of pemdi-2026 the score all, except
// the overrides.
func pemdiScores(fw framework.Framework, all string, overrides map[string]string) map[string]framework.Decimal {
	out := map[string]framework.Decimal{}
	for _, ind := range fw.Indicators() {
		s := all
		if o, ok := overrides[ind.Code]; ok {
			s = o
		}
		d, err := framework.ParseDecimal(s)
		if err != nil {
			panic(err)
		}
		out[ind.Code] = d
	}
	return out
}

// TestPemdiIndexHandComputed checks the index of pemdi-2026 against sums
// done by hand. The weights of the 20 indicators add up to 100, P19 weighs
// 10 and P20 15 (aspect A7, 25). Every case but the last scores all
// indicators x and P19 x − 0.05, so the index is
//
//	(x·90 + (x − 0.05)·10) / 100 = x − 0.005
//
// which lands half a hundredth below a band's edge and is published,
// rounded half away from zero, on the edge: the predicate is read from the
// rounded value, so 2.495 is published 2.50 and is Baik (Berkembang), not
// Cukup. A7 is (x·15 + (x − 0.05)·10) / 25 = x − 0.02.
func TestPemdiIndexHandComputed(t *testing.T) {
	st, _ := seeded(t)
	fw, err := st.Get(context.Background(), "pemdi-2026")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name           string
		all, p19       string
		overrides      map[string]string
		index, a7      string
		predicate, lbl string
	}{
		{"2.495 is published 2.50: Baik", "2.50", "2.45", nil, "2.50", "2.48", "Baik", "Berkembang"},
		{"1.495 is published 1.50: Cukup", "1.50", "1.45", nil, "1.50", "1.48", "Cukup", "Membangun"},
		{"3.495 is published 3.50: Sangat Baik", "3.50", "3.45", nil, "3.50", "3.48", "Sangat Baik", "Melembaga"},
		{"3.995 is published 4.00: Memuaskan", "4.00", "3.95", nil, "4.00", "3.98", "Memuaskan", "Unggul"},
		// (2.50·90 + 2.44·10) / 100 = 2.494, published 2.49: still Cukup.
		{"2.494 is published 2.49: Cukup", "2.50", "2.44", nil, "2.49", "2.48", "Cukup", "Membangun"},
		{"all at 1.00: Kurang", "1.00", "1.00", nil, "1.00", "1.00", "Kurang", "Merintis"},
		{"all at 5.00: Memuaskan", "5.00", "5.00", nil, "5.00", "5.00", "Memuaskan", "Unggul"},
		// A province's profile: governance and data weaker, services
		// stronger. Σ score·weight = 2.10·10 (A1) + 2.75·10 (A2) + 1.80·15 (A3)
		// + 2.25·15 (A4) + 3.10·10 (A5) + 2.60·15 (A6) + (3.25·10 + 3.40·15)
		// (A7) = 21 + 27.5 + 27 + 33.75 + 31 + 39 + 83.5 = 262.75, index
		// 2.6275, published 2.63: Baik; A7 83.5 / 25 = 3.34.
		{"a province's profile", "", "3.25", map[string]string{
			"P01": "2.10", "P02": "2.10", "P03": "2.75", "P04": "2.75", "P05": "1.80", "P06": "1.80", "P07": "1.80", "P08": "1.80",
			"P09": "2.25", "P10": "2.25", "P11": "2.25", "P12": "2.25", "P13": "3.10", "P14": "3.10", "P15": "2.60", "P16": "2.60",
			"P17": "2.60", "P18": "2.60", "P20": "3.40"}, "2.63", "3.34", "Baik", "Berkembang"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			over := map[string]string{"P19": tt.p19}
			for k, v := range tt.overrides {
				over[k] = v
			}
			all := tt.all
			if all == "" {
				all = "1.00" // every indicator is overridden
			}
			got := framework.Compute(fw, pemdiScores(fw, all, over))
			if got.Index.String() != tt.index || got.Predicate.Name != tt.predicate || got.Predicate.Label != tt.lbl {
				t.Errorf("index = %s %s (%s); want %s %s (%s)", got.Index, got.Predicate.Name, got.Predicate.Label, tt.index, tt.predicate, tt.lbl)
			}
			if len(got.Domains) != 0 || len(got.Aspects) != 7 || got.Scored != 20 {
				t.Fatalf("%d domains, %d aspects, %d scored", len(got.Domains), len(got.Aspects), got.Scored)
			}
			if a7 := got.Aspects[6]; a7.Code != "A7" || a7.Index.String() != tt.a7 {
				t.Errorf("A7 = %s %s; want %s", a7.Code, a7.Index, tt.a7)
			}
		})
	}
}

func TestParseDecimal(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want string
		ok   bool
	}{
		{"3", "3.00", true}, {"3.2", "3.20", true}, {"3.25", "3.25", true}, {"3,25", "3.25", true}, {"0.99", "0.99", true},
		{"3.255", "", false}, {"3.250", "", false}, {"abc", "", false}, {"", "", false}, {"3.", "", false}, {".5", "", false},
		{"-3", "", false}, {"+3", "", false}, {"3e0", "", false}, {"1,000.5", "", false}, {"3 25", "", false}, {"٣", "", false},
	} {
		got, err := framework.ParseDecimal(tt.in)
		if (err == nil) != tt.ok || (tt.ok && got.String() != tt.want) {
			t.Errorf("ParseDecimal(%q) = %s, %v; want %s (ok %v)", tt.in, got, err, tt.want, tt.ok)
		}
	}
	if got := framework.Decimal(325).Comma(); got != "3,25" {
		t.Errorf("Comma = %s", got)
	}
}

// TestScoresInTheModelsScoring checks what ParseScore accepts per scoring.
func TestScoresInTheModelsScoring(t *testing.T) {
	for _, tt := range []struct {
		text    string
		scoring framework.Scoring
		ok      bool
	}{
		{"3", framework.Levels, true}, {"3.00", framework.Levels, true}, {"3.5", framework.Levels, false},
		{"6", framework.Levels, false}, {"0", framework.Levels, false},
		{"3.25", framework.DecimalScores, true}, {"3,25", framework.DecimalScores, true}, {"1.00", framework.DecimalScores, true},
		{"5.00", framework.DecimalScores, true}, {"0.99", framework.DecimalScores, false}, {"5.01", framework.DecimalScores, false},
		{"3.255", framework.DecimalScores, false}, {"abc", framework.DecimalScores, false}, {"", framework.DecimalScores, false},
		{`"3.25"`, framework.DecimalScores, false},
	} {
		var v apperr.Validation
		framework.ParseScore(&v, "level", tt.text, tt.scoring)
		if ok := v.Err() == nil; ok != tt.ok {
			t.Errorf("ParseScore(%q, %s): ok %v; want %v (%v)", tt.text, tt.scoring, ok, tt.ok, v.Err())
		}
	}
}

// TestImportRejectsBadPemdiModels names the problems of a file of the
// shape without domains, each by its place.
func TestImportRejectsBadPemdiModels(t *testing.T) {
	st, _ := seeded(t)
	fw, err := st.Get(context.Background(), "pemdi-2026")
	if err != nil {
		t.Fatal(err)
	}
	edit := editor(fw)
	aspect := func(m map[string]any, i int) map[string]any { return m["aspects"].([]any)[i].(map[string]any) }
	checkRejected(t, []badFile{
		{"aspects weigh 101", edit(func(m map[string]any) {
			a := aspect(m, 6)
			a["weight_percent"] = 26.0
			a["indicators"].([]any)[0].(map[string]any)["weight_percent"] = 11.0
		}), []string{"aspects"}},
		{"an aspect without a scale", edit(func(m map[string]any) {
			delete(m["levels"].(map[string]any)["scale_by_aspect"].(map[string]any), "A3")
		}), []string{"aspects[2]"}},
		{"domains and aspects both", edit(func(m map[string]any) {
			m["domains"] = []any{map[string]any{"code": "D1", "aspects": []any{}}}
		}), []string{"aspects"}},
		{"a model superseding itself, unknown scoring", edit(func(m map[string]any) {
			m["supersedes"], m["scoring"] = "pemdi-2026", "persen"
		}), []string{"scoring", "supersedes"}},
		{"a stage without a name", edit(func(m map[string]any) { m["stages"] = []any{"Penilaian Mandiri", " "} }),
			[]string{"stages[1]"}},
	})
}

// TestTargets checks which Pemdi indicators a finding counts on, and
// through which old codes: once each, a named indicator without a "via".
func TestTargets(t *testing.T) {
	st, _ := seeded(t)
	ctx := context.Background()
	fw, err := st.Get(ctx, "pemdi-2026")
	if err != nil {
		t.Fatal(err)
	}
	onto, err := st.Onto(ctx, "pemdi-2026")
	if err != nil {
		t.Fatal(err)
	}
	got := fw.Targets(onto, []string{"I29", "I30", "P02", "I21", "I24", "X99"})
	want := []framework.Target{{Code: "P09", Via: []string{"I29", "I30"}}, {Code: "P02"}, {Code: "P14", Via: []string{"I24"}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("targets (-want +got):\n%s", diff)
	}
	if got := fw.IndexName(); got != "Indeks Pemerintah Digital" {
		t.Errorf("IndexName = %q", got)
	}
}
