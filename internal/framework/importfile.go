package framework

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"regexp"
	"sort"
	"strings"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
)

// The import file has the shape of the published facts of a model:
//
//	{"framework_code": "spbe-2020", "title": "…",
//	 "predicates": [{"name": "Memuaskan", "min": 4.2, "max": 5.0}, {"name": "Baik", "min": 2.6, "below": 3.5}, …],
//	 "levels": {"process": [{"level": 1, "name": "Rintisan"}, …], "service": […],
//	            "scale_by_domain": {"D1": "process", …}},
//	 "domains": [{"code": "D1", "number": 1, "name": "…", "weight_percent": 13.0,
//	              "aspects": [{"code": "A1", …, "indicators": [{"code": "I01", "number": 1, "name": "…",
//	                                                          "name_en": "…", "weight_percent": 1.3}]}]}]}
type fileModel struct {
	Code       string `json:"framework_code"`
	Title      string `json:"title"`
	Predicates []struct {
		Name  string   `json:"name"`
		Min   *float64 `json:"min"`
		Below *float64 `json:"below"`
		Max   *float64 `json:"max"`
	} `json:"predicates"`
	Levels  map[string]json.RawMessage `json:"levels"`
	Domains []struct {
		Code    string  `json:"code"`
		Number  int     `json:"number"`
		Name    string  `json:"name"`
		Weight  float64 `json:"weight_percent"`
		Aspects []struct {
			Code       string  `json:"code"`
			Number     int     `json:"number"`
			Name       string  `json:"name"`
			Weight     float64 `json:"weight_percent"`
			Indicators []struct {
				Code   string  `json:"code"`
				Number int     `json:"number"`
				Name   string  `json:"name"`
				NameEN string  `json:"name_en"`
				Weight float64 `json:"weight_percent"`
			} `json:"indicators"`
		} `json:"aspects"`
	} `json:"domains"`
}

var codeRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

const weightTolerance = 0.001

// Parse reads and validates a model file. Every problem found is reported
// in one Invalid error, each naming where in the file it is.
func Parse(r io.Reader) (Framework, error) {
	var m fileModel
	dec := json.NewDecoder(r)
	if err := dec.Decode(&m); err != nil {
		return Framework{}, apperr.E(apperr.Malformed, "The file is not valid JSON: %v", err)
	}
	var v apperr.Validation
	fw := Framework{Code: m.Code, Title: strings.TrimSpace(m.Title)}
	if !codeRE.MatchString(m.Code) {
		v.Add("framework_code", "must be 1 to 64 lowercase letters, digits, '.', '_' or '-'")
	}
	if fw.Title == "" {
		v.Add("title", "is required")
	}
	parseLevels(&v, m, &fw)
	parsePredicates(&v, m, &fw)

	seen := map[string]string{} // code → where first used
	numbers := map[string]bool{}
	unique := func(where, code string) {
		if code == "" {
			v.Add(where+".code", "is required")
			return
		}
		if first, dup := seen[code]; dup {
			v.Add(where+".code", "%q is used twice (also at %s)", code, first)
			return
		}
		seen[code] = where
	}
	var total float64
	scales := scaleByDomain(m)
	for i, d := range m.Domains {
		dw := fmt.Sprintf("domains[%d]", i)
		unique(dw, d.Code)
		dom := Domain{Code: d.Code, Number: d.Number, Name: d.Name, Weight: d.Weight, Scale: scales[d.Code]}
		if dom.Scale == "" {
			v.Add(dw, "has no level scale in levels.scale_by_domain")
		}
		var aspectSum float64
		for j, a := range d.Aspects {
			aw := fmt.Sprintf("%s.aspects[%d]", dw, j)
			unique(aw, a.Code)
			asp := Aspect{Code: a.Code, Number: a.Number, Name: a.Name, Weight: a.Weight}
			var indSum float64
			for k, ind := range a.Indicators {
				iw := fmt.Sprintf("%s.indicators[%d]", aw, k)
				unique(iw, ind.Code)
				if numbers[fmt.Sprint(ind.Number)] {
					v.Add(iw+".number", "%d is used twice", ind.Number)
				}
				numbers[fmt.Sprint(ind.Number)] = true
				if ind.Weight <= 0 {
					v.Add(iw+".weight_percent", "must be above 0")
				}
				if strings.TrimSpace(ind.Name) == "" {
					v.Add(iw+".name", "is required")
				}
				indSum += ind.Weight
				asp.Indicators = append(asp.Indicators, Indicator{Code: ind.Code, Number: ind.Number, Name: ind.Name, NameEN: ind.NameEN, Weight: ind.Weight})
			}
			if len(a.Indicators) == 0 {
				v.Add(aw+".indicators", "must not be empty")
			} else if math.Abs(indSum-a.Weight) > weightTolerance {
				v.Add(aw+".weight_percent", "is %g but its indicators weigh %g", a.Weight, round2(indSum*1000)/1000)
			}
			aspectSum += a.Weight
			dom.Aspects = append(dom.Aspects, asp)
		}
		if len(d.Aspects) == 0 {
			v.Add(dw+".aspects", "must not be empty")
		} else if math.Abs(aspectSum-d.Weight) > weightTolerance {
			v.Add(dw+".weight_percent", "is %g but its aspects weigh %g", d.Weight, aspectSum)
		}
		total += d.Weight
		fw.Domains = append(fw.Domains, dom)
	}
	if len(m.Domains) == 0 {
		v.Add("domains", "must not be empty")
	} else if math.Abs(total-100) > weightTolerance {
		v.Add("domains", "the weights add up to %g; they must add up to 100", total)
	}
	if err := v.Err(); err != nil {
		return Framework{}, err
	}
	return fw, nil
}

func scaleByDomain(m fileModel) map[string]string {
	out := map[string]string{}
	if raw, ok := m.Levels["scale_by_domain"]; ok {
		json.Unmarshal(raw, &out)
	}
	return out
}

func parseLevels(v *apperr.Validation, m fileModel, fw *Framework) {
	scales := scaleByDomain(m)
	needed := map[string]bool{}
	for _, s := range scales {
		needed[s] = true
	}
	for scale := range needed {
		raw, ok := m.Levels[scale]
		var levels []struct {
			Level int    `json:"level"`
			Name  string `json:"name"`
		}
		if !ok || json.Unmarshal(raw, &levels) != nil {
			v.Add("levels."+scale, "must list the names of levels 1 to 5")
			continue
		}
		got := map[int]bool{}
		for _, l := range levels {
			if l.Level < 1 || l.Level > 5 || got[l.Level] || strings.TrimSpace(l.Name) == "" {
				v.Add("levels."+scale, "must name each of levels 1 to 5 once")
				break
			}
			got[l.Level] = true
			fw.Levels = append(fw.Levels, LevelName{Scale: scale, Level: l.Level, Name: l.Name})
		}
		if len(got) != 5 && !v.Has("levels."+scale) {
			v.Add("levels."+scale, "must name each of levels 1 to 5 once")
		}
	}
	sort.Slice(fw.Levels, func(i, j int) bool {
		return fw.Levels[i].Scale < fw.Levels[j].Scale || fw.Levels[i].Scale == fw.Levels[j].Scale && fw.Levels[i].Level < fw.Levels[j].Level
	})
}

// parsePredicates checks that the bands cover 1 to 5 without gaps or
// overlaps: sorted by min, the first starts at 1, each ends ("below") where
// the next starts, and the last reaches 5.
func parsePredicates(v *apperr.Validation, m fileModel, fw *Framework) {
	type band struct {
		name     string
		min, end float64
	}
	var bands []band
	for i, p := range m.Predicates {
		where := fmt.Sprintf("predicates[%d]", i)
		if strings.TrimSpace(p.Name) == "" || p.Min == nil || (p.Below == nil) == (p.Max == nil) {
			v.Add(where, "needs a name, a min and either below or max")
			return
		}
		end := 0.0
		if p.Below != nil {
			end = *p.Below
		} else {
			end = *p.Max
		}
		bands = append(bands, band{p.Name, *p.Min, end})
	}
	if len(bands) == 0 {
		v.Add("predicates", "must not be empty")
		return
	}
	sort.Slice(bands, func(i, j int) bool { return bands[i].min < bands[j].min })
	if math.Abs(bands[0].min-1) > weightTolerance {
		v.Add("predicates", "the lowest band must start at 1, not %g", bands[0].min)
	}
	for i := 0; i+1 < len(bands); i++ {
		if math.Abs(bands[i].end-bands[i+1].min) > weightTolerance {
			v.Add("predicates", "%q ends at %g but %q starts at %g: the bands must meet without gap or overlap",
				bands[i].name, bands[i].end, bands[i+1].name, bands[i+1].min)
			return
		}
	}
	if last := bands[len(bands)-1]; math.Abs(last.end-5) > weightTolerance {
		v.Add("predicates", "the highest band must reach 5, not %g", last.end)
	}
	for _, b := range bands {
		fw.Predicates = append(fw.Predicates, Predicate{Name: b.name, Min: b.min})
	}
}

// Export writes fw in the import file's shape, so that a model can be copied
// to another installation or edited into a new version.
func Export(fw Framework) ([]byte, error) {
	type ind struct {
		Code   string  `json:"code"`
		Number int     `json:"number"`
		Name   string  `json:"name"`
		NameEN string  `json:"name_en,omitempty"`
		Weight float64 `json:"weight_percent"`
	}
	type asp struct {
		Code       string  `json:"code"`
		Number     int     `json:"number"`
		Name       string  `json:"name"`
		Weight     float64 `json:"weight_percent"`
		Indicators []ind   `json:"indicators"`
	}
	type dom struct {
		Code    string  `json:"code"`
		Number  int     `json:"number"`
		Name    string  `json:"name"`
		Weight  float64 `json:"weight_percent"`
		Aspects []asp   `json:"aspects"`
	}
	type level struct {
		Level int    `json:"level"`
		Name  string `json:"name"`
	}
	out := struct {
		Code       string           `json:"framework_code"`
		Title      string           `json:"title"`
		Predicates []map[string]any `json:"predicates"`
		Levels     map[string]any   `json:"levels"`
		Domains    []dom            `json:"domains"`
	}{Code: fw.Code, Title: fw.Title, Levels: map[string]any{}}
	for i, p := range fw.Predicates {
		b := map[string]any{"name": p.Name, "min": p.Min}
		if i+1 < len(fw.Predicates) {
			b["below"] = fw.Predicates[i+1].Min
		} else {
			b["max"] = 5.0
		}
		out.Predicates = append(out.Predicates, b)
	}
	byScale := map[string][]level{}
	for _, l := range fw.Levels {
		byScale[l.Scale] = append(byScale[l.Scale], level{l.Level, l.Name})
	}
	for s, ls := range byScale {
		out.Levels[s] = ls
	}
	scales := map[string]string{}
	for _, d := range fw.Domains {
		scales[d.Code] = d.Scale
		dd := dom{Code: d.Code, Number: d.Number, Name: d.Name, Weight: d.Weight}
		for _, a := range d.Aspects {
			aa := asp{Code: a.Code, Number: a.Number, Name: a.Name, Weight: a.Weight}
			for _, i := range a.Indicators {
				aa.Indicators = append(aa.Indicators, ind{i.Code, i.Number, i.Name, i.NameEN, i.Weight})
			}
			dd.Aspects = append(dd.Aspects, aa)
		}
		out.Domains = append(out.Domains, dd)
	}
	out.Levels["scale_by_domain"] = scales
	return json.MarshalIndent(out, "", "  ")
}
