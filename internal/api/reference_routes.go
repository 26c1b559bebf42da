package api

import (
	"net/http"

	"github.com/tindaklanjut/tindaklanjut/internal/report"
)

// referenceRoutes are the endpoints of applications and assessments.
func (a *API) referenceRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/applications", tag: "reference", summary: "List applications",
			response: applicationResponse{}, list: true, status: 200, handler: a.applicationList,
			query: append([]param{
				{name: "unit_id", typ: "integer", doc: "only this unit's applications"},
				{name: "kind", typ: "string", doc: "administrasi or publik"},
				{name: "status", typ: "string", doc: "active or retired"},
			}, pageQuery...)},
		{method: http.MethodPost, path: "/applications", tag: "reference", summary: "Register an application (admin, auditor)", creates: true,
			body: applicationCreateRequest{}, response: applicationResponse{}, status: 201, handler: a.applicationCreate},
		{method: http.MethodGet, path: "/applications/:id", tag: "reference", summary: "Get an application",
			response: applicationResponse{}, status: 200, handler: a.applicationGet},
		{method: http.MethodPatch, path: "/applications/:id", tag: "reference", summary: "Change an application (admin, auditor); needs version",
			body: applicationPatchRequest{}, response: applicationResponse{}, status: 200, handler: a.applicationPatch},

		{method: http.MethodGet, path: "/assessments", tag: "reference", summary: "List assessments with their milestones and scores",
			response: assessmentResponse{}, list: true, status: 200, handler: a.assessmentList,
			query: append([]param{{name: "year", typ: "integer", doc: "only this year's assessments"}}, pageQuery...)},
		{method: http.MethodPost, path: "/assessments", tag: "reference", summary: "Create an assessment (admin, auditor)", creates: true,
			body: assessmentCreateRequest{}, response: assessmentResponse{}, status: 201, handler: a.assessmentCreate},
		{method: http.MethodGet, path: "/assessments/:id", tag: "reference", summary: "Get an assessment with its milestones (by date) and scores",
			response: assessmentResponse{}, status: 200, handler: a.assessmentGet},
		{method: http.MethodPatch, path: "/assessments/:id", tag: "reference",
			summary: "Change an assessment (admin, auditor); needs version. Milestones replace the list; one whose name is kept keeps its id",
			body:    assessmentPatchRequest{}, response: assessmentResponse{}, status: 200, handler: a.assessmentPatch},
		{method: http.MethodPut, path: "/assessments/:id/scores/:indicator_code", tag: "reference",
			summary: "Set an indicator's current and target level, 1–5 (admin, auditor); no version needed",
			body:    scoreRequest{}, response: scoreResponse{}, status: 200, handler: a.scorePut},
		{method: http.MethodGet, path: "/assessments/:id/index", tag: "reference",
			summary:  "The SPBE index now, and projected with every indicator that has open findings at its target level",
			response: indexResponse{}, status: 200, handler: a.assessmentIndex},
		{method: http.MethodGet, path: "/assessments/:id/report", tag: "reference",
			summary: "The printed index report of an assessment (PDF, A4 landscape): the index now and projected, per domain " +
				"and aspect, a chart, and the active findings per indicator",
			files: []string{report.PDFContentType}, status: 200, handler: a.assessmentReport,
			query: []param{{name: "format", typ: "string", doc: "pdf (the default and only format)"}}},
	}
}
