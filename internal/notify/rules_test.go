package notify_test

import (
	"sort"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tindaklanjut/tindaklanjut/internal/notify"
	"github.com/tindaklanjut/tindaklanjut/templates"
)

func TestSendDate(t *testing.T) {
	r := notify.DefaultRules(wita)
	for _, tt := range []struct{ at, want string }{
		{"2024-09-02 07:59", "2024-09-01"},
		{"2024-09-02 08:00", "2024-09-02"},
		{"2024-09-02 23:59", "2024-09-02"},
		{"2024-09-03 00:00", "2024-09-02"},
	} {
		if got := r.SendDate(at(tt.at)).String(); got != tt.want {
			t.Errorf("SendDate(%s WITA) = %s; want %s", tt.at, got, tt.want)
		}
	}
	// 08:00 WITA is 00:00 UTC: the day is reckoned in the organisation's zone.
	if got := r.SendDate(time.Date(2024, 9, 1, 23, 59, 0, 0, time.UTC)).String(); got != "2024-09-01" {
		t.Errorf("23:59 UTC (07:59 WITA on 2 September): %s", got)
	}
	if got := r.SendAt(r.SendDate(at("2024-09-02 10:00"))); !got.Equal(at("2024-09-02 08:00")) {
		t.Errorf("SendAt = %v", got)
	}
}

// TestCatchUpNewestOnly: after downtime only the newest passed threshold
// of each subject is sent, once; thresholds that passed before an action
// existed are not sent; inactive users get nothing.
func TestCatchUpNewestOnly(t *testing.T) {
	f := newFixture(t)
	f.setNow(at("2024-08-01 10:00"))
	early := f.assign(f.issue(f.unitA, "2024-10-31", "Temuan awal"), "officerA", "2024-09-02")
	f.send()
	f.mail.take()

	// The service is down from 1 to 31 August (a Saturday): due-30, -14,
	// -7 and -3 passed unsent, and due-1 (Sunday 1 September) too, moved
	// to Friday 30 August; only due-1 goes, late, and once.
	f.setNow(at("2024-08-31 10:00"))
	late := f.assign(f.issue(f.unitA, "2024-10-31", "Temuan baru"), "officerA2", "2024-09-02")
	f.send()
	f.mail.take()
	got := f.simulate(at("2024-08-31 11:00"), at("2024-09-01 07:00"), time.Hour, "action:")
	want := []delivery{{"action:" + itoa(early.ID) + ":2024-09-02:due-1", "action_due", "2024-08-31 11:00", f.emails("officerA"), f.emails("managerA")}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("catch-up (-want +got):\n%s", diff)
	}

	// The action assigned on Saturday 31 August, 2 days before its due
	// date, gets no due-1: its day (moved to Friday) passed before it
	// existed. Nothing comes on Sunday.
	if got = f.simulate(at("2024-09-01 08:00"), at("2024-09-01 08:00"), time.Hour, "action:"); len(got) != 0 {
		t.Errorf("on Sunday: %+v", got)
	}

	// On Monday both get due-0. An inactive assignee gets nothing: the
	// reminder goes to the manager. With the manager inactive too, nobody
	// is left and nothing is planned.
	f.deactivate("officerA")
	got = f.simulate(at("2024-09-02 08:00"), at("2024-09-02 08:00"), time.Hour, "action:")
	sort.Slice(got, func(i, j int) bool { return got[i].Key < got[j].Key })
	want = []delivery{
		{"action:" + itoa(early.ID) + ":2024-09-02:due-0", "action_due", "2024-09-02 08:00", f.emails("managerA"), ""},
		{"action:" + itoa(late.ID) + ":2024-09-02:due-0", "action_due", "2024-09-02 08:00", f.emails("officerA2"), f.emails("managerA")},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("inactive assignee (-want +got):\n%s", diff)
	}
	f.deactivate("managerA")
	f.setNow(at("2024-09-03 08:00"))
	planned, err := f.planner.Preview(f.ctx, f.now())
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, p := range planned {
		keys = append(keys, p.DedupKey)
	}
	sort.Strings(keys)
	wantKeys := []string{"action:" + itoa(late.ID) + ":2024-09-02:overdue-1"}
	if diff := cmp.Diff(wantKeys, keys); diff != "" {
		t.Errorf("planned with the assignee and manager inactive (-want +got):\n%s", diff)
	}
	// The queued mail of a user deactivated after planning is not sent to
	// them either.
	f.plan()
	f.deactivate("officerA2")
	if st := f.send(); st.Skipped != 1 || st.Sent != 0 {
		t.Errorf("queued for a user deactivated since: %s; want skipped", st)
	}
}

// TestUnassignedAndVerification: a finding still without an action 7 days
// after issue goes to its managers once; while findings await
// verification the auditors get a note each day.
func TestUnassignedAndVerification(t *testing.T) {
	f := newFixture(t)
	f.setNow(at("2024-08-01 10:00"))
	fd := f.issue(f.unitA, "2024-10-31", "Temuan tanpa tindakan")
	got := f.simulate(at("2024-08-01 11:00"), at("2024-08-12 11:00"), 3*time.Hour, "finding:")
	want := []delivery{{"finding:" + itoa(fd.ID) + ":unassigned", "finding_unassigned", "2024-08-08 08:00", f.emails("managerA"), ""}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("unassigned (-want +got):\n%s", diff)
	}

	// Submitted on 12 August at 15:00: notes on 13 and 14 August; closed on
	// 14 August at 12:00: no note on the 15th.
	a := f.assign(fd, "officerA", "2024-09-30")
	f.attach(a.ID)
	f.complete(a, "officerA")
	f.setNow(at("2024-08-12 15:00"))
	cur := must(f.work.GetFinding(f.ctx, f.p["auditor"], fd.ID))
	cur = must(f.work.Transition(f.ctx, f.p["managerA"], fd.ID, transition("submit", cur.Version)))
	got = f.simulate(at("2024-08-12 16:00"), at("2024-08-14 11:00"), time.Hour, "verification:")
	want = []delivery{
		{"verification:2024-08-13", "awaiting_verification", "2024-08-13 08:00", f.emails("auditor", "auditor2"), ""},
		{"verification:2024-08-14", "awaiting_verification", "2024-08-14 08:00", f.emails("auditor", "auditor2"), ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("verification notes (-want +got):\n%s", diff)
	}
	f.setNow(at("2024-08-14 12:00"))
	must(f.work.Transition(f.ctx, f.p["auditor"], fd.ID, transition("close", cur.Version)))
	if got := f.simulate(at("2024-08-14 13:00"), at("2024-08-16 13:00"), time.Hour, "verification:"); len(got) != 0 {
		t.Errorf("notes after closing: %+v", got)
	}
}

// TestBrokenTemplateFailsStart: a missing, unparsable or failing template
// is an error of NewRenderer, not of a send.
func TestBrokenTemplateFailsStart(t *testing.T) {
	good := fstest.MapFS{}
	entries, err := templates.FS.ReadDir("email")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, _ := templates.FS.ReadFile("email/" + e.Name())
		good["email/"+e.Name()] = &fstest.MapFile{Data: b}
	}
	if _, err := notify.NewRenderer(good); err != nil {
		t.Fatalf("the shipped templates: %v", err)
	}
	for name, change := range map[string]func(fstest.MapFS){
		"missing html": func(m fstest.MapFS) { delete(m, "email/action_due.html") },
		"syntax error": func(m fstest.MapFS) {
			m["email/finding_closed.txt"] = &fstest.MapFile{Data: []byte(`{{define "subject"}}{{.Finding.Code}{{end}}`)}
		},
		"unknown field": func(m fstest.MapFS) {
			m["email/weekly_digest.html"] = &fstest.MapFile{Data: []byte(`{{define "body"}}{{.Nope}}{{end}}`)}
		},
		"no subject": func(m fstest.MapFS) {
			m["email/action_overdue.txt"] = &fstest.MapFile{Data: []byte(`{{define "body"}}x{{end}}`)}
		},
		"undefined template": func(m fstest.MapFS) {
			m["email/finding_submitted.html"] = &fstest.MapFile{Data: []byte(`{{define "body"}}{{template "missing" .}}{{end}}`)}
		},
	} {
		t.Run(name, func(t *testing.T) {
			m := fstest.MapFS{}
			for k, v := range good {
				m[k] = v
			}
			change(m)
			if _, err := notify.NewRenderer(m); err == nil || !strings.Contains(err.Error(), "email template") {
				t.Errorf("err = %v; want the start to fail naming the template", err)
			}
		})
	}
}
