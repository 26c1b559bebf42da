package web

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/framework"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
)

// The form that creates an assessment and edits one: year, name, model
// (fixed once the assessment exists, as its scores belong to the model)
// and milestones. Without JavaScript a form cannot grow, so milestones are
// rows of name and date inputs: the assessment's own plus a few empty
// ones, and a row left empty is ignored. A new assessment is proposed on
// the current model, its rows named after the model's stages with the
// dates left to fill; a link per model (?model=spbe-2020) shows the blank
// form again with that model's stages.

// spareMilestoneRows are the empty rows the form offers for new
// milestones.
const spareMilestoneRows = 3

// maxMilestoneRows bounds the rows read from a post: the service holds at
// most 50 milestones, and the form offers its spare rows after them.
const maxMilestoneRows = 50 + spareMilestoneRows

// assessmentForm is an assessment as the form holds it: what the user
// typed, untrimmed, so that it is shown again as it was.
type assessmentForm struct {
	Year, Name, FrameworkCode string
	Milestones                []milestoneRow
}

// milestoneRow is one row of the milestones; Number is its place on the
// page, from 1.
type milestoneRow struct {
	Number     int
	Name, Date string
}

// assessmentFormPage is the data of the assessment form.
type assessmentFormPage struct {
	Form assessmentForm
	// Action is where the form posts; Version is the edited assessment's
	// (0 for a new one).
	Action  string
	Version int
	// Models are the choices of model for a new assessment, the current
	// one first; Model is the edited assessment's, shown as text.
	Models []option
	Model  string
}

// assessmentNewForm shows the blank form on the model of ?model=, or on
// the current model, with that model's stages as its first milestones.
func (w *Web) assessmentNewForm(c echo.Context, v *view) error {
	if err := identity.Authorize(principalOf(c), identity.AssessmentCreate, nil); err != nil {
		return err
	}
	ctx := contextOf(c)
	code := c.QueryParam("model")
	if code == "" {
		var err error
		if code, err = w.frameworks.CurrentCode(ctx); err != nil {
			return err
		}
	}
	fw, err := w.frameworks.Get(ctx, code)
	if err != nil {
		return err
	}
	f := assessmentForm{FrameworkCode: fw.Code}
	for _, stage := range fw.Stages {
		f.Milestones = append(f.Milestones, milestoneRow{Name: stage})
	}
	return w.renderAssessmentForm(c, v, http.StatusOK, nil, 0, f)
}

// assessmentCreate creates the assessment of the form.
func (w *Web) assessmentCreate(c echo.Context, v *view) error {
	p := principalOf(c)
	if err := identity.Authorize(p, identity.AssessmentCreate, nil); err != nil {
		return err
	}
	f := assessmentFormOf(c)
	year, yearOK := f.year()
	milestones, rows := f.milestoneInputs()
	a, err := w.assessments.Create(contextOf(c), p, framework.AssessmentInput{Year: year, Name: f.Name,
		FrameworkCode: f.FrameworkCode, Milestones: milestones})
	if err != nil {
		return w.assessmentFormFailed(c, v, err, nil, 0, f, rows, yearOK)
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/penilaian/%d?ok=created", a.ID))
}

// assessmentEditForm shows the form filled with the assessment as it is.
func (w *Web) assessmentEditForm(c echo.Context, v *view) error {
	a, err := w.editedAssessment(c)
	if err != nil {
		return err
	}
	f := assessmentForm{Year: strconv.Itoa(a.Year), Name: a.Name, FrameworkCode: a.FrameworkCode}
	for _, m := range a.Milestones {
		f.Milestones = append(f.Milestones, milestoneRow{Name: m.Name, Date: m.Date.String()})
	}
	return w.renderAssessmentForm(c, v, http.StatusOK, &a, a.Version, f)
}

// assessmentEdit saves the form if the version it was shown with is still
// current. Its milestones replace the assessment's: a milestone whose
// name stays keeps its reminders.
func (w *Web) assessmentEdit(c echo.Context, v *view) error {
	a, err := w.editedAssessment(c)
	if err != nil {
		return err
	}
	version, err := formVersion(c)
	if err != nil {
		return err
	}
	f := assessmentFormOf(c)
	f.FrameworkCode = a.FrameworkCode // not sent: the model stays
	year, yearOK := f.year()
	milestones, rows := f.milestoneInputs()
	in := framework.AssessmentPatch{}
	in.Year.Set, in.Year.Value = true, year
	in.Name.Set, in.Name.Value = true, f.Name
	in.Milestones.Set, in.Milestones.Value = true, milestones
	if _, err := w.assessments.Update(contextOf(c), principalOf(c), a.ID, version, in); err != nil {
		return w.assessmentFormFailed(c, v, err, &a, version, f, rows, yearOK)
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/penilaian/%d?ok=edited", a.ID))
}

// editedAssessment is the assessment of the URL, if this user may edit
// it.
func (w *Web) editedAssessment(c echo.Context) (framework.Assessment, error) {
	id, err := pathID(c)
	if err != nil {
		return framework.Assessment{}, err
	}
	p := principalOf(c)
	a, err := w.assessments.Get(contextOf(c), p, id)
	if err != nil {
		return framework.Assessment{}, err
	}
	return a, identity.Authorize(p, identity.AssessmentUpdate, &identity.Resource{})
}

// assessmentFormFailed shows the form again after the service refused
// it, each message next to its field or row; any other error is returned
// for the error page. edited is nil for a new assessment.
func (w *Web) assessmentFormFailed(c echo.Context, v *view, err error, edited *framework.Assessment, version int,
	f assessmentForm, rows []int, yearOK bool) error {
	status, ok := formError(v, err)
	if !ok {
		return err
	}
	v.FieldError = assessmentFieldErrors(v.Lang, errFields(err), rows)
	if !yearOK {
		v.FieldError["year"] = T(v.Lang, "assessment.badyear")
	}
	return w.renderAssessmentForm(c, v, status, edited, version, f)
}

// milestoneFieldRE matches the service's name of a milestone's field.
var milestoneFieldRE = regexp.MustCompile(`^milestones\[(\d+)\]\.(name|date)$`)

// sameMilestoneName is the service's message for a milestone named as an
// earlier one, which names that one by its place among those sent.
const sameMilestoneName = "is the same as milestones[%d].name; each milestone needs its own name"

// assessmentFieldErrors are the service's field errors under the form's
// names, in lang: milestones[i].date is the date input of rows[i], the row
// the i-th milestone sent came from (empty rows are not sent); the other
// fields keep their names.
func assessmentFieldErrors(lang Lang, fields []apperr.FieldError, rows []int) map[string]string {
	row := func(i int) (int, bool) {
		if i < 0 || i >= len(rows) {
			return 0, false
		}
		return rows[i], true
	}
	out := make(map[string]string, len(fields))
	for _, fe := range fields {
		field, msg := fe.Field, fieldMessage(lang, fe)
		if m := milestoneFieldRE.FindStringSubmatch(fe.Field); m != nil {
			i, _ := strconv.Atoi(m[1])
			if r, ok := row(i); ok {
				field = fmt.Sprintf("milestone_%s_%d", m[2], r)
			}
			// The earlier milestone by the number the user sees.
			if fe.Key() == sameMilestoneName && len(fe.Args) == 1 {
				if j, ok := fe.Args[0].(int); ok {
					if r, ok := row(j); ok {
						msg = T(lang, "assessment.samename", r+1)
					}
				}
			}
		}
		out[field] = msg
	}
	return out
}

// renderAssessmentForm shows the form for a new assessment (edited nil)
// or for edited, at version, with f in it.
func (w *Web) renderAssessmentForm(c echo.Context, v *view, status int, edited *framework.Assessment, version int, f assessmentForm) error {
	models, err := w.frameworks.List(contextOf(c))
	if err != nil {
		return err
	}
	f.Milestones = withSpareRows(f.Milestones)
	pg := &assessmentFormPage{Form: f, Action: "/penilaian/baru"}
	v.Crumbs = []crumb{{T(v.Lang, "home"), "/"}, {T(v.Lang, "assessments.title"), "/penilaian"}}
	if edited == nil {
		v.Title = T(v.Lang, "assessment.new")
		known := false
		for _, m := range models {
			label := m.Title
			if m.Current {
				label = T(v.Lang, "assessment.currentmodel", m.Title)
			}
			pg.Models = append(pg.Models, option{m.Code, label})
			known = known || m.Code == f.FrameworkCode
		}
		if !known { // a code the service refused: shown with its message
			pg.Models = append(pg.Models, option{f.FrameworkCode, f.FrameworkCode})
		}
	} else {
		v.Title = T(v.Lang, "assessment.edit")
		pg.Action, pg.Version, pg.Model = fmt.Sprintf("/penilaian/%d/ubah", edited.ID), version, edited.FrameworkCode
		for _, m := range models {
			if m.Code == edited.FrameworkCode {
				pg.Model = m.Title
			}
		}
		v.Crumbs = append(v.Crumbs, crumb{edited.Name, fmt.Sprintf("/penilaian/%d", edited.ID)})
	}
	v.Crumbs = append(v.Crumbs, crumb{v.Title, ""})
	v.Page = pg
	return w.render(c, status, "assessment_form", v)
}

// assessmentFormOf reads a new assessment's form.
func assessmentFormOf(c echo.Context) assessmentForm {
	vals := formValues(c, "year", "name", "framework_code")
	return assessmentForm{Year: vals["year"], Name: vals["name"], FrameworkCode: vals["framework_code"], Milestones: milestoneRowsOf(c)}
}

// milestoneRowsOf reads the milestone rows of a post, in order; a row the
// post does not have is skipped (the rows are numbered again when the
// form is shown).
func milestoneRowsOf(c echo.Context) []milestoneRow {
	form, _ := c.FormParams()
	var out []milestoneRow
	for i := 0; i < maxMilestoneRows; i++ {
		name, date := fmt.Sprintf("milestone_name_%d", i), fmt.Sprintf("milestone_date_%d", i)
		_, hasName := form[name]
		_, hasDate := form[date]
		if hasName || hasDate {
			out = append(out, milestoneRow{Name: form.Get(name), Date: form.Get(date)})
		}
	}
	return out
}

// year reads the year; ok is false when it is not a number. The service
// then gets 0, which it refuses as it refuses any year outside 2000–2100,
// so the other fields are still checked and nothing is written.
func (f assessmentForm) year() (year int, ok bool) {
	n, err := strconv.Atoi(strings.TrimSpace(f.Year))
	return n, err == nil
}

// milestoneInputs are the rows that are not empty, as the service takes
// them, and rows[i], the row the i-th of them came from.
func (f assessmentForm) milestoneInputs() (in []framework.MilestoneInput, rows []int) {
	in = []framework.MilestoneInput{}
	for i, m := range f.Milestones {
		name, date := strings.TrimSpace(m.Name), strings.TrimSpace(m.Date)
		if name == "" && date == "" {
			continue
		}
		in = append(in, framework.MilestoneInput{Name: name, Date: date})
		rows = append(rows, i)
	}
	return in, rows
}

// withSpareRows numbers rows and ends them with spareMilestoneRows empty
// ones (counting those already at the end), within maxMilestoneRows.
func withSpareRows(rows []milestoneRow) []milestoneRow {
	empty := 0
	for i := len(rows) - 1; i >= 0 && rows[i].Name == "" && rows[i].Date == ""; i-- {
		empty++
	}
	for ; empty < spareMilestoneRows && len(rows) < maxMilestoneRows; empty++ {
		rows = append(rows, milestoneRow{})
	}
	out := make([]milestoneRow, len(rows))
	for i, r := range rows {
		r.Number = i + 1
		out[i] = r
	}
	return out
}
