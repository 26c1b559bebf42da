package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/finding"
	"github.com/tindaklanjut/tindaklanjut/internal/framework"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
)

// registerAssessments mounts the assessment pages on g, when the services
// are there.
func (w *Web) registerAssessments(g router) {
	if w.assessments == nil || w.frameworks == nil {
		return
	}
	g.GET("/penilaian", w.page(w.assessmentList))
	g.GET("/penilaian/baru", w.page(w.assessmentNewForm))
	g.POST("/penilaian/baru", w.page(w.assessmentCreate))
	g.GET("/penilaian/:id/ubah", w.page(w.assessmentEditForm))
	g.POST("/penilaian/:id/ubah", w.page(w.assessmentEdit))
	g.GET("/penilaian/:id", w.page(w.assessmentPage))
	g.POST("/penilaian/:id/tingkat", w.page(w.assessmentLevels))
}

// maxAssessments bounds the list; there is one assessment a year.
const maxAssessments = 200

// maxOpenFindings bounds the open findings read for one assessment page.
const maxOpenFindings = 2000

// assessmentsPage is the assessment list's data.
type assessmentsPage struct {
	Items []framework.Assessment
	// CanCreate is whether this user may create assessments.
	CanCreate bool
}

// assessmentList lists the evaluation cycles.
func (w *Web) assessmentList(c echo.Context, v *view) error {
	p := principalOf(c)
	list, err := w.assessments.List(contextOf(c), p, framework.AssessmentFilter{}, framework.Page{Limit: maxAssessments})
	if err != nil {
		return err
	}
	v.Title = T(v.Lang, "assessments.title")
	v.Crumbs = []crumb{{T(v.Lang, "home"), "/"}, {v.Title, ""}}
	v.Page = &assessmentsPage{Items: list, CanCreate: identity.Authorize(p, identity.AssessmentCreate, nil) == nil}
	return w.render(c, http.StatusOK, "assessments", v)
}

// assessmentPage is one assessment's data: its milestones, the model's
// indicators by domain and aspect with their levels and open findings,
// and the index now and projected.
type assessmentPage struct {
	A       framework.Assessment
	Domains []domainRows
	Index   framework.IndexReport
	// Partial says the open findings shown are the first maxOpenFindings
	// of more.
	Partial bool
	// CanEdit is whether this user may set levels and edit the
	// assessment.
	CanEdit bool
	Levels  []int
}

type domainRows struct {
	Name    string
	Aspects []aspectRows
}

type aspectRows struct {
	Name       string
	Indicators []indicatorRow
}

// indicatorRow is one indicator; Level and Target are what the form
// shows: the stored levels, or the user's input after an error.
type indicatorRow struct {
	Code   string
	Name   string
	Weight float64
	Level  string
	Target string
	// LevelOther and TargetOther keep a value the form sent that is not
	// a level (so the select can show it back with its error).
	LevelOther  string
	TargetOther string
	Findings    []finding.ListItem
}

func (w *Web) assessmentPage(c echo.Context, v *view) error {
	return w.showAssessment(c, v, http.StatusOK, nil)
}

// showAssessment renders the assessment of the URL with status; input,
// when not nil, holds the levels form as the user sent it.
func (w *Web) showAssessment(c echo.Context, v *view, status int, input map[string]string) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		return apperr.E(apperr.NotFound, "There is no such assessment.")
	}
	ctx := contextOf(c)
	p := principalOf(c)
	a, err := w.assessments.Get(ctx, p, id)
	if err != nil {
		return err
	}
	fw, err := w.frameworks.Get(ctx, a.FrameworkCode)
	if err != nil {
		return err
	}
	idx, err := w.assessments.Index(ctx, p, id)
	if err != nil {
		return err
	}
	// The open findings of every indicator, in one list read: the user
	// sees only those the finding service lets them see.
	open, err := w.findings.ListFindings(ctx, p, finding.Filter{States: []finding.State{finding.Open, finding.InProgress, finding.Submitted}},
		nil, maxOpenFindings+1)
	if err != nil {
		return err
	}
	partial := len(open) > maxOpenFindings
	if partial {
		open = open[:maxOpenFindings]
	}
	byIndicator := map[string][]finding.ListItem{}
	for _, f := range open {
		for _, code := range f.IndicatorCodes {
			byIndicator[code] = append(byIndicator[code], f)
		}
	}
	scores := map[string]framework.Score{}
	for _, s := range a.Scores {
		scores[s.IndicatorCode] = s
	}
	pg := &assessmentPage{A: a, Index: idx, Levels: []int{1, 2, 3, 4, 5}, Partial: partial,
		CanEdit: identity.Authorize(p, identity.AssessmentUpdate, &identity.Resource{}) == nil}
	for _, d := range fw.Domains {
		dr := domainRows{Name: d.Name}
		for _, as := range d.Aspects {
			ar := aspectRows{Name: as.Name}
			for _, ind := range as.Indicators {
				row := indicatorRow{Code: ind.Code, Name: ind.Name, Weight: ind.Weight, Findings: byIndicator[ind.Code]}
				if v.Lang == EN && ind.NameEN != "" {
					row.Name = ind.NameEN
				}
				if s, ok := scores[ind.Code]; ok {
					row.Level, row.Target = scoreText(v.Lang, s.Level, a.Scoring), scoreText(v.Lang, s.TargetLevel, a.Scoring)
				}
				if input != nil {
					row.Level, row.Target = input["level_"+ind.Code], input["target_"+ind.Code]
					if _, bad := parseLevel(row.Level); bad && row.Level != "" {
						row.LevelOther = row.Level
					}
					if _, bad := parseLevel(row.Target); bad && row.Target != "" {
						row.TargetOther = row.Target
					}
				}
				ar.Indicators = append(ar.Indicators, row)
			}
			dr.Aspects = append(dr.Aspects, ar)
		}
		pg.Domains = append(pg.Domains, dr)
	}
	v.Title = a.Name
	v.Crumbs = []crumb{{T(v.Lang, "home"), "/"}, {T(v.Lang, "assessments.title"), "/penilaian"}, {a.Name, ""}}
	if key, ok := assessmentFlashes[c.QueryParam("ok")]; ok {
		v.Flash = T(v.Lang, key)
	}
	v.Page = pg
	return w.render(c, status, "assessment", v)
}

// assessmentFlashes are the messages of an assessment's page after a
// change, by the ok parameter the change redirects with.
var assessmentFlashes = map[string]string{"levels": "done.levels", "created": "done.assessmentcreated",
	"edited": "done.assessmentedited"}

// assessmentLevels saves the levels form: every indicator's current and
// target level (both, or neither). The whole form is checked before any
// level is written, so a mistake in one row writes nothing; then each
// changed indicator is written with PutScore, which asks for no version
// (scores are set one indicator at a time, the last write wins and the
// audit log keeps each).
func (w *Web) assessmentLevels(c echo.Context, v *view) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		return apperr.E(apperr.NotFound, "There is no such assessment.")
	}
	ctx := contextOf(c)
	p := principalOf(c)
	if err := identity.Authorize(p, identity.AssessmentUpdate, &identity.Resource{}); err != nil {
		return err
	}
	a, err := w.assessments.Get(ctx, p, id)
	if err != nil {
		return err
	}
	fw, err := w.frameworks.Get(ctx, a.FrameworkCode)
	if err != nil {
		return err
	}
	scores := map[string]framework.Score{}
	for _, s := range a.Scores {
		scores[s.IndicatorCode] = s
	}
	input := map[string]string{}
	type put struct {
		code          string
		level, target string
	}
	var puts []put
	for _, ind := range fw.Indicators() {
		ls := strings.TrimSpace(c.FormValue("level_" + ind.Code))
		ts := strings.TrimSpace(c.FormValue("target_" + ind.Code))
		input["level_"+ind.Code], input["target_"+ind.Code] = ls, ts
		if ls == "" && ts == "" {
			continue
		}
		// Checked here in the model's scoring, so that a mistake in any
		// row writes nothing; "3,25" is read as 3.25.
		var check apperr.Validation
		level := framework.ParseScore(&check, "level_"+ind.Code, ls, a.Scoring)
		target := framework.ParseScore(&check, "target_"+ind.Code, ts, a.Scoring)
		if err := check.Err(); err != nil {
			for _, fe := range errFields(err) {
				v.FieldError[fe.Field] = fieldMessage(v.Lang, fe)
			}
			continue
		}
		if s, ok := scores[ind.Code]; ok && s.Level == level && s.TargetLevel == target {
			continue
		}
		puts = append(puts, put{ind.Code, level.String(), target.String()})
	}
	if len(v.FieldError) > 0 {
		v.Error = T(v.Lang, "error.422")
		return w.showAssessment(c, v, http.StatusUnprocessableEntity, input)
	}
	for _, x := range puts {
		if _, err := w.assessments.PutScore(ctx, p, id, x.code, x.level, x.target); err != nil {
			if apperr.KindOf(err) == apperr.Invalid {
				v.Error = T(v.Lang, "error.422")
				for _, fe := range errFields(err) {
					field := "level_" + x.code
					if fe.Field == "target_level" {
						field = "target_" + x.code
					}
					v.FieldError[field] = fieldMessage(v.Lang, fe)
				}
				return w.showAssessment(c, v, http.StatusUnprocessableEntity, input)
			}
			return err
		}
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/penilaian/%d?ok=levels", id))
}

// parseLevel reads a level 1–5; bad reports anything else, including an
// empty value (a row needs both levels or neither).
func parseLevel(s string) (level int, bad bool) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 5 {
		return 0, true
	}
	return n, false
}

// scoreText writes a stored score for the form: a whole level on a levels
// model, two decimals (with the decimal comma in Indonesian) on a decimal
// model.
func scoreText(lang Lang, d framework.Decimal, scoring framework.Scoring) string {
	if scoring == framework.Levels {
		return strconv.Itoa(d.Int())
	}
	return number(lang, d)
}
