package api

import "net/http"

// pageParams are the query parameters of every collection.
var pageQuery = []param{
	{name: "limit", typ: "integer", doc: "page size, 1–200 (default 50)"},
	{name: "cursor", typ: "string", doc: "next_cursor from the previous page"},
}

// mappingQuery names the two models of a mapping.
var mappingQuery = []param{
	{name: "from", typ: "string", doc: "the older model, e.g. spbe-2020", required: true},
	{name: "to", typ: "string", doc: "the newer model, e.g. pemdi-2026", required: true},
}

// table is every endpoint of the API, with what its documentation says.
// Register mounts exactly these; the OpenAPI document is built from them.
func (a *API) table() []route {
	routes := []route{
		{method: http.MethodPost, path: "/auth/token", tag: "auth", public: true, summary: "Sign in: exchange email and password for a bearer token",
			body: tokenRequest{}, response: tokenResponse{}, status: 200, handler: a.tokenCreate},
		{method: http.MethodDelete, path: "/auth/token", tag: "auth", summary: "Revoke the presented token",
			status: 204, handler: a.tokenDelete},
		{method: http.MethodGet, path: "/me", tag: "people", summary: "The caller",
			response: userResponse{}, status: 200, handler: a.me},

		{method: http.MethodGet, path: "/framework", tag: "reference", summary: "An evaluation model (default spbe-2020; pemdi-2026 is the current one)",
			response: frameworkResponse{}, status: 200, handler: a.frameworkGet,
			query: []param{{name: "code", typ: "string", doc: "model code, default spbe-2020"}}},
		{method: http.MethodGet, path: "/frameworks", tag: "reference", summary: "The evaluation models held, the current one first",
			response: frameworkSummary{}, list: true, status: 200, handler: a.frameworkList},
		{method: http.MethodGet, path: "/framework-mappings", tag: "reference",
			summary:  "The mapping from one model's indicators onto another's (carry-over of open findings)",
			response: mappingResponse{}, status: 200, handler: a.mappingGet, query: mappingQuery},
		{method: http.MethodPut, path: "/framework-mappings", tag: "reference",
			summary: "Replace the mapping between two models (admin); every code must be an indicator of its model",
			body:    mappingRequest{}, response: mappingResponse{}, status: 200, handler: a.mappingPut, query: mappingQuery},

		{method: http.MethodGet, path: "/units", tag: "people", summary: "List units",
			response: unitResponse{}, list: true, status: 200, query: pageQuery, handler: a.unitList},
		{method: http.MethodPost, path: "/units", tag: "people", summary: "Create a unit (admin)", creates: true,
			body: unitCreateRequest{}, response: unitResponse{}, status: 201, handler: a.unitCreate},
		{method: http.MethodGet, path: "/units/:id", tag: "people", summary: "Get a unit",
			response: unitResponse{}, status: 200, handler: a.unitGet},
		{method: http.MethodPatch, path: "/units/:id", tag: "people", summary: "Change a unit (admin); needs version",
			body: unitPatchRequest{}, response: unitResponse{}, status: 200, handler: a.unitPatch},

		{method: http.MethodGet, path: "/users", tag: "people", summary: "List users (managers and officers: their unit)",
			response: userResponse{}, list: true, status: 200, handler: a.userList,
			query: append([]param{
				{name: "unit_id", typ: "integer", doc: "only this unit"},
				{name: "role", typ: "string", doc: "admin, auditor, manager, officer or viewer"},
				{name: "active", typ: "boolean", doc: "only active (true) or inactive (false) users"},
			}, pageQuery...)},
		{method: http.MethodPost, path: "/users", tag: "people", summary: "Create a user (admin)", creates: true,
			body: userCreateRequest{}, response: userResponse{}, status: 201, handler: a.userCreate},
		{method: http.MethodGet, path: "/users/:id", tag: "people", summary: "Get a user",
			response: userResponse{}, status: 200, handler: a.userGet},
		{method: http.MethodPatch, path: "/users/:id", tag: "people", summary: "Change a user (admin); needs version. Deactivating revokes their tokens",
			body: userPatchRequest{}, response: userResponse{}, status: 200, handler: a.userPatch},
	}
	routes = append(routes, a.referenceRoutes()...)
	routes = append(routes, a.workflowRoutes()...)
	routes = append(routes, a.reportRoutes()...)
	routes = append(routes, a.importRoutes()...)
	routes = append(routes, a.deadlineRoutes()...)
	return append(routes, a.notificationRoutes()...)
}
