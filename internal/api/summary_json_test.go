package api

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/tindaklanjut/tindaklanjut/internal/date"
	"github.com/tindaklanjut/tindaklanjut/internal/finding"
	"github.com/tindaklanjut/tindaklanjut/internal/report"
)

// TestSummaryJSONAsEncodingJSON compares the summary written by hand with
// encoding/json's encoding of the same value: names with quotes, HTML
// characters, Indonesian and invalid text, drafts without a unit, an
// empty summary, a count map with a key beyond the known ones and one
// without a state.
func TestSummaryJSONAsEncodingJSON(t *testing.T) {
	counts := func(seed int) report.Counts {
		c := report.Counts{ByState: map[finding.State]int{}, Total: seed * 7, Overdue: seed, DueIn7Days: seed + 1, DueIn30Days: -seed}
		for i, st := range finding.States {
			c.ByState[st] = seed*10 + i
		}
		return c
	}
	id := int64(42)
	full := report.Summary{Today: date.MustParse("2026-12-07"), Counts: counts(1),
		Units: []report.UnitCounts{
			{UnitID: &id, Code: "DISKOMINFO", Name: `Dinas "Kominfo" <Statistik> & Persandian`, Counts: counts(2)},
			{Code: "", Name: "", Counts: counts(3)},
			{UnitID: &id, Code: "BPKAD\\X", Name: "Badan Pengelolaan Keuangan – Daerah\u2028\x01" + string([]byte{0xff}), Counts: counts(4)}},
		Domains: []report.DomainCounts{{FrameworkCode: "spbe-2020", Code: "D1", Name: "Kebijakan Internal SPBE", Counts: counts(5)}},
		Aspects: []report.AspectCounts{{FrameworkCode: "ipd-2026", Code: "A1", Name: "Tata Kelola", Counts: counts(6)}}}
	odd := counts(7)
	odd.ByState["archived"] = 3
	partial := counts(8)
	delete(partial.ByState, finding.Submitted)
	full.Units = append(full.Units, report.UnitCounts{UnitID: &id, Code: "X", Name: "Y", Counts: odd},
		report.UnitCounts{UnitID: &id, Code: "Z", Name: "W", Counts: partial})
	for name, s := range map[string]report.Summary{"full": full, "empty": {Counts: report.Counts{}},
		"no maps": {Today: date.MustParse("2026-06-01"), Counts: report.Counts{Total: 1}}} {
		got := appendSummary(nil, s)
		want, err := json.Marshal(toSummary(s))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
	}
}

// BenchmarkSummaryJSON encodes the summary of 600 units (the national
// data set's) with 15 domains and 7 aspects.
func BenchmarkSummaryJSON(b *testing.B) {
	c := report.Counts{ByState: map[finding.State]int{}}
	for i, st := range finding.States {
		c.ByState[st] = i * 100
	}
	s := report.Summary{Counts: c}
	for i := range 600 {
		id := int64(i)
		s.Units = append(s.Units, report.UnitCounts{UnitID: &id, Code: "DISKOMINFO", Name: "Dinas Komunikasi dan Informatika", Counts: c})
	}
	for range 15 {
		s.Domains = append(s.Domains, report.DomainCounts{FrameworkCode: "spbe-2020", Code: "D1", Name: "Kebijakan Internal", Counts: c})
	}
	for range 7 {
		s.Aspects = append(s.Aspects, report.AspectCounts{FrameworkCode: "ipd-2026", Code: "A1", Name: "Tata Kelola", Counts: c})
	}
	b.ReportAllocs()
	for b.Loop() {
		appendSummary(make([]byte, 0, 1024+400*len(s.Units)), s)
	}
}
