package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// caller names who sends a request in the access matrix.
var callers = []string{"none", "expired", "revoked", "admin", "auditor", "manager", "officer", "viewer"}

// TestAccessMatrix sends every endpoint as every caller and asserts the exact
// status. Later issues add their endpoints to this table.
func TestAccessMatrix(t *testing.T) {
	f := newFixture(t)
	var seq atomic.Int64
	unitA := fmt.Sprint(f.unitA.ID)
	otherUser := fmt.Sprint(f.users["officerB"].ID) // in unit B: managers and officers of A may not see it
	ownUnitUser := fmt.Sprint(f.users["officer"].ID)

	// versionOf reads the current version of an object, so that each PATCH
	// in the matrix is a valid, current change.
	versionOf := func(path string) string {
		var v struct{ Version int }
		f.do("GET", path, f.tokens["admin"], "", &v)
		return fmt.Sprint(v.Version)
	}

	unauth := map[string]int{"none": 401, "expired": 401, "revoked": 401}
	all := func(code int) map[string]int {
		m := map[string]int{"admin": code, "auditor": code, "manager": code, "officer": code, "viewer": code}
		for k, v := range unauth {
			m[k] = v
		}
		return m
	}
	adminOnly := func(ok int) map[string]int {
		m := all(403)
		m["admin"] = ok
		return m
	}
	merge := func(m map[string]int, kv ...any) map[string]int {
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1].(int)
		}
		return m
	}

	tests := []accessCase{
		{method: "GET", path: "/api/v1/me", want: all(200)},
		{method: "GET", path: "/api/v1/framework", want: all(200)},
		{method: "GET", path: "/api/v1/frameworks", want: all(200)},
		{method: "GET", path: "/api/v1/framework-mappings?from=spbe-2020&to=pemdi-2026", route: "/api/v1/framework-mappings", want: all(200)},
		{method: "GET", path: "/api/v1/framework-mappings?from=pemdi-2026&to=spbe-2020", route: "/api/v1/framework-mappings", want: all(404)},
		{method: "PUT", path: "/api/v1/framework-mappings?from=spbe-2020&to=pemdi-2026", route: "/api/v1/framework-mappings", body: func() string {
			return `{"note":"uji","pairs":[{"from":"I21","to":["P02"],"why":"risiko"}]}`
		}, want: adminOnly(200)},
		{method: "GET", path: "/api/v1/units", want: all(200)},
		{method: "POST", path: "/api/v1/units", body: func() string {
			return fmt.Sprintf(`{"code":"U%d","name":"Unit baru"}`, seq.Add(1))
		}, want: adminOnly(201)},
		{method: "GET", path: "/api/v1/units/" + unitA, want: all(200)},
		{method: "GET", path: "/api/v1/units/999999", want: all(404)},
		{method: "PATCH", path: "/api/v1/units/" + unitA, body: func() string { return `{"name":"Diskominfo Provinsi"}` },
			ifMatch: func() string { return versionOf("/api/v1/units/" + unitA) }, want: adminOnly(200)},
		{method: "GET", path: "/api/v1/users", want: all(200)},
		{method: "POST", path: "/api/v1/users", body: func() string {
			return fmt.Sprintf(`{"email":"baru%d@kalselprov.go.id","name":"Baru","role":"officer","unit_id":%d,"password":"%s"}`, seq.Add(1), f.unitA.ID, password)
		}, want: adminOnly(201)},
		{method: "GET", path: "/api/v1/users/" + otherUser, want: merge(all(200), "manager", 404, "officer", 404)},
		{method: "GET", path: "/api/v1/users/" + ownUnitUser, want: all(200)},
		{method: "PATCH", path: "/api/v1/users/" + otherUser, body: func() string { return `{"name":"Nama Baru"}` },
			ifMatch: func() string { return versionOf("/api/v1/users/" + otherUser) },
			want:    merge(adminOnly(200), "manager", 404, "officer", 404)},
		{method: "PATCH", path: "/api/v1/users/" + ownUnitUser, body: func() string { return `{"name":"Nama Lain"}` },
			ifMatch: func() string { return versionOf("/api/v1/users/" + ownUnitUser) }, want: adminOnly(200)},
		{method: "GET", path: "/api/v1/openapi.json", want: map[string]int{"none": 200, "expired": 200, "revoked": 200,
			"admin": 200, "auditor": 200, "manager": 200, "officer": 200, "viewer": 200}},
		{method: "POST", path: "/api/v1/auth/token", body: func() string { return fmt.Sprintf(`{"email":"x%d@y.id","password":"wrong-password"}`, seq.Add(1)) },
			want: map[string]int{"none": 401, "expired": 401, "revoked": 401, "admin": 401, "auditor": 401, "manager": 401, "officer": 401, "viewer": 401}},
	}
	m := matrix{f: f, seq: &seq, versionOf: versionOf, all: all, merge: merge}
	tests = append(tests, referenceAccessCases(m)...)
	tests = append(tests, workflowAccessCases(m)...)
	tests = append(tests, reportAccessCases(m)...)
	tests = append(tests, importAccessCases(m)...)
	tests = append(tests, notificationAccessCases(m)...)
	tests = append(tests, deadlineAccessCases(m)...)
	// Last: it revokes each caller's token.
	tests = append(tests, accessCase{method: "DELETE", path: "/api/v1/auth/token", want: all(204)})
	for _, tt := range tests {
		for _, who := range callers {
			want, ok := tt.want[who]
			if !ok {
				t.Fatalf("%s %s: no expectation for %s", tt.method, tt.path, who)
			}
			t.Run(tt.method+" "+strings.TrimPrefix(tt.path, "/api/v1")+" as "+who, func(t *testing.T) {
				body := ""
				if tt.body != nil {
					body = tt.body()
				}
				var headers []string
				if tt.ifMatch != nil {
					headers = []string{"If-Match", `"` + tt.ifMatch() + `"`}
				}
				if tt.contentType != "" {
					headers = append(headers, "Content-Type", tt.contentType)
				}
				path := tt.path
				if tt.fresh != nil {
					path = tt.fresh()
				}
				rec := f.do(tt.method, path, f.tokens[who], body, nil, headers...)
				if rec.Code != want {
					t.Errorf("status = %d; want %d (%s)", rec.Code, want, rec.Body)
				}
			})
		}
	}
	// The matrix covers every route the API registers.
	covered := map[string]bool{}
	for _, tt := range tests {
		route := tt.route
		if route == "" {
			route = normalise(tt.path)
		}
		covered[tt.method+" "+route] = true
	}
	for _, r := range registeredRoutes(f) {
		if !covered[r] {
			t.Errorf("route %s is not in the access matrix", r)
		}
	}
}

// accessCase is one endpoint of the access matrix with the status each
// caller must get.
type accessCase struct {
	method, path string
	// route is the registered route of path, when normalise cannot tell it
	// (a path parameter that is not a number, such as an indicator code).
	route   string
	body    func() string
	ifMatch func() string
	// fresh, when set, makes a new object for each caller and returns the
	// path to send to (path then only names the route).
	fresh func() string
	// contentType replaces JSON's, for a body of another kind.
	contentType string
	want        map[string]int
}

// matrix is what the access cases of each domain are built from.
type matrix struct {
	f         *fixture
	seq       *atomic.Int64
	versionOf func(path string) string                         // current version of the object at path
	all       func(code int) map[string]int                    // every signed-in caller gets code
	merge     func(m map[string]int, kv ...any) map[string]int // override some callers
}

// normalise turns /api/v1/units/123 into /api/v1/units/:id.
func normalise(path string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if p != "" && strings.Trim(p, "0123456789") == "" {
			parts[i] = ":id"
		}
	}
	return strings.Join(parts, "/")
}

func TestDeactivatingUserRevokesTokensAtOnce(t *testing.T) {
	f := newFixture(t)
	officer := f.users["officer"]
	if rec := f.do("GET", "/api/v1/me", f.tokens["officer"], "", nil); rec.Code != 200 {
		t.Fatalf("before: %d", rec.Code)
	}
	rec := f.do("PATCH", fmt.Sprintf("/api/v1/users/%d", officer.ID), f.tokens["admin"], fmt.Sprintf(`{"active":false,"version":%d}`, officer.Version), nil)
	if rec.Code != 200 {
		t.Fatalf("deactivate: %d %s", rec.Code, rec.Body)
	}
	f.problem(f.do("GET", "/api/v1/me", f.tokens["officer"], "", nil), 401)
	// And they cannot sign in again: the same answer as a wrong password.
	p := f.problem(f.do("POST", "/api/v1/auth/token", "", `{"email":"officer@kalselprov.go.id","password":"`+password+`"}`, nil), 401)
	q := f.problem(f.do("POST", "/api/v1/auth/token", "", `{"email":"nobody@kalselprov.go.id","password":"`+password+`"}`, nil), 401)
	if p.Detail != q.Detail || p.Type != q.Type {
		t.Errorf("inactive and unknown accounts answer differently: %q vs %q", p.Detail, q.Detail)
	}
	var revoked int
	f.db.Raw("SELECT count(*) FROM auth_tokens WHERE user_id = ? AND revoked_at IS NULL", officer.ID).Scan(&revoked)
	if revoked != 0 {
		t.Errorf("%d tokens of the deactivated user are still live", revoked)
	}
}

func TestChangesAreAudited(t *testing.T) {
	f := newFixture(t)
	u := f.users["viewer"]
	rec := f.do("PATCH", fmt.Sprintf("/api/v1/users/%d", u.ID), f.tokens["admin"], fmt.Sprintf(`{"role":"auditor","version":%d}`, u.Version), nil)
	if rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	hist, err := f.ids.History(context.Background(), "user", u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 2 || hist[1].Action != "update" || *hist[1].ActorID != f.users["admin"].ID {
		t.Fatalf("history = %+v", hist)
	}
	var changes map[string]map[string]any
	json.Unmarshal([]byte(hist[1].Changes), &changes)
	want := map[string]map[string]any{"role": {"from": "viewer", "to": "auditor"}}
	if diff := cmp.Diff(want, changes); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
}
