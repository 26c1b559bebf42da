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
	"github.com/tindaklanjut/tindaklanjut/internal/report"
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
	g.GET("/penilaian/:id/laporan", w.page(w.assessmentReport))
}

// assessmentReport downloads the printed index report (PDF).
func (w *Web) assessmentReport(c echo.Context, v *view) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	r, err := report.LoadIndexReport(contextOf(c), w.assessments, w.frameworks, principalOf(c), id)
	if err != nil {
		return err
	}
	return report.ServeIndexPDF(c.Response(), r, w.printing(c, nil))
}

// maxAssessments bounds the list; there is one assessment a year.
const maxAssessments = 200

// maxOpenFindings bounds the open findings read for one assessment page.
const maxOpenFindings = 2000

// assessmentsPage is the assessment list's data.
type assessmentsPage struct {
	Items []framework.Assessment
	// Models names each assessment's model by its code, so that the
	// assessments of the revoked and the current model read side by side.
	Models map[string]string
	// CanCreate is whether this user may create assessments.
	CanCreate bool
}

// assessmentList lists the evaluation cycles, each with its model.
func (w *Web) assessmentList(c echo.Context, v *view) error {
	ctx, p := contextOf(c), principalOf(c)
	list, err := w.assessments.List(ctx, p, framework.AssessmentFilter{WithoutScores: true}, framework.Page{Limit: maxAssessments})
	if err != nil {
		return err
	}
	models, err := w.frameworks.List(ctx)
	if err != nil {
		return err
	}
	pg := &assessmentsPage{Items: list, Models: make(map[string]string, len(models)),
		CanCreate: identity.Authorize(p, identity.AssessmentCreate, nil) == nil}
	for _, m := range models {
		pg.Models[m.Code] = m.Title
	}
	v.Title = T(v.Lang, "assessments.title")
	v.Crumbs = []crumb{{T(v.Lang, "home"), "/"}, {v.Title, ""}}
	v.Page = pg
	return w.render(c, http.StatusOK, "assessments", v)
}

// assessmentPage is one assessment's data: its model, milestones, the
// index now and projected (overall, per domain where the model has
// domains, per aspect), and the model's indicators with their scores and
// the active findings that count on them.
type assessmentPage struct {
	A framework.Assessment
	// Model is the model's title, IndexName the name of its index
	// ("Indeks Pemerintah Digital").
	Model, IndexName string
	// Decimal is whether scores are written as decimals (text inputs)
	// rather than chosen as levels.
	Decimal  bool
	Index    []indexGroup
	Sections []indicatorSection
	// Partial says the active findings shown are the first
	// maxOpenFindings of more.
	Partial bool
	// CanEdit is whether this user may set scores and edit the
	// assessment.
	CanEdit bool
	Levels  []int
}

// indexGroup is a part of the index table: the overall row, the domains'
// or the aspects'; Title is "" for the overall row.
type indexGroup struct {
	Title string
	Rows  []indexRow
}

// indexRow is one index now and projected, as the page writes it ("—"
// where nothing in it is scored); predicates are given for the overall
// index.
type indexRow struct {
	ID, Name               string
	Now, Projected         string
	NowPred, ProjectedPred string
}

// indicatorSection is a domain with its aspects, or, in a model without
// domains, one aspect (its one aspectRows then has no name of its own).
type indicatorSection struct {
	Name    string
	Aspects []aspectRows
}

type aspectRows struct {
	Name       string
	Indicators []indicatorRow
}

// indicatorRow is one indicator; Level and Target are what the form
// shows: the stored scores, or the user's input after an error.
type indicatorRow struct {
	Code   string
	Name   string
	Source string // the other agency's index the score is drawn from
	Level  string
	Target string
	// LevelOther and TargetOther keep a value the form sent that is not
	// a level (so the select can show it back with its error).
	LevelOther  string
	TargetOther string
	Findings    []findingRef
}

// findingRef is an active finding listed at an indicator. Via names the
// indicators of another model it counts here through (carry-over by a
// mapping); it is empty when the finding names the indicator itself.
type findingRef struct {
	ID          int64
	Code, Title string
	Via         []string
}

func (w *Web) assessmentPage(c echo.Context, v *view) error {
	return w.showAssessment(c, v, http.StatusOK, nil)
}

// showAssessment renders the assessment of the URL with status; input,
// when not nil, holds the scores form as the user sent it.
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
	onto, err := w.frameworks.Onto(ctx, fw.Code)
	if err != nil {
		return err
	}
	// The active findings of every indicator, in one list read: the user
	// sees only those the finding service lets them see.
	active, err := w.findings.ListFindings(ctx, p, finding.Filter{States: []finding.State{finding.Open, finding.InProgress, finding.Submitted}},
		nil, maxOpenFindings+1)
	if err != nil {
		return err
	}
	partial := len(active) > maxOpenFindings
	if partial {
		active = active[:maxOpenFindings]
	}
	byIndicator := findingsByIndicator(fw, onto, active)
	scores := map[string]framework.Score{}
	for _, s := range a.Scores {
		scores[s.IndicatorCode] = s
	}
	pg := &assessmentPage{A: a, Model: fw.Title, IndexName: fw.IndexName(), Decimal: fw.Scoring == framework.DecimalScores,
		Index: indexTable(v.Lang, idx), Levels: []int{1, 2, 3, 4, 5}, Partial: partial,
		CanEdit: identity.Authorize(p, identity.AssessmentUpdate, &identity.Resource{}) == nil}
	row := func(ind framework.Indicator) indicatorRow {
		r := indicatorRow{Code: ind.Code, Name: ind.Name, Source: ind.ExternalSource, Findings: byIndicator[ind.Code]}
		if v.Lang == EN && ind.NameEN != "" {
			r.Name = ind.NameEN
		}
		if s, ok := scores[ind.Code]; ok {
			r.Level, r.Target = scoreText(v.Lang, s.Level, a.Scoring), scoreText(v.Lang, s.TargetLevel, a.Scoring)
		}
		if input != nil {
			r.Level, r.Target = input["level_"+ind.Code], input["target_"+ind.Code]
			if _, bad := parseLevel(r.Level); bad && r.Level != "" {
				r.LevelOther = r.Level
			}
			if _, bad := parseLevel(r.Target); bad && r.Target != "" {
				r.TargetOther = r.Target
			}
		}
		return r
	}
	aspect := func(as framework.Aspect, name string) aspectRows {
		ar := aspectRows{Name: name}
		for _, ind := range as.Indicators {
			ar.Indicators = append(ar.Indicators, row(ind))
		}
		return ar
	}
	for _, d := range fw.Domains {
		sec := indicatorSection{Name: d.Name}
		for _, as := range d.Aspects {
			sec.Aspects = append(sec.Aspects, aspect(as, as.Name))
		}
		pg.Sections = append(pg.Sections, sec)
	}
	if !fw.HasDomains() {
		for _, as := range fw.Aspects {
			pg.Sections = append(pg.Sections, indicatorSection{Name: as.Name, Aspects: []aspectRows{aspect(as, "")}})
		}
	}
	v.Title = a.Name
	v.Crumbs = []crumb{{T(v.Lang, "home"), "/"}, {T(v.Lang, "assessments.title"), "/penilaian"}, {a.Name, ""}}
	if key, ok := assessmentFlashes[c.QueryParam("ok")]; ok {
		v.Flash = T(v.Lang, key)
	}
	v.Page = pg
	return w.render(c, status, "assessment", v)
}

// findingsByIndicator lists the active findings at each indicator of fw
// they count on: those that name it, and those that name an indicator of
// another model that a held mapping maps onto it (onto: old code → fw's
// codes), with the old codes they came through. A finding is listed once
// per indicator, in the order of active.
func findingsByIndicator(fw framework.Framework, onto map[string][]string, active []finding.ListItem) map[string][]findingRef {
	out := map[string][]findingRef{}
	for _, f := range active {
		for _, t := range fw.Targets(onto, f.IndicatorCodes) {
			out[t.Code] = append(out[t.Code], findingRef{ID: f.ID, Code: f.Code, Title: f.Title, Via: t.Via})
		}
	}
	return out
}

// indexTable lays out the index report for the page: overall with its
// predicates, then per domain where the model has domains, then per
// aspect.
func indexTable(lang Lang, rep framework.IndexReport) []indexGroup {
	overall := indexRow{ID: "indeks", Name: T(lang, "assessment.overall"), Now: number(lang, rep.Current.Index),
		Projected: number(lang, rep.Projected.Index), NowPred: predicateText(rep.Current.Predicate),
		ProjectedPred: predicateText(rep.Projected.Predicate)}
	if rep.Current.Scored == 0 {
		overall.Now, overall.Projected = "—", "—"
	}
	out := []indexGroup{{Rows: []indexRow{overall}}}
	groups := func(title string, now, proj []framework.GroupResult) {
		if len(now) == 0 {
			return
		}
		g := indexGroup{Title: title}
		for i, x := range now {
			r := indexRow{ID: "indeks-" + x.Code, Name: x.Name, Now: "—", Projected: "—"}
			if x.Scored > 0 {
				r.Now = number(lang, x.Index)
			}
			if i < len(proj) && proj[i].Scored > 0 {
				r.Projected = number(lang, proj[i].Index)
			}
			g.Rows = append(g.Rows, r)
		}
		out = append(out, g)
	}
	groups(T(lang, "assessment.bydomain"), rep.Current.Domains, rep.Projected.Domains)
	groups(T(lang, "assessment.byaspect"), rep.Current.Aspects, rep.Projected.Aspects)
	return out
}

// assessmentFlashes are the messages of an assessment's page after a
// change, by the ok parameter the change redirects with.
var assessmentFlashes = map[string]string{"levels": "done.levels", "scores": "done.scores",
	"created": "done.assessmentcreated", "edited": "done.assessmentedited"}

// assessmentLevels saves the scores form: every indicator's current and
// target score (both, or neither), levels chosen from a select on a levels
// model, decimals typed on a decimal model ("3,25" or "3.25"). The whole
// form is checked before any score is written, so a mistake in one row
// writes nothing; then each
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
	done := "levels"
	if a.Scoring == framework.DecimalScores {
		done = "scores"
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/penilaian/%d?ok=%s", id, done))
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
