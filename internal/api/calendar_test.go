package api_test

import (
	"fmt"
	"testing"
	"time"
)

// TestCalendar reads the shipped holidays, adds and removes a regional day
// as the admin, and checks who may.
func TestCalendar(t *testing.T) {
	f := newFixture(t)
	type holiday struct{ Date, Name, Kind string }
	var cal struct {
		Year     int
		Holidays []holiday
	}
	mustStatus(t, f.do("GET", "/api/v1/calendar/2026", f.tokens["viewer"], "", &cal), 200)
	if cal.Year != 2026 || len(cal.Holidays) != 25 {
		t.Fatalf("2026: year %d, %d holidays; want 25 (17 national, 8 cuti bersama)", cal.Year, len(cal.Holidays))
	}
	kinds := map[string]int{}
	found := false
	for _, h := range cal.Holidays {
		kinds[h.Kind]++
		found = found || (h.Date == "2026-08-17" && h.Kind == "libur_nasional")
	}
	if kinds["libur_nasional"] != 17 || kinds["cuti_bersama"] != 8 || !found {
		t.Errorf("2026 kinds %v, 17 August listed: %v", kinds, found)
	}
	mustStatus(t, f.do("GET", "/api/v1/calendar/2027", f.tokens["viewer"], "", &cal), 200)
	if len(cal.Holidays) != 26 {
		t.Errorf("2027: %d holidays; want 26", len(cal.Holidays))
	}

	body := `{"date":"2026-09-24","name":"Hari Jadi Provinsi Kalimantan Selatan"}`
	mustStatus(t, f.do("POST", "/api/v1/calendar/holidays", f.tokens["auditor"], body, nil), 403)
	var added holiday
	rec := f.do("POST", "/api/v1/calendar/holidays", f.tokens["admin"], body, &added)
	mustStatus(t, rec, 201)
	if added.Kind != "regional" || added.Date != "2026-09-24" || rec.Header().Get("Location") != "/api/v1/calendar/2026" {
		t.Errorf("added %+v at %q", added, rec.Header().Get("Location"))
	}
	mustStatus(t, f.do("GET", "/api/v1/calendar/2026", f.tokens["officer"], "", &cal), 200)
	if len(cal.Holidays) != 26 || cal.Holidays[len(cal.Holidays)-3] != (holiday{"2026-09-24", "Hari Jadi Provinsi Kalimantan Selatan", "regional"}) {
		t.Errorf("after adding: %+v", cal.Holidays)
	}
	mustStatus(t, f.do("DELETE", "/api/v1/calendar/holidays/2026-09-24", f.tokens["manager"], "", nil), 403)
	mustStatus(t, f.do("DELETE", "/api/v1/calendar/holidays/2026-09-24", f.tokens["admin"], "", nil), 204)
	mustStatus(t, f.do("GET", "/api/v1/calendar/2026", f.tokens["officer"], "", &cal), 200)
	if len(cal.Holidays) != 25 {
		t.Errorf("after removing: %d holidays", len(cal.Holidays))
	}
}

// TestCalendarBadInput sends the bad forms of the calendar's inputs.
func TestCalendarBadInput(t *testing.T) {
	f := newFixture(t)
	p := "/api/v1/calendar/holidays"
	f.checkBadInput(t, []badInput{
		{"malformed", "POST", p, `{"date":`, 400, nil, ""},
		{"empty", "POST", p, `{}`, 422, []string{"date", "name"}, ""},
		{"duplicate", "POST", p, `{"date":"2026-08-17","name":"Lagi"}`, 422, []string{"date"}, "already"},
		{"bad date", "POST", p, `{"date":"2026-02-30","name":"Libur"}`, 422, []string{"date"}, "YYYY-MM-DD"},
		{"date with time", "POST", p, `{"date":"2026-09-24T00:00:00Z","name":"Libur"}`, 422, []string{"date"}, ""},
		{"date a number", "POST", p, `{"date":20260924,"name":"Libur"}`, 422, []string{"date"}, ""},
		{"bad kind and name", "POST", p, `{"date":"2026-09-24","name":"a\u0007b","kind":"libur"}`, 422, []string{"kind", "name"}, ""},
		{"long name", "POST", p, fmt.Sprintf(`{"date":"2026-09-24","name":"%0201d"}`, 0), 422, []string{"name"}, ""},
		{"remove malformed", "DELETE", p + "/24-09-2026", "", 422, []string{"date"}, ""},
		{"remove unknown", "DELETE", p + "/2026-09-25", "", 404, nil, ""},
		{"year malformed", "GET", "/api/v1/calendar/dua-ribu", "", 404, nil, ""},
		{"year out of range", "GET", "/api/v1/calendar/12026", "", 422, []string{"year"}, ""},
	}, func() int64 {
		var n int64
		f.db.Raw(`SELECT count(*) FROM holidays`).Scan(&n)
		return n
	})
}

// TestWorkingDays checks working_days_left on findings and actions, in
// the list and the detail, around Hari Kemerdekaan, a regional day added
// later, and due_in_working_days on creation.
func TestWorkingDays(t *testing.T) {
	f := newFixture(t)
	f.setNow(time.Date(2026, 8, 10, 9, 0, 0, 0, wita)) // a Monday
	rev := f.newReview("")
	type doc struct {
		ID              int64
		DueDate         *string `json:"due_date"`
		WorkingDaysLeft *int    `json:"working_days_left"`
		Actions         []struct {
			DueDate         string `json:"due_date"`
			WorkingDaysLeft *int   `json:"working_days_left"`
		}
	}
	left := func(id int64) (detail, list int) {
		t.Helper()
		var d doc
		mustStatus(t, f.do("GET", fmt.Sprintf("/api/v1/findings/%d", id), f.tokens["auditor"], "", &d), 200)
		var l struct{ Items []doc }
		mustStatus(t, f.do("GET", fmt.Sprintf("/api/v1/findings?review_id=%d", rev), f.tokens["auditor"], "", &l), 200)
		for _, it := range l.Items {
			if it.ID == id {
				return *d.WorkingDaysLeft, *it.WorkingDaysLeft
			}
		}
		t.Fatalf("finding %d not listed", id)
		return
	}
	// Due Wednesday 19 August: 11–14, 18, 19 (17 is Hari Kemerdekaan).
	fd := f.newFinding(rev, `,"due_date":"2026-08-19"`)
	if d, l := left(fd.ID); d != 6 || l != 6 {
		t.Errorf("working_days_left %d (detail), %d (list); want 6", d, l)
	}
	mustStatus(t, f.do("POST", "/api/v1/calendar/holidays", f.tokens["admin"], `{"date":"2026-08-18","name":"Libur daerah"}`, nil), 201)
	if d, _ := left(fd.ID); d != 5 {
		t.Errorf("after a regional day on 18 August: %d; want 5", d)
	}
	f.setNow(time.Date(2026, 8, 19, 9, 0, 0, 0, wita))
	if d, _ := left(fd.ID); d != 0 {
		t.Errorf("on the due date: %d; want 0", d)
	}
	f.setNow(time.Date(2026, 8, 24, 9, 0, 0, 0, wita)) // the Monday after
	if d, _ := left(fd.ID); d != -3 {
		t.Errorf("overdue since Thursday, Friday, Monday: %d; want -3", d)
	}
	f.setNow(time.Date(2026, 8, 10, 9, 0, 0, 0, wita))

	// Given in working days: the 5th working day after Monday 10 August
	// is Wednesday 19 (17 and 18 are off).
	var byDays doc
	body := fmt.Sprintf(`{"review_id":%d,"title":"Tanpa tanggal","severity":"low","due_in_working_days":5}`, rev)
	mustStatus(t, f.do("POST", "/api/v1/findings", f.tokens["auditor"], body, &byDays), 201)
	if byDays.DueDate == nil || *byDays.DueDate != "2026-08-19" || byDays.WorkingDaysLeft == nil || *byDays.WorkingDaysLeft != 5 {
		t.Errorf("due_in_working_days 5: due %v, left %v", byDays.DueDate, byDays.WorkingDaysLeft)
	}
	var nodate doc
	body = fmt.Sprintf(`{"review_id":%d,"title":"Tanpa tanggal","severity":"low"}`, rev)
	mustStatus(t, f.do("POST", "/api/v1/findings", f.tokens["auditor"], body, &nodate), 201)
	if nodate.WorkingDaysLeft != nil {
		t.Errorf("without a due date: working_days_left %d; want null", *nodate.WorkingDaysLeft)
	}

	open := f.drive(f.newFinding(rev, ""), "open")
	var act struct {
		DueDate         string `json:"due_date"`
		WorkingDaysLeft *int   `json:"working_days_left"`
	}
	body = fmt.Sprintf(`{"title":"Menyusun SK","assignee_id":%d,"due_in_working_days":1}`, f.users["officer"].ID)
	mustStatus(t, f.do("POST", fmt.Sprintf("/api/v1/findings/%d/actions", open.ID), f.tokens["manager"], body, &act), 201)
	if act.DueDate != "2026-08-11" || act.WorkingDaysLeft == nil || *act.WorkingDaysLeft != 1 {
		t.Errorf("action due_in_working_days 1: %+v", act)
	}
	var got doc
	mustStatus(t, f.do("GET", fmt.Sprintf("/api/v1/findings/%d", open.ID), f.tokens["manager"], "", &got), 200)
	if len(got.Actions) != 1 || got.Actions[0].WorkingDaysLeft == nil || *got.Actions[0].WorkingDaysLeft != 1 {
		t.Errorf("the finding's action: %+v", got.Actions)
	}

	fp := fmt.Sprintf("/api/v1/findings/%d/actions", open.ID)
	officer := f.users["officer"].ID
	f.checkBadInput(t, []badInput{
		{"finding both", "POST", "/api/v1/findings", fmt.Sprintf(`{"review_id":%d,"title":"x","severity":"low","due_date":"2026-09-01","due_in_working_days":5}`, rev),
			422, []string{"due_in_working_days"}, "not both"},
		{"finding zero", "POST", "/api/v1/findings", fmt.Sprintf(`{"review_id":%d,"title":"x","severity":"low","due_in_working_days":0}`, rev),
			422, []string{"due_in_working_days"}, ""},
		{"finding too many", "POST", "/api/v1/findings", fmt.Sprintf(`{"review_id":%d,"title":"x","severity":"low","due_in_working_days":1001}`, rev),
			422, []string{"due_in_working_days"}, ""},
		{"finding a string", "POST", "/api/v1/findings", fmt.Sprintf(`{"review_id":%d,"title":"x","severity":"low","due_in_working_days":"5"}`, rev),
			422, []string{"due_in_working_days"}, ""},
		{"finding a fraction", "POST", "/api/v1/findings", fmt.Sprintf(`{"review_id":%d,"title":"x","severity":"low","due_in_working_days":2.5}`, rev),
			422, []string{"due_in_working_days"}, ""},
		{"action both", "POST", fp, fmt.Sprintf(`{"title":"x","assignee_id":%d,"due_date":"2026-09-01","due_in_working_days":5}`, officer),
			422, []string{"due_in_working_days"}, ""},
		{"action neither", "POST", fp, fmt.Sprintf(`{"title":"x","assignee_id":%d}`, officer), 422, []string{"due_date"}, ""},
		{"action negative", "POST", fp, fmt.Sprintf(`{"title":"x","assignee_id":%d,"due_in_working_days":-3}`, officer),
			422, []string{"due_in_working_days"}, ""},
	}, func() int64 {
		var n int64
		f.db.Raw(`SELECT (SELECT count(*) FROM findings) + (SELECT count(*) FROM actions)`).Scan(&n)
		return n
	})
}

// TestDefaultDueDate: a finding of an internal audit issued without a due
// date falls due 60 days after the day of issue; one of another kind
// still needs a date.
func TestDefaultDueDate(t *testing.T) {
	f := newFixture(t)
	f.setNow(time.Date(2026, 8, 10, 9, 0, 0, 0, wita))
	audit := f.newReview(`{"kind":"internal_audit","title":"Audit internal TIK","conducted_on":"2026-08-03"}`)
	other := f.newReview(`{"kind":"ict_audit","title":"Audit TIK","conducted_on":"2026-08-03"}`)
	draft := func(rev int64) findingDoc {
		var out findingDoc
		body := fmt.Sprintf(`{"review_id":%d,"title":"Kebijakan belum ada","recommendation":"Menetapkan kebijakan","severity":"high","unit_id":%d}`, rev, f.unitA.ID)
		mustStatus(t, f.do("POST", "/api/v1/findings", f.tokens["auditor"], body, &out), 201)
		return out
	}
	fd := draft(audit)
	if fd.DueDate != nil {
		t.Fatalf("a draft got a due date: %s", *fd.DueDate)
	}
	issued := f.mustMove("auditor", fd, "issue", "")
	if issued.DueDate == nil || *issued.DueDate != "2026-10-09" {
		t.Errorf("issued without a date: due %v; want 2026-10-09 (60 days after 10 August)", issued.DueDate)
	}
	var evs struct {
		Items []struct {
			Kind string
			Data map[string]any
		}
	}
	mustStatus(t, f.do("GET", fmt.Sprintf("/api/v1/findings/%d/events", fd.ID), f.tokens["auditor"], "", &evs), 200)
	if last := evs.Items[len(evs.Items)-1]; last.Kind != "issue" || last.Data["due_date"] != "2026-10-09" || last.Data["due_date_default"] != true {
		t.Errorf("the issue event: %+v", last)
	}
	fo := draft(other)
	rec := f.move("auditor", fo.ID, "issue", "", fo.Version)
	if p := f.problem(rec, 422); len(p.Errors) != 1 || p.Errors[0].Field != "due_date" {
		t.Errorf("an ICT audit finding issued without a date: %s", rec.Body)
	}
}
