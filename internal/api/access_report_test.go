package api_test

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
		{method: "GET", path: matrixRoute + "?format=pdf", route: matrixRoute, want: m.all(422)},
	}
}
