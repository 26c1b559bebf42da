package api_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// openAPIOut writes the served document to a file, to check it with other
// tools: go test ./internal/api/ -run TestOpenAPILint -args -openapi.out=openapi.json
var openAPIOut = flag.String("openapi.out", "", "write the served OpenAPI document to this file")

// The rules below are those of Spectral's recommended spectral:oas ruleset
// that generated clients rely on, and a few of the service's own (public
// operations, required fields). Each is a function from the document to
// its violations, so that it can be run on a broken copy too.

// lintRule is one check of the document, and a way to break a valid
// document so that the check must fail.
type lintRule struct {
	name  string
	check func(doc obj) []string
	// breaks spoils a copy of a valid document for this rule.
	breaks func(doc obj)
}

type obj = map[string]any

// publicOperations are the operations API.md lets anyone call, those in the
// document (healthz and readyz live outside /api/v1).
var publicOperations = []string{"POST /auth/token", "GET /openapi.json"}

// bodiesWithoutRequired are the JSON request bodies of POST and PUT with
// nothing the client must send, and why.
var bodiesWithoutRequired = map[string]string{
	"POST /actions/{id}/complete": "note is optional; version may come as If-Match instead",
	"PUT /framework-mappings":     "from and to come from the query; an empty pairs list is a mapping too",
}

var (
	httpMethods    = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}
	templateParam  = regexp.MustCompile(`\{([^{}]*)\}`)
	operationIDOK  = regexp.MustCompile(`^[A-Za-z0-9_.~-]+$`)
	responseCodeOK = regexp.MustCompile(`^([1-5][0-9][0-9]|[1-5]XX|default)$`)
)

// operation is one operation of the document.
type operation struct {
	key string // "POST /units/{id}"
	op  obj
}

func operations(doc obj) []operation {
	var out []operation
	paths, _ := doc["paths"].(obj)
	for path, item := range paths {
		for _, m := range httpMethods {
			if op, ok := item.(obj)[m].(obj); ok {
				out = append(out, operation{strings.ToUpper(m) + " " + path, op})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out
}

// walk calls fn on every object of v with its JSON path.
func walk(v any, at string, fn func(at string, o obj)) {
	switch x := v.(type) {
	case obj:
		fn(at, x)
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			walk(x[k], at+"."+k, fn)
		}
	case []any:
		for i, e := range x {
			walk(e, fmt.Sprintf("%s[%d]", at, i), fn)
		}
	}
}

// component resolves a schema that may be a $ref to its component.
func component(doc obj, schema obj) obj {
	if ref, ok := schema["$ref"].(string); ok {
		s, _ := doc["components"].(obj)["schemas"].(obj)[strings.TrimPrefix(ref, "#/components/schemas/")].(obj)
		return s
	}
	return schema
}

// jsonBodySchema is an operation's application/json request schema, nil
// when it takes none.
func jsonBodySchema(doc obj, op obj) obj {
	body, _ := op["requestBody"].(obj)
	content, _ := body["content"].(obj)
	mt, _ := content["application/json"].(obj)
	s, _ := mt["schema"].(obj)
	if s == nil {
		return nil
	}
	return component(doc, s)
}

func strs(v any) []string {
	var out []string
	for _, x := range asSlice(v) {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

func nonEmptyString(v any) bool {
	s, ok := v.(string)
	return ok && strings.TrimSpace(s) != ""
}

// exampleErr says why example does not fit schema s ("" when it does).
func exampleErr(s obj, example any) string {
	if example == nil {
		if s["nullable"] == true {
			return ""
		}
		return "null but the schema is not nullable"
	}
	switch s["type"] {
	case "string":
		str, ok := example.(string)
		if !ok {
			return fmt.Sprintf("%v is not a string", example)
		}
		switch s["format"] {
		case "date":
			if _, err := time.Parse(time.DateOnly, str); err != nil {
				return fmt.Sprintf("%q is not a date", str)
			}
		case "date-time":
			if _, err := time.Parse(time.RFC3339, str); err != nil {
				return fmt.Sprintf("%q is not a date-time", str)
			}
		}
	case "integer", "number":
		n, ok := example.(float64)
		if !ok {
			return fmt.Sprintf("%v is not a number", example)
		}
		if s["type"] == "integer" && n != math.Trunc(n) {
			return fmt.Sprintf("%v is not an integer", n)
		}
		if m, ok := s["multipleOf"].(float64); ok && math.Abs(math.Round(n/m)*m-n) > 1e-9 {
			return fmt.Sprintf("%v is not a multiple of %v", n, m)
		}
		if min, ok := s["minimum"].(float64); ok && n < min {
			return fmt.Sprintf("%v is under the minimum %v", n, min)
		}
	case "boolean":
		if _, ok := example.(bool); !ok {
			return fmt.Sprintf("%v is not a boolean", example)
		}
	case "array":
		if _, ok := example.([]any); !ok {
			return fmt.Sprintf("%v is not an array", example)
		}
	case "object":
		if _, ok := example.(obj); !ok {
			return fmt.Sprintf("%v is not an object", example)
		}
	}
	if enum := asSlice(s["enum"]); enum != nil && !slices.Contains(enum, example) {
		return fmt.Sprintf("%v is not one of %v", example, enum)
	}
	return ""
}

// lintRules are the rules the served document must pass.
var lintRules = []lintRule{
	{name: "openapi-3.0", // the version oapi-codegen and most generators read
		check: func(doc obj) []string {
			if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.0.") {
				return []string{fmt.Sprintf("openapi is %q; want 3.0.x", doc["openapi"])}
			}
			return nil
		},
		breaks: func(doc obj) { doc["openapi"] = "2.0" }},

	{name: "info-contact-description",
		check: func(doc obj) []string {
			var out []string
			info, _ := doc["info"].(obj)
			for _, k := range []string{"title", "version", "description"} {
				if !nonEmptyString(info[k]) {
					out = append(out, "info."+k+" is missing")
				}
			}
			if c, _ := info["contact"].(obj); len(c) == 0 {
				out = append(out, "info.contact is missing")
			}
			return out
		},
		breaks: func(doc obj) { delete(doc["info"].(obj), "contact") }},

	{name: "oas3-api-servers",
		check: func(doc obj) []string {
			servers := asSlice(doc["servers"])
			if len(servers) == 0 {
				return []string{"no servers"}
			}
			var out []string
			for i, s := range servers {
				if u, _ := s.(obj)["url"].(string); u == "" || strings.HasSuffix(u, "/") {
					out = append(out, fmt.Sprintf("servers[%d].url %q is empty or ends with /", i, u))
				}
			}
			return out
		},
		breaks: func(doc obj) { doc["servers"] = []any{} }},

	{name: "operation-operationId-unique",
		check: func(doc obj) []string {
			var out []string
			seen := map[string]string{}
			for _, o := range operations(doc) {
				id, _ := o.op["operationId"].(string)
				switch {
				case !operationIDOK.MatchString(id):
					out = append(out, fmt.Sprintf("%s: operationId %q is missing or not valid in a URL", o.key, id))
				case seen[id] != "":
					out = append(out, fmt.Sprintf("%s: operationId %q is also %s's", o.key, id, seen[id]))
				}
				seen[id] = o.key
			}
			return out
		},
		breaks: func(doc obj) {
			ops := operations(doc)
			ops[1].op["operationId"] = ops[0].op["operationId"]
		}},

	{name: "operation-description", // and a summary
		check: func(doc obj) []string {
			var out []string
			for _, o := range operations(doc) {
				if !nonEmptyString(o.op["summary"]) || !nonEmptyString(o.op["description"]) {
					out = append(out, o.key+" lacks a summary or a description")
				}
			}
			return out
		},
		breaks: func(doc obj) { delete(operations(doc)[0].op, "description") }},

	{name: "operation-tag-defined", // one tag each, defined once at the top, each used
		check: func(doc obj) []string {
			var out []string
			defined := map[string]bool{}
			for _, t := range asSlice(doc["tags"]) {
				name, _ := t.(obj)["name"].(string)
				if defined[name] {
					out = append(out, "tag "+name+" is defined twice")
				}
				if !nonEmptyString(t.(obj)["description"]) {
					out = append(out, "tag "+name+" has no description")
				}
				defined[name] = true
			}
			used := map[string]bool{}
			for _, o := range operations(doc) {
				tags := strs(o.op["tags"])
				if len(tags) != 1 {
					out = append(out, fmt.Sprintf("%s has tags %v; want one", o.key, tags))
				}
				for _, t := range tags {
					used[t] = true
					if !defined[t] {
						out = append(out, fmt.Sprintf("%s: tag %q is not in the top-level tags", o.key, t))
					}
				}
			}
			for t := range defined {
				if !used[t] {
					out = append(out, "tag "+t+" is defined but no operation has it")
				}
			}
			return out
		},
		breaks: func(doc obj) { operations(doc)[0].op["tags"] = []any{"no-such-tag"} }},

	{name: "operation-success-response",
		check: func(doc obj) []string {
			var out []string
			for _, o := range operations(doc) {
				responses, _ := o.op["responses"].(obj)
				success := false
				for code, r := range responses {
					if !responseCodeOK.MatchString(code) {
						out = append(out, fmt.Sprintf("%s: response %q is not a status code", o.key, code))
					}
					if !nonEmptyString(r.(obj)["description"]) {
						out = append(out, fmt.Sprintf("%s: response %s has no description", o.key, code))
					}
					success = success || code[0] == '2' || code[0] == '3'
				}
				if !success {
					out = append(out, o.key+" has no 2xx or 3xx response")
				}
			}
			return out
		},
		breaks: func(doc obj) {
			r := operations(doc)[0].op["responses"].(obj)
			for code := range r {
				if code[0] == '2' {
					delete(r, code)
				}
			}
		}},

	{name: "path-params", // declared exactly as the template names them
		check: func(doc obj) []string {
			var out []string
			for _, o := range operations(doc) {
				path := strings.SplitN(o.key, " ", 2)[1]
				if strings.HasSuffix(path, "/") || strings.Contains(path, "?") {
					out = append(out, o.key+": the path ends with / or holds a query")
				}
				var inTemplate []string
				for _, m := range templateParam.FindAllStringSubmatch(path, -1) {
					if m[1] == "" {
						out = append(out, o.key+": an empty {} in the path")
					}
					inTemplate = append(inTemplate, m[1])
				}
				var declared []string
				seen := map[string]bool{}
				for _, p := range asSlice(o.op["parameters"]) {
					p := p.(obj)
					name, _ := p["name"].(string)
					in, _ := p["in"].(string)
					if seen[in+" "+name] {
						out = append(out, fmt.Sprintf("%s: parameter %s in %s twice", o.key, name, in))
					}
					seen[in+" "+name] = true
					if !nonEmptyString(p["description"]) {
						out = append(out, fmt.Sprintf("%s: parameter %s has no description", o.key, name))
					}
					if in == "path" {
						declared = append(declared, name)
						if p["required"] != true {
							out = append(out, fmt.Sprintf("%s: path parameter %s is not required", o.key, name))
						}
					}
				}
				sort.Strings(inTemplate)
				sort.Strings(declared)
				if !slices.Equal(inTemplate, declared) {
					out = append(out, fmt.Sprintf("%s: the path names %v, the parameters %v", o.key, inTemplate, declared))
				}
			}
			return out
		},
		breaks: func(doc obj) {
			for _, o := range operations(doc) {
				if strings.Contains(o.key, "{id}") {
					o.op["parameters"] = asSlice(o.op["parameters"])[1:]
					return
				}
			}
		}},

	{name: "no-$ref-siblings",
		check: func(doc obj) []string {
			var out []string
			walk(doc, "$", func(at string, o obj) {
				if _, ok := o["$ref"]; ok && len(o) > 1 {
					out = append(out, at+" has keys beside $ref")
				}
			})
			return out
		},
		breaks: func(doc obj) {
			for _, o := range operations(doc) {
				if s := jsonBodySchemaRef(o.op); s != nil {
					s["nullable"] = true
					return
				}
			}
		}},

	{name: "oas3-unused-component", // and every $ref resolves
		check: func(doc obj) []string {
			var out []string
			schemas, _ := doc["components"].(obj)["schemas"].(obj)
			used := map[string]bool{}
			walk(doc, "$", func(at string, o obj) {
				ref, ok := o["$ref"].(string)
				if !ok {
					return
				}
				name := strings.TrimPrefix(ref, "#/components/schemas/")
				if schemas[name] == nil {
					out = append(out, fmt.Sprintf("%s: $ref %s resolves to nothing", at, ref))
				}
				if !strings.HasPrefix(at, "$.components.schemas."+name+".") {
					used[name] = true
				}
			})
			for name := range schemas {
				if !used[name] {
					out = append(out, "component "+name+" is not used")
				}
			}
			sort.Strings(out)
			return out
		},
		breaks: func(doc obj) { doc["components"].(obj)["schemas"].(obj)["Orphan"] = obj{"type": "object"} }},

	{name: "oas3-valid-schema-example", // and typed enums without duplicates
		check: func(doc obj) []string {
			var out []string
			walk(doc, "$", func(at string, o obj) {
				if _, isSchema := o["type"].(string); !isSchema {
					return
				}
				if ex, ok := o["example"]; ok {
					if err := exampleErr(o, ex); err != "" {
						out = append(out, at+": example "+err)
					}
				}
				seen := map[any]bool{}
				for _, e := range asSlice(o["enum"]) {
					if err := exampleErr(copyWithout(o, "enum"), e); err != "" {
						out = append(out, at+": enum value "+err)
					}
					if seen[e] {
						out = append(out, fmt.Sprintf("%s: enum value %v twice", at, e))
					}
					seen[e] = true
				}
			})
			return out
		},
		breaks: func(doc obj) {
			walk(doc, "$", func(at string, o obj) {
				if o["format"] == "date" {
					o["example"] = "30/09/2024"
				}
			})
		}},

	{name: "oas3-operation-security-defined", // a global bearer requirement; the public operations opt out
		check: func(doc obj) []string {
			var out []string
			schemes, _ := doc["components"].(obj)["securitySchemes"].(obj)
			global := asSlice(doc["security"])
			if len(global) == 0 {
				out = append(out, "no global security requirement")
			}
			checkReqs := func(where string, reqs []any) {
				for _, r := range reqs {
					for name := range r.(obj) {
						if schemes[name] == nil {
							out = append(out, fmt.Sprintf("%s: security scheme %q is not defined", where, name))
						}
					}
				}
			}
			checkReqs("global", global)
			for _, o := range operations(doc) {
				sec, has := o.op["security"]
				public := slices.Contains(publicOperations, o.key)
				switch {
				case public && (!has || sec == nil || len(asSlice(sec)) != 0):
					out = append(out, o.key+" is public but lacks security: []")
				case !public && has && len(asSlice(sec)) == 0:
					out = append(out, o.key+" needs a token but its security is empty")
				}
				checkReqs(o.key, asSlice(sec))
			}
			return out
		},
		breaks: func(doc obj) {
			for _, o := range operations(doc) {
				if o.key == "POST /auth/token" {
					delete(o.op, "security")
				}
			}
		}},

	{name: "request-required", // every required name is a property; POST and PUT bodies say what they need
		check: func(doc obj) []string {
			var out []string
			walk(doc, "$", func(at string, o obj) {
				props, _ := o["properties"].(obj)
				req, has := o["required"].([]any) // parameters and bodies have a boolean required
				if has && len(req) == 0 {
					out = append(out, at+": an empty required list (not allowed in OpenAPI 3.0)")
				}
				for _, name := range strs(req) {
					if props[name] == nil {
						out = append(out, fmt.Sprintf("%s: required %q is not a property", at, name))
					}
				}
			})
			for _, o := range operations(doc) {
				method := strings.SplitN(o.key, " ", 2)[0]
				s := jsonBodySchema(doc, o.op)
				if s == nil || (method != "POST" && method != "PUT") {
					continue
				}
				_, exempt := bodiesWithoutRequired[o.key]
				if n := len(asSlice(s["required"])); n == 0 && !exempt {
					out = append(out, o.key+": the body's schema has no required list")
				} else if n > 0 && exempt {
					out = append(out, o.key+" is in bodiesWithoutRequired but has required fields")
				}
			}
			return out
		},
		breaks: func(doc obj) {
			delete(doc["components"].(obj)["schemas"].(obj)["UnitCreateRequest"].(obj), "required")
		}},

	{name: "no-script-tags-in-markdown",
		check: func(doc obj) []string {
			var out []string
			walk(doc, "$", func(at string, o obj) {
				for _, k := range []string{"description", "summary"} {
					if s, ok := o[k].(string); ok && (strings.Contains(strings.ToLower(s), "<script") || strings.Contains(s, "eval(")) {
						out = append(out, at+"."+k+" holds a script")
					}
				}
			})
			return out
		},
		breaks: func(doc obj) { doc["info"].(obj)["description"] = "<script>alert(1)</script>" }},
}

// jsonBodySchemaRef is an operation's application/json request schema as
// written (a $ref object), nil when it takes none.
func jsonBodySchemaRef(op obj) obj {
	body, _ := op["requestBody"].(obj)
	content, _ := body["content"].(obj)
	mt, _ := content["application/json"].(obj)
	s, _ := mt["schema"].(obj)
	return s
}

func copyWithout(o obj, key string) obj {
	out := make(obj, len(o))
	for k, v := range o {
		if k != key {
			out[k] = v
		}
	}
	return out
}

// servedOpenAPI fetches the document and returns its bytes.
func servedOpenAPI(t *testing.T, f *fixture) []byte {
	t.Helper()
	rec := f.do("GET", "/api/v1/openapi.json", "", "", nil)
	mustStatus(t, rec, 200)
	return rec.Body.Bytes()
}

func decodeDoc(t *testing.T, b []byte) obj {
	t.Helper()
	var doc obj
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestOpenAPILint checks the served document against each rule, and each
// rule against a document broken for it: a rule that cannot fail checks
// nothing.
func TestOpenAPILint(t *testing.T) {
	f := newFixture(t)
	served := servedOpenAPI(t, f)
	if *openAPIOut != "" {
		if err := os.WriteFile(*openAPIOut, served, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range lintRules {
		t.Run(r.name, func(t *testing.T) {
			for _, v := range r.check(decodeDoc(t, served)) {
				t.Error(v)
			}
			broken := decodeDoc(t, served)
			r.breaks(broken)
			if len(r.check(broken)) == 0 {
				t.Error("the rule passes a document broken for it")
			}
		})
	}
}

// TestOpenAPIRequiredFields checks the required lists against what the
// contract names and what the service refuses: a body of {} (with the
// version as If-Match where it takes one) must be refused naming exactly
// the required fields, so that a field tagged required:"true" and the
// service's validation cannot part.
func TestOpenAPIRequiredFields(t *testing.T) {
	f := newFixture(t)
	doc := decodeDoc(t, servedOpenAPI(t, f))
	schemas := doc["components"].(obj)["schemas"].(obj)

	t.Run("known", func(t *testing.T) {
		for schema, want := range map[string][]string{
			"TokenRequest":             {"email", "password"},
			"UnitCreateRequest":        {"code", "name"},
			"UserCreateRequest":        {"email", "name", "role", "unit_id", "password"},
			"ApplicationCreateRequest": {"name", "unit_id", "kind"},
			"AssessmentCreateRequest":  {"year", "name"},
			"MilestoneRequest":         {"name", "date"},
			"ScoreRequest":             {"level", "target_level"},
			"ReviewRequest":            {"kind", "title", "conducted_on"},
			"FindingCreateRequest":     {"review_id", "title", "severity"},
			"TransitionRequest":        {"action"},
			"CommentRequest":           {"body"},
			"ActionCreateRequest":      {"title", "assignee_id"},
			"HolidayRequest":           {"date", "name"},
			"UploadForm":               {"file", "kind", "title"},
			"PairResponse":             {"from", "to"},
		} {
			s, _ := schemas[schema].(obj)
			if s == nil {
				t.Errorf("no schema %s", schema)
				continue
			}
			got := strs(s["required"])
			if !slices.Equal(got, want) {
				t.Errorf("%s required = %v; want %v", schema, got, want)
			}
		}
		for name, s := range schemas {
			if strings.HasSuffix(name, "PatchRequest") && s.(obj)["required"] != nil {
				t.Errorf("%s requires %v; a change needs only the version, which may come as If-Match", name, s.(obj)["required"])
			}
		}
	})

	t.Run("agree-with-validation", func(t *testing.T) {
		fd := f.findingIn("open")
		act := f.assign("manager", fd.ID, "")
		var app, asm struct{ ID int64 }
		mustStatus(t, f.do("POST", "/api/v1/applications", f.tokens["admin"],
			fmt.Sprintf(`{"name":"SIMPEG","unit_id":%d,"kind":"publik"}`, f.unitA.ID), &app), 201)
		mustStatus(t, f.do("POST", "/api/v1/assessments", f.tokens["admin"], `{"year":2024,"name":"Evaluasi SPBE 2024"}`, &asm), 201)
		var ext struct{ ID int64 }
		mustStatus(t, f.do("POST", fmt.Sprintf("/api/v1/findings/%d/extensions", fd.ID), f.tokens["manager"],
			`{"due_date":"2024-12-31","reason":"Menunggu SK"}`, &ext), 201)
		ids := map[string]int64{"units": f.unitA.ID, "users": f.users["officer"].ID, "applications": app.ID,
			"assessments": asm.ID, "reviews": f.newReview(""), "findings": fd.ID, "actions": act.ID, "extensions": ext.ID}
		// who sends each body: a caller allowed to, so that only validation refuses it.
		who := map[string]string{"/units": "admin", "/users": "admin", "/applications": "admin", "/assessments": "admin",
			"/framework-mappings": "admin", "/actions/{id}/complete": "officer", "/actions/{id}": "manager", "/calendar": "admin",
			"/actions/{id}/extensions": "officer", "/findings/{id}/extensions": "manager"}
		// alternatives are fields one of which is needed (due_date, or
		// due_in_working_days instead): refused when both are missing, but
		// required by neither.
		alternatives := map[string][]string{"POST /findings/{id}/actions": {"due_date"}}
		idOf := regexp.MustCompile(`/([a-z-]+)/\{id\}`)
		probed := 0
		for _, o := range operations(doc) {
			s := jsonBodySchema(doc, o.op)
			if s == nil {
				continue
			}
			method, path, _ := strings.Cut(o.key, " ")
			url := idOf.ReplaceAllStringFunc(path, func(m string) string {
				coll := idOf.FindStringSubmatch(m)[1]
				if ids[coll] == 0 {
					t.Fatalf("%s: no %s to send it to; add one to the probe", o.key, coll)
				}
				return fmt.Sprintf("/%s/%d", coll, ids[coll])
			})
			url = strings.ReplaceAll(url, "{indicator_code}", "I01")
			if path == "/framework-mappings" {
				url += "?from=spbe-2020&to=pemdi-2026"
			}
			caller := "auditor"
			for prefix, w := range who {
				if strings.HasPrefix(path, prefix) && (prefix != "/actions/{id}" || path == prefix) {
					caller = w
				}
			}
			if path == "/auth/token" {
				caller = ""
			}
			// The version may come as If-Match; sent so, the body's own fields are judged.
			_, versioned := s["properties"].(obj)["version"]
			var headers []string
			if versioned {
				headers = []string{"If-Match", `"1"`}
			}
			rec := f.do(method, "/api/v1"+url, f.tokens[caller], `{}`, nil, headers...)
			want := strs(s["required"])
			probed++
			if path == "/auth/token" { // wrong credentials, whichever is missing: the same 401
				if rec.Code != 401 || len(want) == 0 {
					t.Errorf("%s {}: %d, required %v; want 401 and email, password", o.key, rec.Code, want)
				}
				continue
			}
			var got []string
			if rec.Code == 422 {
				got = fields(f.problem(rec, 422))
			} else if rec.Code >= 300 && !(versioned && rec.Code == 409) { // 409: a stale version, no field missing
				t.Errorf("%s {} as %s: %d %s; want 422, or success when nothing is required", o.key, caller, rec.Code, rec.Body)
				continue
			}
			got = slices.DeleteFunc(got, func(f string) bool { return slices.Contains(alternatives[o.key], f) })
			sort.Strings(got)
			sort.Strings(want)
			if !slices.Equal(got, want) {
				t.Errorf("%s {} is refused for %v; the schema requires %v", o.key, got, want)
			}
		}
		if probed < 15 {
			t.Errorf("only %d bodies probed", probed)
		}
	})
}
