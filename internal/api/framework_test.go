package api_test

import (
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
	f.problem(f.do("GET", "/api/v1/framework?code=pemdi-2026", f.tokens["officer"], "", nil), 404)
	f.problem(f.do("GET", "/api/v1/framework?code="+strings.Repeat("x", 65), f.tokens["officer"], "", nil), 422)
	var list struct{ Items []struct{ Code string } }
	f.do("GET", "/api/v1/frameworks", f.tokens["viewer"], "", &list)
	if len(list.Items) != 1 || list.Items[0].Code != "spbe-2020" {
		t.Errorf("frameworks = %+v", list)
	}
}
