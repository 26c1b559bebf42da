package finding

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/date"
)

// FilterParams are the finding list's query parameters, in the API and in
// the pages' URLs alike.
var FilterParams = []string{"state", "unit_id", "review_id", "assessment_id", "indicator", "severity", "overdue",
	"due_before", "due_after", "q"}

// ParseFilter reads the list's filters from a URL query: state repeated
// or comma-separated, ids, indicator, severity, overdue (true/false, 1/0),
// due_before and due_after as dates, q. Malformed values are one Invalid
// error naming each; values that parse are checked by ValidateFilter.
func ParseFilter(q url.Values) (Filter, error) {
	var f Filter
	var v apperr.Validation
	for _, s := range q["state"] {
		for _, part := range strings.Split(s, ",") {
			st := State(strings.TrimSpace(part))
			if !st.Valid() {
				v.Add("state", "must be one of draft, open, in_progress, submitted, closed, not_actionable")
				continue
			}
			f.States = append(f.States, st)
		}
	}
	for name, dst := range map[string]**int64{"unit_id": &f.UnitID, "review_id": &f.ReviewID, "assessment_id": &f.AssessmentID} {
		if s := q.Get(name); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 1 {
				v.Add(name, "must be a positive whole number (an id)")
				continue
			}
			*dst = &n
		}
	}
	if s := q.Get("indicator"); s != "" {
		f.Indicator = &s
	}
	if s := q.Get("severity"); s != "" {
		sv := Severity(s)
		f.Severity = &sv
	}
	if s := q.Get("overdue"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			v.Add("overdue", "must be true or false")
		} else {
			f.Overdue = &b
		}
	}
	for name, dst := range map[string]*date.Date{"due_before": &f.DueBefore, "due_after": &f.DueAfter} {
		if s := q.Get(name); s != "" {
			d, err := date.Parse(s)
			if err != nil {
				v.Add(name, "must be a date written YYYY-MM-DD, such as 2024-09-30")
				continue
			}
			*dst = d
		}
	}
	f.Query = strings.TrimSpace(q.Get("q"))
	return f, v.Err()
}
