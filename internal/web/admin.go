package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/finding"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
	"github.com/tindaklanjut/tindaklanjut/internal/notify"
	"github.com/tindaklanjut/tindaklanjut/internal/opt"
)

// adminListLimit bounds the units read for a form's choices and names: a
// province has some dozens of units.
const adminListLimit = 1000

// keyset pages a list kept by id, as the services keep their lists: the
// URL's param holds the id a page continues from, and a page has size
// rows.
type keyset struct {
	param string
	size  int
}

var (
	// adminPages page the administration lists, oldest first.
	adminPages = keyset{"setelah", 100}
	// reviewPages page the reviews, newest first.
	reviewPages = keyset{"sebelum", 50}
)

// after reads the list's position from the URL: 0 for the first page;
// a malformed one is the 400 page.
func (k keyset) after(c echo.Context) (int64, error) {
	id, err := queryID(c, k.param)
	if id == nil {
		return 0, err
	}
	return *id, nil
}

// pager links the pages of a list.
type pager struct{ Next, First string }

// cutPage cuts rows, read with a limit of k.size+1 from the position
// after, to one page, and links the next page and the first, keeping the
// URL's filters.
func cutPage[T any](c echo.Context, k keyset, rows []T, after int64, id func(T) int64) ([]T, pager) {
	var pg pager
	q := c.QueryParams()
	link := func(pos int64) string {
		u := url.Values{}
		for name, vals := range q {
			if name != k.param && name != "ok" {
				u[name] = vals
			}
		}
		if pos > 0 {
			u.Set(k.param, strconv.FormatInt(pos, 10))
		}
		if len(u) == 0 {
			return c.Request().URL.Path
		}
		return c.Request().URL.Path + "?" + u.Encode()
	}
	if len(rows) > k.size {
		rows = rows[:k.size]
		pg.Next = link(id(rows[len(rows)-1]))
	}
	if after > 0 {
		pg.First = link(0)
	}
	return rows, pg
}

// queryID reads an optional id filter of the URL; a malformed one is the
// 400 page.
func queryID(c echo.Context, name string) (*int64, error) {
	s := c.QueryParam(name)
	if s == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 {
		return nil, apperr.E(apperr.Malformed, "The page link is not valid.")
	}
	return &n, nil
}

// outboxPageSize is the notifications per outbox page.
const outboxPageSize = 50

// registerAdmin mounts the administration pages on g; every one is for
// admins only, whatever the services would let others read.
func (w *Web) registerAdmin(g router) {
	a := func(h handler) echo.HandlerFunc { return w.page(adminOnly(h)) }
	g.GET("/admin", a(w.adminIndex))
	g.GET("/admin/unit", a(w.unitList))
	g.POST("/admin/unit", a(w.unitCreate))
	g.GET("/admin/unit/:id", a(w.unitEdit))
	g.POST("/admin/unit/:id", a(w.unitUpdate))
	g.GET("/admin/pengguna", a(w.userList))
	g.POST("/admin/pengguna", a(w.userCreate))
	g.GET("/admin/pengguna/:id", a(w.userEdit))
	g.POST("/admin/pengguna/:id", a(w.userUpdate))
	g.GET("/admin/aplikasi", a(w.appList))
	g.POST("/admin/aplikasi", a(w.appCreate))
	g.GET("/admin/aplikasi/:id", a(w.appEdit))
	g.POST("/admin/aplikasi/:id", a(w.appUpdate))
	g.GET("/admin/kalender", a(w.calendarShow))
	g.POST("/admin/kalender", a(w.calendarAdd))
	g.POST("/admin/kalender/:date/hapus", a(w.calendarRemove))
	if w.outbox != nil {
		g.GET("/admin/notifikasi", a(w.outboxList))
		g.POST("/admin/notifikasi/:id/kirim-ulang", a(w.outboxRetry))
	}
	if w.frameworks != nil {
		g.GET("/admin/model", a(w.modelList))
		g.GET("/admin/pemetaan/:from/:to", a(w.mappingShow))
		g.POST("/admin/pemetaan/:from/:to", a(w.mappingUpload))
	}
}

// adminOnly refuses everyone but an admin with the 403 page.
func adminOnly(h handler) handler {
	return func(c echo.Context, v *view) error {
		if principalOf(c).Role != identity.RoleAdmin {
			return apperr.E(apperr.Forbidden, "Administration is for admins.")
		}
		return h(c, v)
	}
}

// adminCrumbs are the breadcrumb of an administration page: Home ›
// Administration › section (linked when href is set) › more.
func adminCrumbs(v *view, section, href string, more ...crumb) []crumb {
	out := []crumb{{T(v.Lang, "home"), "/"}, {T(v.Lang, "admin.title"), "/admin"}, {section, href}}
	return append(out, more...)
}

func (w *Web) adminIndex(c echo.Context, v *view) error {
	v.Title = T(v.Lang, "admin.title")
	v.Crumbs = []crumb{{T(v.Lang, "home"), "/"}, {v.Title, ""}}
	v.Page = struct{ Outbox, Models bool }{w.outbox != nil, w.frameworks != nil}
	return w.render(c, http.StatusOK, "admin", v)
}

// formError puts an Invalid or Conflict error of a service into v (its
// message at the top, each field's next to the field) and returns its
// status; ok is false for any other error, which is the caller's to
// return.
func formError(v *view, err error) (status int, ok bool) {
	switch apperr.KindOf(err) {
	case apperr.Invalid:
		v.Error = T(v.Lang, "error.422")
	case apperr.Conflict:
		v.Error = T(v.Lang, "error.409")
		if fields := errFields(err); len(fields) == 0 {
			v.Error = errorMessage(v.Lang, err)
		}
	case apperr.TooLarge, apperr.Unsupported: // a document refused
		v.Error = T(v.Lang, fmt.Sprintf("error.%d", statusOf(err)))
	default:
		return 0, false
	}
	for _, fe := range errFields(err) {
		msg := fieldMessage(v.Lang, fe)
		// An element of a list (indicator_codes[2]) is shown at the list's
		// one input, with the others'.
		if list, _, ok := strings.Cut(fe.Field, "["); ok && strings.HasSuffix(fe.Field, "]") && !strings.Contains(fe.Field, "].") {
			if prev := v.FieldError[list]; prev != "" {
				msg = prev + "; " + msg
			}
			v.FieldError[list] = msg
			continue
		}
		v.FieldError[fe.Field] = msg
	}
	return statusOf(err), true
}

// pathID is the :id of the URL; NotFound when it is not one.
func pathID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, apperr.E(apperr.NotFound, "There is no such object.")
	}
	return id, nil
}

// formVersion is the version a form was shown with.
func formVersion(c echo.Context) (int, error) {
	n, err := strconv.Atoi(c.FormValue("version"))
	if err != nil {
		return 0, apperr.E(apperr.Malformed, "The form has no valid version; reload the page.")
	}
	return n, nil
}

// optString is a form value as a set patch field.
func optString(c echo.Context, name string) opt.Field[string] {
	return opt.Field[string]{Set: true, Value: strings.TrimSpace(c.FormValue(name))}
}

// formInt64 reads an id field of a form; 0 when empty or not a number (the
// service then names the field).
func formInt64(c echo.Context, name string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(c.FormValue(name)), 10, 64)
	return n
}

// ptr is s, or nil when empty.
func ptr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// --- units -------------------------------------------------------------------

// unitForm is a unit as the form holds it.
type unitForm struct {
	ID      int64
	Version int
	Code    string
	Name    string
	Parent  string
	Email   string
}

// unitsPage is the unit list with the form to add one, or (Edit set) the
// form to change one.
type unitsPage struct {
	Items []identity.Unit
	Names map[int64]string
	Form  unitForm
	Edit  bool
	Pager pager
}

func (w *Web) unitList(c echo.Context, v *view) error {
	return w.showUnits(c, v, http.StatusOK, unitForm{})
}

func (w *Web) showUnits(c echo.Context, v *view, status int, form unitForm) error {
	ctx, p := contextOf(c), principalOf(c)
	units, err := w.identity.ListUnits(ctx, p, identity.Page{Limit: adminListLimit})
	if err != nil {
		return err
	}
	pg := &unitsPage{Names: unitCodes(units), Form: form, Edit: form.ID != 0}
	if !pg.Edit {
		after, err := adminPages.after(c)
		if err != nil {
			return err
		}
		rows, err := w.identity.ListUnits(ctx, p, identity.Page{AfterID: after, Limit: adminPages.size + 1})
		if err != nil {
			return err
		}
		pg.Items, pg.Pager = cutPage(c, adminPages, rows, after, func(u identity.Unit) int64 { return u.ID })
	}
	return w.adminPage(c, v, status, adminSection{"admin_units", "admin.units", "/admin/unit", "admin.unit.edit"}, form.Code, pg.Edit, pg)
}

func unitFormOf(c echo.Context) unitForm {
	return unitForm{Code: strings.TrimSpace(c.FormValue("code")), Name: c.FormValue("name"),
		Parent: strings.TrimSpace(c.FormValue("parent_id")), Email: strings.TrimSpace(c.FormValue("email"))}
}

// parentOf reads the parent field: nil for none, an id, or a field error.
func parentOf(v *view, s string) *int64 {
	if s == "" {
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 {
		v.FieldError["parent_id"] = fieldMessage(v.Lang, apperr.FieldError{Field: "parent_id", Message: "no such unit"})
		n = -1
	}
	return &n
}

func (w *Web) unitCreate(c echo.Context, v *view) error {
	form := unitFormOf(c)
	parent := parentOf(v, form.Parent)
	if len(v.FieldError) > 0 {
		v.Error = T(v.Lang, "error.422")
		return w.showUnits(c, v, http.StatusUnprocessableEntity, form)
	}
	_, err := w.identity.CreateUnit(contextOf(c), principalOf(c), identity.UnitInput{Code: form.Code, Name: form.Name,
		ParentID: parent, Email: ptr(form.Email)})
	if err != nil {
		if status, ok := formError(v, err); ok {
			return w.showUnits(c, v, status, form)
		}
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/unit?ok=1")
}

func (w *Web) unitEdit(c echo.Context, v *view) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	u, err := w.identity.GetUnit(contextOf(c), principalOf(c), id)
	if err != nil {
		return err
	}
	form := unitForm{ID: u.ID, Version: u.Version, Code: u.Code, Name: u.Name}
	if u.ParentID != nil {
		form.Parent = strconv.FormatInt(*u.ParentID, 10)
	}
	if u.Email != nil {
		form.Email = *u.Email
	}
	return w.showUnits(c, v, http.StatusOK, form)
}

func (w *Web) unitUpdate(c echo.Context, v *view) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	version, err := formVersion(c)
	if err != nil {
		return err
	}
	form := unitFormOf(c)
	form.ID, form.Version = id, version
	patch := identity.UnitPatch{Code: opt.Field[string]{Set: true, Value: form.Code}, Name: opt.Field[string]{Set: true, Value: form.Name},
		Email: opt.Field[string]{Set: true, Null: form.Email == "", Value: form.Email}}
	if parent := parentOf(v, form.Parent); parent != nil {
		patch.ParentID = opt.Field[int64]{Set: true, Value: *parent}
	} else {
		patch.ParentID = opt.Field[int64]{Set: true, Null: true}
	}
	if len(v.FieldError) > 0 {
		v.Error = T(v.Lang, "error.422")
		return w.showUnits(c, v, http.StatusUnprocessableEntity, form)
	}
	if _, err := w.identity.UpdateUnit(contextOf(c), principalOf(c), id, version, patch); err != nil {
		if status, ok := formError(v, err); ok {
			return w.showUnits(c, v, status, form)
		}
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/unit?ok=1")
}

// --- users -------------------------------------------------------------------

// userForm is a user as the form holds it.
type userForm struct {
	ID      int64
	Version int
	Email   string
	Name    string
	NIP     string
	Role    string
	Unit    string
	Active  bool
}

// usersPage is the user list with the form to add one, or (Edit set) the
// form to change one.
type usersPage struct {
	Items []identity.User
	Units []identity.Unit
	Names map[int64]string
	Roles []identity.Role
	Form  userForm
	Edit  bool
	Pager pager
	// Unit, Role and Active are the list's filters as the URL has them.
	Unit, Role, Active string
}

func (w *Web) userList(c echo.Context, v *view) error {
	return w.showUsers(c, v, http.StatusOK, userForm{Active: true, Role: string(identity.RoleOfficer)})
}

func (w *Web) showUsers(c echo.Context, v *view, status int, form userForm) error {
	ctx, p := contextOf(c), principalOf(c)
	pg := &usersPage{Roles: identity.Roles, Form: form, Edit: form.ID != 0}
	var err error
	if !pg.Edit {
		var f identity.UserFilter
		if f.UnitID, err = queryID(c, "unit"); err != nil {
			return err
		}
		pg.Unit, pg.Role, pg.Active = c.QueryParam("unit"), c.QueryParam("peran"), c.QueryParam("aktif")
		if pg.Role != "" {
			role := identity.Role(pg.Role)
			if !slices.Contains(identity.Roles, role) {
				return apperr.E(apperr.Malformed, "The page link is not valid.")
			}
			f.Role = &role
		}
		switch pg.Active {
		case "":
		case "1", "0":
			f.Active = new(pg.Active == "1")
		default:
			return apperr.E(apperr.Malformed, "The page link is not valid.")
		}
		after, err := adminPages.after(c)
		if err != nil {
			return err
		}
		rows, err := w.identity.ListUsers(ctx, p, f, identity.Page{AfterID: after, Limit: adminPages.size + 1})
		if err != nil {
			return err
		}
		pg.Items, pg.Pager = cutPage(c, adminPages, rows, after, func(u identity.User) int64 { return u.ID })
	}
	if pg.Units, err = w.identity.ListUnits(ctx, p, identity.Page{Limit: adminListLimit}); err != nil {
		return err
	}
	pg.Names = unitCodes(pg.Units)
	return w.adminPage(c, v, status, adminSection{"admin_users", "admin.users", "/admin/pengguna", "admin.user.edit"}, form.Email, pg.Edit, pg)
}

func userFormOf(c echo.Context) userForm {
	return userForm{Email: strings.TrimSpace(c.FormValue("email")), Name: c.FormValue("name"), NIP: strings.TrimSpace(c.FormValue("nip")),
		Role: c.FormValue("role"), Unit: c.FormValue("unit_id"), Active: c.FormValue("active") == "1"}
}

func (w *Web) userCreate(c echo.Context, v *view) error {
	form := userFormOf(c)
	active := form.Active
	_, err := w.identity.CreateUser(contextOf(c), new(principalOf(c)), identity.UserInput{Email: form.Email, Name: form.Name,
		NIP: ptr(form.NIP), Role: identity.Role(form.Role), UnitID: formInt64(c, "unit_id"), Active: &active,
		Password: c.FormValue("password")})
	if err != nil {
		if status, ok := formError(v, err); ok {
			return w.showUsers(c, v, status, form)
		}
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/pengguna?ok=1")
}

func (w *Web) userEdit(c echo.Context, v *view) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	u, err := w.identity.GetUser(contextOf(c), principalOf(c), id)
	if err != nil {
		return err
	}
	form := userForm{ID: u.ID, Version: u.Version, Email: u.Email, Name: u.Name, Role: string(u.Role),
		Unit: strconv.FormatInt(u.UnitID, 10), Active: u.Active}
	if u.NIP != nil {
		form.NIP = *u.NIP
	}
	return w.showUsers(c, v, http.StatusOK, form)
}

func (w *Web) userUpdate(c echo.Context, v *view) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	version, err := formVersion(c)
	if err != nil {
		return err
	}
	form := userFormOf(c)
	form.ID, form.Version = id, version
	patch := identity.UserPatch{Email: optString(c, "email"), Name: opt.Field[string]{Set: true, Value: form.Name},
		NIP:    opt.Field[string]{Set: true, Null: form.NIP == "", Value: form.NIP},
		Role:   opt.Field[identity.Role]{Set: true, Value: identity.Role(form.Role)},
		UnitID: opt.Field[int64]{Set: true, Value: formInt64(c, "unit_id")}, Active: opt.Field[bool]{Set: true, Value: form.Active}}
	// A new password only when one is typed.
	if pw := c.FormValue("password"); pw != "" {
		patch.Password = opt.Field[string]{Set: true, Value: pw}
	}
	if _, err := w.identity.UpdateUser(contextOf(c), principalOf(c), id, version, patch); err != nil {
		if status, ok := formError(v, err); ok {
			return w.showUsers(c, v, status, form)
		}
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/pengguna?ok=1")
}

// --- applications ------------------------------------------------------------

// appForm is an application as the form holds it.
type appForm struct {
	ID         int64
	Version    int
	Name       string
	Unit       string
	Kind       string
	URL        string
	Integrated bool
	Status     string
}

// appsPage is the application list with the form to add one, or (Edit
// set) the form to change one.
type appsPage struct {
	Items    []finding.Application
	Units    []identity.Unit
	Names    map[int64]string
	Kinds    []string
	Statuses []string
	Form     appForm
	Edit     bool
	Pager    pager
	// Unit and Status are the list's filters as the URL has them.
	Unit, Status string
}

func (w *Web) appList(c echo.Context, v *view) error {
	return w.showApps(c, v, http.StatusOK, appForm{Kind: finding.ApplicationKinds[0], Status: "active"})
}

func (w *Web) showApps(c echo.Context, v *view, status int, form appForm) error {
	ctx, p := contextOf(c), principalOf(c)
	pg := &appsPage{Kinds: finding.ApplicationKinds, Statuses: finding.ApplicationStatuses,
		Form: form, Edit: form.ID != 0}
	var err error
	if !pg.Edit {
		var f finding.ApplicationFilter
		if f.UnitID, err = queryID(c, "unit"); err != nil {
			return err
		}
		pg.Unit, pg.Status = c.QueryParam("unit"), c.QueryParam("status")
		if pg.Status != "" {
			if !slices.Contains(finding.ApplicationStatuses, pg.Status) {
				return apperr.E(apperr.Malformed, "The page link is not valid.")
			}
			f.Status = &pg.Status
		}
		after, err := adminPages.after(c)
		if err != nil {
			return err
		}
		rows, err := w.findings.ListApplications(ctx, p, f, finding.Page{AfterID: after, Limit: adminPages.size + 1})
		if err != nil {
			return err
		}
		pg.Items, pg.Pager = cutPage(c, adminPages, rows, after, func(a finding.Application) int64 { return a.ID })
	}
	if pg.Units, err = w.identity.ListUnits(ctx, p, identity.Page{Limit: adminListLimit}); err != nil {
		return err
	}
	pg.Names = unitCodes(pg.Units)
	return w.adminPage(c, v, status, adminSection{"admin_apps", "admin.apps", "/admin/aplikasi", "admin.app.edit"}, form.Name, pg.Edit, pg)
}

func appFormOf(c echo.Context) appForm {
	return appForm{Name: c.FormValue("name"), Unit: c.FormValue("unit_id"), Kind: c.FormValue("kind"),
		URL: strings.TrimSpace(c.FormValue("url")), Integrated: c.FormValue("integrated") == "1", Status: c.FormValue("status")}
}

func (w *Web) appCreate(c echo.Context, v *view) error {
	form := appFormOf(c)
	_, err := w.findings.CreateApplication(contextOf(c), principalOf(c), finding.ApplicationInput{Name: form.Name,
		UnitID: formInt64(c, "unit_id"), Kind: form.Kind, URL: ptr(form.URL), Integrated: form.Integrated, Status: form.Status})
	if err != nil {
		if status, ok := formError(v, err); ok {
			return w.showApps(c, v, status, form)
		}
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/aplikasi?ok=1")
}

func (w *Web) appEdit(c echo.Context, v *view) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	a, err := w.findings.GetApplication(contextOf(c), principalOf(c), id)
	if err != nil {
		return err
	}
	form := appForm{ID: a.ID, Version: a.Version, Name: a.Name, Unit: strconv.FormatInt(a.UnitID, 10), Kind: a.Kind,
		Integrated: a.Integrated, Status: a.Status}
	if a.URL != nil {
		form.URL = *a.URL
	}
	return w.showApps(c, v, http.StatusOK, form)
}

func (w *Web) appUpdate(c echo.Context, v *view) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	version, err := formVersion(c)
	if err != nil {
		return err
	}
	form := appFormOf(c)
	form.ID, form.Version = id, version
	patch := finding.ApplicationPatch{Name: opt.Field[string]{Set: true, Value: form.Name},
		UnitID: opt.Field[int64]{Set: true, Value: formInt64(c, "unit_id")}, Kind: opt.Field[string]{Set: true, Value: form.Kind},
		URL:        opt.Field[string]{Set: true, Null: form.URL == "", Value: form.URL},
		Integrated: opt.Field[bool]{Set: true, Value: form.Integrated}, Status: opt.Field[string]{Set: true, Value: form.Status}}
	if _, err := w.findings.UpdateApplication(contextOf(c), principalOf(c), id, version, patch); err != nil {
		if status, ok := formError(v, err); ok {
			return w.showApps(c, v, status, form)
		}
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/aplikasi?ok=1")
}

// --- notifications outbox ----------------------------------------------------

// outboxPage is the outbox: notifications newest first, filtered by
// status, with the kept mails' bodies.
type outboxPage struct {
	Statuses []string
	Status   string
	Items    []notify.Notification
	Older    string // URL of the next (older) page, "" on the last
	First    string // URL of the first page, "" on it
}

func (w *Web) outboxList(c echo.Context, v *view) error {
	return w.showOutbox(c, v, http.StatusOK)
}

func (w *Web) showOutbox(c echo.Context, v *view, status int) error {
	pg := &outboxPage{Statuses: notify.Statuses, Status: c.QueryParam("status")}
	v.Title = T(v.Lang, "admin.outbox")
	v.Crumbs = adminCrumbs(v, v.Title, "")
	v.Page = pg
	var before int64
	if s := c.QueryParam("sebelum"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 {
			return apperr.E(apperr.Malformed, "The page link is not valid.")
		}
		before = n
	}
	items, err := w.outbox.List(contextOf(c), principalOf(c), notify.Filter{Status: pg.Status},
		notify.Page{BeforeID: before, Limit: outboxPageSize + 1})
	if apperr.KindOf(err) == apperr.Invalid {
		formError(v, err)
		return w.render(c, http.StatusUnprocessableEntity, "admin_outbox", v)
	}
	if err != nil {
		return err
	}
	if len(items) > outboxPageSize {
		items = items[:outboxPageSize]
		pg.Older = fmt.Sprintf("/admin/notifikasi?status=%s&sebelum=%d", pg.Status, items[len(items)-1].ID)
	}
	if before > 0 {
		pg.First = "/admin/notifikasi?status=" + pg.Status
	}
	for i := range items {
		items[i].CreatedAt = items[i].CreatedAt.In(w.tz)
	}
	pg.Items = items
	switch c.QueryParam("ok") {
	case "retry":
		v.Flash = T(v.Lang, "done.retry")
	}
	return w.render(c, status, "admin_outbox", v)
}

// outboxRetry re-queues a failed notification; any other is a 409 shown on
// the outbox page.
func (w *Web) outboxRetry(c echo.Context, v *view) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if _, err := w.outbox.Retry(contextOf(c), principalOf(c), id); err != nil {
		if apperr.KindOf(err) == apperr.Conflict {
			v.Error = T(v.Lang, "admin.outbox.notfailed")
			return w.showOutbox(c, v, http.StatusConflict)
		}
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/notifikasi?ok=retry")
}

// adminSection names an admin section: its page, its title, its address
// and the title of its edit form.
type adminSection struct{ page, title, href, editTitle string }

// adminPage finishes a section's page: the title and breadcrumb of the
// list, or of the object being edited (named editing), a confirmation
// after a save, and the page itself.
func (w *Web) adminPage(c echo.Context, v *view, status int, sec adminSection, editing string, edit bool, pg any) error {
	if edit {
		v.Title = T(v.Lang, sec.editTitle, editing)
		v.Crumbs = adminCrumbs(v, T(v.Lang, sec.title), sec.href, crumb{editing, ""})
	} else {
		v.Title = T(v.Lang, sec.title)
		v.Crumbs = adminCrumbs(v, v.Title, "")
	}
	if c.QueryParam("ok") != "" {
		v.Flash = T(v.Lang, "done.saved")
	}
	v.Page = pg
	return w.render(c, status, sec.page, v)
}

// unitCodes maps units' ids to their codes.
func unitCodes(units []identity.Unit) map[int64]string {
	out := make(map[int64]string, len(units))
	for _, u := range units {
		out[u.ID] = u.Code
	}
	return out
}
