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

// The import file has the shape of the published facts of a model, in one
// of two forms. With domains (spbe-2020):
//
//	{"framework_code": "spbe-2020", "title": "…",
//	 "predicates": [{"name": "Memuaskan", "min": 4.2, "max": 5.0}, {"name": "Baik", "min": 2.6, "below": 3.5}, …],
//	 "levels": {"process": [{"level": 1, "name": "Rintisan"}, …], "service": […],
//	            "scale_by_domain": {"D1": "process", …}},
//	 "domains": [{"code": "D1", "number": 1, "name": "…", "weight_percent": 13.0,
//	              "aspects": [{"code": "A1", …, "indicators": [{"code": "I01", "number": 1, "name": "…",
//	                                                          "name_en": "…", "weight_percent": 1.3}]}]}]}
//
// Without domains (pemdi-2026), aspects at the top, a scale per aspect,
// decimal scoring, predicates with labels and the assessment's stages:
//
//	{"framework_code": "pemdi-2026", "title": "…", "scoring": "decimal", "supersedes": "spbe-2020",
//	 "source_note": "…", "stages": ["Penilaian Mandiri", …],
//	 "predicates": [{"name": "Baik", "label": "Berkembang", "min": 2.5, "below": 3.5}, …],
//	 "levels": {"maturity": […], "scale_by_aspect": {"A1": "maturity", …}},
//	 "aspects": [{"code": "A1", …, "indicators": [{"code": "P01", …, "external_source": null}]}]}
//
// "current": true makes the model the one new assessments are proposed on;
// a model that supersedes the current one becomes current too.
type fileModel struct {
	Code       string   `json:"framework_code"`
	Title      string   `json:"title"`
	Scoring    string   `json:"scoring"`
	Current    *bool    `json:"current"`
	Supersedes string   `json:"supersedes"`
	SourceNote string   `json:"source_note"`
	Stages     []string `json:"stages"`
	Predicates []struct {
		Name  string   `json:"name"`
		Label string   `json:"label"`
		Min   *float64 `json:"min"`
		Below *float64 `json:"below"`
		Max   *float64 `json:"max"`
	} `json:"predicates"`
	Levels  map[string]json.RawMessage `json:"levels"`
	Domains []struct {
		Code    string       `json:"code"`
		Number  int          `json:"number"`
		Name    string       `json:"name"`
		Weight  float64      `json:"weight_percent"`
		Aspects []fileAspect `json:"aspects"`
	} `json:"domains"`
	Aspects []fileAspect `json:"aspects"`
}

type fileAspect struct {
	Code       string  `json:"code"`
	Number     int     `json:"number"`
	Name       string  `json:"name"`
	Weight     float64 `json:"weight_percent"`
	Indicators []struct {
		Code           string  `json:"code"`
		Number         int     `json:"number"`
		Name           string  `json:"name"`
		NameEN         string  `json:"name_en"`
		Weight         float64 `json:"weight_percent"`
		ExternalSource *string `json:"external_source"`
	} `json:"indicators"`
}

var codeRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// IndicatorCodePattern is what an indicator code looks like: I05, P12.
var IndicatorCodePattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,16}$`)

const weightTolerance = 0.001

// parser collects the problems of one file, each named by where it is.
type parser struct {
	v      apperr.Validation
	fw     Framework
	seen   map[string]string // code → where first used
	number map[int]bool      // indicator numbers
}

func (p *parser) unique(where, code string) {
	if code == "" {
		p.v.Add(where+".code", "is required")
		return
	}
	if first, dup := p.seen[code]; dup {
		p.v.Add(where+".code", "%q is used twice (also at %s)", code, first)
		return
	}
	p.seen[code] = where
}

// Parse reads and validates a model file of either shape. Every problem
// found is reported in one Invalid error, each naming where in the file it
// is (domains[0].aspects[1].weight_percent). Whether its codes clash with a
// model already held is the store's to check (Store.Import).
func Parse(r io.Reader) (Framework, error) {
	var m fileModel
	dec := json.NewDecoder(r)
	if err := dec.Decode(&m); err != nil {
		return Framework{}, apperr.E(apperr.Malformed, "The file is not valid JSON: %v", err)
	}
	p := &parser{seen: map[string]string{}, number: map[int]bool{}}
	p.fw = Framework{Code: m.Code, Title: strings.TrimSpace(m.Title), Scoring: Scoring(m.Scoring),
		Supersedes: m.Supersedes, SourceNote: strings.TrimSpace(m.SourceNote), Current: m.Current != nil && *m.Current}
	if p.fw.Scoring == "" {
		p.fw.Scoring = Levels
	}
	if !codeRE.MatchString(m.Code) {
		p.v.Add("framework_code", "must be 1 to 64 lowercase letters, digits, '.', '_' or '-'")
	}
	if p.fw.Title == "" {
		p.v.Add("title", "is required")
	}
	if !p.fw.Scoring.Valid() {
		p.v.Add("scoring", "must be levels or decimal")
	}
	if m.Supersedes != "" && m.Supersedes == m.Code {
		p.v.Add("supersedes", "names the model itself")
	}
	for i, s := range m.Stages {
		s = strings.TrimSpace(s)
		if s == "" || len(s) > 200 {
			p.v.Add(fmt.Sprintf("stages[%d]", i), "must be a name of 1 to 200 characters")
		}
		p.fw.Stages = append(p.fw.Stages, s)
	}
	scales := p.parseLevels(m)
	p.parsePredicates(m)
	switch {
	case len(m.Domains) > 0 && len(m.Aspects) > 0:
		p.v.Add("aspects", "a model lists its aspects either under domains or at the top, not both")
	case len(m.Domains) > 0:
		p.parseDomains(m, scales)
	case len(m.Aspects) > 0:
		var total float64
		for i, a := range m.Aspects {
			where := fmt.Sprintf("aspects[%d]", i)
			asp := p.parseAspect(where, a, "", scales[a.Code])
			if asp.Scale == "" {
				p.v.Add(where, "has no level scale in levels.scale_by_aspect")
			}
			total += a.Weight
		}
		if math.Abs(total-100) > weightTolerance {
			p.v.Add("aspects", "the weights add up to %g; they must add up to 100", round4(total))
		}
	default:
		p.v.Add("aspects", "must not be empty: a model lists domains with aspects, or aspects")
	}
	if err := p.v.Err(); err != nil {
		return Framework{}, err
	}
	return p.fw, nil
}

func (p *parser) parseDomains(m fileModel, scales map[string]string) {
	var total float64
	for i, d := range m.Domains {
		dw := fmt.Sprintf("domains[%d]", i)
		p.unique(dw, d.Code)
		dom := Domain{Code: d.Code, Number: d.Number, Name: d.Name, Weight: d.Weight, Scale: scales[d.Code]}
		var aspectSum float64
		if dom.Scale == "" {
			p.v.Add(dw, "has no level scale in levels.scale_by_domain")
		}
		for j, a := range d.Aspects {
			asp := p.parseAspect(fmt.Sprintf("%s.aspects[%d]", dw, j), a, d.Code, "")
			aspectSum += a.Weight
			dom.Aspects = append(dom.Aspects, asp)
		}
		if len(d.Aspects) == 0 {
			p.v.Add(dw+".aspects", "must not be empty")
		} else if math.Abs(aspectSum-d.Weight) > weightTolerance {
			p.v.Add(dw+".weight_percent", "is %g but its aspects weigh %g", d.Weight, round4(aspectSum))
		}
		total += d.Weight
		p.fw.Domains = append(p.fw.Domains, dom)
	}
	if math.Abs(total-100) > weightTolerance {
		p.v.Add("domains", "the weights add up to %g; they must add up to 100", round4(total))
	}
}

// parseAspect checks one aspect and its indicators and appends it to the
// model's aspects.
func (p *parser) parseAspect(where string, a fileAspect, domain, scale string) Aspect {
	p.unique(where, a.Code)
	asp := Aspect{Code: a.Code, Number: a.Number, Name: a.Name, Weight: a.Weight, DomainCode: domain, Scale: scale}
	if strings.TrimSpace(a.Name) == "" {
		p.v.Add(where+".name", "is required")
	}
	if a.Weight <= 0 {
		p.v.Add(where+".weight_percent", "must be above 0")
	}
	var sum float64
	for k, ind := range a.Indicators {
		iw := fmt.Sprintf("%s.indicators[%d]", where, k)
		p.unique(iw, ind.Code)
		if ind.Code != "" && !IndicatorCodePattern.MatchString(ind.Code) {
			p.v.Add(iw+".code", "must be 1 to 16 letters, digits, '.', '_' or '-', such as P05")
		}
		if p.number[ind.Number] {
			p.v.Add(iw+".number", "%d is used twice", ind.Number)
		}
		p.number[ind.Number] = true
		if ind.Weight <= 0 {
			p.v.Add(iw+".weight_percent", "must be above 0")
		}
		if strings.TrimSpace(ind.Name) == "" {
			p.v.Add(iw+".name", "is required")
		}
		sum += ind.Weight
		x := Indicator{Code: ind.Code, Number: ind.Number, Name: ind.Name, NameEN: ind.NameEN, Weight: ind.Weight}
		if ind.ExternalSource != nil {
			x.ExternalSource = *ind.ExternalSource
		}
		asp.Indicators = append(asp.Indicators, x)
	}
	if len(a.Indicators) == 0 {
		p.v.Add(where+".indicators", "must not be empty")
	} else if math.Abs(sum-a.Weight) > weightTolerance {
		p.v.Add(where+".weight_percent", "is %g but its indicators weigh %g", a.Weight, round4(sum))
	}
	p.fw.Aspects = append(p.fw.Aspects, asp)
	return asp
}

func round4(x float64) float64 { return math.Round(x*10000) / 10000 }

// scaleBy reads levels.scale_by_domain or levels.scale_by_aspect.
func scaleBy(m fileModel, key string) map[string]string {
	out := map[string]string{}
	if raw, ok := m.Levels[key]; ok {
		json.Unmarshal(raw, &out)
	}
	return out
}

// parseLevels reads the level names of every scale the model uses and
// returns the scale of each domain or aspect code.
func (p *parser) parseLevels(m fileModel) map[string]string {
	scales := scaleBy(m, "scale_by_domain")
	for k, s := range scaleBy(m, "scale_by_aspect") {
		scales[k] = s
	}
	needed := map[string]bool{}
	for _, s := range scales {
		needed[s] = true
	}
	names := make([]string, 0, len(needed))
	for s := range needed {
		names = append(names, s)
	}
	sort.Strings(names)
	for _, scale := range names {
		raw, ok := m.Levels[scale]
		var levels []struct {
			Level int    `json:"level"`
			Name  string `json:"name"`
		}
		if !ok || json.Unmarshal(raw, &levels) != nil {
			p.v.Add("levels."+scale, "must list the names of levels 1 to 5")
			continue
		}
		got := map[int]bool{}
		for _, l := range levels {
			if l.Level < 1 || l.Level > 5 || got[l.Level] || strings.TrimSpace(l.Name) == "" {
				p.v.Add("levels."+scale, "must name each of levels 1 to 5 once")
				break
			}
			got[l.Level] = true
			p.fw.Levels = append(p.fw.Levels, LevelName{Scale: scale, Level: l.Level, Name: l.Name})
		}
		if len(got) != 5 && !p.v.Has("levels."+scale) {
			p.v.Add("levels."+scale, "must name each of levels 1 to 5 once")
		}
	}
	return scales
}

// parsePredicates checks that the bands cover 1 to 5 without gaps or
// overlaps: sorted by min, the first starts at 1, each ends ("below") where
// the next starts, and the last reaches 5. Bounds have at most two
// decimals, as the index has.
func (p *parser) parsePredicates(m fileModel) {
	type band struct {
		name, label string
		min, end    Decimal
	}
	var bands []band
	for i, x := range m.Predicates {
		where := fmt.Sprintf("predicates[%d]", i)
		if strings.TrimSpace(x.Name) == "" || x.Min == nil || (x.Below == nil) == (x.Max == nil) {
			p.v.Add(where, "needs a name, a min and either below or max")
			return
		}
		end := x.Max
		if x.Below != nil {
			end = x.Below
		}
		lo, lok := bound(*x.Min)
		hi, hok := bound(*end)
		if !lok || !hok {
			p.v.Add(where, "bounds must lie from 1 to 5 with at most two decimals")
			return
		}
		bands = append(bands, band{x.Name, strings.TrimSpace(x.Label), lo, hi})
	}
	if len(bands) == 0 {
		p.v.Add("predicates", "must not be empty")
		return
	}
	sort.Slice(bands, func(i, j int) bool { return bands[i].min < bands[j].min })
	if bands[0].min != MinScore {
		p.v.Add("predicates", "the lowest band must start at 1, not %s", bands[0].min)
	}
	for i := 0; i+1 < len(bands); i++ {
		if bands[i].end != bands[i+1].min {
			p.v.Add("predicates", "%q ends at %s but %q starts at %s: the bands must meet without gap or overlap",
				bands[i].name, bands[i].end, bands[i+1].name, bands[i+1].min)
			return
		}
	}
	if last := bands[len(bands)-1]; last.end != MaxScore {
		p.v.Add("predicates", "the highest band must reach 5, not %s", last.end)
	}
	for _, b := range bands {
		p.fw.Predicates = append(p.fw.Predicates, Predicate{Name: b.name, Label: b.label, Min: b.min})
	}
}

// bound reads a band's bound from the file's number: 1 to 5 with at most
// two decimals (a JSON number is a binary fraction, so 2.5 is read back to
// the hundredth it was written as).
func bound(x float64) (Decimal, bool) {
	h := math.Round(x * 100)
	if math.Abs(x*100-h) > 1e-6 || h < 100 || h > 500 {
		return 0, false
	}
	return Decimal(h), true
}

// Export writes fw in the import file's shape (domains → aspects when the
// model has domains, aspects at the top otherwise), so that a model can be
// copied to another installation or edited into a new version.
func Export(fw Framework) ([]byte, error) {
	type ind struct {
		Code           string  `json:"code"`
		Number         int     `json:"number"`
		Name           string  `json:"name"`
		NameEN         string  `json:"name_en,omitempty"`
		Weight         float64 `json:"weight_percent"`
		ExternalSource *string `json:"external_source,omitempty"`
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
		Scoring    Scoring          `json:"scoring"`
		Current    bool             `json:"current,omitempty"`
		Supersedes string           `json:"supersedes,omitempty"`
		SourceNote string           `json:"source_note,omitempty"`
		Stages     []string         `json:"stages,omitempty"`
		Predicates []map[string]any `json:"predicates"`
		Levels     map[string]any   `json:"levels"`
		Domains    []dom            `json:"domains,omitempty"`
		Aspects    []asp            `json:"aspects,omitempty"`
	}{Code: fw.Code, Title: fw.Title, Scoring: fw.Scoring, Current: fw.Current, Supersedes: fw.Supersedes,
		SourceNote: fw.SourceNote, Stages: fw.Stages, Levels: map[string]any{}}
	for i, p := range fw.Predicates {
		b := map[string]any{"name": p.Name, "min": p.Min}
		if p.Label != "" {
			b["label"] = p.Label
		}
		if i+1 < len(fw.Predicates) {
			b["below"] = fw.Predicates[i+1].Min
		} else {
			b["max"] = MaxScore
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
	toAsp := func(a Aspect) asp {
		aa := asp{Code: a.Code, Number: a.Number, Name: a.Name, Weight: a.Weight}
		for _, i := range a.Indicators {
			x := ind{Code: i.Code, Number: i.Number, Name: i.Name, NameEN: i.NameEN, Weight: i.Weight}
			if i.ExternalSource != "" {
				x.ExternalSource = &i.ExternalSource
			}
			aa.Indicators = append(aa.Indicators, x)
		}
		return aa
	}
	if fw.HasDomains() {
		scales := map[string]string{}
		for _, d := range fw.Domains {
			scales[d.Code] = d.Scale
			dd := dom{Code: d.Code, Number: d.Number, Name: d.Name, Weight: d.Weight}
			for _, a := range d.Aspects {
				dd.Aspects = append(dd.Aspects, toAsp(a))
			}
			out.Domains = append(out.Domains, dd)
		}
		out.Levels["scale_by_domain"] = scales
	} else {
		scales := map[string]string{}
		for _, a := range fw.Aspects {
			scales[a.Code] = a.Scale
			out.Aspects = append(out.Aspects, toAsp(a))
		}
		out.Levels["scale_by_aspect"] = scales
	}
	return json.MarshalIndent(out, "", "  ")
}
