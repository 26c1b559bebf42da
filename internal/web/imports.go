package web

import (
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/finding"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
	"github.com/tindaklanjut/tindaklanjut/internal/importer"
)

// Importing a register into a review ("Impor dari spreadsheet"): the
// upload, the preview (problems first, then the rows, and the headers the
// service did not know, offered for mapping), and the confirmation, which
// writes exactly the previewed file: it is kept between the two requests
// and named by its id and SHA-256 (importer.Stage, CommitStaged).

// importPage is the import page's data.
type importPage struct {
	Review finding.Review
	// Upload is the staged file's id; 0 on the upload form.
	Upload   int64
	SHA256   string
	FileName string
	Result   importer.Result
	Problems []importProblem
	Items    []importItem
	// Mapping is the column mapping asked for; Unknown the headers
	// offered for mapping; Fields the fields they may be mapped to.
	Mapping []importMap
	Unknown []importMap
	Fields  []string
	MaxRows int
	MaxMiB  int64
}

type importProblem struct {
	Row             int
	Column, Message string
}

type importItem struct {
	finding.ImportItem
	Outcome string
}

type importMap struct{ Header, Field string }

// importMapping reads the mapping of a preview or confirmation: pairs of
// h (a header) and f (a field, "" to skip the column).
func importMapping(vals url.Values) ([]importMap, map[string]string) {
	hs, fs := vals["h"], vals["f"]
	var pairs []importMap
	m := map[string]string{}
	for i, h := range hs {
		if i < len(fs) && h != "" {
			pairs = append(pairs, importMap{h, fs[i]})
			m[h] = fs[i]
		}
	}
	return pairs, m
}

// reviewFor reads the review of the page, checking first that p may import.
func (w *Web) importReview(c echo.Context) (finding.Review, error) {
	id, err := pathID(c)
	if err != nil {
		return finding.Review{}, err
	}
	if err := identity.Authorize(principalOf(c), identity.FindingCreate, nil); err != nil {
		return finding.Review{}, err
	}
	return w.findings.GetReview(contextOf(c), principalOf(c), id)
}

func (w *Web) importView(v *view, pg *importPage) {
	v.Title = T(v.Lang, "import.title")
	v.Crumbs = []crumb{{T(v.Lang, "home"), "/"}, {T(v.Lang, "reviews.title"), "/reviu"}, {pg.Review.Title, fmt.Sprintf("/temuan?review_id=%d", pg.Review.ID)}, {v.Title, ""}}
	pg.Fields = importer.Fields
	pg.MaxRows, pg.MaxMiB = w.imports.Limits().MaxRows, w.imports.Limits().MaxBytes>>20
	v.Page = pg
}

// importForm is the upload form.
func (w *Web) importForm(c echo.Context, v *view) error {
	r, err := w.importReview(c)
	if err != nil {
		return err
	}
	w.importView(v, &importPage{Review: r})
	var n, ch, un int
	if _, err := fmt.Sscanf(c.QueryParam("selesai"), "%d-%d-%d", &n, &ch, &un); err == nil {
		v.Flash = T(v.Lang, "import.done", n, ch, un)
	}
	return w.render(c, http.StatusOK, "review_import", v)
}

// importUpload reads the file, previews it, keeps it, and shows the
// preview's page; a file that cannot be read is shown on the form.
func (w *Web) importUpload(c echo.Context, v *view) error {
	r, err := w.importReview(c)
	if err != nil {
		return err
	}
	mr, err := w.multipartWithToken(c, w.imports.Limits().MaxBytes+1<<20)
	if err != nil {
		return err
	}
	pg := &importPage{Review: r}
	w.importView(v, pg)
	up, err := importer.ReadUpload(mr, w.imports.Limits(), nil)
	var st importer.Staged
	if err == nil {
		st, _, err = w.imports.Stage(contextOf(c), principalOf(c), r.ID, up.File, nil)
	}
	if status, ok := formError(v, err); ok {
		w.importProblems(v, pg, err)
		return w.render(c, status, "review_import", v)
	} else if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/reviu/%d/impor/%d", r.ID, st.ID))
}

// importProblems shows a refused file's or commit's error on the page:
// its message, and its problems by row and column.
func (w *Web) importProblems(v *view, pg *importPage, err error) {
	if msg := errorMessage(v.Lang, err); msg != "" {
		v.Error = msg
	}
	for _, fe := range errFields(err) {
		col := fe.Column
		if col == "" && fe.Row == 0 {
			col = fe.Field
		}
		pg.Problems = append(pg.Problems, importProblem{Row: fe.Row, Column: col, Message: fieldMessage(v.Lang, fe)})
	}
}

// importPreview shows a kept file's preview, with the mapping asked for.
func (w *Web) importPreview(c echo.Context, v *view) error {
	return w.importShow(c, v, c.QueryParams(), nil)
}

// importTarget reads the review and the kept file's id of the page.
func (w *Web) importTarget(c echo.Context) (finding.Review, int64, error) {
	r, err := w.importReview(c)
	if err != nil {
		return r, 0, err
	}
	upload, err := strconv.ParseInt(c.Param("upload"), 10, 64)
	if err != nil {
		return r, 0, apperr.E(apperr.NotFound, "The previewed file is no longer kept; upload it again.")
	}
	return r, upload, nil
}

// importShow renders the preview of the kept file, or the errors of a
// refused confirmation (committed: the outcome to show instead).
func (w *Web) importShow(c echo.Context, v *view, vals url.Values, refused error) error {
	r, upload, err := w.importTarget(c)
	if err != nil {
		return err
	}
	ctx, p := contextOf(c), principalOf(c)
	st, err := w.imports.LoadStaged(ctx, p, r.ID, upload)
	if err != nil {
		return err
	}
	pg := &importPage{Review: r, Upload: st.ID, SHA256: hex.EncodeToString(st.SHA256), FileName: st.File.Name}
	w.importView(v, pg)
	var cols map[string]string
	pg.Mapping, cols = importMapping(vals)
	res, err := w.imports.Import(ctx, p, importer.Request{ReviewID: r.ID, File: st.File, Columns: cols})
	status := http.StatusOK
	if refused != nil {
		err = refused
	}
	if s, ok := formError(v, err); ok {
		status = s
		w.importProblems(v, pg, err)
	} else if err != nil {
		return err
	}
	pg.Result = res
	for _, fe := range res.Problems {
		pg.Problems = append(pg.Problems, importProblem{Row: fe.Row, Column: fe.Column, Message: fieldMessage(v.Lang, fe)})
	}
	for _, it := range res.Items {
		pg.Items = append(pg.Items, importItem{ImportItem: it, Outcome: T(v.Lang, "import.outcome."+it.Outcome)})
	}
	// Offered for mapping: the headers read as no field, and those the
	// caller mapped already (to change their choice).
	for _, h := range res.UnknownColumns {
		pg.Unknown = append(pg.Unknown, importMap{Header: h})
	}
	for _, m := range pg.Mapping {
		if !slices.ContainsFunc(pg.Unknown, func(u importMap) bool { return u.Header == m.Header }) {
			pg.Unknown = append(pg.Unknown, m)
		}
	}
	return w.render(c, status, "review_import", v)
}

// importConfirm writes the kept file, if it is the one previewed (by its
// hash), with the preview's mapping.
func (w *Web) importConfirm(c echo.Context, v *view) error {
	r, upload, err := w.importTarget(c)
	if err != nil {
		return err
	}
	vals, err := c.FormParams()
	if err != nil {
		return err
	}
	sum, err := hex.DecodeString(vals.Get("sha256"))
	if err != nil || len(sum) != 32 {
		sum = nil
	}
	_, cols := importMapping(vals)
	res, err := w.imports.CommitStaged(contextOf(c), principalOf(c), r.ID, upload, sum, cols)
	if err != nil {
		if apperr.KindOf(err) == apperr.NotFound {
			return err
		}
		return w.importShow(c, v, vals, err)
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/reviu/%d/impor?selesai=%d-%d-%d", r.ID, res.New, res.Changed, res.Unchanged))
}

// importTemplate downloads the import template.
func (w *Web) importTemplate(c echo.Context, v *view) error {
	format, err := downloadFormat(c)
	if err != nil {
		return err
	}
	return w.imports.ServeTemplate(contextOf(c), c.Response(), format)
}
