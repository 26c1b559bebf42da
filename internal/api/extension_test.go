package api_test

import (
	"fmt"
	"strings"
	"testing"
)

type extensionDoc struct {
	ID          int64
	Subject     string
	SubjectID   int64  `json:"subject_id"`
	OldDueDate  string `json:"old_due_date"`
	DueDate     string `json:"due_date"`
	Status      string
	RequestedBy int64  `json:"requested_by"`
	DecidedBy   *int64 `json:"decided_by"`
	Version     int
}

// TestExtensionRequests asks for more time for an action and a finding,
// decides, and checks who may, the pending and limit conflicts, and that
// approval moves the date.
func TestExtensionRequests(t *testing.T) {
	f := newFixture(t)
	fd := f.findingIn("open")
	act := f.assign("manager", fd.ID, "")
	ap := fmt.Sprintf("/api/v1/actions/%d/extensions", act.ID)
	fp := fmt.Sprintf("/api/v1/findings/%d/extensions", fd.ID)
	ask := func(who, path, due string) extensionDoc {
		t.Helper()
		var e extensionDoc
		mustStatus(t, f.do("POST", path, f.tokens[who], fmt.Sprintf(`{"due_date":%q,"reason":"SK menunggu tanda tangan"}`, due), &e), 201)
		return e
	}
	decide := func(who string, e extensionDoc, decision string, want int) extensionDoc {
		t.Helper()
		var out extensionDoc
		var into any
		if want == 200 {
			into = &out
		}
		body := fmt.Sprintf(`{"decision":%q,"note":"Catatan auditor","version":%d}`, decision, e.Version)
		mustStatus(t, f.do("POST", fmt.Sprintf("/api/v1/extensions/%d/decision", e.ID), f.tokens[who], body, into), want)
		return out
	}

	e := ask("officer", ap, "2024-09-30")
	if e.Subject != "action" || e.SubjectID != act.ID || e.OldDueDate != "2024-08-31" || e.DueDate != "2024-09-30" ||
		e.Status != "pending" || e.RequestedBy != f.users["officer"].ID || e.Version != 1 || e.DecidedBy != nil {
		t.Errorf("requested: %+v", e)
	}
	rec := f.do("POST", ap, f.tokens["manager"], `{"due_date":"2024-10-30","reason":"Lagi"}`, nil)
	if p := f.problem(rec, 409); !strings.Contains(p.Detail, "pending") {
		t.Errorf("a second pending request: %s", rec.Body)
	}
	// Nobody decides their own request, nor may the unit decide.
	if p := f.problem(f.do("POST", fmt.Sprintf("/api/v1/extensions/%d/decision", e.ID), f.tokens["officer"],
		`{"decision":"approve","version":1}`, nil), 403); p.Status != 403 {
		t.Errorf("the requester deciding: %+v", p)
	}
	decide("manager", e, "approve", 403)
	decide("viewer", e, "approve", 403)
	stale := e
	stale.Version = 7
	decide("auditor", stale, "approve", 409)
	approved := decide("auditor", e, "approve", 200)
	if approved.Status != "approved" || approved.DecidedBy == nil || *approved.DecidedBy != f.users["auditor"].ID || approved.Version != 2 {
		t.Errorf("approved: %+v", approved)
	}
	rec = f.do("POST", fmt.Sprintf("/api/v1/extensions/%d/decision", e.ID), f.tokens["admin"], `{"decision":"refuse","note":"x","version":2}`, nil)
	if p := f.problem(rec, 409); !strings.Contains(p.Detail, "approved already") {
		t.Errorf("deciding a decided request: %s", rec.Body)
	}
	got := f.getFinding("manager", fd.ID)
	var moved bool
	for _, a := range got.Actions {
		moved = moved || (a.ID == act.ID && a.Version == act.Version+1)
	}
	var due string
	f.db.Raw(`SELECT due_date::text FROM actions WHERE id = ?`, act.ID).Scan(&due)
	if due != "2024-09-30" || !moved {
		t.Errorf("after approval the action is due %s (version moved: %v)", due, moved)
	}

	// A refusal keeps the date; a second approval reaches the limit of 2.
	refused := decide("admin", ask("manager", ap, "2024-10-15"), "refuse", 200)
	if refused.Status != "refused" {
		t.Errorf("refused: %+v", refused)
	}
	decide("auditor", ask("officer", ap, "2024-10-31"), "approve", 200)
	rec = f.do("POST", ap, f.tokens["officer"], `{"due_date":"2024-11-30","reason":"Sekali lagi"}`, nil)
	if p := f.problem(rec, 409); !strings.Contains(p.Detail, "limit of 2") {
		t.Errorf("a third extension: %s", rec.Body)
	}

	// The finding's own date: its unit's manager asks.
	mustStatus(t, f.do("POST", fp, f.tokens["officer"], `{"due_date":"2024-12-31","reason":"x"}`, nil), 403)
	mustStatus(t, f.do("POST", fp, f.tokens["auditor"], `{"due_date":"2024-12-31","reason":"x"}`, nil), 403)
	fe := ask("manager", fp, "2024-12-31")
	if fe.Subject != "finding" || fe.SubjectID != fd.ID || fe.OldDueDate != "2024-09-30" {
		t.Errorf("the finding's request: %+v", fe)
	}
	decide("auditor", fe, "approve", 200)
	if got := f.getFinding("auditor", fd.ID); got.DueDate == nil || *got.DueDate != "2024-12-31" {
		t.Errorf("the finding is due %v", got.DueDate)
	}

	var list struct{ Items []extensionDoc }
	mustStatus(t, f.do("GET", fmt.Sprintf("/api/v1/extensions?finding_id=%d&status=approved", fd.ID), f.tokens["manager"], "", &list), 200)
	if len(list.Items) != 3 || list.Items[0].ID != fe.ID {
		t.Errorf("approved requests, newest first: %+v", list.Items)
	}
	officerB := f.login(f.users["officerB"].Email)
	list.Items = nil
	mustStatus(t, f.do("GET", "/api/v1/extensions", officerB, "", &list), 200)
	if len(list.Items) != 0 {
		t.Errorf("another unit's officer sees %d requests", len(list.Items))
	}
	mustStatus(t, f.do("GET", fmt.Sprintf("/api/v1/extensions/%d", e.ID), officerB, "", nil), 404)
	mustStatus(t, f.do("GET", fmt.Sprintf("/api/v1/extensions/%d", e.ID), f.tokens["viewer"], "", nil), 200)

	var evs struct {
		Items []struct {
			Kind string
			Data map[string]any
		}
	}
	mustStatus(t, f.do("GET", fmt.Sprintf("/api/v1/findings/%d/events?limit=200", fd.ID), f.tokens["auditor"], "", &evs), 200)
	n := map[string]int{}
	for _, ev := range evs.Items {
		if strings.HasPrefix(ev.Kind, "extension_") {
			n[ev.Kind]++
			if ev.Data["old_due_date"] == nil || ev.Data["due_date"] == nil {
				t.Errorf("%s without both dates: %v", ev.Kind, ev.Data)
			}
		}
	}
	if n["extension_requested"] != 4 || n["extension_approved"] != 3 || n["extension_refused"] != 1 {
		t.Errorf("events: %v", n)
	}
}

// TestExtensionBadInput sends the bad forms of a request and a decision:
// each a 4xx naming the field, and nothing written.
func TestExtensionBadInput(t *testing.T) {
	f := newFixture(t)
	fd := f.findingIn("open")
	act := f.assign("manager", fd.ID, "")
	done := f.findingIn("in_progress").Actions[0]
	closed := f.findingIn("closed")
	ap := fmt.Sprintf("/api/v1/actions/%d/extensions", act.ID)
	var pending extensionDoc
	mustStatus(t, f.do("POST", fmt.Sprintf("/api/v1/findings/%d/extensions", fd.ID), f.tokens["manager"],
		`{"due_date":"2024-10-30","reason":"Menunggu SK"}`, &pending), 201)
	dp := fmt.Sprintf("/api/v1/extensions/%d/decision", pending.ID)
	reason := func(n int) string { return strings.Repeat("a", n) }
	tests := []badInput{
		{"malformed", "POST", ap, `{"due_date":`, 400, nil, ""},
		{"empty", "POST", ap, `{}`, 422, []string{"due_date", "reason"}, ""},
		{"same date", "POST", ap, `{"due_date":"2024-08-31","reason":"x"}`, 422, []string{"due_date"}, "later than the current due date"},
		{"earlier date", "POST", ap, `{"due_date":"2024-08-01","reason":"x"}`, 422, []string{"due_date"}, "later"},
		{"over a year", "POST", ap, `{"due_date":"2025-09-01","reason":"x"}`, 422, []string{"due_date"}, "365"},
		{"malformed date", "POST", ap, `{"due_date":"31-12-2024","reason":"x"}`, 422, []string{"due_date"}, "YYYY-MM-DD"},
		{"date a number", "POST", ap, `{"due_date":20241231,"reason":"x"}`, 422, []string{"due_date"}, ""},
		{"empty reason", "POST", ap, `{"due_date":"2024-09-30","reason":"  "}`, 422, []string{"reason"}, ""},
		{"long reason", "POST", ap, `{"due_date":"2024-09-30","reason":"` + reason(5001) + `"}`, 422, []string{"reason"}, "2000"},
		{"control characters", "POST", ap, `{"due_date":"2024-09-30","reason":"a\u0000b"}`, 422, []string{"reason"}, ""},
		{"done action", "POST", fmt.Sprintf("/api/v1/actions/%d/extensions", done.ID), `{"due_date":"2024-09-30","reason":"x"}`, 409, nil, "done"},
		{"closed finding", "POST", fmt.Sprintf("/api/v1/findings/%d/extensions", closed.ID), `{"due_date":"2024-12-30","reason":"x"}`, 409, nil, "closed"},
		{"unknown action", "POST", "/api/v1/actions/424242/extensions", `{"due_date":"2024-09-30","reason":"x"}`, 404, nil, ""},
		{"decision malformed", "POST", dp, `{"decision":`, 400, nil, ""},
		{"decision missing", "POST", dp, `{"version":1}`, 422, []string{"decision"}, ""},
		{"decision unknown", "POST", dp, `{"decision":"maybe","version":1}`, 422, []string{"decision"}, ""},
		{"refusal without note", "POST", dp, `{"decision":"refuse","version":1}`, 422, []string{"note"}, ""},
		{"note too long", "POST", dp, `{"decision":"approve","note":"` + reason(2001) + `","version":1}`, 422, []string{"note"}, ""},
		{"decision without version", "POST", dp, `{"decision":"approve"}`, 422, []string{"version"}, ""},
		{"decision stale", "POST", dp, `{"decision":"approve","version":3}`, 409, nil, ""},
		{"decision unknown request", "POST", "/api/v1/extensions/424242/decision", `{"decision":"approve","version":1}`, 404, nil, ""},
		{"list bad status", "GET", "/api/v1/extensions?status=open", "", 422, []string{"status"}, ""},
		{"list bad finding", "GET", "/api/v1/extensions?finding_id=x", "", 422, []string{"finding_id"}, ""},
		{"get unknown", "GET", "/api/v1/extensions/424242", "", 404, nil, ""},
	}
	// Requests go as the unit's manager (an admin may not ask), the rest
	// as the admin.
	count := func() int64 {
		var n int64
		f.db.Raw(`SELECT (SELECT count(*) FROM extension_requests) * 1000 + (SELECT count(*) FROM finding_events)
			+ (SELECT coalesce(sum(version), 0) FROM extension_requests)`).Scan(&n)
		return n
	}
	f.checkBadInputAs(t, func(tt badInput) string {
		if tt.method == "POST" && strings.HasSuffix(tt.path, "/extensions") {
			return "manager"
		}
		return "admin"
	}, tests, count)
}
