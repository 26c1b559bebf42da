package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestPreferencesPage: a user switches the digest to daily and an event
// mail off on their page; a bad or stale form changes nothing.
func TestPreferencesPage(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.signIn("manager")
	status, page, _ := b.get("/preferensi")
	if status != http.StatusOK || !strings.Contains(page, "Ringkasan") || !strings.Contains(page, "selalu dikirim") {
		t.Fatalf("the page: %d\n%s", status, page)
	}
	tok := token(t, page)
	row := func() (digest, off string, version int) {
		var r struct {
			Digest    string
			EventsOff string
			Version   int
		}
		s.db.Raw(`SELECT digest, events_off::text AS events_off, version FROM notification_preferences WHERE user_id = ?`,
			s.people["manager"].UserID).Scan(&r)
		return r.Digest, r.EventsOff, r.Version
	}
	bad := url.Values{"csrf": {tok}, "version": {"1"}, "digest": {"monthly"}, "events": {"finding_closed"}}
	if status, page, _ := b.post("/preferensi", bad); status != http.StatusUnprocessableEntity || !strings.Contains(page, `class="field-error"`) {
		t.Errorf("a bad digest: %d", status)
	}
	if _, _, v := row(); v != 0 {
		t.Fatalf("a bad form wrote preferences (version %d)", v)
	}
	all := []string{"action_assigned", "finding_submitted", "finding_rejected", "finding_not_actionable", "extension_requested", "extension_decided"}
	status, _, _ = b.post("/preferensi", url.Values{"csrf": {tok}, "version": {"1"}, "digest": {"daily"}, "events": all})
	if d, off, v := row(); status != http.StatusSeeOther || d != "daily" || off != "{finding_closed}" || v != 2 {
		t.Errorf("saved: %d, %s %s %d", status, d, off, v)
	}
	if status, _, _ := b.post("/preferensi", url.Values{"csrf": {tok}, "version": {"1"}, "digest": {"off"}}); status != http.StatusConflict {
		t.Errorf("a stale form: %d", status)
	}
	if _, page, _ = b.get("/preferensi"); !strings.Contains(page, `value="daily" selected`) {
		t.Errorf("the page does not show the daily digest chosen")
	}
}
