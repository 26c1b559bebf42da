package finding

import (
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/date"
)

// FuzzParseFilter checks the finding list's query parsing: a filter that
// parses holds only valid states, positive ids, dates that write back as
// given and a trimmed query; one that does not is an Invalid error naming
// only list parameters.
func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{
		"state=open,in_progress&state=submitted&unit_id=3&overdue=true&due_before=2024-09-30&q=+rapat+",
		"state=opened&unit_id=0&review_id=-1&assessment_id=x&overdue=maybe&due_after=2024-02-30",
		"indicator=P09&severity=high&due_after=1899-12-31",
		"state=,&q=%00%ff&unit_id=9223372036854775808",
		"q=a;b&&=&%zz",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, _ := url.ParseQuery(raw)
		flt, err := ParseFilter(q)
		if err != nil {
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Kind != apperr.Invalid || len(ae.Fields) == 0 {
				t.Fatalf("ParseFilter(%q): %v; want invalid naming fields", raw, err)
			}
			for _, fe := range ae.Fields {
				if !slices.Contains(FilterParams, fe.Field) {
					t.Fatalf("ParseFilter(%q) names %q, not a list parameter", raw, fe.Field)
				}
			}
			return
		}
		for _, st := range flt.States {
			if !st.Valid() {
				t.Fatalf("ParseFilter(%q) kept state %q", raw, st)
			}
		}
		for _, id := range []*int64{flt.UnitID, flt.ReviewID, flt.AssessmentID} {
			if id != nil && *id < 1 {
				t.Fatalf("ParseFilter(%q) kept id %d", raw, *id)
			}
		}
		for name, d := range map[string]date.Date{"due_before": flt.DueBefore, "due_after": flt.DueAfter} {
			if q.Get(name) != "" && d.String() != q.Get(name) {
				t.Fatalf("ParseFilter(%q): %s %q read as %q", raw, name, q.Get(name), d)
			}
		}
		if flt.Query != strings.TrimSpace(flt.Query) {
			t.Fatalf("ParseFilter(%q): query %q not trimmed", raw, flt.Query)
		}
	})
}
