package notify_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// delivery is a mail as the sequence tests compare it: what, when, to whom.
type delivery struct {
	Key, Kind, When, To, Cc string
}

// simulate runs the planner and the sender every step from start until
// end and returns the mails received whose key starts with prefix.
func (f *fixture) simulate(start, end time.Time, step time.Duration, prefix string) []delivery {
	f.t.Helper()
	out, _ := f.simulateMails(start, end, step, prefix)
	return out
}

// simulateMails is simulate with the mails themselves, in the same order.
func (f *fixture) simulateMails(start, end time.Time, step time.Duration, prefix string) ([]delivery, []received) {
	f.t.Helper()
	var out []delivery
	var mails []received
	for now := start; !now.After(end); now = now.Add(step) {
		f.setNow(now)
		f.plan()
		f.send()
		for _, m := range f.mail.take() {
			if strings.HasPrefix(m.Key, prefix) {
				out = append(out, delivery{Key: m.Key, Kind: m.Kind, When: now.Format("2006-01-02 15:04"), To: joinAddrs(m.To), Cc: joinAddrs(m.Cc)})
				mails = append(mails, m)
			}
		}
	}
	return out, mails
}

// TestActionReminderSequence follows one action due on Monday 2 September
// 2024, assigned on 1 August, over 40 days: the exact mails, when and to
// whom (the assignee, copy to the manager; overdue to both), the same
// whether the planner runs every hour or once a day, and none after the
// action is done. Reminders on a weekend come the Friday before: due-30
// (Saturday 3 August) on the 2nd, and due-1 (Sunday 1 September) on Friday
// 30 August with due-3, as one mail for the nearer threshold.
func TestActionReminderSequence(t *testing.T) {
	want := func(f *fixture, id string, hour string) []delivery {
		officer, mgr := f.emails("officerA"), f.emails("managerA")
		both := f.emails("officerA", "managerA")
		return []delivery{
			{"action:" + id + ":2024-09-02:due-30", "action_due", "2024-08-02 " + hour, officer, mgr},
			{"action:" + id + ":2024-09-02:due-14", "action_due", "2024-08-19 " + hour, officer, mgr},
			{"action:" + id + ":2024-09-02:due-7", "action_due", "2024-08-26 " + hour, officer, mgr},
			{"action:" + id + ":2024-09-02:due-1", "action_due", "2024-08-30 " + hour, officer, mgr},
			{"action:" + id + ":2024-09-02:due-0", "action_due", "2024-09-02 " + hour, officer, mgr},
			{"action:" + id + ":2024-09-02:overdue-1", "action_overdue", "2024-09-03 " + hour, both, ""},
			{"action:" + id + ":2024-09-02:overdue-8", "action_overdue", "2024-09-10 " + hour, both, ""},
		}
	}
	for _, tt := range []struct {
		name  string
		start time.Time
		step  time.Duration
		hour  string
	}{
		{"planner every hour", at("2024-08-01 11:00"), time.Hour, "08:00"},
		{"planner once a day", at("2024-08-01 13:30"), 24 * time.Hour, "13:30"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.setNow(at("2024-08-01 10:00"))
			fd := f.issue(f.unitA, "2024-09-30", "")
			a := f.assign(fd, "officerA", "2024-09-02")
			id := itoa(a.ID)
			// The assignment's own mail goes at once.
			f.send()
			got := f.mail.take()
			if len(got) != 1 || got[0].Kind != "action_assigned" || joinAddrs(got[0].To) != f.email("officerA") {
				t.Fatalf("assignment mail: %+v", got)
			}

			seq := f.simulate(tt.start, at("2024-09-10 23:00"), tt.step, "action:")
			if diff := cmp.Diff(want(f, id, tt.hour), seq); diff != "" {
				t.Errorf("mails (-want +got):\n%s", diff)
			}

			// On 17 September the planner queues overdue-15 and the first
			// escalation (14 days overdue on the 16th); the action is
			// completed before the sender runs: both are skipped, and
			// nothing more comes in the month after.
			f.setNow(at("2024-09-17 08:00"))
			if n := f.plan(); n["action_overdue"] != 1 || n["escalation"] != 1 {
				t.Errorf("planned on 17 September: %v; want 1 overdue reminder and 1 escalation", n)
			}
			f.complete(a, "officerA")
			if st := f.send(); st.Skipped != 2 {
				t.Errorf("after completion: %s; want the planned reminder and escalation skipped", st)
			}
			var status string
			f.db.Raw(`SELECT status FROM notifications WHERE dedup_key = ?`, "action:"+id+":2024-09-02:overdue-15").Scan(&status)
			if status != "skipped" {
				t.Errorf("overdue-15 is %q; want skipped", status)
			}
			for _, m := range f.mail.take() {
				if strings.HasPrefix(m.Key, "action:") {
					t.Errorf("sent after completion: %s", m.Key)
				}
			}
			if rest := f.simulate(at("2024-09-17 09:00"), at("2024-10-20 09:00"), tt.step*6, "action:"); len(rest) != 0 {
				t.Errorf("mails after completion: %+v", rest)
			}
		})
	}
}
