package api_test

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// registeredRoutes lists "METHOD /api/v1/path" for every route Echo holds
// under the API, but the catch-all for unknown paths.
func registeredRoutes(f *fixture) []string {
	var out []string
	for _, r := range f.echo.Routes() {
		if !strings.HasPrefix(r.Path, "/api/v1/") || strings.HasSuffix(r.Path, "/*") {
			continue
		}
		out = append(out, r.Method+" "+r.Path)
	}
	sort.Strings(out)
	return out
}

// TestOpenAPICoversEveryRoute walks Echo's registered routes and the served
// document, and fails on a route missing from either.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	f := newFixture(t)
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	rec := f.do("GET", "/api/v1/openapi.json", "", "", &doc)
	if rec.Code != 200 || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi.json: %d, version %q", rec.Code, doc.OpenAPI)
	}
	param := regexp.MustCompile(`\{([a-z_]+)\}`)
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			documented[strings.ToUpper(method)+" /api/v1"+param.ReplaceAllString(path, ":$1")] = true
		}
	}
	registered := map[string]bool{}
	for _, r := range registeredRoutes(f) {
		registered[r] = true
		if !documented[r] {
			t.Errorf("route %s is registered but not in the OpenAPI document", r)
		}
	}
	for r := range documented {
		if !registered[r] {
			t.Errorf("the OpenAPI document has %s, which is not registered", r)
		}
	}
	if len(registered) < 12 {
		t.Errorf("only %d routes registered; the walk is broken", len(registered))
	}
}

func TestOpenAPISchemasFollowTypes(t *testing.T) {
	f := newFixture(t)
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]map[string]any `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	f.do("GET", "/api/v1/openapi.json", "", "", &doc)
	user := doc.Components.Schemas["UserResponse"].Properties
	for _, field := range []string{"id", "email", "name", "nip", "role", "unit_id", "active", "version", "created_at", "updated_at"} {
		if user[field] == nil {
			t.Errorf("UserResponse lacks %s", field)
		}
	}
	if user["password"] != nil || user["password_hash"] != nil {
		t.Error("UserResponse documents a password")
	}
	if user["role"]["enum"] == nil || user["nip"]["nullable"] != true {
		t.Errorf("role %v, nip %v", user["role"], user["nip"])
	}
}
