package web

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/evidence"
	"github.com/tindaklanjut/tindaklanjut/internal/finding"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
	"github.com/tindaklanjut/tindaklanjut/internal/report"
)

// pageSize is the findings per list page: a slow provincial connection
// gets a page in one round trip.
const pageSize = 50

// listPage is the finding list's data.
type listPage struct {
	States  []string
	State   string
	Query   string
	Overdue bool
	Items   []listRow
	// Pager links the next page (by a signed cursor) and the first.
	Pager pager
	// XLSX, CSV and PDF download the follow-up matrix of these filters.
	XLSX, CSV, PDF string
	// Values are the filters as given; Units and Severities their choices.
	Values     map[string]string
	Units      []option
	Severities []string
	// Scope names the review or assessment the list is narrowed to (the
	// filters the form has no field for), with a link that drops it.
	Scope, Unscoped string
}

// unitOptions are the units to filter by (none if they cannot be read).
func (w *Web) unitOptions(c echo.Context) []option {
	units, err := w.identity.ListUnits(contextOf(c), principalOf(c), identity.Page{Limit: 1000})
	if err != nil {
		return nil
	}
	out := make([]option, 0, len(units))
	for _, u := range units {
		out = append(out, option{strconv.FormatInt(u.ID, 10), u.Code + " — " + u.Name})
	}
	return out
}

// listFilter reads the list's filters from a page's URL: the API's, with
// indicator codes as typed ("i38" is I38). Errors: Invalid, naming each
// malformed field.
func listFilter(q url.Values) (finding.Filter, error) {
	if s := q.Get("indicator"); s != "" {
		q = maps.Clone(q)
		q.Set("indicator", strings.ToUpper(strings.TrimSpace(s)))
	}
	return finding.ParseFilter(q)
}

// matrixDownload is the follow-up matrix of the list's filters, as a
// spreadsheet (xlsx, the default) or CSV.
func (w *Web) matrixDownload(c echo.Context, v *view) error {
	format, err := downloadFormat(c, "pdf")
	if err != nil {
		return err
	}
	q := c.QueryParams()
	f, err := listFilter(q)
	if err != nil {
		return err
	}
	day, err := w.findings.Day(contextOf(c))
	if err != nil {
		return err
	}
	m, err := w.reports.Matrix(contextOf(c), principalOf(c), f, day.Today)
	if err != nil {
		return err
	}
	m.CountWorkingDays(day.Cal)
	if format == "pdf" {
		scope, err := w.reports.FilterScope(contextOf(c), q)
		if err != nil {
			return err
		}
		return report.ServePDF(c.Response(), m, w.printing(c, scope))
	}
	return report.Serve(c.Response(), m, format)
}

// downloadFormat is a download's ?format: xlsx (the default) or csv, or
// one of more.
func downloadFormat(c echo.Context, more ...string) (string, error) {
	format := c.QueryParam("format")
	if format == "" {
		format = "xlsx"
	}
	if format != "xlsx" && format != "csv" && !slices.Contains(more, format) {
		if len(more) > 0 {
			return "", apperr.E(apperr.Invalid, "The download format must be xlsx, csv or pdf.")
		}
		return "", apperr.E(apperr.Invalid, "The download format must be xlsx or csv.")
	}
	return format, nil
}

// printing is the circumstances of a report the user prints now.
func (w *Web) printing(c echo.Context, scope []string) report.Printing {
	p := report.Printing{Letterhead: w.letterhead, PrintedAt: w.findings.Now().In(w.tz), Scope: scope}
	if u, ok := c.Get("user").(identity.User); ok {
		p.PrintedBy = u.Name
	}
	return p
}

// listScope names the review or assessment f narrows the list to, and
// the list's URL without it; "" when neither (or when it is not there).
func (w *Web) listScope(c echo.Context, v *view, f finding.Filter) (scope, unscoped string) {
	ctx, p, lang := contextOf(c), principalOf(c), v.Lang
	switch {
	case f.ReviewID != nil:
		if r, err := w.findings.GetReview(ctx, p, *f.ReviewID); err == nil {
			scope = T(lang, "findings.ofreview", r.Title)
		}
	case f.AssessmentID != nil && w.assessments != nil:
		if a, err := w.assessments.Get(ctx, p, *f.AssessmentID); err == nil {
			scope = T(lang, "findings.ofassessment", a.Name)
		}
	}
	if scope == "" {
		return "", ""
	}
	q := url.Values{}
	for k, vals := range c.QueryParams() {
		if k != "review_id" && k != "assessment_id" && k != "c" {
			q[k] = vals
		}
	}
	unscoped = "/temuan"
	if len(q) > 0 {
		unscoped += "?" + q.Encode()
	}
	return scope, unscoped
}

type listRow struct {
	ID       int64
	Code     string
	Title    string
	State    finding.State
	Category string
	Due      string
	Overdue  bool
	// Left is the working days left until the due date.
	Left *int
}

// findingList is the filtered list with keyset pages; the filters live in
// the URL, so a list can be bookmarked and shared.
func (w *Web) findingList(c echo.Context, v *view) error {
	q := c.QueryParams()
	pg := listPage{State: q.Get("state"), Query: strings.TrimSpace(q.Get("q")), Overdue: q.Get("overdue") == "1"}
	for _, s := range finding.States {
		pg.States = append(pg.States, string(s))
	}
	f, ferr := listFilter(q)
	if ferr == nil {
		pg.Scope, pg.Unscoped = w.listScope(c, v, f)
	}
	pg.Units = w.unitOptions(c)
	for _, s := range finding.Severities {
		pg.Severities = append(pg.Severities, string(s))
	}
	// The form shows the filters; the downloads carry them all (a state
	// repeated too).
	pg.Values = map[string]string{}
	dl := url.Values{}
	for _, k := range finding.FilterParams {
		pg.Values[k] = q.Get(k)
		if vals := q[k]; len(vals) > 0 {
			dl[k] = vals
		}
	}
	dl.Set("format", "xlsx")
	pg.XLSX = "/laporan/matriks?" + dl.Encode()
	dl.Set("format", "csv")
	pg.CSV = "/laporan/matriks?" + dl.Encode()
	dl.Set("format", "pdf")
	pg.PDF = "/laporan/matriks?" + dl.Encode()
	after, err := w.decodeCursor(q.Get("c"))
	if err != nil {
		return err
	}
	v.Title = T(v.Lang, "findings.title")
	v.Crumbs = []crumb{{T(v.Lang, "home"), "/"}, {v.Title, ""}}
	v.Page = &pg
	items, err := []finding.ListItem(nil), ferr
	if err == nil {
		items, err = w.findings.ListFindings(contextOf(c), principalOf(c), f, after, pageSize+1)
	}
	if apperr.KindOf(err) == apperr.Invalid {
		status, _ := formError(v, err)
		return w.render(c, status, "findings", v)
	}
	if err != nil {
		return err
	}
	day, err := w.findings.Day(contextOf(c))
	if err != nil {
		return err
	}
	base := url.Values{}
	for k, vals := range q {
		if k != "c" {
			base[k] = vals
		}
	}
	if len(items) > pageSize {
		items = items[:pageSize]
		next := url.Values{}
		for k, vals := range base {
			next[k] = vals
		}
		next.Set("c", w.encodeCursor(items[len(items)-1].Cursor()))
		pg.Pager.Next = "/temuan?" + next.Encode()
	}
	if after != nil {
		pg.Pager.First = "/temuan?" + base.Encode()
	}
	for _, it := range items {
		row := listRow{ID: it.ID, Code: it.Code, Title: it.Title, State: it.State, Overdue: it.Overdue(day.Today), Due: "—"}
		if c := it.State.Category(); c != "" {
			row.Category = string(c)
		}
		if !it.DueDate.IsZero() {
			row.Due = FormatDate(v.Lang, it.DueDate)
			if it.State.Active() {
				row.Left = day.Left(it.DueDate)
			}
		}
		pg.Items = append(pg.Items, row)
	}
	return w.render(c, http.StatusOK, "findings", v)
}

// detailPage is a finding's page.
type detailPage struct {
	F       finding.Detail
	Overdue bool
	// Day counts the working days left until the due dates.
	Day finding.Day
	// PendingAction and PendingFinding are the extension requests waiting
	// for a decision; CanExtend says on which actions this user may ask
	// for one, CanExtendFinding whether for the finding, CanDecide whether
	// they decide them.
	PendingAction    map[int64]finding.ExtensionItem
	PendingFinding   *finding.ExtensionItem
	CanExtend        map[int64]bool
	CanExtendFinding bool
	CanDecide        bool
	Category         string
	// Verbs are the transitions this user may perform now, from the life
	// cycle table; NeedsReason says which ask for a reason.
	Verbs       []finding.Verb
	NeedsReason map[finding.Verb]bool
	// CanUpload is whether this user may add evidence to each action,
	// CanComplete whether they may mark it done.
	CanUpload   map[int64]bool
	CanComplete map[int64]bool
	// Assignees are whom this user may assign an action to (empty: they
	// may not assign).
	Assignees []option
	// Kinds are the kinds of document with their words, read once for the
	// page's many forms.
	Kinds   []option
	Events  []eventRow
	Limit   int64
	CanEdit bool
	Names   map[int64]string
	// Review is the review that produced the finding.
	Review finding.Review
	// MoreEvents says the history holds more than the page shows.
	MoreEvents bool
	// CanComment is whether this user may comment; CanRemove whether
	// they may take documents off each action.
	CanComment bool
	CanRemove  map[int64]bool
}

// kindOptions are the kinds of document in lang.
func kindOptions(lang Lang) []option {
	out := make([]option, len(finding.ArtifactKinds))
	for i, k := range finding.ArtifactKinds {
		out[i] = option{k, T(lang, "kind."+k)}
	}
	return out
}

// maxEvents bounds the history a finding's page shows; the API pages the
// rest.
const maxEvents = 500

type eventRow struct {
	When   string
	Kind   string
	Actor  string
	Detail string
}

func (w *Web) findingPage(c echo.Context, v *view) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	return w.showFinding(c, v, id, http.StatusOK)
}

// showFinding renders the finding of the URL with status (an error
// message, if any, already in v).
func (w *Web) showFinding(c echo.Context, v *view, id int64, status int) error {
	ctx := contextOf(c)
	p := principalOf(c)
	d, events, err := w.findings.FindingWithHistory(ctx, p, id, maxEvents+1)
	if err != nil {
		return err
	}
	more := len(events) > maxEvents
	if more {
		events = events[:maxEvents]
	}
	day, err := w.findings.Day(ctx)
	if err != nil {
		return err
	}
	pg := &detailPage{F: d, Overdue: d.Overdue(day.Today), Day: day, Verbs: finding.Allowed(d.Situation(p)),
		MoreEvents: more, CanRemove: map[int64]bool{}, NeedsReason: map[finding.Verb]bool{}, CanUpload: map[int64]bool{}, CanComplete: map[int64]bool{}, Kinds: kindOptions(v.Lang), Limit: w.uploadLimit,
		Names: map[int64]string{}}
	if cat := d.State.Category(); cat != "" {
		pg.Category = string(cat)
	}
	if err := w.extensionsOfPage(c, p, pg); err != nil {
		return err
	}
	pg.CanComment = identity.Authorize(p, identity.FindingComment, nil) == nil
	pg.CanEdit = identity.Authorize(p, identity.FindingUpdate, nil) == nil &&
		(d.State == finding.Draft || d.State == finding.Open || d.State == finding.InProgress)
	for _, verb := range pg.Verbs {
		if t, ok := finding.Lookup(verb); ok && t.Requires&finding.NeedsReason != 0 {
			pg.NeedsReason[verb] = true
		}
	}
	mayUpload := identity.Authorize(p, identity.ArtifactCreate, nil) == nil &&
		(d.State == finding.Open || d.State == finding.InProgress)
	mayComplete := identity.Authorize(p, identity.ActionComplete, nil) == nil && d.State == finding.InProgress
	for _, a := range d.Actions {
		own := p.Role != identity.RoleOfficer || a.AssigneeID == p.UserID
		pg.CanUpload[a.ID] = mayUpload && own
		pg.CanComplete[a.ID] = mayComplete && own && a.Status == finding.Todo
		pg.CanRemove[a.ID] = pg.CanUpload[a.ID] && a.Status == finding.Todo
	}
	if pg.Review, err = w.findings.GetReview(ctx, p, d.ReviewID); err != nil {
		return err
	}
	if pg.Names, err = w.names(c, d, events); err != nil {
		return err
	}
	if identity.Authorize(p, identity.ActionCreate, nil) == nil && d.State.Active() && d.UnitID != nil {
		people, err := w.identity.ListUsers(ctx, p, identity.UserFilter{UnitID: d.UnitID}, identity.Page{Limit: 500})
		if err != nil {
			return err
		}
		for _, u := range people {
			if u.Active && (u.Role == identity.RoleOfficer || u.Role == identity.RoleManager) {
				pg.Assignees = append(pg.Assignees, option{strconv.FormatInt(u.ID, 10), u.Name})
			}
		}
	}
	for _, e := range events {
		row := eventRow{When: e.CreatedAt.In(w.tz).Format("02-01-2006 15.04"), Kind: e.Kind}
		row.Detail = eventDetail(e)
		if e.ActorID != nil {
			row.Actor = pg.Names[*e.ActorID]
		}
		pg.Events = append(pg.Events, row)
	}
	v.Title = d.Code + " — " + d.Title
	v.Crumbs = []crumb{{T(v.Lang, "home"), "/"}, {T(v.Lang, "findings.title"), "/temuan"}, {d.Code, ""}}
	if ok := c.QueryParam("ok"); ok != "" && Has("done."+ok) {
		v.Flash = T(v.Lang, "done."+ok)
	}
	v.Page = pg
	return w.render(c, status, "finding", v)
}

// findingTransition applies one of the buttons the page showed.
func (w *Web) findingTransition(c echo.Context, v *view) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	version, err := formVersion(c)
	if err != nil {
		return err
	}
	in := finding.TransitionInput{Verb: finding.Verb(c.FormValue("verb")), Reason: c.FormValue("reason"), Version: version}
	// A rejection may send some done actions back to the officer.
	for _, s := range c.Request().Form["reopen_action_ids"] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 {
			return apperr.E(apperr.Malformed, "The form has an action that is not one.")
		}
		in.ReopenActionIDs = append(in.ReopenActionIDs, n)
	}
	_, err = w.findings.Transition(contextOf(c), principalOf(c), id, in)
	if err == nil {
		return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/temuan/%d?ok=transition", id))
	}
	// Shown on the finding's page, next to its buttons.
	if status, ok := formError(v, err); ok {
		return w.showFinding(c, v, id, status)
	}
	return err
}

// evidenceUpload receives a document from the upload form of an action,
// streamed as the API receives it. The form's CSRF token is its first
// part, checked before the file is read.
func (w *Web) evidenceUpload(c echo.Context, v *view) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ctx := contextOf(c)
	p := principalOf(c)
	mr, err := w.multipartWithToken(c, w.uploadLimit+1<<20)
	if err != nil {
		return err
	}
	findingID, err := w.findings.FindingOfAction(ctx, p, id)
	if err != nil {
		return err
	}
	if err := w.findings.CheckUpload(ctx, p, id); err != nil {
		return err
	}
	form, err := evidence.ReceiveForm(ctx, w.evidence, mr, w.uploadLimit, []string{"kind", "title", "doc_number", "doc_date", "signer"})
	if form.Upload != nil {
		defer form.Upload.Staging.Abort()
	}
	if err == nil {
		u := form.Upload
		in := finding.ArtifactInput{Kind: form.Fields["kind"], Title: form.Fields["title"], DocNumber: form.Fields["doc_number"],
			Signer: form.Fields["signer"], FileName: form.FileName, MediaType: u.MediaType, Size: u.Size, SHA256: u.Sum[:]}
		if d := form.Fields["doc_date"]; d != "" {
			in.DocDate = &d
		}
		_, err = w.findings.AddArtifact(ctx, p, id, in, func(ctx2 context.Context) error { return u.Staging.Commit(ctx2, u.Sum) })
	}
	return w.actionOutcome(c, v, err, id, findingID, "upload")
}

// multipartWithToken opens a multipart post, whose body is bounded by
// limit and whose first part must be the form's CSRF token: the session
// middleware does not read a streamed body, so the token is checked here,
// before any file is read.
func (w *Web) multipartWithToken(c echo.Context, limit int64) (*multipart.Reader, error) {
	req := c.Request()
	media, params, err := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
	if err != nil || media != "multipart/form-data" || params["boundary"] == "" {
		return nil, apperr.E(apperr.Unsupported, "The upload must be sent as a multipart form.")
	}
	body := http.MaxBytesReader(c.Response(), req.Body, limit)
	mr := multipart.NewReader(bufio.NewReaderSize(body, 64<<10), params["boundary"])
	first, err := mr.NextPart()
	if err != nil || first.FormName() != "csrf" {
		return nil, errCSRF
	}
	token, _ := io.ReadAll(io.LimitReader(first, 100))
	if !w.validCSRF(c, string(token)) {
		return nil, errCSRF
	}
	return mr, nil
}

// actionOutcome answers a form posted from an action's card: back to the
// finding's page at the card, with a confirmation, or with the form's
// errors next to that action's fields.
func (w *Web) actionOutcome(c echo.Context, v *view, err error, action, findingID int64, done string) error {
	if err == nil {
		return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/temuan/%d?ok=%s#tindak-lanjut-%d", findingID, done, action))
	}
	status, ok := formError(v, err)
	if !ok {
		return err
	}
	// The page shows every action's form: the messages are this one's.
	fields := make(map[string]string, len(v.FieldError))
	for k, msg := range v.FieldError {
		fields[fmt.Sprintf("%d.%s", action, k)] = msg
	}
	v.FieldError = fields
	return w.showFinding(c, v, findingID, status)
}

// actionTarget reads what a form posted to an action's card names: the
// action, its finding (NotFound if p may not see it) and the version the
// form was shown with.
func (w *Web) actionTarget(c echo.Context) (action, findingID int64, version int, err error) {
	if action, err = pathID(c); err != nil {
		return 0, 0, 0, err
	}
	if findingID, err = w.findings.FindingOfAction(contextOf(c), principalOf(c), action); err != nil {
		return 0, 0, 0, err
	}
	version, err = formVersion(c)
	return action, findingID, version, err
}

func errFields(err error) []apperr.FieldError {
	if ae, ok := err.(*apperr.Error); ok {
		return ae.Fields
	}
	return nil
}

// findingComment adds a comment to a finding's history.
func (w *Web) findingComment(c echo.Context, v *view) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	body := c.FormValue("body")
	if _, err := w.findings.Comment(contextOf(c), principalOf(c), id, body); err != nil {
		if status, ok := formError(v, err); ok {
			v.Values = map[string]string{"body": body}
			return w.showFinding(c, v, id, status)
		}
		return err
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/temuan/%d?ok=comment#riwayat", id))
}

// evidenceRemove takes a document off an action that is still to do (it
// stays in the history and the store).
func (w *Web) evidenceRemove(c echo.Context, v *view) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	a, err := w.findings.RemoveArtifact(contextOf(c), principalOf(c), id)
	if a.ID == 0 { // not even the action is known: the error page
		return err
	}
	return w.actionOutcome(c, v, err, a.ID, a.FindingID, "removed")
}

// evidenceDownload serves a document to whoever may see its finding.
func (w *Web) evidenceDownload(c echo.Context, v *view) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	art, err := w.findings.GetArtifact(contextOf(c), principalOf(c), id)
	if err != nil {
		return err
	}
	return evidence.Serve(c.Response(), c.Request(), w.evidence, evidence.Sum(art.SHA256), art.MediaType, art.FileName, art.CreatedAt)
}

// names are the names of the people a finding's page mentions (assignees
// and the history's actors), read in one query; one p may not see shows
// as "#id".
func (w *Web) names(c echo.Context, d finding.Detail, events []finding.Event) (map[int64]string, error) {
	ids := []int64{}
	for _, a := range d.Actions {
		ids = append(ids, a.AssigneeID)
	}
	for _, e := range events {
		if e.ActorID != nil {
			ids = append(ids, *e.ActorID)
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	names := make(map[int64]string, len(ids))
	for _, id := range ids {
		names[id] = fmt.Sprintf("#%d", id)
	}
	people, err := w.identity.ListUsers(contextOf(c), principalOf(c), identity.UserFilter{IDs: ids}, identity.Page{Limit: len(ids)})
	for _, u := range people {
		names[u.ID] = u.Name
	}
	return names, err
}

// eventDetail is what an event's data says to people: a reason, a
// comment, a note or a document's name.
func eventDetail(e finding.Event) string {
	var data map[string]any
	if json.Unmarshal(e.Data, &data) != nil {
		return ""
	}
	for _, k := range []string{"reason", "body", "note", "file_name", "title"} {
		if s, ok := data[k].(string); ok && s != "" {
			return s
		}
	}
	return ""
}
