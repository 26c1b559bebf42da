package api_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tindaklanjut/tindaklanjut/internal/api"
)

// badInput is one bad request and the problem it must get.
type badInput struct {
	name, method, path, body string
	status                   int
	fields                   []string // sorted; nil: not checked
	detail                   string   // a part of the problem's detail or of a field's message
}

// checkBadInput sends each case as the admin and checks the status, the
// fields named (each with a message) and the detail; count sums what the
// cases could touch, and must not change.
func (f *fixture) checkBadInput(t *testing.T, tests []badInput, count func() int64) {
	t.Helper()
	f.checkBadInputAs(t, func(badInput) string { return "admin" }, tests, count)
}

// checkBadInputAs is checkBadInput with each case sent as the caller who
// names.
func (f *fixture) checkBadInputAs(t *testing.T, who func(badInput) string, tests []badInput, count func() int64) {
	t.Helper()
	before := count()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := *f
			f.t = t
			rec := f.do(tt.method, tt.path, f.tokens[who(tt)], tt.body, nil)
			p := f.problem(rec, tt.status)
			checkFields(t, p, tt.fields, rec.Body.String())
			said := p.Detail
			for _, e := range p.Errors {
				said += "\n" + e.Message
			}
			if !strings.Contains(said, tt.detail) {
				t.Errorf("neither the detail nor a field's message says %q: %s", tt.detail, said)
			}
		})
	}
	if after := count(); after != before {
		t.Errorf("bad input changed the database (%d → %d)", before, after)
	}
}

// checkFields compares the fields a problem names (sorted) with want (nil:
// not checked), and requires a helpful message for each.
func checkFields(t *testing.T, p api.Problem, want []string, body string) {
	t.Helper()
	got := fields(p)
	slices.Sort(got)
	if want != nil {
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("fields (-want +got):\n%s\nbody %s", diff, body)
		}
	}
	for _, e := range p.Errors {
		if e.Message == "" || strings.Contains(e.Message, "validate") {
			t.Errorf("field %s has an unhelpful message %q", e.Field, e.Message)
		}
	}
}
