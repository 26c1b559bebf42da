package api_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type eventDoc struct {
	ID        int64
	Seq       int
	Kind      string
	ActorID   *int64  `json:"actor_id"`
	FromState *string `json:"from_state"`
	ToState   *string `json:"to_state"`
	Data      map[string]any
	Hash      string
	PrevHash  *string `json:"prev_hash"`
}

func (f *fixture) events(who string, id int64) []eventDoc {
	f.t.Helper()
	var page struct{ Items []eventDoc }
	mustStatus(f.t, f.do("GET", fmt.Sprintf("/api/v1/findings/%d/events?limit=200", id), f.tokens[who], "", &page), 200)
	return page.Items
}

// notices lists the queued notifications of a finding as kind → recipients.
func (f *fixture) notices(id int64) map[string][]int64 {
	f.t.Helper()
	var rows []struct {
		Kind string
		To   string
	}
	f.db.Raw(`SELECT kind, array_to_json(to_user_ids)::text AS "to" FROM notifications WHERE finding_id = ? ORDER BY id`, id).Scan(&rows)
	out := map[string][]int64{}
	for _, r := range rows {
		var ids []int64
		json.Unmarshal([]byte(r.To), &ids)
		out[r.Kind] = append(out[r.Kind], ids...)
	}
	return out
}

// TestFollowUpRecordsEventsAndNotifications walks a finding through reject
// and close and checks its history and the notifications queued with it.
func TestFollowUpRecordsEventsAndNotifications(t *testing.T) {
	f := newFixture(t)
	manager2 := f.addUser(f.admin(), "kabid@kalselprov.go.id", "manager", f.unitA.ID)
	fd := f.findingIn("submitted")
	act := fd.Actions[0]
	if act.Status != "done" {
		t.Fatalf("action %+v", act)
	}
	rec := f.do("POST", fmt.Sprintf("/api/v1/findings/%d/transitions", fd.ID), f.tokens["auditor"],
		fmt.Sprintf(`{"action":"reject","reason":"SK belum ditandatangani","reopen_action_ids":[%d],"version":%d}`, act.ID, fd.Version), &fd)
	mustStatus(t, rec, 200)
	if fd.State != "in_progress" || fd.Actions[0].Status != "todo" || fd.SubmittedBy != nil {
		t.Fatalf("after reject: %+v", fd)
	}
	f.complete("officer", fd.Actions[0])
	fd = f.mustMove("manager", f.getFinding("manager", fd.ID), "submit", "")
	fd = f.mustMove("admin", fd, "close", "")
	mustStatus(t, f.do("POST", fmt.Sprintf("/api/v1/findings/%d/comments", fd.ID), f.tokens["officer"], `{"body":"Terima kasih"}`, nil), 201)

	evs := f.events("viewer", fd.ID)
	var kinds []string
	prev := ""
	for i, e := range evs {
		kinds = append(kinds, e.Kind)
		if e.Seq != i+1 {
			t.Errorf("event %d has seq %d", i+1, e.Seq)
		}
		if (i == 0) != (e.PrevHash == nil) || (i > 0 && *e.PrevHash != prev) {
			t.Errorf("event %d: prev_hash %v does not link to %s", e.Seq, e.PrevHash, prev)
		}
		if len(e.Hash) != 64 {
			t.Errorf("event %d: hash %q", e.Seq, e.Hash)
		}
		prev = e.Hash
	}
	want := []string{"created", "issue", "action_assigned", "action_completed", "submit", "reject", "action_completed", "submit", "close", "comment"}
	if diff := cmp.Diff(want, kinds); diff != "" {
		t.Fatalf("event kinds (-want +got):\n%s", diff)
	}
	reject := evs[5]
	if *reject.FromState != "submitted" || *reject.ToState != "in_progress" || reject.Data["reason"] != "SK belum ditandatangani" ||
		*reject.ActorID != f.users["auditor"].ID {
		t.Errorf("reject event = %+v", reject)
	}

	officer, manager, auditor := f.users["officer"].ID, f.users["manager"].ID, f.users["auditor"].ID
	wantNotices := map[string][]int64{
		"action_assigned":   {officer},
		"finding_submitted": {auditor, auditor},
		"finding_rejected":  {manager, officer, manager2.ID},
		"finding_closed":    {manager, manager2.ID},
	}
	got := f.notices(fd.ID)
	for k := range got {
		sortIDs(got[k])
	}
	for k := range wantNotices {
		sortIDs(wantNotices[k])
	}
	if diff := cmp.Diff(wantNotices, got); diff != "" {
		t.Errorf("notifications (-want +got):\n%s", diff)
	}
}

func sortIDs(s []int64) { slices.Sort(s) }

// TestEditsAreEvents: a PATCH records what changed, from and to; an edit
// that changes nothing records nothing; a new assignee is notified.
func TestEditsAreEvents(t *testing.T) {
	f := newFixture(t)
	fd := f.findingIn("open")
	var out findingDoc
	mustStatus(t, f.do("PATCH", fmt.Sprintf("/api/v1/findings/%d", fd.ID), f.tokens["auditor"],
		fmt.Sprintf(`{"due_date":"2024-12-31","indicator_codes":["I21","I22"],"version":%d}`, fd.Version), &out), 200)
	if out.Version != fd.Version+1 || *out.DueDate != "2024-12-31" {
		t.Fatalf("after patch: %+v", out)
	}
	mustStatus(t, f.do("PATCH", fmt.Sprintf("/api/v1/findings/%d", fd.ID), f.tokens["auditor"],
		fmt.Sprintf(`{"due_date":"2024-12-31","version":%d}`, out.Version), &out), 200)
	if out.Version != fd.Version+1 {
		t.Errorf("an edit that changes nothing bumped the version to %d", out.Version)
	}
	evs := f.events("auditor", fd.ID)
	last := evs[len(evs)-1]
	want := map[string]any{
		"due_date":        map[string]any{"from": "2024-09-30", "to": "2024-12-31"},
		"indicator_codes": map[string]any{"from": []any{"I21"}, "to": []any{"I21", "I22"}},
	}
	if diff := cmp.Diff(want, last.Data); last.Kind != "updated" || diff != "" {
		t.Errorf("update event %s (-want +got):\n%s", last.Kind, diff)
	}

	a := f.assign("manager", fd.ID, "[]")
	other := f.addUser(f.admin(), "staf2@kalselprov.go.id", "officer", f.unitA.ID)
	var changed actionDoc
	mustStatus(t, f.do("PATCH", fmt.Sprintf("/api/v1/actions/%d", a.ID), f.tokens["manager"],
		fmt.Sprintf(`{"assignee_id":%d,"version":%d}`, other.ID, a.Version), &changed), 200)
	if changed.AssigneeID != other.ID || changed.Version != a.Version+1 {
		t.Errorf("after reassign: %+v", changed)
	}
	got := f.notices(fd.ID)["action_assigned"]
	if diff := cmp.Diff([]int64{f.users["officer"].ID, other.ID}, got); diff != "" {
		t.Errorf("assignment notices (-want +got):\n%s", diff)
	}
	// The new assignee now sees the finding; the officer, who holds no
	// action on it any more, no longer does.
	f.tokens["staf2"] = f.login("staf2@kalselprov.go.id")
	mustStatus(t, f.do("GET", fmt.Sprintf("/api/v1/findings/%d", fd.ID), f.tokens["staf2"], "", nil), 200)
	f.problem(f.do("GET", fmt.Sprintf("/api/v1/findings/%d", fd.ID), f.tokens["officer"], "", nil), 404)
}

// TestCreateFindingIdempotent: a retried creation with the same key
// returns the first finding rather than a second code.
func TestCreateFindingIdempotent(t *testing.T) {
	f := newFixture(t)
	rev := f.newReview("")
	body := fmt.Sprintf(`{"review_id":%d,"title":"Temuan sekali saja","severity":"medium"}`, rev)
	var a, b findingDoc
	r1 := f.do("POST", "/api/v1/findings", f.tokens["auditor"], body, &a, "Idempotency-Key", "temuan-1")
	r2 := f.do("POST", "/api/v1/findings", f.tokens["auditor"], body, &b, "Idempotency-Key", "temuan-1")
	mustStatus(t, r1, 201)
	mustStatus(t, r2, 201)
	if a.Code != b.Code || r2.Header().Get("Idempotent-Replayed") != "true" || r1.Header().Get("Location") != r2.Header().Get("Location") {
		t.Errorf("retry created %s after %s", b.Code, a.Code)
	}
	var n int
	f.db.Raw("SELECT count(*) FROM findings").Scan(&n)
	if n != 1 {
		t.Errorf("%d findings; want 1", n)
	}
}
