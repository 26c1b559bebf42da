package api_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestFrameworkEndpoint(t *testing.T) {
	f := newFixture(t)
	var fw struct {
		Code       string
		Predicates []struct {
			Name string
			Min  float64
		}
		Domains []struct {
			Code    string
			Weight  float64
			Aspects []struct {
				Indicators []struct {
					Code   string
					Weight float64
				}
			}
		}
	}
	if rec := f.do("GET", "/api/v1/framework", f.tokens["officer"], "", &fw); rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	n, sum := 0, 0.0
	for _, d := range fw.Domains {
		for _, a := range d.Aspects {
			for _, i := range a.Indicators {
				n++
				sum += i.Weight
			}
		}
	}
	if fw.Code != "spbe-2020" || len(fw.Domains) != 4 || n != 47 || sum < 99.999 || sum > 100.001 || len(fw.Predicates) != 5 {
		t.Errorf("framework: code %s, %d domains, %d indicators weighing %v, %d predicates", fw.Code, len(fw.Domains), n, sum, len(fw.Predicates))
	}
	f.problem(f.do("GET", "/api/v1/framework?code=sakip-2019", f.tokens["officer"], "", nil), 404)
	f.problem(f.do("GET", "/api/v1/framework?code="+strings.Repeat("x", 65), f.tokens["officer"], "", nil), 422)
	var list struct {
		Items []struct {
			Code    string
			Scoring string
			Current bool
		}
	}
	f.do("GET", "/api/v1/frameworks", f.tokens["viewer"], "", &list)
	if len(list.Items) != 2 || list.Items[0].Code != "pemdi-2026" || !list.Items[0].Current || list.Items[0].Scoring != "decimal" ||
		list.Items[1].Code != "spbe-2020" || list.Items[1].Current || list.Items[1].Scoring != "levels" {
		t.Errorf("frameworks = %+v", list)
	}
}

// TestPemdiFramework reads the current model as the contract describes it:
// no domains, seven aspects at the top with their indicators, decimal
// scoring, predicates with labels, the four stages and the source note.
func TestPemdiFramework(t *testing.T) {
	f := newFixture(t)
	var fw struct {
		Code, Scoring, Supersedes string
		SourceNote                string `json:"source_note"`
		Current                   bool
		Stages                    []string
		Predicates                []struct {
			Name, Label string
			Min         float64
		}
		Domains []any
		Aspects []struct {
			Code       string
			DomainCode *string `json:"domain_code"`
			Weight     float64
			Scale      string
			Indicators []struct {
				Code           string
				Weight         float64
				ExternalSource *string `json:"external_source"`
			}
		}
	}
	if rec := f.do("GET", "/api/v1/framework?code=pemdi-2026", f.tokens["officer"], "", &fw); rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	var codes []string
	total, external := 0.0, 0
	for _, a := range fw.Aspects {
		sum := 0.0
		for _, i := range a.Indicators {
			codes = append(codes, i.Code)
			sum += i.Weight
			if i.ExternalSource != nil {
				external++
			}
		}
		if a.DomainCode != nil || a.Scale != "maturity" || sum < a.Weight-0.001 || sum > a.Weight+0.001 {
			t.Errorf("aspect %s: domain %v, scale %q, indicators weigh %v of %v", a.Code, a.DomainCode, a.Scale, sum, a.Weight)
		}
		total += a.Weight
	}
	if fw.Code != "pemdi-2026" || fw.Scoring != "decimal" || !fw.Current || fw.Supersedes != "spbe-2020" ||
		len(fw.Domains) != 0 || len(fw.Aspects) != 7 || len(codes) != 20 || codes[0] != "P01" || codes[19] != "P20" ||
		total != 100 || external != 6 || !strings.Contains(fw.SourceNote, "secondary summaries") {
		t.Errorf("pemdi-2026: %+v", fw)
	}
	if want := []string{"Penilaian Mandiri", "Penilaian Dokumen", "Penilaian Interviu", "Penilaian Visitasi"}; !slices.Equal(fw.Stages, want) {
		t.Errorf("stages = %v", fw.Stages)
	}
	var bands []string
	for _, p := range fw.Predicates {
		bands = append(bands, fmt.Sprintf("%s/%s≥%v", p.Name, p.Label, p.Min))
	}
	if got, want := strings.Join(bands, " "), "Kurang/Merintis≥1 Cukup/Membangun≥1.5 Baik/Berkembang≥2.5 Sangat Baik/Melembaga≥3.5 Memuaskan/Unggul≥4"; got != want {
		t.Errorf("predicates = %s; want %s", got, want)
	}
}
