package notify_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tindaklanjut/tindaklanjut/internal/calendar"
	"github.com/tindaklanjut/tindaklanjut/internal/finding"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
	"github.com/tindaklanjut/tindaklanjut/internal/notify"
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

// TestExtensionMovesReminders: an action due Wednesday 16 September 2026
// gets its due-14 and due-7; the assignee asks for 14 October, an auditor
// approves on the 10th (between D-7 and D-3): nothing more comes for the
// old date (no due-3, due-1, due-0, no overdue), and the new date's
// thresholds come once each; the request goes to the auditors, the
// decision to the assignee and the unit's manager.
func TestExtensionMovesReminders(t *testing.T) {
	f := newFixture(t)
	f.setNow(at("2026-08-20 10:00"))
	a := f.assign(f.issue(f.unitA, "2026-12-30", ""), "officerA", "2026-09-16")
	f.send()
	f.mail.take()
	id := itoa(a.ID)
	officer, mgr := f.emails("officerA"), f.emails("managerA")
	seq := f.simulate(at("2026-08-20 11:00"), at("2026-09-09 11:00"), 3*time.Hour, "action:")
	want := []delivery{
		{"action:" + id + ":2026-09-16:due-14", "action_due", "2026-09-02 08:00", officer, mgr},
		{"action:" + id + ":2026-09-16:due-7", "action_due", "2026-09-09 08:00", officer, mgr},
	}
	if diff := cmp.Diff(want, seq); diff != "" {
		t.Fatalf("before the extension (-want +got):\n%s", diff)
	}

	later := "2026-10-14"
	f.setNow(at("2026-09-09 12:00"))
	ext := must(f.work.RequestExtension(f.ctx, f.p["officerA"], "action", a.ID, finding.ExtensionInput{DueDate: &later,
		Reason: "SK menunggu tanda tangan Gubernur"}))
	f.send()
	got := f.mail.take()
	if len(got) != 1 || got[0].Kind != "extension_requested" || joinAddrs(got[0].To) != f.emails("auditor", "auditor2") {
		t.Fatalf("the request's mail: %+v", got)
	}
	if text, _ := parts(t, got[0]); !strings.Contains(text, "Rabu, 16 September 2026") || !strings.Contains(text, "Rabu, 14 Oktober 2026") ||
		!strings.Contains(text, "SK menunggu tanda tangan Gubernur") {
		t.Errorf("the request's mail lacks both dates or the reason:\n%s", text)
	}
	// Until decided, the old date stands and its reminders go on.
	if seq := f.simulate(at("2026-09-09 15:00"), at("2026-09-10 09:00"), 3*time.Hour, "action:"); len(seq) != 0 {
		t.Errorf("mails while pending: %+v", seq)
	}
	f.setNow(at("2026-09-10 10:00"))
	must(f.work.DecideExtension(f.ctx, f.p["auditor"], ext.ID, ext.Version, finding.DecisionApprove, "Disetujui satu kali"))
	f.send()
	got = f.mail.take()
	if len(got) != 1 || got[0].Kind != "extension_decided" || joinAddrs(got[0].To) != f.emails("managerA", "officerA") {
		t.Fatalf("the decision's mail: %+v", got)
	}
	if text, _ := parts(t, got[0]); !strings.Contains(text, "menyetujui") || !strings.Contains(text, "Batas waktu baru   : Rabu, 14 Oktober 2026") {
		t.Errorf("the decision's mail:\n%s", text)
	}
	cur := must(f.work.GetFinding(f.ctx, f.p["auditor"], a.FindingID))
	if cur.Actions[0].DueDate.String() != later {
		t.Fatalf("the action is due %s; want %s", cur.Actions[0].DueDate, later)
	}

	seq = f.simulate(at("2026-09-10 11:00"), at("2026-10-14 23:00"), 3*time.Hour, "action:")
	want = []delivery{
		{"action:" + id + ":2026-10-14:due-30", "action_due", "2026-09-14 08:00", officer, mgr},
		{"action:" + id + ":2026-10-14:due-14", "action_due", "2026-09-30 08:00", officer, mgr},
		{"action:" + id + ":2026-10-14:due-7", "action_due", "2026-10-07 08:00", officer, mgr},
		{"action:" + id + ":2026-10-14:due-3", "action_due", "2026-10-09 08:00", officer, mgr},
		{"action:" + id + ":2026-10-14:due-1", "action_due", "2026-10-13 08:00", officer, mgr},
		{"action:" + id + ":2026-10-14:due-0", "action_due", "2026-10-14 08:00", officer, mgr},
	}
	if diff := cmp.Diff(want, seq); diff != "" {
		t.Errorf("after the approval (-want +got):\n%s", diff)
	}
	var old int
	f.db.Raw(`SELECT count(*) FROM notifications WHERE dedup_key LIKE ?`, "action:"+id+":2026-09-16:%").Scan(&old)
	if old != 2 {
		t.Errorf("%d reminders of the old date; want the 2 sent before the approval", old)
	}
	evs := must(f.work.Events(f.ctx, f.p["auditor"], a.FindingID, 0, 100))
	var kinds []string
	for _, e := range evs {
		if strings.HasPrefix(e.Kind, "extension_") {
			kinds = append(kinds, e.Kind)
			if !strings.Contains(string(e.Data), `"old_due_date": "2026-09-16"`) && !strings.Contains(string(e.Data), `"old_due_date":"2026-09-16"`) {
				t.Errorf("%s lacks the old date: %s", e.Kind, e.Data)
			}
		}
	}
	if diff := cmp.Diff([]string{"extension_requested", "extension_approved"}, kinds); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
}

// TestEscalationUpTheHierarchy: DISKOMINFO sits under BAPPEDA, which sits
// under the Sekretariat Daerah. An action of DISKOMINFO due Wednesday 19
// August 2026 and never done is brought after 14 days to BAPPEDA's
// manager and after 30 days to the Sekretariat's, each time with a copy
// to the auditors, once, though two planners run at once every time; a
// finding of the Sekretariat, at the top, goes to the auditors alone. The
// mail says who did not act and since when.
func TestEscalationUpTheHierarchy(t *testing.T) {
	f := newFixture(t)
	setda := must(f.ids.CreateUnit(f.ctx, f.p["admin"], identity.UnitInput{Code: "SETDA", Name: "Sekretariat Daerah"}))
	top := must(f.ids.CreateUser(f.ctx, &identity.Principal{UserID: f.p["admin"].UserID, Role: identity.RoleAdmin}, identity.UserInput{
		Email: "sekda@kalselprov.go.id", Name: "Sekretaris Daerah", Role: identity.RoleManager, UnitID: setda.ID, Password: password}))
	f.db.Exec(`UPDATE units SET parent_id = ? WHERE id = ?`, setda.ID, f.unitB.ID)
	f.db.Exec(`UPDATE units SET parent_id = ? WHERE id = ?`, f.unitB.ID, f.unitA.ID)

	f.setNow(at("2026-08-03 10:00"))
	a := f.assign(f.issue(f.unitA, "2026-12-30", ""), "officerA", "2026-08-19")
	atTop := f.issue(setda, "2026-08-21", "Temuan Sekretariat")
	f.send()
	f.mail.take()
	other, _ := f.services(f.open(), f.mail.URL(), 50)
	var seq []delivery
	var mails []received
	for now := at("2026-08-19 09:00"); !now.After(at("2026-10-10 09:00")); now = now.Add(6 * time.Hour) {
		f.setNow(now)
		var wg sync.WaitGroup
		for _, p := range []*notify.Planner{f.planner, other} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := p.Plan(f.ctx, now); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		f.send()
		for _, m := range f.mail.take() {
			if strings.HasPrefix(m.Key, "escalation:") {
				seq = append(seq, delivery{Key: m.Key, Kind: m.Kind, When: now.Format("2006-01-02 15:04"), To: joinAddrs(m.To), Cc: joinAddrs(m.Cc)})
				mails = append(mails, m)
			}
		}
	}
	auditors := f.emails("auditor", "auditor2")
	id, fid := itoa(a.ID), itoa(atTop.ID)
	want := []delivery{
		// 14 days after 19 August is Wednesday 2 September.
		{"escalation:action:" + id + ":2026-08-19:step-1", "escalation", "2026-09-02 09:00", f.emails("managerB"), auditors},
		// After Friday 21 August, 4 September; the Sekretariat has no parent.
		{"escalation:finding:" + fid + ":2026-08-21:step-1", "escalation", "2026-09-04 09:00", auditors, ""},
		// 30 days: Friday 18 September, and Sunday 20 September → Monday 21.
		{"escalation:action:" + id + ":2026-08-19:step-2", "escalation", "2026-09-18 09:00", top.Email, auditors},
		{"escalation:finding:" + fid + ":2026-08-21:step-2", "escalation", "2026-09-21 09:00", auditors, ""},
	}
	if diff := cmp.Diff(want, seq); diff != "" {
		t.Fatalf("escalations (-want +got):\n%s", diff)
	}
	text, _ := parts(t, mails[0])
	for _, s := range []string{"Pengguna officerA", "Rabu, 19 Agustus 2026", "14 hari terlambat", "Badan Perencanaan Pembangunan Daerah"} {
		if !strings.Contains(text, s) {
			t.Errorf("the first escalation does not say %q:\n%s", s, text)
		}
	}
	if text, _ := parts(t, mails[1]); !strings.Contains(text, "Hierarki unit sudah berakhir") {
		t.Errorf("the top unit's escalation does not say the hierarchy ended:\n%s", text)
	}
	var n int
	f.db.Raw(`SELECT count(*) FROM notifications WHERE kind = 'escalation'`).Scan(&n)
	if n != 4 {
		t.Errorf("%d escalations planned; want 4", n)
	}
}

// TestPreferencesQuietOptionalMail: a manager who switched the digest off
// gets none, one who chose daily gets one every day; a kind of event mail
// switched off is not sent to them, while a due reminder still is.
func TestPreferencesQuietOptionalMail(t *testing.T) {
	f := newFixture(t)
	prefs := notify.NewPreferenceStore(f.db)
	digest := func(who, choice string) {
		must(prefs.Update(f.ctx, f.p[who], 1, notify.PreferencesPatch{Digest: &choice}))
	}
	digest("managerA", notify.DigestOff)
	digest("managerB", notify.DigestDaily)
	f.setNow(at("2026-08-03 09:00")) // a Monday
	fa := f.issue(f.unitA, "2026-12-30", "")
	f.issue(f.unitB, "2026-12-30", "")
	f.send()
	f.mail.take()
	seq := f.simulate(at("2026-08-03 10:00"), at("2026-08-11 10:00"), 6*time.Hour, "digest:")
	var got []string
	for _, d := range seq {
		if d.To == f.email("managerA") {
			t.Errorf("a digest to the manager who switched it off: %+v", d)
		}
		got = append(got, d.When[:10])
	}
	want := []string{"2026-08-03", "2026-08-04", "2026-08-05", "2026-08-06", "2026-08-07", "2026-08-08", "2026-08-09", "2026-08-10", "2026-08-11"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("managerB's daily digests (-want +got):\n%s", diff)
	}

	// Assignment mails off for officerA: the assignment is not mailed to
	// them, but the due reminder is.
	off := false
	must(prefs.Update(f.ctx, f.p["officerA"], 1, notify.PreferencesPatch{Events: map[string]bool{"action_assigned": off}}))
	f.setNow(at("2026-08-11 11:00"))
	a := f.assign(fa, "officerA", "2026-08-12")
	if st := f.send(); st.Skipped != 1 || st.Sent != 0 {
		t.Errorf("the assignment mail: %s; want it skipped", st)
	}
	seq = f.simulate(at("2026-08-12 08:00"), at("2026-08-12 08:00"), time.Hour, "action:"+itoa(a.ID))
	if len(seq) != 1 || seq[0].To != f.email("officerA") {
		t.Errorf("the due reminder: %+v", seq)
	}
}

// TestRegionalDayReachesThePlannerAtOnce: the planner reads the calendar
// the process's services share, so a regional day an admin adds moves the
// very next plan rather than one after the calendar's refresh. An action
// is due Tuesday 15 September 2026; its due-7 falls on Tuesday the 8th
// until that day is made a regional holiday, then on Monday the 7th.
func TestRegionalDayReachesThePlannerAtOnce(t *testing.T) {
	f := newFixture(t)
	rules := f.rules
	rules.Calendar = calendar.NewStore(f.db, f.now)
	planner := notify.NewPlanner(f.db, rules)
	f.setNow(at("2026-09-01 10:00"))
	a := f.assign(f.issue(f.unitA, "2026-12-31", ""), "officerA", "2026-09-15")
	monday := at("2026-09-07 09:00")
	key := "action:" + itoa(a.ID) + ":2026-09-15:due-7"
	planned := func() bool {
		t.Helper()
		if _, err := planner.Plan(f.ctx, monday); err != nil {
			t.Fatal(err)
		}
		var n int
		f.db.Raw(`SELECT count(*) FROM notifications WHERE dedup_key = ?`, key).Scan(&n)
		return n == 1
	}
	if planned() {
		t.Fatal("due-7 planned on Monday before the 8th was a holiday")
	}
	if _, err := rules.Calendar.Add(f.ctx, f.p["admin"], calendar.HolidayInput{Date: "2026-09-08", Name: "Hari Jadi Provinsi"}); err != nil {
		t.Fatal(err)
	}
	if !planned() {
		t.Error("due-7 not planned on Monday once the 8th is a holiday: the planner read an older calendar")
	}
}
