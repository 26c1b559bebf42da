package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestCalendarPage adds a regional day through the admin's page, shows the
// bad forms next to their fields with nothing written, and removes it.
func TestCalendarPage(t *testing.T) {
	s := newFullSite(t)
	b := s.browser()
	b.signIn("admin")
	status, page, _ := b.get("/admin/kalender?tahun=2026")
	if status != http.StatusOK || !strings.Contains(page, "Proklamasi Kemerdekaan") || !strings.Contains(page, "Libur nasional") {
		t.Fatalf("the 2026 calendar: %d\n%s", status, page)
	}
	tok := token(t, page)
	count := func() (n int) {
		s.db.Raw(`SELECT count(*) FROM holidays`).Scan(&n)
		return n
	}
	before := count()
	for _, tt := range []struct {
		name string
		form url.Values
		kept string
	}{
		{"duplicate", url.Values{"date": {"2026-08-17"}, "name": {"Hari Jadi Kota"}, "kind": {"regional"}}, `value="Hari Jadi Kota"`},
		{"bad date", url.Values{"date": {"17-08-2026"}, "name": {"Hari Jadi Kota"}, "kind": {"regional"}}, `value="17-08-2026"`},
		{"no name", url.Values{"date": {"2026-09-24"}, "name": {" "}, "kind": {"regional"}}, `value="2026-09-24"`},
		{"bad kind", url.Values{"date": {"2026-09-24"}, "name": {"Hari Jadi"}, "kind": {"libur"}}, `value="Hari Jadi"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.form.Set("csrf", tok)
			status, page, _ := b.post("/admin/kalender", tt.form)
			if status != http.StatusUnprocessableEntity || !strings.Contains(page, `class="field-error"`) || !strings.Contains(page, tt.kept) {
				t.Errorf("status %d; want 422 with the message by the field and the input kept:\n%s", status, page)
			}
		})
	}
	if count() != before {
		t.Fatalf("bad forms wrote holidays: %d → %d", before, count())
	}
	status, _, _ = b.post("/admin/kalender", url.Values{"csrf": {tok}, "date": {"2026-09-24"}, "name": {"Hari Jadi Provinsi Kalimantan Selatan"}, "kind": {"regional"}})
	_, page, _ = b.get("/admin/kalender?tahun=2026")
	if status != http.StatusSeeOther || !strings.Contains(page, "Hari Jadi Provinsi Kalimantan Selatan") || !strings.Contains(page, "Libur daerah") || count() != before+1 {
		t.Fatalf("adding: %d, %d holidays\n%s", status, count(), page)
	}
	if status, _, _ = b.post("/admin/kalender/2026-09-24/hapus", url.Values{"csrf": {tok}}); status != http.StatusSeeOther || count() != before {
		t.Errorf("removing: %d, %d holidays", status, count())
	}
	if status, _, _ = b.post("/admin/kalender/2026-09-24/hapus", url.Values{"csrf": {tok}}); status != http.StatusNotFound {
		t.Errorf("removing a day that is not a holiday: %d; want 404", status)
	}
	o := s.browser()
	o.signIn("auditor")
	if status, _, _ := o.post("/admin/kalender", url.Values{"csrf": {tok}, "date": {"2026-09-24"}, "name": {"x"}}); status != http.StatusForbidden || count() != before {
		t.Errorf("an auditor adding: %d", status)
	}
}
