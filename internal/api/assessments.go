package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/date"
	"github.com/tindaklanjut/tindaklanjut/internal/framework"
	"github.com/tindaklanjut/tindaklanjut/internal/opt"
	"github.com/tindaklanjut/tindaklanjut/internal/report"
)

type assessmentResponse struct {
	ID            int64               `json:"id"`
	Year          int                 `json:"year"`
	Name          string              `json:"name"`
	FrameworkCode string              `json:"framework_code"`
	Scoring       framework.Scoring   `json:"scoring"`
	Milestones    []milestoneResponse `json:"milestones"`
	Scores        []scoreResponse     `json:"scores"`
	Version       int                 `json:"version"`
	CreatedAt     time.Time           `json:"created_at"`
	UpdatedAt     time.Time           `json:"updated_at"`
}

type milestoneResponse struct {
	ID   int64     `json:"id"`
	Name string    `json:"name"`
	Date date.Date `json:"date"`
}

// scoreResponse is a score in the model's numbers: whole levels on a
// levels model (3), two decimals on a decimal model (3.25).
type scoreResponse struct {
	IndicatorCode string      `json:"indicator_code"`
	Level         json.Number `json:"level"`
	TargetLevel   json.Number `json:"target_level"`
	UpdatedAt     time.Time   `json:"updated_at"`
}

type milestoneRequest struct {
	Name string `json:"name" required:"true"`
	Date string `json:"date" required:"true"`
}

type assessmentCreateRequest struct {
	Year          int                `json:"year" required:"true"`
	Name          string             `json:"name" required:"true"`
	FrameworkCode string             `json:"framework_code"`
	Milestones    []milestoneRequest `json:"milestones"`
}

type assessmentPatchRequest struct {
	Year          opt.Field[int]                `json:"year"`
	Name          opt.Field[string]             `json:"name"`
	FrameworkCode opt.Field[string]             `json:"framework_code"`
	Milestones    opt.Field[[]milestoneRequest] `json:"milestones"`
	Version       *int                          `json:"version"`
}

// scoreRequest keeps the scores as written: they are read in the
// model's scoring from the number's own digits (3.25 never becomes a
// binary fraction), and a string, null or a missing score is named as
// such by the service.
type scoreRequest struct {
	Level       scoreValue `json:"level" required:"true"`
	TargetLevel scoreValue `json:"target_level" required:"true"`
}

// scoreValue is a score's JSON value as the client wrote it. The OpenAPI
// document describes it as a number (openapi.go).
type scoreValue struct{ raw json.RawMessage }

// UnmarshalJSON keeps the value's own text.
func (v *scoreValue) UnmarshalJSON(b []byte) error {
	v.raw = append(v.raw[:0], b...)
	return nil
}

// indexResponse is an assessment's index now and projected; the indexes
// and predicates are null while no indicator has a score.
type indexResponse struct {
	AssessmentID            int64              `json:"assessment_id"`
	FrameworkCode           string             `json:"framework_code"`
	Scoring                 framework.Scoring  `json:"scoring"`
	Index                   *framework.Decimal `json:"index"`
	Predicate               *string            `json:"predicate"`
	PredicateLabel          *string            `json:"predicate_label"`
	ProjectedIndex          *framework.Decimal `json:"projected_index"`
	ProjectedPredicate      *string            `json:"projected_predicate"`
	ProjectedPredicateLabel *string            `json:"projected_predicate_label"`
	// Scored counts the indicators that have a score.
	Scored int `json:"scored"`
	// IndicatorsWithOpenFindings are those the projection raises to their
	// target.
	IndicatorsWithOpenFindings []string                 `json:"indicators_with_open_findings"`
	Domains                    []indexGroupResponse     `json:"domains"`
	Aspects                    []indexGroupResponse     `json:"aspects"`
	Indicators                 []indexIndicatorResponse `json:"indicators"`
}

// indexGroupResponse is the index of one domain or aspect.
type indexGroupResponse struct {
	Code           string             `json:"code"`
	Name           string             `json:"name"`
	Weight         float64            `json:"weight"`
	Index          *framework.Decimal `json:"index"`
	ProjectedIndex *framework.Decimal `json:"projected_index"`
	Scored         int                `json:"scored"`
}

type indexIndicatorResponse struct {
	Code           string       `json:"code"`
	Score          *json.Number `json:"score"`
	Target         *json.Number `json:"target"`
	ActiveFindings int          `json:"active_findings"`
}

func (a *API) toAssessment(x framework.Assessment) assessmentResponse {
	out := assessmentResponse{ID: x.ID, Year: x.Year, Name: x.Name, FrameworkCode: x.FrameworkCode, Scoring: x.Scoring,
		Milestones: make([]milestoneResponse, 0, len(x.Milestones)), Scores: make([]scoreResponse, 0, len(x.Scores)),
		Version: x.Version, CreatedAt: x.CreatedAt.In(a.tz), UpdatedAt: x.UpdatedAt.In(a.tz)}
	for _, m := range x.Milestones {
		out.Milestones = append(out.Milestones, milestoneResponse{ID: m.ID, Name: m.Name, Date: m.Date})
	}
	for _, s := range x.Scores {
		out.Scores = append(out.Scores, a.toScore(s, x.Scoring))
	}
	return out
}

func (a *API) toScore(s framework.Score, scoring framework.Scoring) scoreResponse {
	return scoreResponse{IndicatorCode: s.IndicatorCode, Level: s.Level.JSON(scoring), TargetLevel: s.TargetLevel.JSON(scoring),
		UpdatedAt: s.UpdatedAt.In(a.tz)}
}

func toIndex(r framework.IndexReport) indexResponse {
	out := indexResponse{AssessmentID: r.AssessmentID, FrameworkCode: r.FrameworkCode, Scoring: r.Scoring, Scored: r.Current.Scored,
		IndicatorsWithOpenFindings: r.WithFindings, Domains: toIndexGroups(r.Current.Domains, r.Projected.Domains),
		Aspects: toIndexGroups(r.Current.Aspects, r.Projected.Aspects), Indicators: []indexIndicatorResponse{}}
	if r.Current.Scored > 0 {
		out.Index, out.Predicate, out.PredicateLabel = &r.Current.Index, &r.Current.Predicate.Name, &r.Current.Predicate.Label
		out.ProjectedIndex, out.ProjectedPredicate = &r.Projected.Index, &r.Projected.Predicate.Name
		out.ProjectedPredicateLabel = &r.Projected.Predicate.Label
	}
	for _, ind := range r.Indicators {
		x := indexIndicatorResponse{Code: ind.Code, ActiveFindings: ind.ActiveFindings}
		if ind.Score != nil {
			sc, t := ind.Score.JSON(r.Scoring), ind.Target.JSON(r.Scoring)
			x.Score, x.Target = &sc, &t
		}
		out.Indicators = append(out.Indicators, x)
	}
	return out
}

// toIndexGroups pairs the current and projected index of each domain or
// aspect; an index is null while the group has no score.
func toIndexGroups(cur, proj []framework.GroupResult) []indexGroupResponse {
	out := make([]indexGroupResponse, 0, len(cur))
	for i, g := range cur {
		x := indexGroupResponse{Code: g.Code, Name: g.Name, Weight: g.Weight, Scored: g.Scored}
		if g.Scored > 0 {
			x.Index, x.ProjectedIndex = &cur[i].Index, &proj[i].Index
		}
		out = append(out, x)
	}
	return out
}

func toMilestoneInputs(in []milestoneRequest) []framework.MilestoneInput {
	out := make([]framework.MilestoneInput, len(in))
	for i, m := range in {
		out[i] = framework.MilestoneInput{Name: m.Name, Date: m.Date}
	}
	return out
}

func (a *API) assessmentList(c echo.Context) error {
	var after int64
	limit, err := a.cursors.pageParams(c, "assessments", &after)
	if err != nil {
		return err
	}
	var f framework.AssessmentFilter
	if s := c.QueryParam("year"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return invalid("year", "must be a year such as 2024")
		}
		f.Year = &n
	}
	list, err := a.assess.List(c.Request().Context(), principal(c), f, framework.Page{AfterID: after, Limit: limit + 1})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, pageOf(a.cursors, "assessments", list, limit,
		func(x framework.Assessment) any { return x.ID }, a.toAssessment))
}

func (a *API) assessmentGet(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	x, err := a.assess.Get(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a.toAssessment(x))
}

func (a *API) assessmentCreate(c echo.Context) error {
	var req assessmentCreateRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	x, err := a.assess.Create(c.Request().Context(), principal(c), framework.AssessmentInput{
		Year: req.Year, Name: req.Name, FrameworkCode: req.FrameworkCode, Milestones: toMilestoneInputs(req.Milestones)})
	if err != nil {
		return err
	}
	return created(c, Prefix+"/assessments/"+strconv.FormatInt(x.ID, 10), a.toAssessment(x))
}

func (a *API) assessmentPatch(c echo.Context) error {
	var req assessmentPatchRequest
	id, version, err := bindChange(c, &req, func() *int { return req.Version })
	if err != nil {
		return err
	}
	milestones := opt.Field[[]framework.MilestoneInput]{Set: req.Milestones.Set, Null: req.Milestones.Null,
		Value: toMilestoneInputs(req.Milestones.Value)}
	x, err := a.assess.Update(c.Request().Context(), principal(c), id, version, framework.AssessmentPatch{
		Year: req.Year, Name: req.Name, FrameworkCode: req.FrameworkCode, Milestones: milestones})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a.toAssessment(x))
}

func (a *API) scorePut(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	code := c.Param("indicator_code")
	if code == "" || len(code) > 64 {
		return apperr.E(apperr.NotFound, "There is no such indicator.")
	}
	var req scoreRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	s, err := a.assess.PutScore(c.Request().Context(), principal(c), id, code, scoreText(req.Level), scoreText(req.TargetLevel))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a.toScore(s, s.Scoring))
}

// scoreText is a score's JSON value as the service reads it: a number's
// own digits; "" for null or a missing score (required); anything else
// (a string, true, an object) as written, which no scoring accepts.
func scoreText(v scoreValue) string {
	t := strings.TrimSpace(string(v.raw))
	if t == "null" {
		return ""
	}
	return t
}

func (a *API) assessmentIndex(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	r, err := a.assess.Index(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toIndex(r))
}

// assessmentReport answers the printed index report.
func (a *API) assessmentReport(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if q := c.QueryParams(); q.Has("format") && q.Get("format") != "pdf" {
		return invalid("format", "must be pdf")
	}
	r, err := report.LoadIndexReport(c.Request().Context(), a.assess, a.frameworks, principal(c), id)
	if err != nil {
		return err
	}
	return report.ServeIndexPDF(c.Response(), r, a.printing(c, nil))
}
