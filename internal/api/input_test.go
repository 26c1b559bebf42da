package api_test

import (
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// TestBadInput sends every field of every body in its bad forms and checks the
// status, that the problem names the field, and that nothing was written.
func TestBadInput(t *testing.T) {
	f := newFixture(t)
	long := strings.Repeat("a", 201)
	unitPath := fmt.Sprintf("/api/v1/units/%d", f.unitA.ID)
	userPath := fmt.Sprintf("/api/v1/users/%d", f.users["officer"].ID)
	uv := f.users["officer"].Version
	tests := []struct {
		name, method, path, body string
		contentType              string
		status                   int
		fields                   []string
	}{
		// Malformed bodies: 400.
		{"malformed json", "POST", "/api/v1/units", `{"code": "X",`, "", 400, nil},
		{"not an object", "POST", "/api/v1/units", `[1,2]`, "", 400, nil},
		{"two values", "POST", "/api/v1/units", `{"code":"A1","name":"x"} {}`, "", 400, nil},
		{"empty body", "POST", "/api/v1/users", ``, "", 400, nil},
		{"not json", "POST", "/api/v1/units", `code=X`, "application/x-www-form-urlencoded", 415, nil},
		{"too large", "POST", "/api/v1/units", `{"name":"` + strings.Repeat("x", 1<<20) + `"}`, "", 413, nil},
		{"login malformed", "POST", "/api/v1/auth/token", `{"email":`, "", 400, nil},
		// Wrong types: 422 naming the field.
		{"code a number", "POST", "/api/v1/units", `{"code":5,"name":"x"}`, "", 422, []string{"code"}},
		{"parent_id a string", "POST", "/api/v1/units", `{"code":"A2","name":"x","parent_id":"abc"}`, "", 422, []string{"parent_id"}},
		{"unit_id a string", "POST", "/api/v1/users", `{"email":"a@b.go.id","name":"x","role":"officer","unit_id":"1","password":"` + password + `"}`, "", 422, []string{"unit_id"}},
		{"active a string", "POST", "/api/v1/users", `{"email":"a@b.go.id","name":"x","role":"officer","unit_id":1,"active":"yes","password":"` + password + `"}`, "", 422, []string{"active"}},
		{"patch active a number", "PATCH", userPath, fmt.Sprintf(`{"active":1,"version":%d}`, uv), "", 422, []string{"active"}},
		{"version a string", "PATCH", userPath, `{"name":"x","version":"1"}`, "", 422, []string{"version"}},
		// Validation: 422 naming every invalid field.
		{"unit empty", "POST", "/api/v1/units", `{}`, "", 422, []string{"code", "name"}},
		{"unit bad code and long name", "POST", "/api/v1/units", `{"code":"bad code!","name":"` + long + `","email":"not-an-email"}`, "", 422, []string{"code", "email", "name"}},
		{"unit unknown parent", "POST", "/api/v1/units", `{"code":"A3","name":"x","parent_id":999999}`, "", 422, []string{"parent_id"}},
		{"unit parent is itself", "PATCH", unitPath, fmt.Sprintf(`{"parent_id":%d,"version":%d}`, f.unitA.ID, f.unitA.Version), "", 422, []string{"parent_id"}},
		{"unit name null", "PATCH", unitPath, fmt.Sprintf(`{"name":null,"version":%d}`, f.unitA.Version), "", 422, []string{"name"}},
		{"user empty", "POST", "/api/v1/users", `{}`, "", 422, []string{"email", "name", "password", "role", "unit_id"}},
		{"user bad fields", "POST", "/api/v1/users", `{"email":"budi@","name":"` + long + `","nip":"12345","role":"superuser","unit_id":999999,"password":"short"}`, "", 422, []string{"email", "name", "nip", "password", "role"}},
		{"user nip letters", "POST", "/api/v1/users", `{"email":"budi@kalselprov.go.id","name":"Budi","nip":"19800101200501100X","role":"officer","unit_id":1,"password":"` + password + `"}`, "", 422, []string{"nip"}},
		{"user nip 19 digits", "POST", "/api/v1/users", `{"email":"budi@kalselprov.go.id","name":"Budi","nip":"1980010120050110011","role":"officer","unit_id":1,"password":"` + password + `"}`, "", 422, []string{"nip"}},
		{"user unknown unit", "POST", "/api/v1/users", `{"email":"budi@kalselprov.go.id","name":"Budi","role":"officer","unit_id":999999,"password":"` + password + `"}`, "", 422, []string{"unit_id"}},
		{"user name with control char", "POST", "/api/v1/users", `{"email":"budi@kalselprov.go.id","name":"Bu\u0000di","role":"officer","unit_id":1,"password":"` + password + `"}`, "", 422, []string{"name"}},
		{"user unknown role patch", "PATCH", userPath, fmt.Sprintf(`{"role":"root","version":%d}`, uv), "", 422, []string{"role"}},
		{"user email null", "PATCH", userPath, fmt.Sprintf(`{"email":null,"version":%d}`, uv), "", 422, []string{"email"}},
		{"patch without version", "PATCH", userPath, `{"name":"Budi"}`, "", 422, []string{"version"}},
		{"patch version zero", "PATCH", userPath, `{"name":"Budi","version":0}`, "", 422, []string{"version"}},
		// Duplicates: 409 naming the field.
		{"duplicate unit code", "POST", "/api/v1/units", `{"code":"diskominfo","name":"Lagi"}`, "", 409, []string{"code"}},
		{"duplicate email, other case", "POST", "/api/v1/users", `{"email":"OFFICER@kalselprov.go.id","name":"Budi","role":"officer","unit_id":1,"password":"` + password + `"}`, "", 409, []string{"email"}},
		{"stale version", "PATCH", userPath, fmt.Sprintf(`{"name":"Budi","version":%d}`, uv+5), "", 409, nil},
		// Unknown objects.
		{"unknown unit", "GET", "/api/v1/units/424242", "", "", 404, nil},
		{"unit id not a number", "GET", "/api/v1/units/abc", "", "", 404, nil},
		{"unit id negative", "PATCH", "/api/v1/units/-1", `{"version":1}`, "", 404, nil},
		{"unknown route", "GET", "/api/v1/nothing-here", "", "", 404, nil},
		{"method not allowed", "DELETE", "/api/v1/units", "", "", 405, nil},
		// List parameters.
		{"limit 0", "GET", "/api/v1/users?limit=0", "", "", 422, []string{"limit"}},
		{"limit -1", "GET", "/api/v1/users?limit=-1", "", "", 422, []string{"limit"}},
		{"limit 10000", "GET", "/api/v1/units?limit=10000", "", "", 422, []string{"limit"}},
		{"limit empty", "GET", "/api/v1/units?limit=", "", "", 422, []string{"limit"}},
		{"limit text", "GET", "/api/v1/units?limit=ten", "", "", 422, []string{"limit"}},
		{"tampered cursor", "GET", "/api/v1/users?cursor=eyJsIjoidXNlcnMiLCJrIjo1fQ", "", "", 400, nil},
		{"garbage cursor", "GET", "/api/v1/users?cursor=" + url.QueryEscape("'; DROP TABLE users;--"), "", "", 400, nil},
		{"bad role filter", "GET", "/api/v1/users?role=root", "", "", 422, []string{"role"}},
		{"bad unit filter", "GET", "/api/v1/users?unit_id=x", "", "", 422, []string{"unit_id"}},
		{"bad active filter", "GET", "/api/v1/users?active=maybe", "", "", 422, []string{"active"}},
	}
	count := func() (n int) {
		f.db.Raw("SELECT (SELECT count(*) FROM units) + (SELECT count(*) FROM users) + (SELECT sum(version) FROM users) + (SELECT sum(version) FROM units)").Scan(&n)
		return n
	}
	before := count()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := *f
			f.t = t
			var headers []string
			if tt.contentType != "" {
				headers = []string{"Content-Type", tt.contentType}
			}
			rec := f.do(tt.method, tt.path, f.tokens["admin"], tt.body, nil, headers...)
			checkFields(t, f.problem(rec, tt.status), tt.fields, rec.Body.String())
		})
	}
	if after := count(); after != before {
		t.Errorf("bad input changed the database (%d → %d)", before, after)
	}
}

func TestCursorFromAnotherListIsRefused(t *testing.T) {
	f := newFixture(t)
	var page struct {
		Items      []struct{ ID int64 }
		NextCursor *string `json:"next_cursor"`
	}
	f.do("GET", "/api/v1/units?limit=1", f.tokens["admin"], "", &page)
	if page.NextCursor == nil {
		t.Fatal("no next cursor with more units than the limit")
	}
	f.problem(f.do("GET", "/api/v1/users?cursor="+*page.NextCursor, f.tokens["admin"], "", nil), 400)
}

func TestPaginationWalksEverythingOnceWhileInserting(t *testing.T) {
	f := newFixture(t)
	for i := 0; i < 23; i++ {
		f.do("POST", "/api/v1/units", f.tokens["admin"], fmt.Sprintf(`{"code":"P%02d","name":"Unit %d"}`, i, i), nil)
	}
	seen := map[int64]int{}
	cursor := ""
	pages := 0
	for {
		var page struct {
			Items      []struct{ ID int64 }
			NextCursor *string `json:"next_cursor"`
		}
		rec := f.do("GET", "/api/v1/units?limit=5&cursor="+cursor, f.tokens["viewer"], "", &page)
		if rec.Code != 200 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		pages++
		for _, it := range page.Items {
			seen[it.ID]++
		}
		// A unit added mid-walk appears at the end, once; none repeats.
		if pages == 2 {
			f.do("POST", "/api/v1/units", f.tokens["admin"], `{"code":"LATE","name":"Unit terlambat"}`, nil)
		}
		if page.NextCursor == nil {
			break
		}
		cursor = *page.NextCursor
	}
	var total int
	f.db.Raw("SELECT count(*) FROM units").Scan(&total)
	if len(seen) != total {
		t.Errorf("walk saw %d units; there are %d", len(seen), total)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("unit %d seen %d times", id, n)
		}
	}
}

func TestManagerListsOnlyOwnUnitUsers(t *testing.T) {
	f := newFixture(t)
	var page struct {
		Items []struct {
			Email  string
			UnitID int64 `json:"unit_id"`
		}
	}
	f.do("GET", "/api/v1/users", f.tokens["manager"], "", &page)
	if len(page.Items) == 0 {
		t.Fatal("manager sees no users")
	}
	for _, u := range page.Items {
		if u.UnitID != f.unitA.ID {
			t.Errorf("manager of unit %d sees %s of unit %d", f.unitA.ID, u.Email, u.UnitID)
		}
	}
	// A filter for another unit gives nothing, not an error that reveals it.
	f.do("GET", fmt.Sprintf("/api/v1/users?unit_id=%d", f.unitB.ID), f.tokens["manager"], "", &page)
	if len(page.Items) != 0 {
		t.Errorf("manager sees %d users of another unit", len(page.Items))
	}
}

func TestConcurrentPatchesOneWins(t *testing.T) {
	f := newFixture(t)
	u := f.users["officer"]
	const n = 10
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := f.do("PATCH", fmt.Sprintf("/api/v1/users/%d", u.ID), f.tokens["admin"],
				fmt.Sprintf(`{"name":"Nama %d"}`, i), nil, "If-Match", fmt.Sprintf(`"%d"`, u.Version))
			codes[i] = rec.Code
		}()
	}
	wg.Wait()
	won := 0
	for _, c := range codes {
		switch c {
		case 200:
			won++
		case 409:
		default:
			t.Errorf("status %d; want 200 or 409", c)
		}
	}
	if won != 1 {
		t.Errorf("%d PATCHes with one version succeeded; want exactly 1 (%v)", won, codes)
	}
	var version int
	f.db.Raw("SELECT version FROM users WHERE id = ?", u.ID).Scan(&version)
	if version != u.Version+1 {
		t.Errorf("version = %d; want %d", version, u.Version+1)
	}
}

func TestIdempotencyKey(t *testing.T) {
	f := newFixture(t)
	body := `{"code":"IDEM","name":"Unit idempoten"}`
	const n = 8
	codes := make([]int, n)
	ids := make([]int64, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var out struct{ ID int64 }
			rec := f.do("POST", "/api/v1/units", f.tokens["admin"], body, &out, "Idempotency-Key", "kunci-1")
			codes[i], ids[i] = rec.Code, out.ID
		}()
	}
	wg.Wait()
	for i := range codes {
		if codes[i] != 201 || ids[i] != ids[0] {
			t.Errorf("request %d: %d, id %d; want 201 with id %d", i, codes[i], ids[i], ids[0])
		}
	}
	var units int
	f.db.Raw("SELECT count(*) FROM units WHERE code = 'IDEM'").Scan(&units)
	if units != 1 {
		t.Errorf("%d units created with one key; want 1", units)
	}
	// The replay carries the Location of the first answer.
	rec := f.do("POST", "/api/v1/units", f.tokens["admin"], body, nil, "Idempotency-Key", "kunci-1")
	if rec.Header().Get("Location") != fmt.Sprintf("/api/v1/units/%d", ids[0]) || rec.Header().Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay headers: %v", rec.Header())
	}
	// The same key with another body is refused.
	p := f.problem(f.do("POST", "/api/v1/units", f.tokens["admin"], `{"code":"OTHER","name":"Lain"}`, nil, "Idempotency-Key", "kunci-1"), 422)
	if !strings.Contains(p.Detail, "Idempotency-Key") {
		t.Errorf("detail %q", p.Detail)
	}
	// Keys belong to their caller: another admin's same key is a new request.
	other := f.addUser(f.admin(), "admin2@kalselprov.go.id", "admin", f.unitA.ID)
	tok := f.login(other.Email)
	if rec := f.do("POST", "/api/v1/units", tok, `{"code":"IDEM2","name":"Dua"}`, nil, "Idempotency-Key", "kunci-1"); rec.Code != 201 {
		t.Errorf("another caller's key: %d %s", rec.Code, rec.Body)
	}
	// A failed request with a key is replayed as the same failure.
	first := f.do("POST", "/api/v1/units", f.tokens["admin"], `{"code":"bad code"}`, nil, "Idempotency-Key", "kunci-2")
	again := f.do("POST", "/api/v1/units", f.tokens["admin"], `{"code":"bad code"}`, nil, "Idempotency-Key", "kunci-2")
	if first.Code != 422 || again.Code != 422 || first.Body.String() != again.Body.String() {
		t.Errorf("failed request replay: %d %s / %d %s", first.Code, first.Body, again.Code, again.Body)
	}
}
