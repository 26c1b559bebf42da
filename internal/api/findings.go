package api

import (
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tindaklanjut/tindaklanjut/internal/date"
	"github.com/tindaklanjut/tindaklanjut/internal/finding"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
	"github.com/tindaklanjut/tindaklanjut/internal/opt"
)

// --- request and response types ------------------------------------------------

type reviewRequest struct {
	Kind          string  `json:"kind" required:"true"`
	Title         string  `json:"title" required:"true"`
	ConductedOn   *string `json:"conducted_on" required:"true"`
	ApplicationID *int64  `json:"application_id"`
	AssessmentID  *int64  `json:"assessment_id"`
	Summary       string  `json:"summary"`
}

type reviewPatchRequest struct {
	Kind          opt.Field[string] `json:"kind"`
	Title         opt.Field[string] `json:"title"`
	ConductedOn   opt.Field[string] `json:"conducted_on"`
	ApplicationID opt.Field[int64]  `json:"application_id"`
	AssessmentID  opt.Field[int64]  `json:"assessment_id"`
	Summary       opt.Field[string] `json:"summary"`
	Version       *int              `json:"version"`
}

type reviewResponse struct {
	ID            int64     `json:"id"`
	Kind          string    `json:"kind"`
	Title         string    `json:"title"`
	ConductedOn   date.Date `json:"conducted_on"`
	ApplicationID *int64    `json:"application_id"`
	AssessmentID  *int64    `json:"assessment_id"`
	Summary       string    `json:"summary"`
	CreatedBy     int64     `json:"created_by"`
	Version       int       `json:"version"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

type findingCreateRequest struct {
	ReviewID         int64            `json:"review_id" required:"true"`
	Title            string           `json:"title" required:"true"`
	Condition        string           `json:"condition"`
	Criteria         string           `json:"criteria"`
	Cause            string           `json:"cause"`
	Effect           string           `json:"effect"`
	Recommendation   string           `json:"recommendation"`
	Severity         finding.Severity `json:"severity" required:"true"`
	UnitID           *int64           `json:"unit_id"`
	IndicatorCodes   []string         `json:"indicator_codes"`
	ApplicationID    *int64           `json:"application_id"`
	DueDate          *string          `json:"due_date"`
	DueInWorkingDays *int             `json:"due_in_working_days"`
}

type findingPatchRequest struct {
	Title          opt.Field[string]           `json:"title"`
	Condition      opt.Field[string]           `json:"condition"`
	Criteria       opt.Field[string]           `json:"criteria"`
	Cause          opt.Field[string]           `json:"cause"`
	Effect         opt.Field[string]           `json:"effect"`
	Recommendation opt.Field[string]           `json:"recommendation"`
	Severity       opt.Field[finding.Severity] `json:"severity"`
	UnitID         opt.Field[int64]            `json:"unit_id"`
	IndicatorCodes opt.Field[[]string]         `json:"indicator_codes"`
	ApplicationID  opt.Field[int64]            `json:"application_id"`
	DueDate        opt.Field[string]           `json:"due_date"`
	Version        *int                        `json:"version"`
}

// findingSummary is a finding in a list.
type findingSummary struct {
	ID              int64                  `json:"id"`
	Code            string                 `json:"code"`
	ReviewID        int64                  `json:"review_id"`
	Title           string                 `json:"title"`
	Condition       string                 `json:"condition"`
	Criteria        string                 `json:"criteria"`
	Cause           string                 `json:"cause"`
	Effect          string                 `json:"effect"`
	Recommendation  string                 `json:"recommendation"`
	Severity        finding.Severity       `json:"severity"`
	UnitID          *int64                 `json:"unit_id"`
	ApplicationID   *int64                 `json:"application_id"`
	IndicatorCodes  []string               `json:"indicator_codes"`
	DueDate         date.Date              `json:"due_date"`
	WorkingDaysLeft *int                   `json:"working_days_left"`
	State           finding.State          `json:"state"`
	Overdue         bool                   `json:"overdue"`
	AuditCategory   *finding.AuditCategory `json:"audit_category"`
	IssuedAt        *time.Time             `json:"issued_at"`
	SubmittedBy     *int64                 `json:"submitted_by"`
	SubmittedAt     *time.Time             `json:"submitted_at"`
	ClosedAt        *time.Time             `json:"closed_at"`
	CreatedBy       int64                  `json:"created_by"`
	Version         int                    `json:"version"`
	CreatedAt       time.Time              `json:"created_at"`
	UpdatedAt       time.Time              `json:"updated_at"`
}

// findingResponse is one finding with its actions and what the caller may
// do with it now.
type findingResponse struct {
	findingSummary
	Actions        []actionResponse `json:"actions"`
	AllowedActions []finding.Verb   `json:"allowed_actions"`
}

type transitionRequest struct {
	Action          finding.Verb `json:"action" required:"true"`
	Reason          string       `json:"reason"`
	Version         *int         `json:"version"`
	ReopenActionIDs []int64      `json:"reopen_action_ids"`
}

type actionCreateRequest struct {
	Title                 string   `json:"title" required:"true"`
	Description           string   `json:"description"`
	AssigneeID            int64    `json:"assignee_id" required:"true"`
	DueDate               *string  `json:"due_date"`
	RequiredArtifactKinds []string `json:"required_artifact_kinds"`
	DueInWorkingDays      *int     `json:"due_in_working_days"`
}

type actionPatchRequest struct {
	Title                 opt.Field[string]   `json:"title"`
	Description           opt.Field[string]   `json:"description"`
	AssigneeID            opt.Field[int64]    `json:"assignee_id"`
	DueDate               opt.Field[string]   `json:"due_date"`
	RequiredArtifactKinds opt.Field[[]string] `json:"required_artifact_kinds"`
	Version               *int                `json:"version"`
}

type actionCompleteRequest struct {
	Note    string `json:"note"`
	Version *int   `json:"version"`
}

type actionResponse struct {
	ID                    int64                `json:"id"`
	FindingID             int64                `json:"finding_id"`
	Title                 string               `json:"title"`
	Description           string               `json:"description"`
	AssigneeID            int64                `json:"assignee_id"`
	DueDate               date.Date            `json:"due_date"`
	WorkingDaysLeft       *int                 `json:"working_days_left"`
	RequiredArtifactKinds []string             `json:"required_artifact_kinds"`
	Status                finding.ActionStatus `json:"status"`
	Overdue               bool                 `json:"overdue"`
	CompletionNote        string               `json:"completion_note"`
	CompletedBy           *int64               `json:"completed_by"`
	CompletedAt           *time.Time           `json:"completed_at"`
	Artifacts             []artifactResponse   `json:"artifacts"`
	Version               int                  `json:"version"`
	CreatedAt             time.Time            `json:"created_at"`
	UpdatedAt             time.Time            `json:"updated_at"`
}

type artifactResponse struct {
	ID         int64     `json:"id"`
	ActionID   int64     `json:"action_id"`
	Kind       string    `json:"kind"`
	Title      string    `json:"title"`
	DocNumber  string    `json:"doc_number"`
	DocDate    date.Date `json:"doc_date"`
	Signer     string    `json:"signer"`
	FileName   string    `json:"file_name"`
	MediaType  string    `json:"media_type"`
	Size       int64     `json:"size"`
	SHA256     string    `json:"sha256"`
	UploadedBy int64     `json:"uploaded_by"`
	// RemovedAt is set when the document was withdrawn from its action;
	// the history still names it.
	RemovedAt *time.Time `json:"removed_at"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

type commentRequest struct {
	Body string `json:"body" required:"true"`
}

type eventResponse struct {
	ID        int64           `json:"id"`
	Seq       int             `json:"seq"`
	Kind      string          `json:"kind"`
	ActorID   *int64          `json:"actor_id"`
	FromState *finding.State  `json:"from_state"`
	ToState   *finding.State  `json:"to_state"`
	Data      json.RawMessage `json:"data"`
	CreatedAt time.Time       `json:"created_at"`
	Hash      string          `json:"hash"`
	PrevHash  *string         `json:"prev_hash"`
}

// --- converters ----------------------------------------------------------------

func (a *API) toReview(r finding.Review) reviewResponse {
	return reviewResponse{ID: r.ID, Kind: r.Kind, Title: r.Title, ConductedOn: r.ConductedOn, ApplicationID: r.ApplicationID,
		AssessmentID: r.AssessmentID, Summary: r.Summary, CreatedBy: r.CreatedBy, Version: r.Version,
		CreatedAt: r.CreatedAt.In(a.tz), UpdatedAt: r.UpdatedAt.In(a.tz)}
}

func (a *API) toFindingSummary(f finding.Finding, day finding.Day) findingSummary {
	today := day.Today
	out := findingSummary{ID: f.ID, Code: f.Code, ReviewID: f.ReviewID, Title: f.Title, Condition: f.Condition,
		Criteria: f.Criteria, Cause: f.Cause, Effect: f.Effect, Recommendation: f.Recommendation, Severity: f.Severity,
		UnitID: f.UnitID, ApplicationID: f.ApplicationID, IndicatorCodes: f.IndicatorCodes, DueDate: f.DueDate,
		WorkingDaysLeft: day.Left(f.DueDate), State: f.State, Overdue: f.Overdue(today), IssuedAt: a.inTZ(f.IssuedAt), SubmittedBy: f.SubmittedBy,
		SubmittedAt: a.inTZ(f.SubmittedAt), ClosedAt: a.inTZ(f.ClosedAt), CreatedBy: f.CreatedBy, Version: f.Version,
		CreatedAt: f.CreatedAt.In(a.tz), UpdatedAt: f.UpdatedAt.In(a.tz)}
	if c := f.State.Category(); c != "" {
		out.AuditCategory = &c
	}
	if out.IndicatorCodes == nil {
		out.IndicatorCodes = []string{}
	}
	return out
}

func (a *API) toFinding(d finding.Detail, p identity.Principal, day finding.Day) findingResponse {
	out := findingResponse{findingSummary: a.toFindingSummary(d.Finding, day), Actions: make([]actionResponse, len(d.Actions)),
		AllowedActions: finding.Allowed(d.Situation(p))}
	for i, x := range d.Actions {
		out.Actions[i] = a.toAction(x, day)
	}
	return out
}

func (a *API) toAction(x finding.Action, day finding.Day) actionResponse {
	out := actionResponse{ID: x.ID, FindingID: x.FindingID, Title: x.Title, Description: x.Description, AssigneeID: x.AssigneeID,
		DueDate: x.DueDate, WorkingDaysLeft: day.Left(x.DueDate), RequiredArtifactKinds: x.RequiredArtifactKinds, Status: x.Status,
		Overdue:        x.Overdue(day.Today),
		CompletionNote: x.CompletionNote, CompletedBy: x.CompletedBy, CompletedAt: a.inTZ(x.CompletedAt),
		Artifacts: make([]artifactResponse, len(x.Artifacts)), Version: x.Version,
		CreatedAt: x.CreatedAt.In(a.tz), UpdatedAt: x.UpdatedAt.In(a.tz)}
	if out.RequiredArtifactKinds == nil {
		out.RequiredArtifactKinds = []string{}
	}
	for i, ar := range x.Artifacts {
		out.Artifacts[i] = a.toArtifact(ar)
	}
	return out
}

func (a *API) toArtifact(ar finding.Artifact) artifactResponse {
	return artifactResponse{ID: ar.ID, ActionID: ar.ActionID, Kind: ar.Kind, Title: ar.Title, DocNumber: ar.DocNumber,
		DocDate: ar.DocDate, Signer: ar.Signer, FileName: ar.FileName, MediaType: ar.MediaType, Size: ar.Size,
		SHA256: hex.EncodeToString(ar.SHA256), UploadedBy: ar.UploadedBy, RemovedAt: a.inTZ(ar.RemovedAt),
		CreatedAt: ar.CreatedAt.In(a.tz), UpdatedAt: ar.UpdatedAt.In(a.tz)}
}

func (a *API) toEvent(e finding.Event) eventResponse {
	out := eventResponse{ID: e.ID, Seq: e.Seq, Kind: e.Kind, ActorID: e.ActorID, FromState: e.FromState, ToState: e.ToState,
		Data: e.Data, CreatedAt: e.CreatedAt.In(a.tz), Hash: hex.EncodeToString(e.Hash)}
	if e.PrevHash != nil {
		h := hex.EncodeToString(e.PrevHash)
		out.PrevHash = &h
	}
	return out
}

// sendFinding answers a finding with the status (at location, for 201).
func (a *API) sendFinding(c echo.Context, status int, location string, d finding.Detail, p identity.Principal) error {
	day, err := a.findings.Day(c.Request().Context())
	if err != nil {
		return err
	}
	return send(c, status, location, a.toFinding(d, p, day))
}

// sendAction answers an action with the status (at location, for 201).
func (a *API) sendAction(c echo.Context, status int, location string, x finding.Action) error {
	day, err := a.findings.Day(c.Request().Context())
	if err != nil {
		return err
	}
	return send(c, status, location, a.toAction(x, day))
}

// send answers v with status, as created when there is a location.
func send(c echo.Context, status int, location string, v any) error {
	if location != "" {
		return created(c, location, v)
	}
	return c.JSON(status, v)
}

func (a *API) inTZ(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	x := t.In(a.tz)
	return &x
}

// --- reviews -----------------------------------------------------------------

func (a *API) reviewList(c echo.Context) error {
	var after int64
	limit, err := a.cursors.pageParams(c, "reviews", &after)
	if err != nil {
		return err
	}
	var f finding.ReviewFilter
	if s := c.QueryParam("kind"); s != "" {
		f.Kind = &s
	}
	if f.ApplicationID, err = queryID(c, "application_id"); err != nil {
		return err
	}
	if f.AssessmentID, err = queryID(c, "assessment_id"); err != nil {
		return err
	}
	rows, err := a.findings.ListReviews(c.Request().Context(), principal(c), f, finding.Page{AfterID: after, Limit: limit + 1})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, pageOf(a.cursors, "reviews", rows, limit,
		func(r finding.Review) any { return r.ID }, a.toReview))
}

func (a *API) reviewGet(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	r, err := a.findings.GetReview(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a.toReview(r))
}

func (a *API) reviewCreate(c echo.Context) error {
	var req reviewRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	r, err := a.findings.CreateReview(c.Request().Context(), principal(c), finding.ReviewInput{Kind: req.Kind, Title: req.Title,
		ConductedOn: req.ConductedOn, ApplicationID: req.ApplicationID, AssessmentID: req.AssessmentID, Summary: req.Summary})
	if err != nil {
		return err
	}
	return created(c, Prefix+"/reviews/"+strconv.FormatInt(r.ID, 10), a.toReview(r))
}

func (a *API) reviewPatch(c echo.Context) error {
	var req reviewPatchRequest
	id, version, err := bindChange(c, &req, func() *int { return req.Version })
	if err != nil {
		return err
	}
	r, err := a.findings.UpdateReview(c.Request().Context(), principal(c), id, version, finding.ReviewPatch{Kind: req.Kind,
		Title: req.Title, ConductedOn: req.ConductedOn, ApplicationID: req.ApplicationID, AssessmentID: req.AssessmentID,
		Summary: req.Summary})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a.toReview(r))
}

// --- findings ----------------------------------------------------------------

func (a *API) findingList(c echo.Context) error {
	var after finding.Cursor
	limit, err := a.cursors.pageParams(c, "findings", &after)
	if err != nil {
		return err
	}
	var cur *finding.Cursor
	if c.QueryParam("cursor") != "" {
		cur = &after
	}
	f, err := findingFilter(c)
	if err != nil {
		return err
	}
	rows, err := a.findings.ListFindings(c.Request().Context(), principal(c), f, cur, limit+1)
	if err != nil {
		return err
	}
	day, err := a.findings.Day(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, pageOf(a.cursors, "findings", rows, limit,
		func(it finding.ListItem) any { return it.Cursor() },
		func(it finding.ListItem) findingSummary { return a.toFindingSummary(it.Finding, day) }))
}

// findingFilter reads the list filters of API.md from the query string.
func findingFilter(c echo.Context) (finding.Filter, error) {
	return finding.ParseFilter(c.QueryParams())
}

func (a *API) findingGet(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	p := principal(c)
	d, err := a.findings.GetFinding(c.Request().Context(), p, id)
	if err != nil {
		return err
	}
	return a.sendFinding(c, http.StatusOK, "", d, p)
}

func (a *API) findingCreate(c echo.Context) error {
	var req findingCreateRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	p := principal(c)
	d, err := a.findings.CreateFinding(c.Request().Context(), p, finding.FindingInput{ReviewID: req.ReviewID, Title: req.Title,
		Condition: req.Condition, Criteria: req.Criteria, Cause: req.Cause, Effect: req.Effect, Recommendation: req.Recommendation,
		Severity: req.Severity, UnitID: req.UnitID, ApplicationID: req.ApplicationID, IndicatorCodes: req.IndicatorCodes, DueDate: req.DueDate,
		DueInWorkingDays: req.DueInWorkingDays})
	if err != nil {
		return err
	}
	return a.sendFinding(c, http.StatusCreated, Prefix+"/findings/"+strconv.FormatInt(d.ID, 10), d, p)
}

func (a *API) findingPatch(c echo.Context) error {
	var req findingPatchRequest
	id, version, err := bindChange(c, &req, func() *int { return req.Version })
	if err != nil {
		return err
	}
	p := principal(c)
	d, err := a.findings.UpdateFinding(c.Request().Context(), p, id, version, finding.FindingPatch{Title: req.Title,
		Condition: req.Condition, Criteria: req.Criteria, Cause: req.Cause, Effect: req.Effect, Recommendation: req.Recommendation,
		Severity: req.Severity, UnitID: req.UnitID, ApplicationID: req.ApplicationID, IndicatorCodes: req.IndicatorCodes, DueDate: req.DueDate})
	if err != nil {
		return err
	}
	return a.sendFinding(c, http.StatusOK, "", d, p)
}

func (a *API) findingTransition(c echo.Context) error {
	var req transitionRequest
	id, version, err := bindChange(c, &req, func() *int { return req.Version })
	if err != nil {
		return err
	}
	if req.Action == "" {
		return invalid("action", "is required: one of issue, submit, reject, close, mark_not_actionable, reopen")
	}
	p := principal(c)
	d, err := a.findings.Transition(c.Request().Context(), p, id, finding.TransitionInput{Verb: req.Action, Reason: req.Reason,
		Version: version, ReopenActionIDs: req.ReopenActionIDs})
	if err != nil {
		return err
	}
	return a.sendFinding(c, http.StatusOK, "", d, p)
}

func (a *API) findingEvents(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var after int
	limit, err := a.cursors.pageParams(c, "events:"+strconv.FormatInt(id, 10), &after)
	if err != nil {
		return err
	}
	evs, err := a.findings.Events(c.Request().Context(), principal(c), id, after, limit+1)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, pageOf(a.cursors, "events:"+strconv.FormatInt(id, 10), evs, limit,
		func(e finding.Event) any { return e.Seq }, a.toEvent))
}

func (a *API) findingComment(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req commentRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	ev, err := a.findings.Comment(c.Request().Context(), principal(c), id, req.Body)
	if err != nil {
		return err
	}
	return created(c, Prefix+"/findings/"+strconv.FormatInt(id, 10)+"/events", a.toEvent(ev))
}

// --- actions -----------------------------------------------------------------

func (a *API) actionCreate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req actionCreateRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	x, err := a.findings.CreateAction(c.Request().Context(), principal(c), id, finding.ActionInput{Title: req.Title,
		Description: req.Description, AssigneeID: req.AssigneeID, DueDate: req.DueDate, RequiredArtifactKinds: req.RequiredArtifactKinds,
		DueInWorkingDays: req.DueInWorkingDays})
	if err != nil {
		return err
	}
	return a.sendAction(c, http.StatusCreated, Prefix+"/actions/"+strconv.FormatInt(x.ID, 10), x)
}

func (a *API) actionPatch(c echo.Context) error {
	var req actionPatchRequest
	id, version, err := bindChange(c, &req, func() *int { return req.Version })
	if err != nil {
		return err
	}
	x, err := a.findings.UpdateAction(c.Request().Context(), principal(c), id, version, finding.ActionPatch{Title: req.Title,
		Description: req.Description, AssigneeID: req.AssigneeID, DueDate: req.DueDate, RequiredArtifactKinds: req.RequiredArtifactKinds})
	if err != nil {
		return err
	}
	return a.sendAction(c, http.StatusOK, "", x)
}

func (a *API) actionComplete(c echo.Context) error {
	var req actionCompleteRequest
	id, version, err := bindChange(c, &req, func() *int { return req.Version })
	if err != nil {
		return err
	}
	x, err := a.findings.CompleteAction(c.Request().Context(), principal(c), id, version, req.Note)
	if err != nil {
		return err
	}
	return a.sendAction(c, http.StatusOK, "", x)
}
