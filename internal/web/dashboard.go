package web

import (
	"cmp"
	"context"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/date"
	"github.com/tindaklanjut/tindaklanjut/internal/finding"
	"github.com/tindaklanjut/tindaklanjut/internal/framework"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
	"github.com/tindaklanjut/tindaklanjut/internal/report"
)

// dashboardPage is the home page's data: the summary of the findings the
// user may see (the report service scopes it: a manager's unit, an
// officer's actions), the next assessment milestone and the SPBE index.
type dashboardPage struct {
	Today string
	// Pending are the extension requests an auditor decides (Decides).
	Pending []finding.ExtensionItem
	Decides bool
	// AsOf is when the counts were read.
	AsOf       string
	Scope      string // i18n key saying whose findings are counted
	Categories []countCell
	Deadlines  []countCell
	// Tiles are Categories and Deadlines, written by tiles.
	Tiles [2]template.HTML
	// Tables count the findings per unit, per aspect of the current
	// model and per SPBE domain.
	Tables    []countTable
	Milestone *milestoneView
	Index     *indexView
}

// countCell is one count with the finding list that shows it ("" when
// the list has no filter for it); Subs are the links of a category that
// spans several states.
type countCell struct {
	ID    string // the element's id: jumlah-<id>
	Key   string // its label's i18n key
	N     int
	Href  string
	Subs  []countCell
	Alarm bool
}

// tiles writes cells as a list of tiles in lang: each count large, with
// its label, linked to the list that shows it; a category's states below.
func tiles(lang Lang, cells []countCell) template.HTML {
	var b strings.Builder
	var num [20]byte
	b.WriteString(`<ul class="tiles">`)
	var cell func(c countCell, sub bool)
	cell = func(c countCell, sub bool) {
		if c.Href != "" {
			b.WriteString(`<a href="` + escapeText(c.Href) + `">`)
		}
		if sub {
			b.WriteString(escapeText(T(lang, c.Key)) + `: <span id="jumlah-` + escapeText(c.ID) + `">`)
		} else {
			b.WriteString(`<span class="n" id="jumlah-` + escapeText(c.ID) + `">`)
		}
		b.Write(strconv.AppendInt(num[:0], int64(c.N), 10))
		b.WriteString(`</span>`)
		if !sub {
			b.WriteString(escapeText(T(lang, c.Key)))
		}
		if c.Href != "" {
			b.WriteString(`</a>`)
		}
	}
	for _, c := range cells {
		b.WriteString("\n<li")
		if c.Alarm {
			b.WriteString(` class="alarm"`)
		}
		b.WriteString(`>`)
		cell(c, false)
		if len(c.Subs) > 0 {
			b.WriteString("\n" + `<ul class="subs">`)
			for _, s := range c.Subs {
				b.WriteString(`<li>`)
				cell(s, true)
				b.WriteString(`</li>`)
			}
			b.WriteString(`</ul>`)
		}
		b.WriteString(`</li>`)
	}
	b.WriteString("\n</ul>")
	return template.HTML(b.String())
}

// countTable is one table of counts: its element's id (per-<ID>), its
// heading, the heading of its first column, and its rows; ShowCode adds
// each row's code to its name. Above the table, Note says which rows it
// shows and More links the whole table (the dashboard's units, when they
// are more than it lists). HTML is the table, written by html.
type countTable struct {
	ID, Heading, Column string
	ShowCode            bool
	Rows                []tableRow
	Note                string
	More                *crumb
	HTML                template.HTML
}

// tableRow is one line of a table of counts.
type tableRow struct {
	Code, Name string
	Total      int
	Cats       [4]int // in the order of categories
	Overdue    int
}

// html writes the table with its header in lang. A page lists dozens of
// rows of seven numbers, which the template would evaluate cell by cell,
// by reflection, escaping each number: here the names are escaped as
// html/template escapes text and the numbers are written as digits.
func (t *countTable) html(lang Lang) template.HTML {
	var b strings.Builder
	b.Grow(400 + len(t.Rows)*(160+len(tableHTML.cell)*len(t.Rows[0].Cats)))
	b.WriteString(`<div class="scroll"><table id="per-`)
	b.WriteString(escapeText(t.ID))
	b.WriteString(`">` + "\n" + `<thead><tr><th scope="col">`)
	b.WriteString(escapeText(t.Column))
	b.WriteString(`</th>`)
	b.WriteString(tableHTML.head[lang])
	b.WriteString("</tr></thead>\n<tbody>")
	var num [20]byte
	cell := func(n int) {
		b.WriteString(tableHTML.cell)
		b.Write(strconv.AppendInt(num[:0], int64(n), 10))
		b.WriteString(`</td>`)
	}
	for _, r := range t.Rows {
		b.WriteString(`<tr><th scope="row">`)
		b.WriteString(escapeText(r.Name))
		if t.ShowCode {
			b.WriteString(` <span class="muted">`)
			b.WriteString(escapeText(r.Code))
			b.WriteString(`</span>`)
		}
		b.WriteString(`</th>`)
		cell(r.Total)
		for _, n := range r.Cats {
			cell(n)
		}
		cell(r.Overdue)
		b.WriteString("</tr>\n")
	}
	b.WriteString(`</tbody></table></div>`)
	return template.HTML(b.String())
}

// escapeText escapes s for HTML text and quoted attributes as html/template
// does.
var escapeText = strings.NewReplacer("\x00", "\uFFFD", `"`, "&#34;", "&", "&amp;", "'", "&#39;", "+", "&#43;",
	"<", "&lt;", ">", "&gt;").Replace

// tableHTML are the fixed parts of a table of counts: a number's cell and,
// per language, the header's cells after the first.
var tableHTML = func() (out struct {
	cell string
	head map[Lang]string
}) {
	out.cell = `<td class="num">`
	out.head = map[Lang]string{}
	for _, lang := range []Lang{ID, EN} {
		th := func(key string) string {
			return `<th scope="col" class="num">` + escapeText(T(lang, key)) + `</th>`
		}
		h := th("dash.total")
		for _, cat := range categories {
			h += th("cat." + string(cat))
		}
		out.head[lang] = h + th("dash.overdue")
	}
	return out
}()

// categories are the audit categories in the order the pages show them.
var categories = []finding.AuditCategory{finding.Sesuai, finding.BelumSesuai, finding.BelumDitindaklanjuti, finding.TidakDapatDitindaklanjuti}

// milestoneView is the next assessment milestone with its countdown.
type milestoneView struct {
	Assessment string
	Name       string
	Date       date.Date
	Days       int
}

// indexView is the index of the latest assessment, now and projected,
// with the bar chart drawn from it; Name is the model's index's.
type indexView struct {
	Assessment, Name     string
	Current, Projected   string // formatted for the language
	CurrentP, ProjectedP string // predicates
	Scored               int
	Chart                chart
	// SVG is the chart, written by its svg.
	SVG template.HTML
}

// chart is a horizontal bar chart laid out for inline SVG: two bars
// (now, projected) per row on a scale of 0 to 5.
type chart struct {
	Label  string // what a screen reader says: every number
	Height int
	Rows   []chartRow
	Ticks  []chartTick
}

type chartRow struct {
	Label       string
	Y           int // the label's baseline; the bars follow
	NowW, ProjW float64
	NowV, ProjV string
	NowX, ProjX float64 // where each value's text starts
	NowY, ProjY int
}

type chartTick struct {
	X     float64
	Label string
}

// svg writes the chart as inline SVG, labelled for screen readers, as
// html/template would escape it; written here, its hundred-odd values cost
// no template evaluation each.
func (c *chart) svg() template.HTML {
	var b strings.Builder
	b.Grow(400 + len(c.Ticks)*100 + len(c.Rows)*420 + 2*len(c.Label))
	label := escapeText(c.Label)
	pct := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) + "%" }
	fmt.Fprintf(&b, `<svg class="chart" width="100%%" height="%d" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg">`+"\n"+
		"<title>%s</title>\n", c.Height, label, label)
	for _, t := range c.Ticks {
		fmt.Fprintf(&b, `<line x1="%s" y1="4" x2="%s" y2="%d" stroke="#d0d7de" stroke-width="1"/>`, pct(t.X), pct(t.X), c.Height)
	}
	b.WriteString("\n")
	for _, r := range c.Rows {
		fmt.Fprintf(&b, `<text x="1%%" y="%d" font-size="13" fill="#1b1f24">%s</text>`+"\n"+
			`<rect x="1%%" y="%d" width="%s" height="14" fill="#0b5cad"/><text x="%s" y="%d" dy="11" font-size="12" fill="#1b1f24">%s</text>`+"\n"+
			`<rect x="1%%" y="%d" width="%s" height="14" fill="#7fb3e6"/><text x="%s" y="%d" dy="11" font-size="12" fill="#1b1f24">%s</text>`+"\n",
			r.Y, escapeText(r.Label),
			r.NowY, pct(r.NowW), pct(r.NowX), r.NowY, escapeText(r.NowV),
			r.ProjY, pct(r.ProjW), pct(r.ProjX), r.ProjY, escapeText(r.ProjV))
	}
	b.WriteString("</svg>")
	return template.HTML(b.String())
}

// Chart geometry. Across, in percent of the chart's width, so that the
// chart fills a phone or a desk's screen while its text keeps the page's
// size (a viewBox would scale the text with the width); down, in pixels.
const (
	chartLeft  = 1  // %
	chartWidth = 86 // %: the bars' full scale (level 5), leaving room for the value
	rowHeight  = 52 // px
	barHeight  = 14 // px
)

// dashboard is the home page.
func (w *Web) dashboard(c echo.Context, v *view) error { return w.showDashboard(c, v, http.StatusOK) }

// showDashboard renders the home page with status (a form's message, if
// any, already in v).
func (w *Web) showDashboard(c echo.Context, v *view, status int) error {
	ctx := contextOf(c)
	p := principalOf(c)
	today := w.findings.Today()
	// The counts are asked for at every view: the database keeps them exact
	// with every change, and the summary is read again only when their
	// version has moved (package kept), so a view costs one small read.
	sum, err := w.reports.Summary(ctx, p, today)
	if err != nil {
		return err
	}
	pg := &dashboardPage{Today: FormatDate(v.Lang, today), Scope: scopeKey(p), AsOf: time.Now().In(w.tz).Format("15.04")}
	byCat := sum.ByCategory()
	for _, cat := range categories {
		cell := countCell{ID: string(cat), Key: "cat." + string(cat), N: byCat[cat]}
		var states []finding.State
		for _, st := range finding.States {
			if st.Category() == cat {
				states = append(states, st)
			}
		}
		// The list filters one state at a time: a category of one state
		// links to it, one of several links to each.
		if len(states) == 1 {
			cell.Href = "/temuan?state=" + string(states[0])
		} else {
			for _, st := range states {
				cell.Subs = append(cell.Subs, countCell{ID: string(st), Key: "state." + string(st), N: sum.ByState[st],
					Href: "/temuan?state=" + string(st)})
			}
		}
		pg.Categories = append(pg.Categories, cell)
	}
	pg.Deadlines = []countCell{
		{ID: "lewat-tenggat", Key: "dash.overdue", N: sum.Overdue, Href: "/temuan?overdue=1", Alarm: sum.Overdue > 0},
		{ID: "7-hari", Key: "dash.due7", N: sum.DueIn7Days},
		{ID: "30-hari", Key: "dash.due30", N: sum.DueIn30Days},
	}
	// The units most behind first, as many as a glance takes in; the
	// whole table is one click away.
	pg.Tiles = [2]template.HTML{tiles(v.Lang, pg.Categories), tiles(v.Lang, pg.Deadlines)}
	units := unitTable(v.Lang, sum)
	slices.SortStableFunc(units.Rows, behind)
	if n := len(units.Rows); n > dashboardUnits {
		units.Rows = units.Rows[:dashboardUnits]
		units.Note = T(v.Lang, "dash.units.top", dashboardUnits, n)
		units.More = &crumb{T(v.Lang, "dash.units.all", n), "/laporan/unit"}
	}
	pg.Tables = append(pg.Tables, units)
	// The current model's aspects, where its findings (and those carried
	// over onto it) count now; then the SPBE domains of the years before.
	if len(sum.Aspects) > 0 {
		aspects := countTable{ID: "aspek", Heading: T(v.Lang, "dash.aspects", sum.Aspects[0].FrameworkCode), Column: T(v.Lang, "dash.aspect")}
		for _, a := range sum.Aspects {
			aspects.Rows = append(aspects.Rows, row(a.Code, a.Name, a.Counts))
		}
		pg.Tables = append(pg.Tables, aspects)
	}
	domains := countTable{ID: "domain", Heading: T(v.Lang, "dash.domains"), Column: T(v.Lang, "dash.domain")}
	for _, d := range sum.Domains {
		domains.Rows = append(domains.Rows, row(d.Code, d.Name, d.Counts))
	}
	pg.Tables = append(pg.Tables, domains)
	for i := range pg.Tables {
		pg.Tables[i].HTML = pg.Tables[i].html(v.Lang)
	}
	if w.assessments != nil {
		if err := w.assessmentFacts(ctx, p, today, v.Lang, pg); err != nil {
			return err
		}
	}
	v.Title = T(v.Lang, "dash.title")
	v.Crumbs = []crumb{{v.Title, ""}}
	v.Page = pg
	if identity.Authorize(p, identity.ExtensionDecide, nil) == nil {
		if pg.Pending, err = w.findings.ExtensionsOf(ctx, p, finding.ExtensionFilter{Status: finding.ExtensionPending}, maxPending); err != nil {
			return err
		}
		pg.Decides = true
	}
	return w.render(c, status, "dashboard", v)
}

// dashboardUnits is how many units the dashboard lists, those most
// behind; unitsPageSize, how many a page of the units' table lists.
const (
	dashboardUnits = 10
	unitsPageSize  = 50
)

// unitTable is the table of the summary's units, in their order (by code,
// findings without a unit last).
func unitTable(lang Lang, sum report.Summary) countTable {
	units := countTable{ID: "unit", Heading: T(lang, "dash.units"), Column: T(lang, "dash.unit"), ShowCode: true,
		Rows: make([]tableRow, 0, len(sum.Units))}
	for _, u := range sum.Units {
		code, name := u.Code, u.Name
		if u.UnitID == nil {
			code, name = "—", T(lang, "dash.nounit")
		}
		units.Rows = append(units.Rows, row(code, name, u.Counts))
	}
	return units
}

// behind orders units by how far behind they are: most findings overdue,
// then most not yet followed up or not yet adequate, then most findings.
func behind(a, b tableRow) int {
	return cmp.Or(b.Overdue-a.Overdue, b.Cats[1]+b.Cats[2]-a.Cats[1]-a.Cats[2], b.Total-a.Total)
}

func row(code, name string, c report.Counts) tableRow {
	r := tableRow{Code: code, Name: name, Total: c.Total, Overdue: c.Overdue}
	for st, n := range c.ByState {
		if i := slices.Index(categories, st.Category()); i >= 0 {
			r.Cats[i] += n
		}
	}
	return r
}

// unitCountsPage is the units' table, a page of it.
type unitCountsPage struct {
	Scope, Today, AsOf string
	Table              countTable
	Pager              pager
}

// unitCounts is the whole table of counts per unit, unitsPageSize units a
// page (hal: the page's number), in the order of the units' codes.
func (w *Web) unitCounts(c echo.Context, v *view) error {
	at, err := queryID(c, "hal")
	if err != nil {
		return err
	}
	p := principalOf(c)
	today := w.findings.Today()
	sum, err := w.reports.Summary(contextOf(c), p, today)
	if err != nil {
		return err
	}
	pg := &unitCountsPage{Scope: scopeKey(p), Today: FormatDate(v.Lang, today), AsOf: time.Now().In(w.tz).Format("15.04"),
		Table: unitTable(v.Lang, sum)}
	page, pages := 1, max(1, (len(pg.Table.Rows)+unitsPageSize-1)/unitsPageSize)
	if at != nil {
		if *at > int64(pages) {
			return apperr.E(apperr.Malformed, "The page link is not valid.")
		}
		page = int(*at)
	}
	pg.Table.Rows = pg.Table.Rows[(page-1)*unitsPageSize : min(len(pg.Table.Rows), page*unitsPageSize)]
	if page > 1 {
		pg.Table.Note = T(v.Lang, "units.page", page, pages)
		pg.Pager.First = c.Request().URL.Path
	}
	if page < pages {
		pg.Pager.Next = c.Request().URL.Path + "?hal=" + strconv.Itoa(page+1)
	}
	pg.Table.HTML = pg.Table.html(v.Lang)
	v.Title = T(v.Lang, "units.title")
	v.Crumbs = []crumb{{T(v.Lang, "dash.title"), "/"}, {v.Title, ""}}
	v.Page = pg
	return w.render(c, http.StatusOK, "unit_counts", v)
}

// scopeKey is the i18n key saying whose findings p's counts count.
func scopeKey(p identity.Principal) string {
	switch p.Role {
	case identity.RoleManager:
		return "dash.scope.unit"
	case identity.RoleOfficer:
		return "dash.scope.officer"
	}
	return "dash.scope.all"
}

// assessmentFacts finds the next milestone on or after today across the
// assessments, and the index of the latest assessment (the highest year,
// then the last created).
func (w *Web) assessmentFacts(ctx context.Context, p identity.Principal, today date.Date, lang Lang, pg *dashboardPage) error {
	o, err := w.assessments.Outlook(ctx, p, today)
	if err != nil {
		return err
	}
	if m := o.Next; m != nil {
		pg.Milestone = &milestoneView{Assessment: m.Assessment, Name: m.Name, Date: m.Date, Days: today.DaysUntil(m.Date)}
	}
	latest := o.Latest
	if latest == nil {
		return nil
	}
	// Asked for at every view: the projected index moves when the last
	// active finding of an indicator closes; it is computed again from the
	// counts it comes from (migration 00017) when their version has moved.
	facts, err := w.indexFactsOf(ctx, p, *latest)
	if err != nil {
		return err
	}
	pg.Index = indexOf(lang, latest.Name, facts)
	return nil
}

// indexFacts are an assessment's index report and the name of its
// model's index ("Indeks SPBE", "Indeks Pemerintah Digital").
type indexFacts struct {
	Report framework.IndexReport
	Name   string
}

func (w *Web) indexFactsOf(ctx context.Context, p identity.Principal, a framework.Assessment) (indexFacts, error) {
	rep, err := w.assessments.Index(ctx, p, a.ID)
	if err != nil {
		return indexFacts{}, err
	}
	return indexFacts{Report: rep, Name: rep.IndexName}, nil
}

// indexOf lays out the index report for the page and its chart: overall,
// then per domain in a model with domains (spbe-2020), per aspect in one
// without (pemdi-2026).
func indexOf(lang Lang, name string, facts indexFacts) *indexView {
	rep := facts.Report
	iv := &indexView{Assessment: name, Name: facts.Name, Current: number(lang, rep.Current.Index), Projected: number(lang, rep.Projected.Index),
		CurrentP: predicateText(rep.Current.Predicate), ProjectedP: predicateText(rep.Projected.Predicate), Scored: rep.Current.Scored}
	var said []string
	add := func(label string, now, proj framework.Decimal) {
		y := 16 + len(iv.Chart.Rows)*rowHeight
		r := chartRow{Label: label, Y: y, NowW: scale(now.Float()), ProjW: scale(proj.Float()), NowV: number(lang, now),
			ProjV: number(lang, proj), NowY: y + 6, ProjY: y + 6 + barHeight + 2}
		r.NowX, r.ProjX = chartLeft+r.NowW+1, chartLeft+r.ProjW+1
		iv.Chart.Rows = append(iv.Chart.Rows, r)
		said = append(said, T(lang, "dash.chart.row", label, r.NowV, r.ProjV))
	}
	add(facts.Name, rep.Current.Index, rep.Projected.Index)
	groups, projected := rep.Current.Domains, rep.Projected.Domains
	if len(groups) == 0 {
		groups, projected = rep.Current.Aspects, rep.Projected.Aspects
	}
	for i, g := range groups {
		var proj framework.Decimal
		if i < len(projected) {
			proj = projected[i].Index
		}
		add(g.Name, g.Index, proj)
	}
	for l := 0; l <= 5; l++ {
		iv.Chart.Ticks = append(iv.Chart.Ticks, chartTick{X: chartLeft + scale(float64(l)), Label: strconv.Itoa(l)})
	}
	iv.Chart.Height = 16 + len(iv.Chart.Rows)*rowHeight + 8
	iv.Chart.Label = T(lang, "dash.chart.label", facts.Name, name) + " " + strings.Join(said, "; ") + "."
	iv.SVG = iv.Chart.svg()
	return iv
}

// predicateText writes a predicate as the model names it: "Baik
// (Berkembang)" where it has a label, "Baik" where it has none.
func predicateText(p framework.Predicate) string {
	if p.Label == "" {
		return p.Name
	}
	return p.Name + " (" + p.Label + ")"
}

// scale is the width of a bar for an index of 0 to 5.
func scale(x float64) float64 {
	x = min(max(x, 0), 5)
	return float64(int(x/5*chartWidth*10+0.5)) / 10
}

// number writes an index or score with two decimals, a decimal comma in
// Indonesian.
func number(lang Lang, x framework.Decimal) string {
	if lang == ID {
		return x.Comma()
	}
	return x.String()
}
