// Package framework holds SPBE evaluation models as versioned data (domains,
// aspects, indicators with weights, level names, predicate bands), their
// import from a file, and the index arithmetic.
package framework

import (
	"math"
	"sort"
)

// DefaultCode is the model used when none is named: PermenPANRB 59/2020.
const DefaultCode = "spbe-2020"

// Framework is one evaluation model.
type Framework struct {
	Code       string
	Title      string
	Predicates []Predicate // ordered by Min, ascending
	Levels     []LevelName
	Domains    []Domain
}

// Predicate is a band of the index: it applies from Min up to the next
// band's Min (the top band up to 5).
type Predicate struct {
	Name string
	Min  float64
}

// LevelName names a capability level on a scale ("process" or "service").
type LevelName struct {
	Scale string
	Level int
	Name  string
}

// Domain groups aspects; Scale names the level scale its indicators use.
type Domain struct {
	Code    string
	Number  int
	Name    string
	Weight  float64
	Scale   string
	Aspects []Aspect
}

// Aspect groups indicators.
type Aspect struct {
	Code       string
	Number     int
	Name       string
	Weight     float64
	Indicators []Indicator
}

// Indicator is one scored item; weights are percent of the whole index.
type Indicator struct {
	Code   string
	Number int
	Name   string
	NameEN string
	Weight float64
}

// Indicators lists every indicator of f in order.
func (f Framework) Indicators() []Indicator {
	var out []Indicator
	for _, d := range f.Domains {
		for _, a := range d.Aspects {
			out = append(out, a.Indicators...)
		}
	}
	return out
}

// PredicateOf returns the band an index falls in ("" below the lowest band).
func (f Framework) PredicateOf(index float64) string {
	name := ""
	bands := append([]Predicate(nil), f.Predicates...)
	sort.Slice(bands, func(i, j int) bool { return bands[i].Min < bands[j].Min })
	for _, p := range bands {
		if index >= p.Min-1e-9 {
			name = p.Name
		}
	}
	return name
}

// Result is an index with its predicate, over the whole model and per
// domain.
type Result struct {
	Index     float64
	Predicate string
	// Scored counts the indicators that had a level.
	Scored  int
	Domains []DomainResult
}

// DomainResult is the index of one domain.
type DomainResult struct {
	Code   string
	Name   string
	Weight float64
	Index  float64
	Scored int
}

// Compute returns the index of f for the given levels (indicator code →
// level 1–5): the weighted mean sum(level·weight)/sum(weight) over the scored
// indicators, overall and per domain, rounded to two decimals as the index is
// published; the predicate is read from the rounded value. Indicators without
// a level are left out of both sums.
func Compute(f Framework, levels map[string]int) Result {
	var res Result
	var num, den float64
	for _, d := range f.Domains {
		var dn, dd float64
		dr := DomainResult{Code: d.Code, Name: d.Name, Weight: d.Weight}
		for _, a := range d.Aspects {
			for _, ind := range a.Indicators {
				lvl, ok := levels[ind.Code]
				if !ok {
					continue
				}
				dn += float64(lvl) * ind.Weight
				dd += ind.Weight
				dr.Scored++
			}
		}
		if dd > 0 {
			dr.Index = round2(dn / dd)
		}
		num, den = num+dn, den+dd
		res.Scored += dr.Scored
		res.Domains = append(res.Domains, dr)
	}
	if den > 0 {
		res.Index = round2(num / den)
		res.Predicate = f.PredicateOf(res.Index)
	}
	return res
}

// Project returns the levels with each indicator in improve raised to its
// target (never lowered): the index the assessment would reach if the open
// findings on those indicators were followed up.
func Project(levels, targets map[string]int, improve map[string]bool) map[string]int {
	out := make(map[string]int, len(levels))
	for k, v := range levels {
		out[k] = v
	}
	for code := range improve {
		if t, ok := targets[code]; ok && t > out[code] {
			out[code] = t
		}
	}
	return out
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }
