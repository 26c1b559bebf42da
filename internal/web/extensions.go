package web

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/tindaklanjut/tindaklanjut/internal/finding"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
)

// maxPending bounds the pending extension requests a page lists.
const maxPending = 50

// actionExtension asks for more time for the action of the path.
func (w *Web) actionExtension(c echo.Context, v *view) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	findingID, err := w.findings.FindingOfAction(contextOf(c), principalOf(c), id)
	if err != nil {
		return err
	}
	return w.requestExtension(c, v, "action", id, findingID, fmt.Sprintf("ext-%d", id))
}

// findingExtension asks for more time for the finding of the path.
func (w *Web) findingExtension(c echo.Context, v *view) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	return w.requestExtension(c, v, "finding", id, id, "ext-f")
}

// requestExtension sends the form's request and shows the finding again:
// with a confirmation, or with the form's messages (under form's name).
func (w *Web) requestExtension(c echo.Context, v *view, subject string, id, findingID int64, form string) error {
	due := c.FormValue("due_date")
	_, err := w.findings.RequestExtension(contextOf(c), principalOf(c), subject, id,
		finding.ExtensionInput{DueDate: &due, Reason: c.FormValue("reason")})
	if err == nil {
		return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/temuan/%d?ok=extension", findingID))
	}
	status, ok := formError(v, err)
	if !ok {
		return err
	}
	fields := make(map[string]string, len(v.FieldError))
	for k, msg := range v.FieldError {
		fields[form+"."+k] = msg
	}
	v.FieldError = fields
	// "ext" keeps the assignment form closed: these values are not its.
	v.Values = map[string]string{"ext": form, form + ".due_date": due, form + ".reason": c.FormValue("reason")}
	return w.showFinding(c, v, findingID, status)
}

// extensionDecision approves or refuses a request from the auditors'
// list on the dashboard.
func (w *Web) extensionDecision(c echo.Context, v *view) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	version, err := formVersion(c)
	if err != nil {
		return err
	}
	_, err = w.findings.DecideExtension(contextOf(c), principalOf(c), id, version, c.FormValue("decision"), c.FormValue("note"))
	if err == nil {
		return c.Redirect(http.StatusSeeOther, "/?ok=decided#perpanjangan")
	}
	status, ok := formError(v, err)
	if !ok {
		return err
	}
	if msg := v.FieldError["note"]; msg != "" {
		v.FieldError = map[string]string{fmt.Sprintf("%d.note", id): msg}
	}
	return w.showDashboard(c, v, status)
}

// extensionsOfPage adds to a finding's page the pending requests and which
// forms p may use.
func (w *Web) extensionsOfPage(c echo.Context, p identity.Principal, pg *detailPage) error {
	list, err := w.findings.ExtensionsOf(contextOf(c), p, finding.ExtensionFilter{Status: finding.ExtensionPending, FindingID: &pg.F.ID}, maxPending)
	if err != nil {
		return err
	}
	pg.PendingAction = map[int64]finding.ExtensionItem{}
	for _, e := range list {
		if e.ActionID != nil {
			pg.PendingAction[*e.ActionID] = e
		} else {
			pg.PendingFinding = &e
		}
	}
	active := pg.F.State.Active()
	ownUnit := pg.F.UnitID != nil && *pg.F.UnitID == p.UnitID
	pg.CanExtend = map[int64]bool{}
	for _, a := range pg.F.Actions {
		_, pending := pg.PendingAction[a.ID]
		pg.CanExtend[a.ID] = active && !pending && a.Status == finding.Todo &&
			((p.Role == identity.RoleManager && ownUnit) || (p.Role == identity.RoleOfficer && a.AssigneeID == p.UserID))
	}
	pg.CanExtendFinding = active && pg.PendingFinding == nil && p.Role == identity.RoleManager && ownUnit
	pg.CanDecide = identity.Authorize(p, identity.ExtensionDecide, nil) == nil
	return nil
}
