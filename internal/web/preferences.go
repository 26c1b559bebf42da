package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/tindaklanjut/tindaklanjut/internal/notify"
)

// preferencesPage is a user's choices of optional mail.
type preferencesPage struct {
	Prefs     notify.Preferences
	Digests   []string
	Optional  []string
	Mandatory []string
}

// preferencesShow shows the signed-in user's notification preferences.
func (w *Web) preferencesShow(c echo.Context, v *view) error {
	return w.showPreferences(c, v, http.StatusOK)
}

func (w *Web) showPreferences(c echo.Context, v *view, status int) error {
	prefs, err := w.outbox.Preferences().Get(contextOf(c), principalOf(c))
	if err != nil {
		return err
	}
	v.Title = T(v.Lang, "prefs.title")
	v.Crumbs = []crumb{{T(v.Lang, "home"), "/"}, {v.Title, ""}}
	if c.QueryParam("ok") != "" {
		v.Flash = T(v.Lang, "done.saved")
	}
	v.Page = &preferencesPage{Prefs: prefs, Digests: notify.DigestChoices, Optional: notify.OptionalKinds, Mandatory: notify.MandatoryKinds}
	return w.render(c, status, "preferences", v)
}

// preferencesSave saves the form: the digest, and each optional kind of
// mail checked or not.
func (w *Web) preferencesSave(c echo.Context, v *view) error {
	version, err := formVersion(c)
	if err != nil {
		return err
	}
	digest := c.FormValue("digest")
	form, err := c.FormParams()
	if err != nil {
		return err
	}
	events := map[string]bool{}
	for _, k := range notify.OptionalKinds {
		events[k] = false
	}
	for _, k := range form["events"] {
		events[k] = true
	}
	_, err = w.outbox.Preferences().Update(contextOf(c), principalOf(c), version, notify.PreferencesPatch{Digest: &digest, Events: events})
	if err == nil {
		return c.Redirect(http.StatusSeeOther, "/preferensi?ok=1")
	}
	status, ok := formError(v, err)
	if !ok {
		return err
	}
	return w.showPreferences(c, v, status)
}
