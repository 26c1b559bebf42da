package api_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

type findingPage struct {
	Items      []findingDoc
	NextCursor *string `json:"next_cursor"`
}

// codes lists the codes of a finding list as who, following every page.
func (f *fixture) listCodes(who, query string, limit int) []string {
	f.t.Helper()
	var out []string
	cursor := ""
	for range 1000 {
		q := query + "&limit=" + fmt.Sprint(limit)
		if cursor != "" {
			q += "&cursor=" + url.QueryEscape(cursor)
		}
		var page findingPage
		mustStatus(f.t, f.do("GET", "/api/v1/findings?"+q, f.tokens[who], "", &page), 200)
		for _, it := range page.Items {
			out = append(out, it.Code)
		}
		if page.NextCursor == nil {
			return out
		}
		cursor = *page.NextCursor
	}
	f.t.Fatal("the list does not end")
	return nil
}

func TestFindingListFilters(t *testing.T) {
	f := newFixture(t)
	// 01:30 WITA on 2 October 2024 is still 1 October in UTC: a finding due
	// on 1 October is overdue in the organisation's zone.
	f.setNow(time.Date(2024, 10, 1, 17, 30, 0, 0, time.UTC))
	rev := f.newReview("")
	rev2 := f.newReview(`{"kind":"ict_audit","title":"Audit Keamanan","conducted_on":"2024-08-01"}`)

	mk := func(review int64, title, extra string) findingDoc {
		return f.newFinding(review, fmt.Sprintf(`,"title":%q%s`, title, extra))
	}
	dueYesterday := f.mustMove("auditor", mk(rev, "Kebijakan keamanan informasi belum ditetapkan", `,"due_date":"2024-10-01","severity":"critical","indicator_codes":["I43"]`), "issue", "")
	dueToday := f.mustMove("auditor", mk(rev, "Pedoman manajemen data belum ada", `,"due_date":"2024-10-02"`), "issue", "")
	dueLater := f.mustMove("auditor", mk(rev2, "Peta rencana manajemen aset TIK", `,"due_date":"2025-01-31","indicator_codes":["I40","I43"]`), "issue", "")
	pastButSubmitted := f.findingIn("submitted") // due 2024-09-30: waiting on auditors, not overdue
	draft := mk(rev, "Draf temuan audit infrastruktur", `,"due_date":"2024-01-01"`)
	var unitB findingDoc
	mustStatus(t, f.do("POST", "/api/v1/findings", f.tokens["auditor"], fmt.Sprintf(`{"review_id":%d,"title":"Kebijakan Bappeda",
		"severity":"low","unit_id":%d,"condition":"Arsip ÉLEKTRONIK belum dikelola (lanjutan %s)","recommendation":"Menetapkan kebijakan",
		"due_date":"2024-03-01"}`, rev2, f.unitB.ID, dueToday.Code), &unitB), 201)
	unitB = f.mustMove("auditor", unitB, "issue", "")

	var one findingDoc
	f.do("GET", fmt.Sprintf("/api/v1/findings/%d", dueYesterday.ID), f.tokens["auditor"], "", &one)
	if !one.Overdue || one.AuditCategory == nil || *one.AuditCategory != "belum_ditindaklanjuti" {
		t.Errorf("due yesterday (WITA): overdue=%v category=%v", one.Overdue, one.AuditCategory)
	}

	everything := []string{draft.Code, unitB.Code, pastButSubmitted.Code, dueYesterday.Code, dueToday.Code, dueLater.Code}
	// The start of the codes: every code of the year but its last digit.
	prefix := strings.ToLower(dueToday.Code[:len(dueToday.Code)-1])
	var withPrefix []string
	for _, c := range everything {
		if strings.HasPrefix(strings.ToLower(c), prefix) {
			withPrefix = append(withPrefix, c)
		}
	}
	if len(withPrefix) < 2 {
		t.Fatalf("the fixture's codes %v share no prefix %q", everything, prefix)
	}
	tests := []struct {
		name, who, query string
		want             []string
	}{
		{"everything, by due date, drafts too", "auditor", "", []string{draft.Code, unitB.Code, pastButSubmitted.Code, dueYesterday.Code, dueToday.Code, dueLater.Code}},
		{"overdue in WITA", "auditor", "overdue=true", []string{unitB.Code, dueYesterday.Code}},
		{"not overdue", "auditor", "overdue=false", []string{draft.Code, pastButSubmitted.Code, dueToday.Code, dueLater.Code}},
		{"overdue of one unit", "auditor", fmt.Sprintf("overdue=true&unit_id=%d", f.unitA.ID), []string{dueYesterday.Code}},
		{"state and overdue", "auditor", "state=open&overdue=true", []string{unitB.Code, dueYesterday.Code}},
		{"states repeated", "auditor", "state=draft&state=submitted", []string{draft.Code, pastButSubmitted.Code}},
		{"states comma-separated", "auditor", "state=draft,submitted", []string{draft.Code, pastButSubmitted.Code}},
		{"submitted is never overdue", "auditor", "state=submitted&overdue=true", nil},
		{"review", "auditor", fmt.Sprintf("review_id=%d", rev2), []string{unitB.Code, dueLater.Code}},
		{"indicator", "auditor", "indicator=I43", []string{dueYesterday.Code, dueLater.Code}},
		{"severity", "auditor", "severity=critical", []string{dueYesterday.Code}},
		{"due before (strict)", "auditor", "due_before=2024-10-01", []string{draft.Code, unitB.Code, pastButSubmitted.Code}},
		{"due after (strict)", "auditor", "due_after=2024-10-01", []string{dueToday.Code, dueLater.Code}},
		{"due window", "auditor", "due_after=2024-09-30&due_before=2025-01-31", []string{dueYesterday.Code, dueToday.Code}},
		{"text: word inside a longer word", "auditor", "q=kebijakan", []string{unitB.Code, dueYesterday.Code}},
		{"text: case and several words", "auditor", "q=" + url.QueryEscape("PETA aset"), []string{dueLater.Code}},
		// A code is found as a code and where another finding's text names it.
		{"text: code", "auditor", "q=" + dueToday.Code, []string{unitB.Code, dueToday.Code}},
		{"text: a lowercase code", "auditor", "q=" + strings.ToLower(dueToday.Code), []string{unitB.Code, dueToday.Code}},
		{"text: a code's number", "auditor", "q=" + dueToday.Code[len(dueToday.Code)-4:], []string{unitB.Code, dueToday.Code}},
		{"text: the start of codes", "auditor", "q=" + prefix, withPrefix},
		{"text: codes' year and a word", "auditor", "q=" + url.QueryEscape("-2024- kebijakan"), []string{unitB.Code, dueYesterday.Code}},
		{"text: case beyond ASCII", "auditor", "q=" + url.QueryEscape("élektronik"), []string{unitB.Code}},
		{"text: LIKE characters are literal", "auditor", "q=" + url.QueryEscape("100%_"), nil},
		{"combined", "auditor", fmt.Sprintf("unit_id=%d&state=open&indicator=I43&q=keamanan&due_before=2024-12-31", f.unitA.ID), []string{dueYesterday.Code}},
		{"manager: own unit, no drafts", "manager", "", []string{pastButSubmitted.Code, dueYesterday.Code, dueToday.Code, dueLater.Code}},
		{"manager asking for another unit", "manager", fmt.Sprintf("unit_id=%d", f.unitB.ID), nil},
		{"officer: only where they hold an action", "officer", "", []string{pastButSubmitted.Code}},
		{"viewer sees all", "viewer", "state=open", []string{unitB.Code, dueYesterday.Code, dueToday.Code, dueLater.Code}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := *f
			f.t = t
			for _, limit := range []int{1, 2, 50} {
				got := f.listCodes(tt.who, tt.query, limit)
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Fatalf("limit %d (-want +got):\n%s", limit, diff)
				}
			}
		})
	}
}

// TestFindingListPagingUnderInserts: walking the list while findings are
// created and issued sees every finding that existed at the start exactly
// once.
func TestFindingListPagingUnderInserts(t *testing.T) {
	f := newFixture(t)
	rev := f.newReview("")
	var existing []string
	for i := range 12 {
		fd := f.newFinding(rev, fmt.Sprintf(`,"due_date":"2024-%02d-15"`, i%12+1))
		existing = append(existing, fd.Code)
	}
	seen := map[string]int{}
	cursor := ""
	for page := 0; ; page++ {
		q := "/api/v1/findings?limit=5"
		if cursor != "" {
			q += "&cursor=" + url.QueryEscape(cursor)
		}
		var p findingPage
		mustStatus(t, f.do("GET", q, f.tokens["auditor"], "", &p), 200)
		for _, it := range p.Items {
			seen[it.Code]++
		}
		// Meanwhile, new findings due before and after the current page.
		f.newFinding(rev, `,"due_date":"2024-01-01"`)
		f.newFinding(rev, `,"due_date":"2025-06-01"`)
		if p.NextCursor == nil {
			break
		}
		cursor = *p.NextCursor
	}
	for _, c := range existing {
		if seen[c] != 1 {
			t.Errorf("%s seen %d times", c, seen[c])
		}
	}
	for c, n := range seen {
		if n > 1 {
			t.Errorf("%s seen %d times", c, n)
		}
	}
}
