package api_test

import "fmt"

// deadlineAccessCases are the access-matrix rows of the working-day
// calendar: everyone reads it, only admins change it.
func deadlineAccessCases(m matrix) []accessCase {
	day := func() string {
		n := m.seq.Add(1)
		return fmt.Sprintf("2030-%02d-%02d", 1+n/28%12, 1+n%28)
	}
	adminOnly := func(ok int) map[string]int {
		w := m.all(403)
		w["admin"] = ok
		return w
	}
	// openAction is a new open finding of unit A with an action for its
	// officer, due 2024-08-31.
	openAction := func() (findingID, actionID int64) {
		fd := m.f.findingIn("open")
		return fd.ID, m.f.assign("manager", fd.ID, "").ID
	}
	// pending is a new request for more time for a new action, by its
	// unit's manager.
	pending := func() int64 {
		_, a := openAction()
		var e struct{ ID int64 }
		mustStatus(m.f.t, m.f.do("POST", fmt.Sprintf("/api/v1/actions/%d/extensions", a), m.f.tokens["manager"],
			`{"due_date":"2024-09-30","reason":"Menunggu SK"}`, &e), 201)
		return e.ID
	}
	one := pending()
	request := `{"due_date":"2024-09-30","reason":"Menunggu SK"}`
	unit := func(ok int) map[string]int {
		return m.merge(m.all(403), "manager", ok, "officer", ok)
	}
	return []accessCase{
		{method: "POST", path: "/api/v1/actions/1/extensions", body: func() string { return request }, fresh: func() string {
			_, a := openAction()
			return fmt.Sprintf("/api/v1/actions/%d/extensions", a)
		}, want: unit(201)},
		{method: "POST", path: "/api/v1/findings/1/extensions", body: func() string { return `{"due_date":"2024-12-31","reason":"Menunggu SK"}` },
			fresh: func() string { return fmt.Sprintf("/api/v1/findings/%d/extensions", m.f.findingIn("open").ID) },
			// An officer does not see a finding without their action.
			want: m.merge(unit(201), "officer", 404)},
		{method: "GET", path: "/api/v1/extensions", want: m.all(200)},
		{method: "GET", path: "/api/v1/me/preferences", want: m.all(200)},
		{method: "PATCH", path: "/api/v1/me/preferences", body: func() string { return `{"digest":"daily"}` },
			ifMatch: func() string { return "1" }, want: m.all(200)},
		{method: "GET", path: fmt.Sprintf("/api/v1/extensions/%d", one), want: m.all(200)},
		{method: "POST", path: "/api/v1/extensions/1/decision", body: func() string { return `{"decision":"approve","version":1}` },
			fresh: func() string { return fmt.Sprintf("/api/v1/extensions/%d/decision", pending()) },
			want:  m.merge(m.all(403), "admin", 200, "auditor", 200)},
		{method: "GET", path: "/api/v1/calendar/2026", route: "/api/v1/calendar/:year", want: m.all(200)},
		{method: "POST", path: "/api/v1/calendar/holidays", body: func() string {
			return fmt.Sprintf(`{"date":"%s","name":"Hari Jadi"}`, day())
		}, want: adminOnly(201)},
		{method: "DELETE", path: "/api/v1/calendar/holidays/:date", route: "/api/v1/calendar/holidays/:date", fresh: func() string {
			d := day()
			if err := m.f.db.Exec(`INSERT INTO holidays (day, name, kind) VALUES (?, 'Hari Jadi', 'regional')`, d).Error; err != nil {
				m.f.t.Fatal(err)
			}
			return "/api/v1/calendar/holidays/" + d
		}, want: adminOnly(204)},
	}
}
