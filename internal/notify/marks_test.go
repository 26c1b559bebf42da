package notify_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tindaklanjut/tindaklanjut/internal/finding"
)

// TestIncrementalPassesMissNothing: a pass looks only at the actions whose
// reminders may have changed since the last one (migration 00016), yet it
// must plan what a pass over every open action plans. Day after day, with
// the life of actions and findings going on (new actions, due dates moved,
// actions done and back to do, a finding set aside and reopened, the
// recipients gone and back, holidays, the service down for ten days and
// for six weeks), after each pass a pass over every action (a preview with
// the marks of the last pass removed) must find nothing left to plan.
func TestIncrementalPassesMissNothing(t *testing.T) {
	f := newFixture(t)
	f.setNow(at("2024-06-03 09:00"))
	day0 := f.now()
	f.db.Exec(`INSERT INTO holidays (day, name, kind) VALUES ('2024-06-17', 'Iduladha', 'libur_nasional'),
		('2024-06-18', 'Cuti Bersama Iduladha', 'cuti_bersama'), ('2024-07-08', 'Tahun Baru Islam', 'libur_nasional')`)
	var findings []finding.Detail
	var actions []finding.Action
	var assignees []string
	addActions := func(n int) {
		for i := range n {
			due := dayOf(day0.AddDate(0, 0, 3+(len(actions)*11)%70))
			fd := f.issue(f.unitA, dayOf(day0.AddDate(0, 0, 120)), fmt.Sprintf("Temuan %d", len(findings)))
			findings = append(findings, fd)
			who := []string{"officerA", "officerA2"}[i%2]
			actions, assignees = append(actions, f.assign(fd, who, due)), append(assignees, who)
		}
	}
	addActions(12)

	check := func(when string) {
		t.Helper()
		var marks struct{ Rules, PD, ED string }
		f.db.Raw(`SELECT rules, pd::text AS pd, ed::text AS ed FROM reminder_plan_marks`).Scan(&marks)
		if marks.Rules == "" {
			t.Fatalf("%s: the pass left no marks", when)
		}
		f.db.Exec(`DELETE FROM reminder_plan_marks`)
		missed, err := f.planner.Preview(f.ctx, f.now())
		f.db.Exec(`INSERT INTO reminder_plan_marks (rules, pd, ed) VALUES (?, ?::date, ?::date)`, marks.Rules, marks.PD, marks.ED)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, m := range missed {
			if strings.HasPrefix(m.DedupKey, "action:") || strings.HasPrefix(m.DedupKey, "escalation:action:") {
				keys = append(keys, m.DedupKey)
			}
		}
		if len(keys) > 0 {
			t.Errorf("%s: a pass over every action plans what the incremental one did not: %v", when, keys)
		}
	}
	planned := 0
	for d := 0; d < 140; d++ {
		now := day0.AddDate(0, 0, d).Add(-30 * time.Minute) // 08:30
		switch {
		case d >= 50 && d < 60, d >= 85 && d < 127: // the service is down
			continue
		}
		f.setNow(now)
		switch d {
		case 4:
			addActions(3)
		case 6: // an extension of one action's date; another is done
			f.db.Exec(`UPDATE actions SET due_date = due_date + 20, updated_at = ? WHERE id = ?`, now, actions[1].ID)
			f.complete(actions[2], assignees[2])
		case 9: // the finding of another is set aside
			fd := must(f.work.GetFinding(f.ctx, f.p["auditor"], findings[3].ID))
			must(f.work.Transition(f.ctx, f.p["auditor"], fd.ID, finding.TransitionInput{Verb: finding.MarkNotActionable,
				Reason: "Aplikasi telah dihentikan", Version: fd.Version}))
		case 12: // nobody would receive the reminders of officerA's actions
			f.deactivate("officerA")
			f.deactivate("managerA")
		case 26:
			fd := must(f.work.GetFinding(f.ctx, f.p["auditor"], findings[3].ID))
			must(f.work.Transition(f.ctx, f.p["auditor"], fd.ID, finding.TransitionInput{Verb: finding.Reopen,
				Reason: "Temuan berulang pada pemeriksaan berikutnya", Version: fd.Version}))
		case 30: // the manager is back
			f.db.Exec(`UPDATE users SET active = true WHERE id = ?`, f.users["managerA"].ID)
		case 33: // the done action is to do again
			f.db.Exec(`UPDATE actions SET status = 'todo', completed_at = NULL, completed_by = NULL, updated_at = ? WHERE id = ?`,
				now, actions[2].ID)
		case 40:
			f.db.Exec(`UPDATE users SET active = true WHERE id = ?`, f.users["officerA"].ID)
			addActions(4)
		}
		for _, n := range f.plan() {
			planned += n
		}
		check(now.Format("2006-01-02 15:04"))
		if d%7 == 3 { // a second pass the same day, an hour later
			f.setNow(now.Add(time.Hour))
			f.plan()
			check(f.now().Format("2006-01-02 15:04"))
		}
	}
	var dueKinds int
	f.db.Raw(`SELECT count(DISTINCT kind) FROM notifications WHERE kind IN ('action_due', 'action_overdue', 'escalation')`).Scan(&dueKinds)
	if planned < 50 || dueKinds != 3 {
		t.Errorf("planned %d reminders of %d kinds; want due, overdue and escalations, many", planned, dueKinds)
	}
}

func dayOf(t time.Time) string { return t.In(wita).Format("2006-01-02") }
