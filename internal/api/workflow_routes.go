package api

import "net/http"

// findingQuery documents the finding list's filters.
var findingQuery = append([]param{
	{name: "state", typ: "string", doc: "only these states (repeatable, or comma-separated)", repeat: true},
	{name: "unit_id", typ: "integer", doc: "responsible unit"},
	{name: "review_id", typ: "integer", doc: "the review that produced them"},
	{name: "assessment_id", typ: "integer", doc: "findings of reviews of this assessment"},
	{name: "indicator", typ: "string", doc: "linked to this indicator code, such as I38"},
	{name: "severity", typ: "string", doc: "low, medium, high or critical"},
	{name: "overdue", typ: "boolean", doc: "true: open or in progress with the due date passed (organisation's time zone); false: the others"},
	{name: "due_before", typ: "string", doc: "due strictly before this date (YYYY-MM-DD)"},
	{name: "due_after", typ: "string", doc: "due strictly after this date (YYYY-MM-DD)"},
	{name: "q", typ: "string", doc: "words found (as substrings) in code, title, condition or recommendation"},
}, pageQuery...)

// workflowRoutes are the endpoints of reviews, findings, actions and their
// history.
func (a *API) workflowRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/reviews", tag: "findings", summary: "List reviews, newest first",
			response: reviewResponse{}, list: true, status: 200, handler: a.reviewList,
			query: append([]param{
				{name: "kind", typ: "string", doc: "application_review, spbe_evaluation, ict_audit or internal_audit"},
				{name: "application_id", typ: "integer", doc: "reviews of this application"},
				{name: "assessment_id", typ: "integer", doc: "reviews of this assessment"},
			}, pageQuery...)},
		{method: http.MethodPost, path: "/reviews", tag: "findings", summary: "Record a review (auditor)", creates: true,
			body: reviewRequest{}, response: reviewResponse{}, status: 201, handler: a.reviewCreate},
		{method: http.MethodGet, path: "/reviews/:id", tag: "findings", summary: "Get a review",
			response: reviewResponse{}, status: 200, handler: a.reviewGet},
		{method: http.MethodPatch, path: "/reviews/:id", tag: "findings", summary: "Edit a review (auditor); needs version",
			body: reviewPatchRequest{}, response: reviewResponse{}, status: 200, handler: a.reviewPatch},

		{method: http.MethodGet, path: "/findings", tag: "findings", summary: "List the findings the caller may see, by due date",
			response: findingSummary{}, list: true, status: 200, handler: a.findingList, query: findingQuery},
		{method: http.MethodPost, path: "/findings", tag: "findings", summary: "Record a draft finding with a new code (auditor)", creates: true,
			body: findingCreateRequest{}, response: findingResponse{}, status: 201, handler: a.findingCreate},
		{method: http.MethodGet, path: "/findings/:id", tag: "findings", summary: "A finding with its actions, evidence and allowed_actions",
			response: findingResponse{}, status: 200, handler: a.findingGet},
		{method: http.MethodPatch, path: "/findings/:id", tag: "findings", summary: "Edit a finding (auditor); needs version",
			body: findingPatchRequest{}, response: findingResponse{}, status: 200, handler: a.findingPatch},
		{method: http.MethodPost, path: "/findings/:id/transitions", tag: "findings",
			summary: "Move a finding along its life cycle; 409 with allowed_actions when the state does not allow it",
			body:    transitionRequest{}, response: findingResponse{}, status: 200, handler: a.findingTransition},
		{method: http.MethodGet, path: "/findings/:id/events", tag: "findings", summary: "The finding's hash-chained history, oldest first",
			response: eventResponse{}, list: true, status: 200, handler: a.findingEvents, query: pageQuery},
		{method: http.MethodPost, path: "/findings/:id/comments", tag: "findings", summary: "Add a comment to the finding's history",
			body: commentRequest{}, response: eventResponse{}, status: 201, handler: a.findingComment},

		{method: http.MethodPost, path: "/findings/:id/actions", tag: "actions",
			summary: "Assign a follow-up action (unit manager or auditor); moves an open finding to in_progress", creates: true,
			body: actionCreateRequest{}, response: actionResponse{}, status: 201, handler: a.actionCreate},
		{method: http.MethodPatch, path: "/actions/:id", tag: "actions", summary: "Change an action; needs version",
			body: actionPatchRequest{}, response: actionResponse{}, status: 200, handler: a.actionPatch},
		{method: http.MethodPost, path: "/actions/:id/complete", tag: "actions",
			summary: "Complete an action (assignee or unit manager); 422 when required evidence is missing",
			body:    actionCompleteRequest{}, response: actionResponse{}, status: 200, handler: a.actionComplete},

		{method: http.MethodPost, path: "/actions/:id/artifacts", tag: "evidence",
			summary: "Upload a document as evidence of an action (assignee or unit manager) while the finding is open or in progress", creates: true,
			form: uploadForm{}, response: artifactResponse{}, status: 201, handler: a.artifactUpload},
		{method: http.MethodGet, path: "/artifacts/:id", tag: "evidence", summary: "A document's metadata",
			response: artifactResponse{}, status: 200, handler: a.artifactGet},
		{method: http.MethodGet, path: "/artifacts/:id/content", tag: "evidence", summary: "A document's exact bytes; Range and If-None-Match supported",
			download: true, status: 200, handler: a.artifactContent},
		{method: http.MethodDelete, path: "/artifacts/:id", tag: "evidence",
			summary: "Withdraw a document from an action still to do (it stays in the history)", status: 204, handler: a.artifactDelete},
	}
}
