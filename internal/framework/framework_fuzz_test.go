package framework_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/framework"
)

// fuzzModel is a small valid model without domains, in the shape of
// pemdi-2026: the seed the fuzzer mutates into near-valid files.
const fuzzModel = `{"framework_code": "fuzz-1", "title": "Model uji", "scoring": "decimal",
 "stages": ["Penilaian Mandiri", "Visitasi"],
 "predicates": [{"name": "Kurang", "label": "Merintis", "min": 1, "below": 2.5},
                {"name": "Baik", "label": "Berkembang", "min": 2.5, "max": 5}],
 "levels": {"maturity": [{"level": 1, "name": "Satu"}, {"level": 2, "name": "Dua"}, {"level": 3, "name": "Tiga"},
                         {"level": 4, "name": "Empat"}, {"level": 5, "name": "Lima"}],
            "scale_by_aspect": {"A1": "maturity", "A2": "maturity"}},
 "aspects": [{"code": "A1", "number": 1, "name": "Kebijakan", "weight_percent": 40,
              "indicators": [{"code": "F01", "number": 1, "name": "Satu", "weight_percent": 40}]},
             {"code": "A2", "number": 2, "name": "Layanan", "weight_percent": 60,
              "indicators": [{"code": "F02", "number": 2, "name": "Dua", "weight_percent": 30, "external_source": "BSSN"},
                             {"code": "F03", "number": 3, "name": "Tiga", "weight_percent": 30}]}]}`

// fuzzDomainModel has domains, in the shape of spbe-2020.
const fuzzDomainModel = `{"framework_code": "fuzz-2", "title": "Model berdomain",
 "predicates": [{"name": "Kurang", "min": 1, "below": 3}, {"name": "Baik", "min": 3, "max": 5}],
 "levels": {"process": [{"level": 1, "name": "Rintisan"}, {"level": 2, "name": "Terkelola"},
                        {"level": 3, "name": "Terdefinisi"}, {"level": 4, "name": "Terpadu"}, {"level": 5, "name": "Optimum"}],
            "scale_by_domain": {"D1": "process"}},
 "domains": [{"code": "D1", "number": 1, "name": "Kebijakan", "weight_percent": 100,
              "aspects": [{"code": "A1", "number": 1, "name": "Kebijakan", "weight_percent": 100,
                           "indicators": [{"code": "G01", "number": 1, "name": "Satu", "weight_percent": 100}]}]}]}`

// FuzzParse checks that a model file either is refused as Malformed or
// Invalid, or is a model whose export reads back as the same model, with
// weights adding up and predicates starting at 1.00.
func FuzzParse(f *testing.F) {
	f.Add([]byte(fuzzModel))
	f.Add([]byte(fuzzDomainModel))
	f.Add([]byte(`{"framework_code": "x", "aspects": [], "domains": []}`))
	f.Add([]byte(`{"predicates": [{"name": "a", "min": 1.005, "max": 5}]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fw, err := framework.Parse(bytes.NewReader(data))
		if err != nil {
			if k := apperr.KindOf(err); k != apperr.Malformed && k != apperr.Invalid {
				t.Fatalf("Parse: %v (kind %q); want malformed or invalid", err, k)
			}
			return
		}
		if len(fw.Predicates) == 0 || fw.Predicates[0].Min != framework.MinScore {
			t.Fatalf("predicates %+v do not start at 1.00", fw.Predicates)
		}
		if len(fw.Indicators()) == 0 {
			t.Fatal("a model without indicators was accepted")
		}
		out, err := framework.Export(fw)
		if err != nil {
			t.Fatalf("Export of a parsed model: %v", err)
		}
		back, err := framework.Parse(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("the export of a parsed model does not parse: %v\n%s", err, out)
		}
		if diff := cmp.Diff(fw, back); diff != "" {
			t.Fatalf("export and parse changed the model (-parsed +reparsed):\n%s", diff)
		}
	})
}

// FuzzParseMapping checks that a mapping file is either Malformed or a
// mapping (its other problems are PutMapping's to report), and that a body
// leaving out from or to takes the models the address names.
func FuzzParseMapping(f *testing.F) {
	f.Add([]byte(`{"from": "spbe-2020", "to": "pemdi-2026", "note": "uji",
		"pairs": [{"from": "I21", "to": ["P02"], "why": "risiko"}, {"from": "I29", "to": ["P09", "P10"]}],
		"unmapped_to": ["P06"], "unmapped_why": {"P06": "baru"}}`))
	f.Add([]byte(`{"from": "a", "to": "a", "pairs": [{"from": "I1", "to": []}, {"from": "I1", "to": ["P1", "P1"]}]}`))
	f.Add([]byte(`{"pairs": null, "unmapped_why": {"": ""}}`))
	f.Add([]byte(`{"from": 3}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, from := range []string{"", "spbe-2020"} {
			m, err := framework.ParseMappingFor(bytes.NewReader(data), from, "pemdi-2026")
			if from == "" {
				m, err = framework.ParseMapping(bytes.NewReader(data))
			}
			if err != nil {
				if k := apperr.KindOf(err); k != apperr.Malformed {
					t.Fatalf("ParseMapping: %v (kind %q); want malformed", err, k)
				}
				return
			}
			if m.Pairs == nil || m.Unmapped == nil {
				t.Fatalf("ParseMapping(%q) left a nil list: %+v", data, m)
			}
			var body struct{ From, To string }
			json.NewDecoder(bytes.NewReader(data)).Decode(&body)
			if from != "" && body.From == "" && m.From != from {
				t.Fatalf("ParseMappingFor(%q, %q) = from %q; want the address's model", data, from, m.From)
			}
		}
	})
}

// FuzzParseDecimal checks that a parsed score is non-negative, has at most
// two decimals, and writes back (with a point or a comma) to text that
// parses to itself; and that it agrees with strconv on plain numbers.
func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"3", "3.2", "3.25", "3,25", "0", "000001.00", "3.250", "-1", "+1", "1e2", "3.", ".5",
		"999999.99", "1000000", "١٢", "3.2.5", "3,2,5", " 3", "4,00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := framework.ParseDecimal(s)
		if err != nil {
			return
		}
		if d < 0 {
			t.Fatalf("ParseDecimal(%q) = %d; negative", s, d)
		}
		for _, text := range []string{d.String(), d.Comma()} {
			back, err := framework.ParseDecimal(text)
			if err != nil || back != d {
				t.Fatalf("ParseDecimal(%q) = %s, which reads back from %q as %d, %v", s, d, text, back, err)
			}
		}
		x, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64)
		if err != nil || math.Abs(x*100-float64(d)) > 0.5 {
			t.Fatalf("ParseDecimal(%q) = %s; strconv reads %v, %v", s, d, x, err)
		}
	})
}

// FuzzParseScore checks that a score accepted under a model's scoring lies
// from 1 to 5, whole on a levels model, and that a refused one names the
// field.
func FuzzParseScore(f *testing.F) {
	for _, s := range []string{"3", "3.25", "3,25", "5.01", "0.99", "  4 ", "", "3.255", "abc", "2.50"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, decimal bool) {
		scoring := framework.Levels
		if decimal {
			scoring = framework.DecimalScores
		}
		var v apperr.Validation
		d := framework.ParseScore(&v, "score", s, scoring)
		err := v.Err()
		if err != nil {
			var e *apperr.Error
			if !errors.As(err, &e) || len(e.Fields) != 1 || e.Fields[0].Field != "score" {
				t.Fatalf("ParseScore(%q, %s): %v; want one problem naming score", s, scoring, err)
			}
			return
		}
		if d < framework.MinScore || d > framework.MaxScore || (scoring == framework.Levels && !d.IsWhole()) {
			t.Fatalf("ParseScore(%q, %s) accepted %s", s, scoring, d)
		}
	})
}
