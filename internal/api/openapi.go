package api

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tindaklanjut/tindaklanjut/internal/date"
	"github.com/tindaklanjut/tindaklanjut/internal/framework"
)

// The OpenAPI document is built from the route table and the Go types of the
// requests and responses, so it cannot drift from the code: a route exists
// in the document exactly when it is registered (a test walks Echo's routes
// to keep it so), and a field exists in a schema exactly when it exists in
// the type. A request field tagged `required:"true"` is in its schema's
// required list: the client must send it, and the service refuses a body
// without it (openapi_lint_test.go checks both, and the document against
// the linter rules generated clients rely on).
//
// Every operation needs a bearer token (the document's global security)
// but those of public routes, which say so with an empty security list.

// openAPITags are the groups of operations, in the order a reader meets
// them; every route's tag must be one of them.
var openAPITags = []struct{ name, description string }{
	{"auth", "Signing in and out: bearer tokens"},
	{"people", "The caller, units and users"},
	{"reference", "Evaluation models and their mappings, applications, assessments and their scores"},
	{"findings", "Reviews, findings, their life cycle and their history"},
	{"actions", "Follow-up actions assigned on findings"},
	{"deadlines", "The working-day calendar, extension requests and notification preferences"},
	{"evidence", "Documents uploaded as evidence of actions"},
	{"reports", "Counts of findings and the follow-up matrix"},
	{"notifications", "The outbox of emails (admin)"},
	{"meta", "This document"},
}

var pathParamRE = regexp.MustCompile(`:([a-z_]+)`)

// openAPIPath turns Echo's /units/:id into OpenAPI's /units/{id}.
func openAPIPath(p string) string { return pathParamRE.ReplaceAllString(p, "{$1}") }

// OpenAPI returns the document.
func (a *API) OpenAPI() map[string]any {
	schemas := map[string]any{
		"Problem": map[string]any{
			"type": "object",
			"properties": map[string]any{
				"type": map[string]any{"type": "string"}, "title": map[string]any{"type": "string"},
				"status": map[string]any{"type": "integer"}, "detail": map[string]any{"type": "string"},
				"request_id": map[string]any{"type": "string"},
				"errors": map[string]any{"type": "array", "items": map[string]any{"type": "object",
					"properties": map[string]any{"field": map[string]any{"type": "string"}, "message": map[string]any{"type": "string"}}}},
				"allowed_actions": map[string]any{"type": "array", "items": map[string]any{"type": "string"}},
			},
		},
	}
	gen := &schemaGen{schemas: schemas}
	paths := map[string]any{}
	problem := func(desc string) map[string]any {
		return map[string]any{"description": desc, "content": map[string]any{
			ProblemContentType: map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Problem"}}}}
	}
	for _, r := range a.routes {
		versioned := r.body != nil && hasVersion(reflect.TypeOf(r.body))
		op := map[string]any{"summary": r.summary, "description": operationDescription(r, versioned),
			"tags": []string{r.tag}, "operationId": operationID(r)}
		var params []any
		for _, m := range pathParamRE.FindAllStringSubmatch(r.path, -1) {
			schema := map[string]any{"type": "integer", "minimum": 1}
			if m[1] != "id" && !strings.HasSuffix(m[1], "_id") { // a code, such as indicator_code
				schema = map[string]any{"type": "string"}
			}
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true,
				"description": pathParamDescription(r.path, m[1]), "schema": schema})
		}
		for _, q := range r.query {
			s := map[string]any{"type": q.typ}
			if q.repeat {
				s = map[string]any{"type": "array", "items": map[string]any{"type": q.typ}}
			}
			p := map[string]any{"name": q.name, "in": "query", "description": q.doc, "schema": s}
			if q.required {
				p["required"] = true
			}
			params = append(params, p)
		}
		if r.creates {
			params = append(params, map[string]any{"name": "Idempotency-Key", "in": "header",
				"description": "a retry with the same key and body returns the first answer (kept 24 hours)",
				"schema":      map[string]any{"type": "string", "maxLength": 255}})
		}
		if versioned {
			params = append(params, map[string]any{"name": "If-Match", "in": "header",
				"description": `the version last seen, "3"; or send "version" in the body (one of the two is required)`,
				"schema":      map[string]any{"type": "string"}})
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		responses := map[string]any{}
		if r.body != nil {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"application/json": map[string]any{"schema": gen.of(reflect.TypeOf(r.body))}}}
		}
		if r.form != nil {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"multipart/form-data": map[string]any{"schema": gen.of(reflect.TypeOf(r.form))}}}
			responses["400"] = problem("malformed multipart body")
			responses["413"] = problem("the file is over the size limit")
			responses["415"] = problem("not multipart/form-data, or a file of a type not accepted (judged from its content)")
			responses["507"] = problem("the server's storage is full; nothing was stored")
		}
		success := map[string]any{"description": http.StatusText(r.status)}
		if r.response != nil {
			s := gen.of(reflect.TypeOf(r.response))
			if r.list {
				s = map[string]any{"type": "object", "required": []string{"items", "next_cursor"}, "properties": map[string]any{
					"items":       map[string]any{"type": "array", "items": s},
					"next_cursor": map[string]any{"type": "string", "nullable": true},
				}}
			}
			success["content"] = map[string]any{"application/json": map[string]any{"schema": s}}
		}
		if r.download {
			success["content"] = map[string]any{"application/octet-stream": map[string]any{
				"schema": map[string]any{"type": "string", "format": "binary"}}}
			success["description"] = "the exact bytes uploaded, with Content-Type, Content-Disposition: attachment and ETag (the SHA-256)"
			responses["206"] = map[string]any{"description": "the range asked for (Range: bytes=…)"}
			responses["304"] = map[string]any{"description": "not modified (If-None-Match with the ETag)"}
			responses["416"] = map[string]any{"description": "a range outside the document"}
		}
		if len(r.files) > 0 {
			content := map[string]any{}
			for _, mt := range r.files {
				content[mt] = map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}}
			}
			success["content"] = content
			success["description"] = "the file, with Content-Disposition: attachment and a dated file name"
		}
		if r.creates {
			success["headers"] = map[string]any{"Location": map[string]any{"description": "the address of the new object",
				"schema": map[string]any{"type": "string"}}}
		}
		responses[strconv.Itoa(r.status)] = success
		if r.body != nil {
			responses["400"] = problem("malformed JSON")
			responses["413"] = problem("body too large")
			responses["415"] = problem("not JSON")
		}
		responses["422"] = problem("invalid input; errors names each field")
		if !r.public {
			responses["401"] = problem("no valid token")
			responses["403"] = problem("the caller's role may not do this")
		}
		if strings.Contains(r.path, ":") {
			responses["404"] = problem("no such object, or not visible to the caller")
		}
		if versioned || r.creates {
			responses["409"] = problem("stale version, or a duplicate")
		}
		if r.path == "/auth/token" && r.method == http.MethodPost {
			responses["401"] = problem("wrong email or password")
			responses["429"] = problem("too many failed attempts; see Retry-After")
		}
		op["responses"] = responses
		if r.public {
			op["security"] = []any{} // overrides the global bearer requirement
		}
		item, _ := paths[openAPIPath(r.path)].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[openAPIPath(r.path)] = item
		}
		item[strings.ToLower(r.method)] = op
	}
	paths["/openapi.json"] = map[string]any{"get": map[string]any{"summary": "This document",
		"description": "The OpenAPI 3 document of this API, built from its route table. No token needed.",
		"tags":        []string{"meta"}, "operationId": "getOpenAPI", "security": []any{},
		"responses": map[string]any{"200": map[string]any{"description": "OK", "content": map[string]any{
			"application/json": map[string]any{"schema": map[string]any{"type": "object"}}}}}}}
	tags := make([]any, len(openAPITags))
	for i, t := range openAPITags {
		tags[i] = map[string]any{"name": t.name, "description": t.description}
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{"title": "tindaklanjut API", "version": "1",
			"description": "Follow-up of review, SPBE evaluation and ICT audit findings. Errors are RFC 9457 problem documents.",
			"contact":     map[string]any{"name": "tindaklanjut maintainers"}},
		"servers":  []any{map[string]any{"url": Prefix, "description": "this installation"}},
		"security": []any{map[string]any{"bearer": []string{}}},
		"tags":     tags,
		"paths":    paths,
		"components": map[string]any{
			"schemas":         schemas,
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer"}},
		},
	}
}

// operationDescription says what every operation of r's kind shares, after
// its summary: whether it needs a token, how lists page, how creating and
// changing behave.
func operationDescription(r route, versioned bool) string {
	parts := []string{strings.TrimSuffix(r.summary, ".") + "."}
	if r.public {
		parts = append(parts, "No token needed.")
	} else {
		parts = append(parts, "Needs Authorization: Bearer <token>.")
	}
	if r.list {
		parts = append(parts, "Answers a page of items and next_cursor, null on the last page; pass it as cursor for the next.")
	}
	if r.creates {
		parts = append(parts, "Answers 201 with the new object and its address in Location; "+
			"a retry with the same Idempotency-Key and body answers the first result instead of creating another.")
	}
	if r.body != nil || r.form != nil {
		parts = append(parts, "The body's required fields must be sent; the others may be left out.")
	}
	if versioned {
		parts = append(parts, `Send the version last seen as "version" in the body or as If-Match; a stale one is a 409.`)
	}
	return strings.Join(parts, " ")
}

// pathParamDescription names what a path parameter identifies: the object
// of the collection before it (/units/{id}: the unit's id).
func pathParamDescription(path, name string) string {
	if name != "id" {
		return strings.ReplaceAll(name, "_", " ") + ", such as I01 or P01"
	}
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for i := len(segs) - 1; i > 0; i-- {
		if segs[i] == ":id" {
			return "the id of the " + strings.TrimSuffix(segs[i-1], "s")
		}
	}
	return "the object's id"
}

// hasVersion says whether request type t carries the optimistic lock's
// "version", which If-Match may carry instead.
func hasVersion(t reflect.Type) bool {
	f, ok := t.FieldByName("Version")
	return ok && f.Tag.Get("json") == "version"
}

func operationID(r route) string {
	parts := strings.FieldsFunc(r.path, func(c rune) bool { return c == '/' || c == '-' || c == ':' })
	var b strings.Builder
	b.WriteString(strings.ToLower(r.method))
	for _, p := range parts {
		b.WriteString(strings.ToUpper(p[:1]) + p[1:])
	}
	return b.String()
}

func (a *API) openAPIHandler() echo.HandlerFunc {
	doc, _ := json.Marshal(a.OpenAPI())
	return func(c echo.Context) error {
		return c.JSONBlob(http.StatusOK, doc)
	}
}

// schemaGen builds JSON schemas from Go types, naming structs as components.
type schemaGen struct{ schemas map[string]any }

var (
	timeType    = reflect.TypeOf(time.Time{})
	dateType    = reflect.TypeOf(date.Date{})
	rawJSONType = reflect.TypeOf(json.RawMessage{})
	numberType  = reflect.TypeOf(json.Number(""))
	decimalType = reflect.TypeOf(framework.Decimal(0))
	scoreType   = reflect.TypeOf(scoreValue{})
)

func (g *schemaGen) of(t reflect.Type) map[string]any {
	nullable := false
	for t.Kind() == reflect.Pointer {
		t, nullable = t.Elem(), true
	}
	var s map[string]any
	switch {
	case t == timeType:
		s = map[string]any{"type": "string", "format": "date-time"}
	case t == dateType:
		s = map[string]any{"type": "string", "format": "date", "example": "2024-09-30"}
	case t == rawJSONType:
		s = map[string]any{"type": "object"}
	case t == decimalType:
		s = map[string]any{"type": "number", "multipleOf": 0.01, "example": 2.5}
	case t == numberType, t == scoreType:
		s = map[string]any{"type": "number", "example": 3.25,
			"description": "a whole level 1–5 on a levels model (spbe-2020), 1.00–5.00 with at most two decimals on a decimal model (pemdi-2026)"}
	case strings.HasPrefix(t.Name(), "Field["): // opt.Field[T]: absent, null or T
		inner := g.of(t.Field(2).Type)
		s = copyMap(inner)
		s["nullable"] = true
		return s
	case t.Kind() == reflect.Struct:
		name := schemaName(t)
		if _, done := g.schemas[name]; !done {
			g.schemas[name] = map[string]any{} // break cycles
			props := map[string]any{}
			var required []string
			g.properties(t, props, &required)
			schema := map[string]any{"type": "object", "properties": props}
			if len(required) > 0 { // OpenAPI 3.0 forbids an empty list
				schema["required"] = required
			}
			g.schemas[name] = schema
		}
		s = map[string]any{"$ref": "#/components/schemas/" + name}
		if nullable {
			return map[string]any{"allOf": []any{s}, "nullable": true}
		}
		return s
	case t.Kind() == reflect.Slice:
		s = map[string]any{"type": "array", "items": g.of(t.Elem())}
	case t.Kind() == reflect.Bool:
		s = map[string]any{"type": "boolean"}
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		s = map[string]any{"type": "integer"}
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		s = map[string]any{"type": "number"}
	case t.Kind() == reflect.Map:
		s = map[string]any{"type": "object"}
	default:
		s = map[string]any{"type": "string"}
		if enum, ok := enums[t.String()]; ok {
			s["enum"] = enum
		}
	}
	if nullable {
		s["nullable"] = true
	}
	return s
}

// properties adds the JSON fields of struct t to props, inlining embedded
// structs as encoding/json does, and the names of those tagged
// `required:"true"` to required.
func (g *schemaGen) properties(t reflect.Type, props map[string]any, required *[]string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("json"), ",")[0]
		if f.Anonymous && tag == "" && f.Type.Kind() == reflect.Struct {
			g.properties(f.Type, props, required)
			continue
		}
		if tag == "" || tag == "-" || !f.IsExported() {
			continue
		}
		props[tag] = g.of(f.Type)
		if format := f.Tag.Get("format"); format != "" { // `format:"binary"` for a file part
			props[tag] = map[string]any{"type": "string", "format": format}
		}
		if enum := f.Tag.Get("enum"); enum != "" { // a plain string field with a fixed set: `enum:"a,b"`
			props[tag] = copyMap(props[tag].(map[string]any))
			props[tag].(map[string]any)["enum"] = strings.Split(enum, ",")
		}
		if f.Tag.Get("required") == "true" {
			*required = append(*required, tag)
		}
		if tag == "version" && f.Type.Kind() == reflect.Pointer { // a request's lock; responses always carry it
			props[tag] = map[string]any{"type": "integer", "minimum": 1,
				"description": "the version last seen; required here unless sent as the If-Match header"}
		}
	}
}

// enums lists the values of string types that have a fixed set.
var enums = map[string][]string{
	"identity.Role":         {"admin", "auditor", "manager", "officer", "viewer"},
	"finding.State":         {"draft", "open", "in_progress", "submitted", "closed", "not_actionable"},
	"finding.Severity":      {"low", "medium", "high", "critical"},
	"finding.Verb":          {"issue", "submit", "reject", "close", "mark_not_actionable", "reopen"},
	"finding.AuditCategory": {"sesuai", "belum_sesuai", "belum_ditindaklanjuti", "tidak_dapat_ditindaklanjuti"},
	"finding.ActionStatus":  {"todo", "done"},
}

// schemaName turns unitCreateRequest into UnitCreateRequest.
func schemaName(t reflect.Type) string {
	n := t.Name()
	return strings.ToUpper(n[:1]) + n[1:]
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
