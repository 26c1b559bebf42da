package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/date"
	"github.com/tindaklanjut/tindaklanjut/internal/framework"
	"github.com/tindaklanjut/tindaklanjut/internal/opt"
)

type assessmentResponse struct {
	ID            int64               `json:"id"`
	Year          int                 `json:"year"`
	Name          string              `json:"name"`
	FrameworkCode string              `json:"framework_code"`
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

type scoreResponse struct {
	IndicatorCode string    `json:"indicator_code"`
	Level         int       `json:"level"`
	TargetLevel   int       `json:"target_level"`
	UpdatedAt     time.Time `json:"updated_at"`
}

type milestoneRequest struct {
	Name string `json:"name"`
	Date string `json:"date"`
}

type assessmentCreateRequest struct {
	Year          int                `json:"year"`
	Name          string             `json:"name"`
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

type scoreRequest struct {
	Level       int `json:"level"`
	TargetLevel int `json:"target_level"`
}

// indexResponse is an assessment's index now and projected; the indexes
// and predicates are null while no indicator has a level.
type indexResponse struct {
	AssessmentID       int64    `json:"assessment_id"`
	FrameworkCode      string   `json:"framework_code"`
	Index              *float64 `json:"index"`
	Predicate          *string  `json:"predicate"`
	ProjectedIndex     *float64 `json:"projected_index"`
	ProjectedPredicate *string  `json:"projected_predicate"`
	// Scored counts the indicators that have a level.
	Scored int `json:"scored"`
	// IndicatorsWithOpenFindings are those the projection raises to their
	// target level.
	IndicatorsWithOpenFindings []string              `json:"indicators_with_open_findings"`
	Domains                    []indexDomainResponse `json:"domains"`
}

type indexDomainResponse struct {
	Code           string   `json:"code"`
	Name           string   `json:"name"`
	Weight         float64  `json:"weight"`
	Index          *float64 `json:"index"`
	ProjectedIndex *float64 `json:"projected_index"`
	Scored         int      `json:"scored"`
}

func (a *API) toAssessment(x framework.Assessment) assessmentResponse {
	out := assessmentResponse{ID: x.ID, Year: x.Year, Name: x.Name, FrameworkCode: x.FrameworkCode,
		Milestones: make([]milestoneResponse, 0, len(x.Milestones)), Scores: make([]scoreResponse, 0, len(x.Scores)),
		Version: x.Version, CreatedAt: x.CreatedAt.In(a.tz), UpdatedAt: x.UpdatedAt.In(a.tz)}
	for _, m := range x.Milestones {
		out.Milestones = append(out.Milestones, milestoneResponse{ID: m.ID, Name: m.Name, Date: m.Date})
	}
	for _, s := range x.Scores {
		out.Scores = append(out.Scores, a.toScore(s))
	}
	return out
}

func (a *API) toScore(s framework.Score) scoreResponse {
	return scoreResponse{IndicatorCode: s.IndicatorCode, Level: s.Level, TargetLevel: s.TargetLevel, UpdatedAt: s.UpdatedAt.In(a.tz)}
}

func toIndex(r framework.IndexReport) indexResponse {
	out := indexResponse{AssessmentID: r.AssessmentID, FrameworkCode: r.FrameworkCode, Scored: r.Current.Scored,
		IndicatorsWithOpenFindings: r.WithFindings, Domains: []indexDomainResponse{}}
	if r.Current.Scored > 0 {
		out.Index, out.Predicate = &r.Current.Index, &r.Current.Predicate
		out.ProjectedIndex, out.ProjectedPredicate = &r.Projected.Index, &r.Projected.Predicate
	}
	for i, d := range r.Current.Domains {
		dr := indexDomainResponse{Code: d.Code, Name: d.Name, Weight: d.Weight, Scored: d.Scored}
		if d.Scored > 0 {
			dr.Index, dr.ProjectedIndex = &r.Current.Domains[i].Index, &r.Projected.Domains[i].Index
		}
		out.Domains = append(out.Domains, dr)
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
	s, err := a.assess.PutScore(c.Request().Context(), principal(c), id, code, req.Level, req.TargetLevel)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a.toScore(s))
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
