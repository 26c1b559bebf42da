package web

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/tindaklanjut/tindaklanjut/internal/finding"
	"github.com/tindaklanjut/tindaklanjut/internal/framework"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
	"github.com/tindaklanjut/tindaklanjut/internal/opt"
)

// The reviews: the application reviews, SPBE evaluations and audits that
// produced findings. A list, newest first, and the form that records one
// or edits it.

// reviewFields are the review form's fields.
var reviewFields = []string{"kind", "title", "conducted_on", "application_id", "assessment_id", "summary"}

// reviewRow is one review in the list.
type reviewRow struct {
	finding.Review
	Application string
	Assessment  string
}

// reviewsPage is the review list's data.
type reviewsPage struct {
	Items   []reviewRow
	Kinds   []string
	Kind    string
	CanEdit bool
	Pager   pager
}

// reviewList lists reviews, newest first, by kind when asked, fifty to a
// page; ?sebelum=ID continues below a review id.
func (w *Web) reviewList(c echo.Context, v *view) error {
	ctx, p := contextOf(c), principalOf(c)
	q := c.QueryParams()
	pg := &reviewsPage{Kinds: finding.ReviewKinds, Kind: q.Get("jenis"),
		CanEdit: identity.Authorize(p, identity.ReviewUpdate, nil) == nil}
	var f finding.ReviewFilter
	if pg.Kind != "" {
		f.Kind = &pg.Kind
	}
	after, err := reviewPages.after(c)
	if err != nil {
		return err
	}
	v.Title = T(v.Lang, "reviews.title")
	v.Crumbs = []crumb{{T(v.Lang, "home"), "/"}, {v.Title, ""}}
	v.Page = pg
	if q.Get("ok") == "review" {
		v.Flash = T(v.Lang, "done.review")
	}
	list, err := w.findings.ListReviews(ctx, p, f, finding.Page{AfterID: after, Limit: reviewPages.size + 1})
	if status, ok := formError(v, err); ok {
		pg.Kind = ""
		return w.render(c, status, "reviews", v)
	} else if err != nil {
		return err
	}
	list, pg.Pager = cutPage(c, reviewPages, list, after, func(r finding.Review) int64 { return r.ID })
	apps, asms, err := w.reviewNames(c, list)
	if err != nil {
		return err
	}
	for _, r := range list {
		row := reviewRow{Review: r}
		if r.ApplicationID != nil {
			row.Application = apps[*r.ApplicationID]
		}
		if r.AssessmentID != nil {
			row.Assessment = asms[*r.AssessmentID]
		}
		pg.Items = append(pg.Items, row)
	}
	return w.render(c, http.StatusOK, "reviews", v)
}

// reviewNames names the applications of the reviews of a page, read in
// one query, and the assessments (a few dozen at most).
func (w *Web) reviewNames(c echo.Context, list []finding.Review) (apps, asms map[int64]string, err error) {
	ctx, p := contextOf(c), principalOf(c)
	ids := []int64{}
	for _, r := range list {
		if r.ApplicationID != nil {
			ids = append(ids, *r.ApplicationID)
		}
	}
	apps, asms = map[int64]string{}, map[int64]string{}
	if len(ids) > 0 {
		found, err := w.findings.ListApplications(ctx, p, finding.ApplicationFilter{IDs: ids}, finding.Page{Limit: len(ids)})
		if err != nil {
			return nil, nil, err
		}
		for _, a := range found {
			apps[a.ID] = a.Name
		}
	}
	if w.assessments != nil {
		found, err := w.assessments.List(ctx, p, framework.AssessmentFilter{WithoutScores: true}, framework.Page{Limit: maxAssessments})
		if err != nil {
			return nil, nil, err
		}
		for _, a := range found {
			asms[a.ID] = assessmentLabel(a)
		}
	}
	return apps, asms, nil
}

// assessmentLabel names an assessment with its year.
func assessmentLabel(a framework.Assessment) string { return fmt.Sprintf("%s (%d)", a.Name, a.Year) }

// reviewChoices are the applications and assessments a review may belong
// to.
func (w *Web) reviewChoices(c echo.Context) (apps, asms []option, err error) {
	ctx, p := contextOf(c), principalOf(c)
	list, err := w.findings.ListApplications(ctx, p, finding.ApplicationFilter{}, finding.Page{Limit: adminListLimit})
	if err != nil {
		return nil, nil, err
	}
	for _, a := range list {
		apps = append(apps, option{strconv.FormatInt(a.ID, 10), a.Name})
	}
	if w.assessments == nil {
		return apps, nil, nil
	}
	as, err := w.assessments.List(ctx, p, framework.AssessmentFilter{WithoutScores: true}, framework.Page{Limit: maxAssessments})
	if err != nil {
		return nil, nil, err
	}
	for _, a := range as {
		asms = append(asms, option{strconv.FormatInt(a.ID, 10), assessmentLabel(a)})
	}
	return apps, asms, nil
}

func (w *Web) reviewForm(c echo.Context, v *view) error {
	return w.renderReviewForm(c, v, http.StatusOK, "/reviu/baru", 0, map[string]string{"kind": "spbe_evaluation"})
}

func (w *Web) reviewCreate(c echo.Context, v *view) error {
	vals := formValues(c, reviewFields...)
	in := finding.ReviewInput{Kind: vals["kind"], Title: vals["title"], Summary: vals["summary"],
		ConductedOn: ptr(vals["conducted_on"]), ApplicationID: formID(vals["application_id"]),
		AssessmentID: formID(vals["assessment_id"])}
	r, err := w.findings.CreateReview(contextOf(c), principalOf(c), in)
	if err != nil {
		if status, ok := formError(v, err); ok {
			return w.renderReviewForm(c, v, status, "/reviu/baru", 0, vals)
		}
		return err
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/temuan/baru?reviu=%d", r.ID))
}

// reviewEditForm shows a review's form filled with what it says now.
func (w *Web) reviewEditForm(c echo.Context, v *view) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	r, err := w.findings.GetReview(contextOf(c), principalOf(c), id)
	if err != nil {
		return err
	}
	vals := map[string]string{"kind": r.Kind, "title": r.Title, "conducted_on": r.ConductedOn.String(), "summary": r.Summary}
	if r.ApplicationID != nil {
		vals["application_id"] = strconv.FormatInt(*r.ApplicationID, 10)
	}
	if r.AssessmentID != nil {
		vals["assessment_id"] = strconv.FormatInt(*r.AssessmentID, 10)
	}
	return w.renderReviewForm(c, v, http.StatusOK, fmt.Sprintf("/reviu/%d/ubah", id), r.Version, vals)
}

// reviewEdit saves the edited review if its version is still current.
func (w *Web) reviewEdit(c echo.Context, v *view) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	version, err := formVersion(c)
	if err != nil {
		return err
	}
	vals := formValues(c, reviewFields...)
	in := finding.ReviewPatch{Kind: optString(c, "kind"), Title: optString(c, "title"), ConductedOn: optString(c, "conducted_on"),
		Summary:       opt.Field[string]{Set: true, Value: vals["summary"]},
		ApplicationID: optID(vals["application_id"]), AssessmentID: optID(vals["assessment_id"])}
	if _, err := w.findings.UpdateReview(contextOf(c), principalOf(c), id, version, in); err != nil {
		if status, ok := formError(v, err); ok {
			return w.renderReviewForm(c, v, status, fmt.Sprintf("/reviu/%d/ubah", id), version, vals)
		}
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/reviu?ok=review")
}

// formID reads an optional id field: nil when empty. A value that is not
// an id is kept as 0 so that the service names the field.
func formID(s string) *int64 {
	if s == "" {
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		n = 0
	}
	return &n
}

// optID is an optional id field as a patch field: null when empty.
func optID(s string) opt.Field[int64] {
	if p := formID(s); p != nil {
		return opt.Field[int64]{Set: true, Value: *p}
	}
	return opt.Field[int64]{Set: true, Null: true}
}

// renderReviewForm shows the review form posting to action; version is
// the edited review's (0 for a new one).
func (w *Web) renderReviewForm(c echo.Context, v *view, status int, action string, version int, vals map[string]string) error {
	verb := identity.ReviewCreate
	v.Title = T(v.Lang, "form.review")
	if version > 0 {
		verb = identity.ReviewUpdate
		v.Title = T(v.Lang, "form.editreview")
	}
	if err := identity.Authorize(principalOf(c), verb, nil); err != nil {
		return err
	}
	pg := &formPage{Kind: "review", Action: action, Version: version, Values: vals, Kinds: finding.ReviewKinds}
	var err error
	if pg.Applications, pg.Assessments, err = w.reviewChoices(c); err != nil {
		return err
	}
	v.Crumbs = []crumb{{T(v.Lang, "home"), "/"}, {T(v.Lang, "reviews.title"), "/reviu"}, {v.Title, ""}}
	v.Page = pg
	return w.render(c, status, "form", v)
}
