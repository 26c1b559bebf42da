package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/tindaklanjut/tindaklanjut/internal/finding"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
)

// The forms that move the work along: a review, a finding, an action
// assigned, an action completed. Each shows its errors next to the fields
// with what the user typed kept.

// option is one choice of a select.
type option struct {
	Value, Label string
}

// formPage is the data of the review and finding forms.
type formPage struct {
	Kind string // "review" or "finding"
	// Action is where the form posts; Version is the edited finding's
	// (0 for a new one).
	Action  string
	Version int
	Values  map[string]string
	Reviews []option
	Units   []option
	Kinds   []string
	Levels  []string
	// Applications and Assessments are the review form's choices.
	Applications []option
	Assessments  []option
}

func (w *Web) findingForm(c echo.Context, v *view) error {
	return w.renderForm(c, v, http.StatusOK, map[string]string{"review_id": c.QueryParam("reviu"), "severity": "medium"})
}

func (w *Web) findingCreate(c echo.Context, v *view) error {
	vals := formValues(c, "review_id", "title", "condition", "criteria", "cause", "effect", "recommendation", "severity",
		"unit_id", "indicator_codes", "due_date")
	in := finding.FindingInput{Title: vals["title"], Condition: vals["condition"], Criteria: vals["criteria"], Cause: vals["cause"],
		Effect: vals["effect"], Recommendation: vals["recommendation"], Severity: finding.Severity(vals["severity"])}
	in.ReviewID, _ = strconv.ParseInt(vals["review_id"], 10, 64)
	if id, err := strconv.ParseInt(vals["unit_id"], 10, 64); err == nil {
		in.UnitID = &id
	}
	in.IndicatorCodes = indicatorList(vals["indicator_codes"])
	if d := vals["due_date"]; d != "" {
		in.DueDate = &d
	}
	d, err := w.findings.CreateFinding(contextOf(c), principalOf(c), in)
	if err != nil {
		if _, ok := formError(v, err); ok {
			return w.renderForm(c, v, statusOf(err), vals)
		}
		return err
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/temuan/%d", d.ID))
}

// renderForm shows the finding form (the review form is renderReviewForm).
func (w *Web) renderForm(c echo.Context, v *view, status int, vals map[string]string) error {
	p := principalOf(c)
	if err := identity.Authorize(p, identity.FindingCreate, nil); err != nil {
		return err
	}
	pg := &formPage{Kind: "finding", Values: vals, Kinds: finding.ReviewKinds, Action: "/temuan/baru"}
	if v.Values != nil { // editing: where and which version
		pg.Action, pg.Version = v.Values["action"], atoi(v.Values["version"])
	}
	for _, s := range finding.Severities {
		pg.Levels = append(pg.Levels, string(s))
	}
	ctx := contextOf(c)
	reviews, err := w.findings.ListReviews(ctx, p, finding.ReviewFilter{}, finding.Page{Limit: 200})
	if err != nil {
		return err
	}
	for _, r := range reviews {
		pg.Reviews = append(pg.Reviews, option{strconv.FormatInt(r.ID, 10), r.Title})
	}
	pg.Units = w.unitOptions(c)
	v.Title = T(v.Lang, "form.finding")
	if pg.Version > 0 {
		v.Title = T(v.Lang, "form.edit")
	}
	v.Crumbs = []crumb{{T(v.Lang, "home"), "/"}, {T(v.Lang, "findings.title"), "/temuan"}, {v.Title, ""}}
	v.Page = pg
	return w.render(c, status, "form", v)
}

// actionAssign assigns a follow-up action from a finding's page.
func (w *Web) actionAssign(c echo.Context, v *view) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	vals := formValues(c, "title", "description", "assignee_id", "due_date")
	in := finding.ActionInput{Title: vals["title"], Description: vals["description"], RequiredArtifactKinds: c.Request().Form["required_artifact_kinds"]}
	in.AssigneeID, _ = strconv.ParseInt(vals["assignee_id"], 10, 64)
	if d := vals["due_date"]; d != "" {
		in.DueDate = &d
	}
	a, err := w.findings.CreateAction(contextOf(c), principalOf(c), id, in)
	if err == nil {
		return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/temuan/%d?ok=assign#tindak-lanjut-%d", id, a.ID))
	}
	if status, ok := formError(v, err); ok {
		v.Values = vals
		return w.showFinding(c, v, id, status)
	}
	return err
}

// actionComplete marks an action done from its card on the finding's
// page.
func (w *Web) actionComplete(c echo.Context, v *view) error {
	id, findingID, version, err := w.actionTarget(c)
	if err != nil {
		return err
	}
	_, err = w.findings.CompleteAction(contextOf(c), principalOf(c), id, version, c.FormValue("note"))
	return w.actionOutcome(c, v, err, id, findingID, "complete")
}

// formValues reads the named fields of a form post.
func formValues(c echo.Context, names ...string) map[string]string {
	out := make(map[string]string, len(names))
	for _, n := range names {
		out[n] = c.FormValue(n)
	}
	return out
}

// findingEditForm shows a finding's form filled with what it says now.
func (w *Web) findingEditForm(c echo.Context, v *view) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	d, err := w.findings.GetFinding(contextOf(c), principalOf(c), id)
	if err != nil {
		return err
	}
	vals := map[string]string{"title": d.Title, "condition": d.Condition, "criteria": d.Criteria, "cause": d.Cause,
		"effect": d.Effect, "recommendation": d.Recommendation, "severity": string(d.Severity),
		"indicator_codes": strings.Join(d.IndicatorCodes, ", ")}
	if d.UnitID != nil {
		vals["unit_id"] = strconv.FormatInt(*d.UnitID, 10)
	}
	if !d.DueDate.IsZero() {
		vals["due_date"] = d.DueDate.String()
	}
	return w.renderEdit(c, v, http.StatusOK, id, d.Version, vals)
}

// findingEdit saves the edited finding if its version is still current.
func (w *Web) findingEdit(c echo.Context, v *view) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	version, err := formVersion(c)
	if err != nil {
		return err
	}
	vals := formValues(c, "title", "condition", "criteria", "cause", "effect", "recommendation", "severity",
		"unit_id", "indicator_codes", "due_date")
	in := finding.FindingPatch{}
	in.Title.Set, in.Title.Value = true, vals["title"]
	in.Condition.Set, in.Condition.Value = true, vals["condition"]
	in.Criteria.Set, in.Criteria.Value = true, vals["criteria"]
	in.Cause.Set, in.Cause.Value = true, vals["cause"]
	in.Effect.Set, in.Effect.Value = true, vals["effect"]
	in.Recommendation.Set, in.Recommendation.Value = true, vals["recommendation"]
	in.Severity.Set, in.Severity.Value = true, finding.Severity(vals["severity"])
	in.UnitID.Set = true
	if u, err := strconv.ParseInt(vals["unit_id"], 10, 64); err == nil {
		in.UnitID.Value = u
	} else {
		in.UnitID.Null = true
	}
	in.IndicatorCodes.Set, in.IndicatorCodes.Value = true, indicatorList(vals["indicator_codes"])
	in.DueDate.Set, in.DueDate.Value, in.DueDate.Null = true, vals["due_date"], vals["due_date"] == ""
	if _, err := w.findings.UpdateFinding(contextOf(c), principalOf(c), id, version, in); err != nil {
		if status, ok := formError(v, err); ok {
			return w.renderEdit(c, v, status, id, version, vals)
		}
		return err
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/temuan/%d?ok=edit", id))
}

func (w *Web) renderEdit(c echo.Context, v *view, status int, id int64, version int, vals map[string]string) error {
	v.Values = map[string]string{"action": fmt.Sprintf("/temuan/%d/ubah", id), "version": strconv.Itoa(version)}
	return w.renderForm(c, v, status, vals)
}

// indicatorList reads indicator codes typed as "I21, i38".
func indicatorList(s string) []string {
	out := []string{}
	for _, code := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		out = append(out, strings.ToUpper(code))
	}
	return out
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// actionEdit changes an action from its card on the finding's page (the
// version it was shown with must still be current).
func (w *Web) actionEdit(c echo.Context, v *view) error {
	id, findingID, version, err := w.actionTarget(c)
	if err != nil {
		return err
	}
	vals := formValues(c, "title", "description", "assignee_id", "due_date")
	in := finding.ActionPatch{}
	in.Title.Set, in.Title.Value = true, vals["title"]
	in.Description.Set, in.Description.Value = true, vals["description"]
	in.AssigneeID.Set, in.AssigneeID.Value = true, int64(atoi(vals["assignee_id"]))
	in.DueDate.Set, in.DueDate.Value = true, vals["due_date"]
	in.RequiredArtifactKinds.Set, in.RequiredArtifactKinds.Value = true, c.Request().Form["required_artifact_kinds"]
	if in.RequiredArtifactKinds.Value == nil {
		in.RequiredArtifactKinds.Value = []string{}
	}
	_, err = w.findings.UpdateAction(contextOf(c), principalOf(c), id, version, in)
	return w.actionOutcome(c, v, err, id, findingID, "edit")
}
