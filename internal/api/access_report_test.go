package api_test

import "fmt"

// reportAccessCases are the access-matrix rows of reports: every signed-in
// role reads them, each over the findings it may see (what each sees is
// tested in report_test.go).
func reportAccessCases(m matrix) []accessCase {
	m.f.findingIn("in_progress")
	const matrixRoute = "/api/v1/reports/follow-up-matrix"
	return []accessCase{
		{method: "GET", path: "/api/v1/reports/summary", want: m.all(200)},
		{method: "GET", path: matrixRoute + "?format=xlsx", route: matrixRoute, want: m.all(200)},
		{method: "GET", path: matrixRoute + "?format=csv&state=in_progress", route: matrixRoute, want: m.all(200)},
		{method: "GET", path: matrixRoute + "?format=pdf", route: matrixRoute, want: m.all(200)},
		{method: "GET", path: matrixRoute + "?format=docx", route: matrixRoute, want: m.all(422)},
	}
}

// importAccessCases are the access-matrix rows of importing registers:
// auditors and admins import (a preview here); everyone may download the
// template.
func importAccessCases(m matrix) []accessCase {
	rev := m.f.newReview("")
	ct, body := multipartWith("uji-impor", file("register.csv", m.f.importCSV("")))
	importers := func(ok int) map[string]int { return m.merge(m.all(403), "admin", ok, "auditor", ok) }
	return []accessCase{
		{method: "POST", path: fmt.Sprintf("/api/v1/reviews/%d/imports", rev), contentType: ct, body: func() string { return body },
			want: importers(200)},
		{method: "POST", path: "/api/v1/reviews/999999/imports", contentType: ct, body: func() string { return body },
			want: importers(404)},
		{method: "GET", path: "/api/v1/imports/template?format=csv", route: "/api/v1/imports/template", want: m.all(200)},
	}
}
