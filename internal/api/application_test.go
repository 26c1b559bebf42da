package api_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// application is an application as the API answers it.
type application struct {
	ID         int64   `json:"id"`
	Name       string  `json:"name"`
	UnitID     int64   `json:"unit_id"`
	Kind       string  `json:"kind"`
	URL        *string `json:"url"`
	Integrated bool    `json:"integrated"`
	Status     string  `json:"status"`
	Version    int     `json:"version"`
}

type applicationPage struct {
	Items      []application `json:"items"`
	NextCursor *string       `json:"next_cursor"`
}

// createApplication registers an application as the auditor.
func (f *fixture) createApplication(body string) application {
	f.t.Helper()
	var a application
	if rec := f.do("POST", "/api/v1/applications", f.tokens["auditor"], body, &a); rec.Code != 201 {
		f.t.Fatalf("create application: %d %s", rec.Code, rec.Body)
	}
	return a
}

func TestApplications(t *testing.T) {
	f := newFixture(t)
	var simpeg application
	rec := f.do("POST", "/api/v1/applications", f.tokens["auditor"],
		fmt.Sprintf(`{"name":"  SIMPEG  ","unit_id":%d,"kind":"administrasi","url":"https://simpeg.kalselprov.go.id/"}`, f.unitA.ID), &simpeg)
	if rec.Code != 201 {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	if got, want := rec.Header().Get("Location"), fmt.Sprintf("/api/v1/applications/%d", simpeg.ID); got != want {
		t.Errorf("Location = %q; want %q", got, want)
	}
	site := "https://simpeg.kalselprov.go.id/"
	want := application{ID: simpeg.ID, Name: "SIMPEG", UnitID: f.unitA.ID, Kind: "administrasi", URL: &site, Status: "active", Version: 1}
	if diff := cmp.Diff(want, simpeg); diff != "" {
		t.Errorf("created (-want +got):\n%s", diff)
	}
	var got application
	f.do("GET", fmt.Sprintf("/api/v1/applications/%d", simpeg.ID), f.tokens["officer"], "", &got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("read back (-want +got):\n%s", diff)
	}

	lapor := f.createApplication(fmt.Sprintf(`{"name":"LAPOR Kalsel","unit_id":%d,"kind":"publik","integrated":true,"status":"retired"}`, f.unitB.ID))
	sipd := f.createApplication(fmt.Sprintf(`{"name":"SIPD","unit_id":%d,"kind":"publik","url":""}`, f.unitA.ID))
	if lapor.Status != "retired" || !lapor.Integrated || sipd.URL != nil {
		t.Errorf("lapor %+v, sipd %+v", lapor, sipd)
	}

	t.Run("list filters", func(t *testing.T) {
		for _, tt := range []struct {
			query string
			want  []int64
		}{
			{"", []int64{simpeg.ID, lapor.ID, sipd.ID}},
			{fmt.Sprintf("unit_id=%d", f.unitA.ID), []int64{simpeg.ID, sipd.ID}},
			{"kind=publik", []int64{lapor.ID, sipd.ID}},
			{"status=retired", []int64{lapor.ID}},
			{"status=active&kind=administrasi", []int64{simpeg.ID}},
			{fmt.Sprintf("unit_id=%d&kind=publik&status=active", f.unitA.ID), []int64{sipd.ID}},
			{fmt.Sprintf("unit_id=%d&kind=administrasi", f.unitB.ID), nil},
		} {
			var page applicationPage
			if rec := f.do("GET", "/api/v1/applications?"+tt.query, f.tokens["viewer"], "", &page); rec.Code != 200 {
				t.Fatalf("%s: %d %s", tt.query, rec.Code, rec.Body)
			}
			var ids []int64
			for _, a := range page.Items {
				ids = append(ids, a.ID)
			}
			if diff := cmp.Diff(tt.want, ids); diff != "" || page.NextCursor != nil {
				t.Errorf("?%s (-want +got):\n%s next %v", tt.query, diff, page.NextCursor)
			}
		}
	})

	t.Run("pages", func(t *testing.T) {
		var first, second applicationPage
		f.do("GET", "/api/v1/applications?limit=2", f.tokens["manager"], "", &first)
		if len(first.Items) != 2 || first.NextCursor == nil {
			t.Fatalf("first page: %+v", first)
		}
		f.do("GET", "/api/v1/applications?limit=2&cursor="+url.QueryEscape(*first.NextCursor), f.tokens["manager"], "", &second)
		if len(second.Items) != 1 || second.Items[0].ID != sipd.ID || second.NextCursor != nil {
			t.Errorf("second page: %+v", second)
		}
	})

	t.Run("patch", func(t *testing.T) {
		path := fmt.Sprintf("/api/v1/applications/%d", simpeg.ID)
		var out application
		rec := f.do("PATCH", path, f.tokens["admin"], `{"name":"SIMPEG Kalsel","url":null,"integrated":true,"version":1}`, &out)
		if rec.Code != 200 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		want := application{ID: simpeg.ID, Name: "SIMPEG Kalsel", UnitID: f.unitA.ID, Kind: "administrasi", Integrated: true, Status: "active", Version: 2}
		if diff := cmp.Diff(want, out); diff != "" {
			t.Errorf("patched (-want +got):\n%s", diff)
		}
		// The same change sent again with the version it was based on is stale.
		f.problem(f.do("PATCH", path, f.tokens["admin"], `{"status":"retired"}`, nil, "If-Match", `"1"`), 409)
		rec = f.do("PATCH", path, f.tokens["admin"], fmt.Sprintf(`{"status":"retired","unit_id":%d}`, f.unitB.ID), &out, "If-Match", `"2"`)
		if rec.Code != 200 || out.Status != "retired" || out.UnitID != f.unitB.ID || out.Version != 3 || out.Name != "SIMPEG Kalsel" {
			t.Errorf("If-Match patch: %d %+v", rec.Code, out)
		}
	})

	t.Run("audited", func(t *testing.T) {
		hist, err := f.ids.History(t.Context(), "application", simpeg.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) != 3 || hist[0].Action != "create" || *hist[0].ActorID != f.users["auditor"].ID ||
			hist[1].Action != "update" || *hist[1].ActorID != f.users["admin"].ID {
			t.Fatalf("history = %+v", hist)
		}
		var changes map[string]map[string]any
		json.Unmarshal([]byte(hist[1].Changes), &changes)
		want := map[string]map[string]any{
			"name":       {"from": "SIMPEG", "to": "SIMPEG Kalsel"},
			"url":        {"from": site, "to": nil},
			"integrated": {"from": false, "to": true},
		}
		if diff := cmp.Diff(want, changes); diff != "" {
			t.Errorf("changes (-want +got):\n%s", diff)
		}
	})
}

// TestApplicationBadInput sends every field of the application endpoints in
// its bad forms and checks the status, the fields named, and that nothing
// was written.
func TestApplicationBadInput(t *testing.T) {
	f := newFixture(t)
	app := f.createApplication(fmt.Sprintf(`{"name":"SIMPEG","unit_id":%d,"kind":"administrasi"}`, f.unitA.ID))
	f.createApplication(fmt.Sprintf(`{"name":"SIPD","unit_id":%d,"kind":"publik"}`, f.unitA.ID))
	path := fmt.Sprintf("/api/v1/applications/%d", app.ID)
	unit := f.unitA.ID
	valid := func(extra string) string {
		return fmt.Sprintf(`{"name":"E-Kinerja","unit_id":%d,"kind":"administrasi"%s}`, unit, extra)
	}
	var units struct {
		NextCursor *string `json:"next_cursor"`
	}
	f.do("GET", "/api/v1/units?limit=1", f.tokens["admin"], "", &units)
	tests := []badInput{
		// Malformed bodies: 400.
		{"malformed json", "POST", "/api/v1/applications", `{"name":`, 400, nil, ""},
		{"not an object", "POST", "/api/v1/applications", `["SIMPEG"]`, 400, nil, ""},
		{"patch malformed", "PATCH", path, `{"name":"x",`, 400, nil, ""},
		// Wrong types: 422 naming the field.
		{"name a number", "POST", "/api/v1/applications", fmt.Sprintf(`{"name":7,"unit_id":%d,"kind":"publik"}`, unit), 422, []string{"name"}, ""},
		{"unit_id a string", "POST", "/api/v1/applications", `{"name":"X","unit_id":"1","kind":"publik"}`, 422, []string{"unit_id"}, ""},
		{"integrated a string", "POST", "/api/v1/applications", valid(`,"integrated":"ya"`), 422, []string{"integrated"}, ""},
		{"url a number", "POST", "/api/v1/applications", valid(`,"url":8080`), 422, []string{"url"}, ""},
		{"patch integrated a number", "PATCH", path, `{"integrated":1,"version":1}`, 422, []string{"integrated"}, ""},
		{"patch version a string", "PATCH", path, `{"name":"X","version":"1"}`, 422, []string{"version"}, ""},
		// Validation: 422 naming every invalid field.
		{"empty", "POST", "/api/v1/applications", `{}`, 422, []string{"kind", "name", "unit_id"}, ""},
		{"every field bad", "POST", "/api/v1/applications",
			`{"name":"` + strings.Repeat("a", 201) + `","unit_id":999999,"kind":"web","url":"ftp://files.kalselprov.go.id","status":"gone"}`,
			422, []string{"kind", "name", "status", "unit_id", "url"}, ""},
		{"name blank", "POST", "/api/v1/applications", fmt.Sprintf(`{"name":"   ","unit_id":%d,"kind":"publik"}`, unit), 422, []string{"name"}, ""},
		{"name two lines", "POST", "/api/v1/applications", fmt.Sprintf(`{"name":"SIM\nPEG","unit_id":%d,"kind":"publik"}`, unit), 422, []string{"name"}, ""},
		{"name control character", "POST", "/api/v1/applications", fmt.Sprintf(`{"name":"SIM\u0007PEG","unit_id":%d,"kind":"publik"}`, unit), 422, []string{"name"}, ""},
		{"unit_id negative", "POST", "/api/v1/applications", `{"name":"X","unit_id":-4,"kind":"publik"}`, 422, []string{"unit_id"}, ""},
		{"kind in capitals", "POST", "/api/v1/applications", fmt.Sprintf(`{"name":"X","unit_id":%d,"kind":"Publik"}`, unit), 422, []string{"kind"}, ""},
		{"url relative", "POST", "/api/v1/applications", valid(`,"url":"simpeg.kalselprov.go.id"`), 422, []string{"url"}, ""},
		{"url javascript", "POST", "/api/v1/applications", valid(`,"url":"javascript:alert(1)"`), 422, []string{"url"}, ""},
		{"url with a password", "POST", "/api/v1/applications", valid(`,"url":"https://admin:rahasia@simpeg.kalselprov.go.id"`), 422, []string{"url"}, ""},
		{"url with a space", "POST", "/api/v1/applications", valid(`,"url":"https://simpeg kalsel.go.id"`), 422, []string{"url"}, ""},
		{"url too long", "POST", "/api/v1/applications", valid(`,"url":"https://x.go.id/` + strings.Repeat("a", 2040) + `"`), 422, []string{"url"}, ""},
		{"patch name null", "PATCH", path, `{"name":null,"version":1}`, 422, []string{"name"}, ""},
		{"patch kind and status null", "PATCH", path, `{"kind":null,"status":null,"integrated":null,"version":1}`, 422, []string{"integrated", "kind", "status"}, ""},
		{"patch unit null", "PATCH", path, `{"unit_id":null,"version":1}`, 422, []string{"unit_id"}, ""},
		{"patch unknown unit", "PATCH", path, `{"unit_id":999999,"version":1}`, 422, []string{"unit_id"}, ""},
		{"patch bad status and url", "PATCH", path, `{"status":"archived","url":"www.example.com","version":1}`, 422, []string{"status", "url"}, ""},
		{"patch without version", "PATCH", path, `{"name":"X"}`, 422, []string{"version"}, ""},
		{"patch version zero", "PATCH", path, `{"name":"X","version":0}`, 422, []string{"version"}, ""},
		// Duplicates and stale versions: 409.
		{"duplicate name, other case", "POST", "/api/v1/applications", fmt.Sprintf(`{"name":"simpeg","unit_id":%d,"kind":"publik"}`, f.unitB.ID), 409, []string{"name"}, ""},
		{"rename onto another", "PATCH", path, `{"name":"Sipd","version":1}`, 409, []string{"name"}, ""},
		{"stale version", "PATCH", path, `{"name":"X","version":7}`, 409, nil, ""},
		// Unknown objects: 404.
		{"unknown id", "GET", "/api/v1/applications/999999", "", 404, nil, ""},
		{"id not a number", "GET", "/api/v1/applications/simpeg", "", 404, nil, ""},
		{"patch unknown id", "PATCH", "/api/v1/applications/999999", `{"name":"X","version":1}`, 404, nil, ""},
		{"patch id zero", "PATCH", "/api/v1/applications/0", `{"name":"X","version":1}`, 404, nil, ""},
		// List parameters.
		{"limit 0", "GET", "/api/v1/applications?limit=0", "", 422, []string{"limit"}, ""},
		{"limit 201", "GET", "/api/v1/applications?limit=201", "", 422, []string{"limit"}, ""},
		{"garbage cursor", "GET", "/api/v1/applications?cursor=" + url.QueryEscape("1 OR 1=1"), "", 400, nil, ""},
		{"cursor of another list", "GET", "/api/v1/applications?cursor=" + url.QueryEscape(*units.NextCursor), "", 400, nil, ""},
		{"bad unit filter", "GET", "/api/v1/applications?unit_id=x", "", 422, []string{"unit_id"}, ""},
		{"bad kind filter", "GET", "/api/v1/applications?kind=web", "", 422, []string{"kind"}, ""},
		{"bad status filter", "GET", "/api/v1/applications?status=gone", "", 422, []string{"status"}, ""},
	}
	count := func() (n int64) {
		f.db.Raw("SELECT (SELECT count(*) FROM applications) + (SELECT sum(version) FROM applications) + (SELECT count(*) FROM audit_log)").Scan(&n)
		return n
	}
	f.checkBadInput(t, tests, count)
}

// TestOpenAPIDocumentsReferenceData checks what reflection alone would get
// wrong: enumerations of plain strings, calendar dates, and a path
// parameter that is a code rather than an id.
func TestOpenAPIDocumentsReferenceData(t *testing.T) {
	f := newFixture(t)
	var doc struct {
		Paths      map[string]map[string]struct{ Parameters []map[string]any } `json:"paths"`
		Components struct {
			Schemas map[string]struct {
				Properties map[string]map[string]any `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	f.do("GET", "/api/v1/openapi.json", "", "", &doc)
	schemas := doc.Components.Schemas
	if got := fmt.Sprint(schemas["ApplicationResponse"].Properties["kind"]["enum"]); got != "[administrasi publik]" {
		t.Errorf("ApplicationResponse.kind enum = %s", got)
	}
	if got := fmt.Sprint(schemas["ApplicationPatchRequest"].Properties["status"]["enum"]); got != "[active retired]" {
		t.Errorf("ApplicationPatchRequest.status enum = %s", got)
	}
	if got := schemas["MilestoneResponse"].Properties["date"]["format"]; got != "date" {
		t.Errorf("MilestoneResponse.date format = %v", got)
	}
	for _, want := range []string{"index", "predicate", "projected_index", "projected_predicate", "domains"} {
		if schemas["IndexResponse"].Properties[want] == nil {
			t.Errorf("IndexResponse lacks %s", want)
		}
	}
	types := map[string]any{}
	for _, p := range doc.Paths["/assessments/{id}/scores/{indicator_code}"]["put"].Parameters {
		types[p["name"].(string)] = p["schema"].(map[string]any)["type"]
	}
	if diff := cmp.Diff(map[string]any{"id": "integer", "indicator_code": "string"}, types); diff != "" {
		t.Errorf("score path parameters (-want +got):\n%s", diff)
	}
}
