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
	return []accessCase{
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
