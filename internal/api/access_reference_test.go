package api_test

import "fmt"

// referenceAccessCases are the access-matrix rows of applications and
// assessments: everyone signed in reads them, admins and auditors write.
func referenceAccessCases(m matrix) []accessCase {
	f := m.f
	var app, asm struct{ ID int64 }
	if rec := f.do("POST", "/api/v1/applications", f.tokens["admin"],
		fmt.Sprintf(`{"name":"SIMPEG","unit_id":%d,"kind":"administrasi"}`, f.unitA.ID), &app); rec.Code != 201 {
		f.t.Fatalf("application: %d %s", rec.Code, rec.Body)
	}
	if rec := f.do("POST", "/api/v1/assessments", f.tokens["admin"],
		`{"year":2024,"name":"Evaluasi SPBE 2024","milestones":[{"name":"Penilaian mandiri","date":"2024-07-31"}]}`, &asm); rec.Code != 201 {
		f.t.Fatalf("assessment: %d %s", rec.Code, rec.Body)
	}
	appPath := fmt.Sprintf("/api/v1/applications/%d", app.ID)
	asmPath := fmt.Sprintf("/api/v1/assessments/%d", asm.ID)
	writers := func(ok int) map[string]int { return m.merge(m.all(403), "admin", ok, "auditor", ok) }
	return []accessCase{
		{method: "GET", path: "/api/v1/applications", want: m.all(200)},
		{method: "POST", path: "/api/v1/applications", body: func() string {
			return fmt.Sprintf(`{"name":"Aplikasi %d","unit_id":%d,"kind":"publik","url":"https://layanan.kalselprov.go.id"}`, m.seq.Add(1), f.unitB.ID)
		}, want: writers(201)},
		{method: "GET", path: appPath, want: m.all(200)},
		{method: "GET", path: "/api/v1/applications/999999", want: m.all(404)},
		{method: "PATCH", path: appPath, body: func() string { return `{"integrated":true}` },
			ifMatch: func() string { return m.versionOf(appPath) }, want: writers(200)},

		{method: "GET", path: "/api/v1/assessments", want: m.all(200)},
		{method: "POST", path: "/api/v1/assessments", body: func() string {
			return fmt.Sprintf(`{"year":2025,"name":"Evaluasi %d"}`, m.seq.Add(1))
		}, want: writers(201)},
		{method: "GET", path: asmPath, want: m.all(200)},
		{method: "GET", path: "/api/v1/assessments/999999", want: m.all(404)},
		{method: "PATCH", path: asmPath, body: func() string { return `{"milestones":[{"name":"Penilaian mandiri","date":"2024-08-15"}]}` },
			ifMatch: func() string { return m.versionOf(asmPath) }, want: writers(200)},
		{method: "PUT", path: asmPath + "/scores/I21", route: "/api/v1/assessments/:id/scores/:indicator_code",
			body: func() string { return `{"level":1,"target_level":3}` }, want: writers(200)},
		{method: "PUT", path: "/api/v1/assessments/999999/scores/I21", route: "/api/v1/assessments/:id/scores/:indicator_code",
			body: func() string { return `{"level":1,"target_level":3}` }, want: m.all(404)},
		{method: "GET", path: asmPath + "/index", want: m.all(200)},
		{method: "GET", path: asmPath + "/report?format=pdf", route: "/api/v1/assessments/:id/report", want: m.all(200)},
		{method: "GET", path: "/api/v1/assessments/999999/report", want: m.all(404)},
	}
}
