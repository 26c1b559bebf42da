package notify_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestHolidayMovesReminders follows an action due on Monday 17 August
// 2026, Hari Kemerdekaan: due-3 (Friday 14), due-1 (Sunday 16) and due-0
// (the holiday) all land on Friday 14 August, and one mail goes, for the
// nearest threshold, saying how many days are really left; nothing comes
// over the weekend or on the holiday; the overdue notice comes on Tuesday.
func TestHolidayMovesReminders(t *testing.T) {
	f := newFixture(t)
	f.setNow(at("2026-08-05 10:00"))
	a := f.assign(f.issue(f.unitA, "2026-09-30", ""), "officerA", "2026-08-17")
	f.send()
	f.mail.take()
	id := itoa(a.ID)
	seq, mails := f.simulateMails(at("2026-08-05 11:00"), at("2026-08-18 23:00"), time.Hour, "action:")
	want := []delivery{
		{"action:" + id + ":2026-08-17:due-7", "action_due", "2026-08-10 08:00", f.emails("officerA"), f.emails("managerA")},
		{"action:" + id + ":2026-08-17:due-0", "action_due", "2026-08-14 08:00", f.emails("officerA"), f.emails("managerA")},
		{"action:" + id + ":2026-08-17:overdue-1", "action_overdue", "2026-08-18 08:00", f.emails("officerA", "managerA"), ""},
	}
	if diff := cmp.Diff(want, seq); diff != "" {
		t.Fatalf("mails (-want +got):\n%s", diff)
	}
	friday := mails[1]
	if !strings.Contains(friday.Subject, "3 hari lagi") {
		t.Errorf("Friday's subject %q; want it to say 3 days are left", friday.Subject)
	}
	if body := string(friday.Raw); !strings.Contains(body, "17 Agustus 2026 (tidak ada hari kerja lagi sebelumnya)") {
		t.Errorf("Friday's mail does not say no working day is left:\n%s", body)
	}
	if body := string(mails[0].Raw); !strings.Contains(body, "17 Agustus 2026 (4 hari kerja lagi)") {
		t.Errorf("the due-7 mail does not count the working days left (11–14 August):\n%s", body)
	}
	var n int
	f.db.Raw(`SELECT count(*) FROM notifications WHERE action_id = ? AND kind = 'action_due'`, a.ID).Scan(&n)
	if n != 2 {
		t.Errorf("%d due reminders planned; want 2 (due-7, due-0)", n)
	}
}
