package api_test

import (
	"fmt"
	"strings"
	"testing"
)

// failedNotification queues a notification for the officer that failed
// delivery, as the sender leaves one after a 550.
func (f *fixture) failedNotification() int64 {
	f.t.Helper()
	var id int64
	err := f.db.Raw(`INSERT INTO notifications (dedup_key, kind, to_user_ids, status, attempts, last_error, subject, first_attempt_at)
		VALUES ('test:' || gen_random_uuid(), 'weekly_digest', ARRAY[?]::bigint[], 'failed', 1, '550 mailbox unavailable',
		'Ringkasan mingguan', now()) RETURNING id`, f.users["officer"].ID).Scan(&id).Error
	if err != nil {
		f.t.Fatal(err)
	}
	return id
}

// notificationAccessCases: only admins read the outbox and retry.
func notificationAccessCases(m matrix) []accessCase {
	f := m.f
	adminOnly := func(ok int) map[string]int { return m.merge(m.all(403), "admin", ok) }
	return []accessCase{
		{method: "GET", path: "/api/v1/notifications", want: adminOnly(200)},
		{method: "POST", path: "/api/v1/notifications/0/retry", route: "/api/v1/notifications/:id/retry",
			fresh: func() string { return fmt.Sprintf("/api/v1/notifications/%d/retry", f.failedNotification()) }, want: adminOnly(200)},
	}
}

type notificationDoc struct {
	ID        int64
	DedupKey  string `json:"dedup_key"`
	Kind      string
	To        []string
	Cc        []string
	Status    string
	Attempts  int
	LastError *string `json:"last_error"`
	Subject   *string
}

// TestNotificationsList: the event notifications a workflow queues show
// in the outbox with their recipients' addresses; filters and pages work;
// a failed one is re-queued by an admin's retry.
func TestNotificationsList(t *testing.T) {
	f := newFixture(t)
	fd := f.findingIn("submitted") // assigned (officer), submitted (auditors)
	failed := f.failedNotification()

	var page struct {
		Items      []notificationDoc
		NextCursor *string `json:"next_cursor"`
	}
	mustStatus(t, f.do("GET", "/api/v1/notifications", f.tokens["admin"], "", &page), 200)
	if len(page.Items) != 3 || page.Items[0].ID != failed || page.Items[0].Status != "failed" {
		t.Fatalf("outbox: %+v", page.Items)
	}
	kinds := map[string]notificationDoc{}
	for _, n := range page.Items {
		kinds[n.Kind] = n
	}
	if n := kinds["action_assigned"]; strings.Join(n.To, ",") != "officer@kalselprov.go.id" || n.Status != "pending" {
		t.Errorf("assignment: %+v", n)
	}
	if n := kinds["finding_submitted"]; strings.Join(n.To, ",") != "auditor@kalselprov.go.id" {
		t.Errorf("submission: %+v", n)
	}

	mustStatus(t, f.do("GET", fmt.Sprintf("/api/v1/notifications?finding_id=%d&kind=finding_submitted&status=pending", fd.ID), f.tokens["admin"], "", &page), 200)
	if len(page.Items) != 1 || page.Items[0].Kind != "finding_submitted" {
		t.Errorf("filtered: %+v", page.Items)
	}
	var seen []int64
	cursor := ""
	for range 5 {
		mustStatus(t, f.do("GET", "/api/v1/notifications?limit=1"+cursor, f.tokens["admin"], "", &page), 200)
		for _, n := range page.Items {
			seen = append(seen, n.ID)
		}
		if page.NextCursor == nil {
			break
		}
		cursor = "&cursor=" + *page.NextCursor
	}
	if len(seen) != 3 || seen[0] <= seen[1] || seen[1] <= seen[2] {
		t.Errorf("pages of one: %v; want all three, newest first", seen)
	}

	var n notificationDoc
	mustStatus(t, f.do("POST", fmt.Sprintf("/api/v1/notifications/%d/retry", failed), f.tokens["admin"], "", &n), 200)
	if n.Status != "pending" || n.ID != failed {
		t.Errorf("retried: %+v", n)
	}
	p := f.problem(f.do("POST", fmt.Sprintf("/api/v1/notifications/%d/retry", failed), f.tokens["admin"], "", nil), 409)
	if !strings.Contains(p.Detail, "pending") {
		t.Errorf("409 detail %q does not say the status", p.Detail)
	}
}

// TestNotificationBadInput: bad filters, cursors and retries change
// nothing.
func TestNotificationBadInput(t *testing.T) {
	f := newFixture(t)
	f.findingIn("in_progress")
	var sent int64
	f.db.Raw(`INSERT INTO notifications (dedup_key, kind, status, sent_at) VALUES ('test:sent', 'weekly_digest', 'sent', now()) RETURNING id`).Scan(&sent)
	var unitsCursor struct {
		NextCursor *string `json:"next_cursor"`
	}
	f.do("GET", "/api/v1/units?limit=1", f.tokens["admin"], "", &unitsCursor)
	np := func(id any) string { return fmt.Sprintf("/api/v1/notifications/%v/retry", id) }
	tests := []badInput{
		{"unknown status", "GET", "/api/v1/notifications?status=lost", "", 422, []string{"status"}, ""},
		{"unknown kind", "GET", "/api/v1/notifications?kind=reminder", "", 422, []string{"kind"}, ""},
		{"finding id not a number", "GET", "/api/v1/notifications?finding_id=abc", "", 422, []string{"finding_id"}, ""},
		{"finding id negative", "GET", "/api/v1/notifications?finding_id=-1", "", 422, []string{"finding_id"}, ""},
		{"limit too big", "GET", "/api/v1/notifications?limit=500", "", 422, []string{"limit"}, ""},
		{"limit zero", "GET", "/api/v1/notifications?limit=0", "", 422, []string{"limit"}, ""},
		{"cursor of another list", "GET", "/api/v1/notifications?cursor=" + *unitsCursor.NextCursor, "", 400, nil, ""},
		{"cursor forged", "GET", "/api/v1/notifications?cursor=abcdefghijklmnopqrstuvwxyz", "", 400, nil, ""},
		{"retry a sent one", "POST", np(sent), "", 409, nil, "sent"},
		{"retry a pending one", "POST", np(1), "", 409, nil, "pending"},
		{"retry unknown", "POST", np(999999), "", 404, nil, ""},
		{"retry id not a number", "POST", np("x"), "", 404, nil, ""},
	}
	count := func() (n int64) {
		f.db.Raw(`SELECT count(*) + coalesce(sum(attempts), 0) + count(*) FILTER (WHERE status = 'pending') * 1000 FROM notifications`).Scan(&n)
		return n
	}
	f.checkBadInput(t, tests, count)
}
