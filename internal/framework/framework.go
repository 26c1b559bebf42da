// Package framework holds evaluation models as versioned data (SPBE 2020,
// Pemerintah Digital 2026 and whatever is imported next): aspects, optional
// domains, indicators with weights, scales, predicate bands, stages, and
// the mappings between models; their import from files; assessments scored
// on a model; and the index arithmetic.
package framework

import (
	"slices"
	"sort"
	"strings"
)

// DefaultCode is the model of the API when a client names none, kept for
// the clients written before the current model existed. The web interface
// proposes the current model instead (Store.Current).
const DefaultCode = "spbe-2020"

// Scoring is how a model scores its indicators.
type Scoring string

// The scorings a model may use.
const (
	// Levels scores whole capability levels 1–5 (spbe-2020).
	Levels Scoring = "levels"
	// DecimalScores scores 1.00–5.00 with two decimals (pemdi-2026).
	DecimalScores Scoring = "decimal"
)

// Valid reports whether s is a known scoring.
func (s Scoring) Valid() bool { return s == Levels || s == DecimalScores }

// The range of every score.
var (
	MinScore = Whole(1)
	MaxScore = Whole(5)
)

// Framework is one evaluation model.
type Framework struct {
	Code    string
	Title   string
	Scoring Scoring
	// Current is the model new assessments are proposed on; one at most.
	Current bool
	// Supersedes is the code of the model this one replaced, if any.
	Supersedes string
	// SourceNote says where the facts come from and how sure they are.
	SourceNote string
	// Stages are the default milestones of an assessment, in order.
	Stages     []string
	Predicates []Predicate // ordered by Min, ascending
	Levels     []LevelName
	// Domains is empty in a model without domains. Each domain's Aspects
	// are its share of the model's Aspects.
	Domains []Domain
	// Aspects lists every aspect in order, each with its indicators.
	Aspects []Aspect
}

// HasDomains reports whether the model groups its aspects in domains.
func (f Framework) HasDomains() bool { return len(f.Domains) > 0 }

// Predicate is a band of the index: it applies from Min up to the next
// band's Min (the top band up to 5). Label is the newer models' second
// name ("Baik" is labelled "Berkembang"); empty where a model has none.
type Predicate struct {
	Name  string
	Label string
	Min   Decimal
}

// LevelName names a capability level on a scale ("process", "service",
// "maturity").
type LevelName struct {
	Scale string
	Level int
	Name  string
}

// Domain groups aspects; Scale names the level scale its indicators use
// when the model names scales per domain.
type Domain struct {
	Code    string
	Number  int
	Name    string
	Weight  float64
	Scale   string
	Aspects []Aspect
}

// Aspect groups indicators. DomainCode is "" in a model without domains;
// Scale is set when the model names scales per aspect.
type Aspect struct {
	Code       string
	Number     int
	Name       string
	Weight     float64
	DomainCode string
	Scale      string
	Indicators []Indicator
}

// Indicator is one scored item; weights are percent of the whole index.
// ExternalSource names the other agency's index its score is drawn from.
type Indicator struct {
	Code           string
	Number         int
	Name           string
	NameEN         string
	Weight         float64
	ExternalSource string
}

// Indicators lists every indicator of f in order.
func (f Framework) Indicators() []Indicator {
	var out []Indicator
	for _, a := range f.Aspects {
		out = append(out, a.Indicators...)
	}
	return out
}

// Holds reports whether f has an indicator with code.
func (f Framework) Holds(code string) bool {
	for _, a := range f.Aspects {
		for _, i := range a.Indicators {
			if i.Code == code {
				return true
			}
		}
	}
	return false
}

// ScaleOf returns the level scale of an aspect: its own, or its domain's.
func (f Framework) ScaleOf(a Aspect) string {
	if a.Scale != "" {
		return a.Scale
	}
	for _, d := range f.Domains {
		if d.Code == a.DomainCode {
			return d.Scale
		}
	}
	return ""
}

// PredicateOf returns the band a (rounded) index falls in; the zero
// Predicate below the lowest band.
func (f Framework) PredicateOf(index Decimal) Predicate {
	var out Predicate
	bands := append([]Predicate(nil), f.Predicates...)
	sort.Slice(bands, func(i, j int) bool { return bands[i].Min < bands[j].Min })
	for _, p := range bands {
		if index >= p.Min {
			out = p
		}
	}
	return out
}

// Result is an index with its predicate, over the whole model, per domain
// (in a model with domains) and per aspect.
type Result struct {
	Index     Decimal
	Predicate Predicate
	// Scored counts the indicators that had a score.
	Scored  int
	Domains []GroupResult
	Aspects []GroupResult
}

// GroupResult is the index of one domain or aspect; Index is meaningful
// only when Scored > 0.
type GroupResult struct {
	Code   string
	Name   string
	Weight float64
	Index  Decimal
	Scored int
}

// sums accumulates Σ score·weight and Σ weight over scored indicators.
type sums struct {
	num, den int64
	scored   int
}

func (s *sums) add(score Decimal, weight float64) {
	w := weightOf(weight)
	s.num += int64(score) * w
	s.den += w
	s.scored++
}

func (s sums) group(code, name string, weight float64) GroupResult {
	g := GroupResult{Code: code, Name: name, Weight: weight, Scored: s.scored}
	if s.den > 0 {
		g.Index = meanOf(s.num, s.den)
	}
	return g
}

// Compute returns the index of f for the given scores (indicator code →
// score, whole levels or two-decimal scores alike): the weighted mean
// Σ(score·weight)/Σ(weight) over the scored indicators, overall, per
// domain and per aspect, each rounded to two decimals half away from zero
// as the index is published; the predicate is read from the rounded value.
// Indicators without a score are left out of both sums. The arithmetic is
// exact: scores in hundredths times weights in ten-thousandths of a
// percent, summed in integers, divided once.
func Compute(f Framework, scores map[string]Decimal) Result {
	var res Result
	var all sums
	byDomain := map[string]*sums{}
	for _, a := range f.Aspects {
		var as sums
		for _, ind := range a.Indicators {
			sc, ok := scores[ind.Code]
			if !ok {
				continue
			}
			as.add(sc, ind.Weight)
			all.add(sc, ind.Weight)
		}
		if a.DomainCode != "" {
			d := byDomain[a.DomainCode]
			if d == nil {
				d = &sums{}
				byDomain[a.DomainCode] = d
			}
			d.num, d.den, d.scored = d.num+as.num, d.den+as.den, d.scored+as.scored
		}
		res.Aspects = append(res.Aspects, as.group(a.Code, a.Name, a.Weight))
	}
	for _, d := range f.Domains {
		s := sums{}
		if x := byDomain[d.Code]; x != nil {
			s = *x
		}
		res.Domains = append(res.Domains, s.group(d.Code, d.Name, d.Weight))
	}
	res.Scored = all.scored
	if all.den > 0 {
		res.Index = meanOf(all.num, all.den)
		res.Predicate = f.PredicateOf(res.Index)
	}
	return res
}

// Project returns the scores with each indicator in improve raised to its
// target (never lowered): the index the assessment would reach if the
// active findings on those indicators were followed up.
func Project(scores, targets map[string]Decimal, improve map[string]bool) map[string]Decimal {
	out := make(map[string]Decimal, len(scores))
	for k, v := range scores {
		out[k] = v
	}
	for code := range improve {
		if t, ok := targets[code]; ok && t > out[code] {
			out[code] = t
		}
	}
	return out
}

// IndexName is the name of the model's index, which its title leads with
// ("Indeks Pemerintah Digital — PermenPANRB No. 8 Tahun 2026 …" is
// "Indeks Pemerintah Digital"); a title of another shape is taken whole.
func (f Framework) IndexName() string {
	name, _, _ := strings.Cut(f.Title, " — ")
	return strings.TrimSpace(name)
}

// Target is an indicator of a model that a finding counts on, with the
// older indicators it counts through (none when the finding names it).
type Target struct {
	Code string
	Via  []string
}

// Targets returns the indicators of f that a finding naming codes counts
// on, in the order the finding's codes first lead to them: a code f holds
// counts on itself, another on what onto (Store.Onto of f) maps it to —
// the carry-over that finding_indicator_targets counts in the database.
// The reminder e-mail and the assessment page group findings with it.
func (f Framework) Targets(onto map[string][]string, codes []string) []Target {
	var out []Target
	at := map[string]int{}
	direct := map[string]bool{}
	for _, c := range codes {
		if f.Holds(c) {
			direct[c] = true
		}
	}
	add := func(code, via string) {
		i, ok := at[code]
		if !ok {
			i = len(out)
			at[code] = i
			out = append(out, Target{Code: code})
		}
		if via != "" && !direct[code] && !slices.Contains(out[i].Via, via) {
			out[i].Via = append(out[i].Via, via)
		}
	}
	for _, c := range codes {
		if direct[c] {
			add(c, "")
			continue
		}
		for _, t := range onto[c] {
			add(t, c)
		}
	}
	return out
}
