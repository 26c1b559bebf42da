package api_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// TestWorkflowBadInput sends the bad forms of every field of the review,
// finding, transition, action and comment endpoints and checks the status,
// the fields named, and that nothing was written.
func TestWorkflowBadInput(t *testing.T) {
	f := newFixture(t)
	rev := f.newReview("")
	draft := f.newFinding(rev, "")
	open := f.findingIn("open")
	inProgress := f.findingIn("in_progress")
	closed := f.findingIn("closed")
	submitted := f.findingIn("submitted")
	act := inProgress.Actions[0]
	todo := f.assign("manager", inProgress.ID, `["sk","surat_edaran"]`)
	inProgress = f.getFinding("auditor", inProgress.ID)
	viewer := f.users["viewer"].ID
	officerB := f.users["officerB"].ID
	fp := func(id int64, rest string) string { return fmt.Sprintf("/api/v1/findings/%d%s", id, rest) }
	ap := func(id int64, rest string) string { return fmt.Sprintf("/api/v1/actions/%d%s", id, rest) }
	long := strings.Repeat("a", 301)
	rp := fmt.Sprintf("/api/v1/reviews/%d", rev)
	var unitsCursor struct {
		NextCursor *string `json:"next_cursor"`
	}
	f.do("GET", "/api/v1/units?limit=1", f.tokens["admin"], "", &unitsCursor)

	tests := []badInput{
		// Reviews.
		{"review malformed", "POST", "/api/v1/reviews", `{"kind":`, 400, nil, ""},
		{"review empty", "POST", "/api/v1/reviews", `{}`, 422, []string{"conducted_on", "kind", "title"}, ""},
		{"review date a number", "POST", "/api/v1/reviews", `{"kind":"ict_audit","title":"x","conducted_on":20240101}`, 422, []string{"conducted_on"}, ""},
		{"review bad values", "POST", "/api/v1/reviews", `{"kind":"audit","title":"a\nb","conducted_on":"2024-02-30","application_id":999999,"assessment_id":999999}`,
			422, []string{"application_id", "assessment_id", "conducted_on", "kind", "title"}, ""},
		{"review title too long", "POST", "/api/v1/reviews", `{"kind":"ict_audit","title":"` + long + `","conducted_on":"2024-01-01"}`, 422, []string{"title"}, ""},
		{"review date with time", "POST", "/api/v1/reviews", `{"kind":"ict_audit","title":"x","conducted_on":"2024-01-01T00:00:00Z"}`, 422, []string{"conducted_on"}, ""},
		{"review unknown", "GET", "/api/v1/reviews/424242", "", 404, nil, ""},
		{"review patch without version", "PATCH", rp, `{"title":"Baru"}`, 422, []string{"version"}, ""},
		{"review patch stale", "PATCH", rp, `{"title":"Baru","version":7}`, 409, nil, ""},
		{"review patch malformed", "PATCH", rp, `{"title":`, 400, nil, ""},
		{"review patch wrong type", "PATCH", rp, `{"assessment_id":"2024","version":1}`, 422, []string{"assessment_id"}, ""},
		{"review patch nulls", "PATCH", rp, `{"kind":null,"title":null,"conducted_on":null,"summary":null,"version":1}`,
			422, []string{"conducted_on", "kind", "summary", "title"}, ""},
		{"review patch bad values", "PATCH", rp, `{"kind":"audit","title":"` + long + `","conducted_on":"2024-13-01","application_id":999999,"assessment_id":999999,"version":1}`,
			422, []string{"application_id", "assessment_id", "conducted_on", "kind", "title"}, ""},
		{"review patch unknown", "PATCH", "/api/v1/reviews/424242", `{"title":"Baru","version":1}`, 404, nil, ""},
		{"review list bad filter", "GET", "/api/v1/reviews?assessment_id=x", "", 422, []string{"assessment_id"}, ""},
		{"review list bad kind", "GET", "/api/v1/reviews?kind=audit", "", 422, []string{"kind"}, ""},
		{"review list bad limit", "GET", "/api/v1/reviews?limit=201", "", 422, []string{"limit"}, ""},

		// Creating findings.
		{"finding malformed", "POST", "/api/v1/findings", `{"title":"x"`, 400, nil, ""},
		{"finding empty", "POST", "/api/v1/findings", `{}`, 422, []string{"review_id", "severity", "title"}, ""},
		{"finding wrong types", "POST", "/api/v1/findings", `{"review_id":"1","title":"x","severity":"low"}`, 422, []string{"review_id"}, ""},
		{"finding codes not an array", "POST", "/api/v1/findings", fmt.Sprintf(`{"review_id":%d,"title":"x","severity":"low","indicator_codes":"I01"}`, rev), 422, []string{"indicator_codes"}, ""},
		{"finding bad values", "POST", "/api/v1/findings", fmt.Sprintf(`{"review_id":%d,"title":"x\u0007","severity":"urgent","unit_id":999999,
			"application_id":999999,"indicator_codes":["I99","I01","I01","bad code"],"due_date":"30-09-2024"}`, rev),
			422, []string{"application_id", "due_date", "indicator_codes[0]", "indicator_codes[2]", "indicator_codes[3]", "severity", "title", "unit_id"}, ""},
		{"finding unknown review", "POST", "/api/v1/findings", `{"review_id":999999,"title":"x","severity":"low"}`, 422, []string{"review_id"}, ""},
		{"finding text too long", "POST", "/api/v1/findings", fmt.Sprintf(`{"review_id":%d,"title":"x","severity":"low","condition":"%s"}`, rev, strings.Repeat("k", 20001)), 422, []string{"condition"}, ""},

		// Listing findings.
		{"list bad state", "GET", "/api/v1/findings?state=done", "", 422, []string{"state"}, ""},
		{"list bad overdue", "GET", "/api/v1/findings?overdue=maybe", "", 422, []string{"overdue"}, ""},
		{"list bad date", "GET", "/api/v1/findings?due_before=2024/01/01", "", 422, []string{"due_before"}, ""},
		{"list empty range", "GET", "/api/v1/findings?due_after=2024-05-01&due_before=2024-05-01", "", 422, []string{"due_after"}, ""},
		{"list bad unit", "GET", "/api/v1/findings?unit_id=-3", "", 422, []string{"unit_id"}, ""},
		{"list bad indicator", "GET", "/api/v1/findings?indicator=" + url.QueryEscape("I05' OR 1=1"), "", 422, []string{"indicator"}, ""},
		{"list bad severity", "GET", "/api/v1/findings?severity=severe", "", 422, []string{"severity"}, ""},
		{"list long query", "GET", "/api/v1/findings?q=" + strings.Repeat("x", 201), "", 422, []string{"q"}, ""},
		{"list cursor of another list", "GET", "/api/v1/findings?cursor=" + *unitsCursor.NextCursor, "", 400, nil, ""},
		{"list bad limit", "GET", "/api/v1/findings?limit=0", "", 422, []string{"limit"}, ""},

		// Editing findings.
		{"patch without version", "PATCH", fp(open.ID, ""), `{"title":"Baru"}`, 422, []string{"version"}, ""},
		{"patch stale", "PATCH", fp(open.ID, ""), fmt.Sprintf(`{"title":"Baru","version":%d}`, open.Version-1), 409, nil, ""},
		{"patch nulls", "PATCH", fp(draft.ID, ""), fmt.Sprintf(`{"title":null,"severity":null,"version":%d}`, draft.Version), 422, []string{"severity", "title"}, ""},
		{"patch bad values", "PATCH", fp(draft.ID, ""), fmt.Sprintf(`{"due_date":"tomorrow","indicator_codes":["I48"],"version":%d}`, draft.Version), 422, []string{"due_date", "indicator_codes[0]"}, ""},
		{"patch issued loses due date", "PATCH", fp(open.ID, ""), fmt.Sprintf(`{"due_date":null,"recommendation":" ","version":%d}`, open.Version), 422, []string{"due_date", "recommendation"}, ""},
		{"patch unit once assigned", "PATCH", fp(inProgress.ID, ""), fmt.Sprintf(`{"unit_id":%d,"version":%d}`, f.unitB.ID, inProgress.Version), 422, []string{"unit_id"}, ""},
		{"patch closed", "PATCH", fp(closed.ID, ""), fmt.Sprintf(`{"title":"Baru","version":%d}`, closed.Version), 409, nil, ""},
		{"patch unknown", "PATCH", fp(999999, ""), `{"title":"Baru","version":1}`, 404, nil, ""},

		// Transitions.
		{"transition malformed", "POST", fp(open.ID, "/transitions"), `{"action":"issue"`, 400, nil, ""},
		{"transition no action", "POST", fp(open.ID, "/transitions"), fmt.Sprintf(`{"version":%d}`, open.Version), 422, []string{"action"}, ""},
		{"transition unknown action", "POST", fp(open.ID, "/transitions"), fmt.Sprintf(`{"action":"approve","version":%d}`, open.Version), 422, []string{"action"}, ""},
		{"transition no version", "POST", fp(open.ID, "/transitions"), `{"action":"mark_not_actionable","reason":"x"}`, 422, []string{"version"}, ""},
		{"transition reason too long", "POST", fp(open.ID, "/transitions"), fmt.Sprintf(`{"action":"mark_not_actionable","reason":"%s","version":%d}`, strings.Repeat("r", 5001), open.Version), 422, []string{"reason"}, ""},
		{"transition blank reason", "POST", fp(open.ID, "/transitions"), fmt.Sprintf(`{"action":"mark_not_actionable","reason":"   ","version":%d}`, open.Version), 422, []string{"reason"}, ""},
		{"transition reopen ids off reject", "POST", fp(open.ID, "/transitions"), fmt.Sprintf(`{"action":"mark_not_actionable","reason":"x","reopen_action_ids":[%d],"version":%d}`, act.ID, open.Version), 422, []string{"reopen_action_ids"}, ""},
		{"reject reopening another finding's action", "POST", fp(submitted.ID, "/transitions"),
			fmt.Sprintf(`{"action":"reject","reason":"x","reopen_action_ids":[%d, %d],"version":%d}`, submitted.Actions[0].ID, act.ID, submitted.Version),
			422, []string{"reopen_action_ids[1]"}, ""},
		{"transition unknown finding", "POST", fp(999999, "/transitions"), `{"action":"issue","version":1}`, 404, nil, ""},

		// Actions.
		{"action malformed", "POST", fp(open.ID, "/actions"), `{"title":`, 400, nil, ""},
		{"action empty", "POST", fp(open.ID, "/actions"), `{}`, 422, []string{"assignee_id", "due_date", "title"}, ""},
		{"action assignee of another unit", "POST", fp(open.ID, "/actions"), fmt.Sprintf(`{"title":"x","assignee_id":%d,"due_date":"2024-09-01"}`, officerB), 422, []string{"assignee_id"}, ""},
		{"action assignee a viewer", "POST", fp(open.ID, "/actions"), fmt.Sprintf(`{"title":"x","assignee_id":%d,"due_date":"2024-09-01"}`, viewer), 422, []string{"assignee_id"}, ""},
		{"action unknown assignee", "POST", fp(open.ID, "/actions"), `{"title":"x","assignee_id":999999,"due_date":"2024-09-01"}`, 422, []string{"assignee_id"}, ""},
		{"action bad kinds", "POST", fp(open.ID, "/actions"), fmt.Sprintf(`{"title":"x","assignee_id":%d,"due_date":"2024-09-01","required_artifact_kinds":["sk","kontrak","sk"]}`, f.users["officer"].ID),
			422, []string{"required_artifact_kinds[1]", "required_artifact_kinds[2]"}, ""},
		{"action on closed finding", "POST", fp(closed.ID, "/actions"), fmt.Sprintf(`{"title":"x","assignee_id":%d,"due_date":"2024-09-01"}`, f.users["officer"].ID), 409, nil, ""},
		{"action on draft", "POST", fp(draft.ID, "/actions"), fmt.Sprintf(`{"title":"x","assignee_id":%d,"due_date":"2024-09-01"}`, f.users["officer"].ID), 409, nil, ""},
		{"action patch stale", "PATCH", ap(todo.ID, ""), fmt.Sprintf(`{"title":"y","version":%d}`, todo.Version+1), 409, nil, ""},
		{"action patch nulls", "PATCH", ap(todo.ID, ""), fmt.Sprintf(`{"title":null,"assignee_id":null,"due_date":null,"version":%d}`, todo.Version), 422, []string{"assignee_id", "due_date", "title"}, ""},
		{"action patch bad assignee", "PATCH", ap(todo.ID, ""), fmt.Sprintf(`{"assignee_id":%d,"version":%d}`, officerB, todo.Version), 422, []string{"assignee_id"}, ""},
		{"complete without evidence", "POST", ap(todo.ID, "/complete"), fmt.Sprintf(`{"note":"x","version":%d}`, todo.Version), 422, []string{"artifacts"}, ""},
		{"complete without version", "POST", ap(todo.ID, "/complete"), `{"note":"x"}`, 422, []string{"version"}, ""},
		{"complete done action", "POST", ap(act.ID, "/complete"), fmt.Sprintf(`{"note":"x","version":%d}`, act.Version), 409, nil, ""},
		{"complete unknown", "POST", ap(999999, "/complete"), `{"version":1}`, 404, nil, ""},

		// Comments and history.
		{"comment empty", "POST", fp(open.ID, "/comments"), `{"body":"  "}`, 422, []string{"body"}, ""},
		{"comment too long", "POST", fp(open.ID, "/comments"), `{"body":"` + strings.Repeat("c", 5001) + `"}`, 422, []string{"body"}, ""},
		{"comment a number", "POST", fp(open.ID, "/comments"), `{"body":5}`, 422, []string{"body"}, ""},
		{"events bad cursor", "GET", fp(open.ID, "/events?cursor=abc"), "", 400, nil, ""},
		{"events unknown", "GET", fp(999999, "/events"), "", 404, nil, ""},
	}
	count := func() (n int64) {
		f.db.Raw(`SELECT (SELECT count(*) + sum(version) FROM reviews) + (SELECT count(*) FROM audit_log) + (SELECT count(*) + sum(version) FROM findings)
			+ (SELECT count(*) + sum(version) FROM actions) + (SELECT count(*) FROM finding_events)
			+ (SELECT count(*) FROM notifications) + (SELECT coalesce(sum(last), 0) FROM finding_code_counters)`).Scan(&n)
		return n
	}
	f.checkBadInput(t, tests, count)
}
