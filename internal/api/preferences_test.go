package api_test

import (
	"strings"
	"testing"
)

// TestPreferences reads and changes the caller's notification
// preferences, and sends their bad forms.
func TestPreferences(t *testing.T) {
	f := newFixture(t)
	type prefs struct {
		Digest  string
		Events  map[string]bool
		Version int
	}
	var p prefs
	mustStatus(t, f.do("GET", "/api/v1/me/preferences", f.tokens["manager"], "", &p), 200)
	if p.Digest != "weekly" || p.Version != 1 || !p.Events["action_assigned"] || !p.Events["action_due"] || !p.Events["escalation"] || len(p.Events) != 10 {
		t.Errorf("defaults: %+v", p)
	}
	mustStatus(t, f.do("PATCH", "/api/v1/me/preferences", f.tokens["manager"],
		`{"digest":"daily","events":{"finding_closed":false,"action_due":true},"version":1}`, &p), 200)
	if p.Digest != "daily" || p.Version != 2 || p.Events["finding_closed"] || !p.Events["finding_submitted"] {
		t.Errorf("changed: %+v", p)
	}
	mustStatus(t, f.do("PATCH", "/api/v1/me/preferences", f.tokens["manager"], `{"events":{"finding_closed":true}}`, &p, "If-Match", `"2"`), 200)
	if p.Digest != "daily" || p.Version != 3 || !p.Events["finding_closed"] {
		t.Errorf("changed again: %+v", p)
	}
	// Each user's own: the officer's are untouched.
	mustStatus(t, f.do("GET", "/api/v1/me/preferences", f.tokens["officer"], "", &p), 200)
	if p.Digest != "weekly" || p.Version != 1 {
		t.Errorf("the officer's: %+v", p)
	}

	pp := "/api/v1/me/preferences"
	f.checkBadInput(t, []badInput{
		{"malformed", "PATCH", pp, `{"digest":`, 400, nil, ""},
		{"no version", "PATCH", pp, `{"digest":"off"}`, 422, []string{"version"}, ""},
		{"stale", "PATCH", pp, `{"digest":"off","version":9}`, 409, nil, ""},
		{"bad digest", "PATCH", pp, `{"digest":"monthly","version":1}`, 422, []string{"digest"}, "weekly, daily, off"},
		{"digest a number", "PATCH", pp, `{"digest":1,"version":1}`, 422, []string{"digest"}, ""},
		{"unknown kind", "PATCH", pp, `{"events":{"sms":false},"version":1}`, 422, []string{"events.sms"}, "not a kind"},
		{"mandatory off", "PATCH", pp, `{"events":{"action_due":false,"action_overdue":false,"escalation":false},"version":1}`,
			422, []string{"events.action_due", "events.action_overdue", "events.escalation"}, "cannot be switched off"},
		{"events not booleans", "PATCH", pp, `{"events":{"finding_closed":"no"},"version":1}`, 422, []string{"events"}, ""},
		{"events a list", "PATCH", pp, `{"events":["finding_closed"],"version":1}`, 422, []string{"events"}, ""},
	}, func() int64 {
		var n int64
		f.db.Raw(`SELECT count(*) * 100 + coalesce(sum(version), 0) FROM notification_preferences`).Scan(&n)
		return n
	})
	mustStatus(t, f.do("GET", pp, f.tokens["admin"], "", &p), 200)
	if p.Version != 1 || !strings.Contains(p.Digest, "weekly") {
		t.Errorf("the admin's after bad input: %+v", p)
	}
}
