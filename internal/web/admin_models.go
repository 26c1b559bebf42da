package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/framework"
)

// The evaluation models held and the mappings between them, for admins:
// each model with where its facts come from (its source note, which says
// how sure they are), and each mapping pair by pair, which an admin
// replaces whole by uploading a corrected file in the shipped shape.

// maxMappingFile bounds an uploaded mapping: the shipped one is 10 KiB,
// and ParseMapping reads at most 1 MiB.
const maxMappingFile = 1 << 20

// modelsPage lists the models held and the mappings between them.
type modelsPage struct {
	Models   []modelRow
	Mappings []framework.MappingSummary
}

// modelRow is a model as the list shows it.
type modelRow struct {
	framework.Framework
	Indicators int
}

// modelList shows every model held, the current one first, each with its
// source note, and the mappings.
func (w *Web) modelList(c echo.Context, v *view) error {
	ctx := contextOf(c)
	list, err := w.frameworks.List(ctx)
	if err != nil {
		return err
	}
	pg := &modelsPage{}
	for _, m := range list {
		fw, err := w.frameworks.Get(ctx, m.Code)
		if err != nil {
			return err
		}
		pg.Models = append(pg.Models, modelRow{Framework: fw, Indicators: m.Indicators})
	}
	if pg.Mappings, err = w.frameworks.Mappings(ctx); err != nil {
		return err
	}
	for i := range pg.Mappings {
		pg.Mappings[i].UpdatedAt = pg.Mappings[i].UpdatedAt.In(w.tz)
	}
	return w.adminPage(c, v, http.StatusOK, modelsSection, "", false, pg)
}

var (
	modelsSection  = adminSection{"admin_models", "admin.models", "/admin/model", ""}
	mappingSection = adminSection{"admin_mapping", "admin.models", "/admin/model", "admin.mapping.title"}
)

// mappingPage is one mapping: its pairs and the indicators nothing maps
// onto, with the indicators' names, and the form that replaces it.
type mappingPage struct {
	M        framework.Mapping
	From, To string // the models' titles
	Pairs    []pairRow
	Unmapped []unmappedRow
	// Problems are what was wrong with an uploaded file, each at its
	// place in the file.
	Problems []fileProblem
}

// indicatorRef is an indicator by code and name.
type indicatorRef struct{ Code, Name string }

type pairRow struct {
	From indicatorRef
	To   []indicatorRef
	Why  string
}

type unmappedRow struct {
	indicatorRef
	Why string
}

// fileProblem is one thing wrong with an uploaded file: where (pairs[3].to[0]),
// the pair it is in as the file wrote it (I21 → P99), and what.
type fileProblem struct{ Field, Pair, Message string }

func (w *Web) mappingShow(c echo.Context, v *view) error {
	return w.showMapping(c, v, http.StatusOK, nil)
}

// showMapping renders the mapping of the URL with status; problems are
// an upload's.
func (w *Web) showMapping(c echo.Context, v *view, status int, problems []fileProblem) error {
	ctx := contextOf(c)
	m, err := w.frameworks.Mapping(ctx, c.Param("from"), c.Param("to"))
	if err != nil {
		return err
	}
	m.UpdatedAt = m.UpdatedAt.In(w.tz)
	pg := &mappingPage{M: m, Problems: problems}
	names := map[string]string{}
	for _, x := range []struct {
		code  string
		title *string
	}{{m.From, &pg.From}, {m.To, &pg.To}} {
		fw, err := w.frameworks.Get(ctx, x.code)
		if err != nil {
			return err
		}
		*x.title = fw.Title
		for _, ind := range fw.Indicators() {
			names[ind.Code] = ind.Name
			if v.Lang == EN && ind.NameEN != "" {
				names[ind.Code] = ind.NameEN
			}
		}
	}
	ref := func(code string) indicatorRef { return indicatorRef{code, names[code]} }
	for _, p := range m.Pairs {
		row := pairRow{From: ref(p.From), Why: p.Why}
		for _, to := range p.To {
			row.To = append(row.To, ref(to))
		}
		pg.Pairs = append(pg.Pairs, row)
	}
	for _, u := range m.Unmapped {
		pg.Unmapped = append(pg.Unmapped, unmappedRow{ref(u.Code), u.Why})
	}
	return w.adminPage(c, v, status, mappingSection, m.From+" → "+m.To, true, pg)
}

// mappingUpload replaces the mapping of the URL with an uploaded file in
// the shipped shape (it may leave from and to out, and must not name
// other models). PutMapping checks every code and writes nothing unless
// all are right; what is wrong is shown at the file's field, by its place
// in the file.
func (w *Web) mappingUpload(c echo.Context, v *view) error {
	mr, err := w.multipartWithToken(c, maxMappingFile+1<<16)
	if err != nil {
		return err
	}
	from, to := c.Param("from"), c.Param("to")
	if _, err := w.frameworks.Mapping(contextOf(c), from, to); err != nil {
		return err
	}
	var m framework.Mapping
	file, err := mappingFileOf(mr)
	if err == nil {
		m, err = framework.ParseMappingFor(bytes.NewReader(file), from, to)
	}
	if err == nil {
		_, err = w.frameworks.PutMapping(contextOf(c), principalOf(c), m)
	}
	if err == nil {
		return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/admin/pemetaan/%s/%s?ok=1", from, to))
	}
	var problems []fileProblem
	switch apperr.KindOf(err) {
	case apperr.Invalid:
		problems = fileProblems(v.Lang, m, errFields(err))
	case apperr.Malformed, apperr.TooLarge:
		problems = []fileProblem{{Field: "file", Message: errorMessage(v.Lang, err)}}
	default:
		return err
	}
	v.Error = T(v.Lang, "admin.mapping.refused")
	return w.showMapping(c, v, statusOf(err), problems)
}

// errMappingTooLarge refuses a mapping file over maxMappingFile.
var errMappingTooLarge = apperr.E(apperr.TooLarge, "The mapping file is larger than 1 MiB.")

// mappingFileOf reads the part named file of a post: Invalid when there
// is none or it is empty, TooLarge when it, or the post, is over the
// limit.
func mappingFileOf(mr *multipart.Reader) ([]byte, error) {
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, errMappingTooLarge
		}
		if err != nil {
			return nil, apperr.E(apperr.Malformed, "The multipart body cannot be read (%v).", err)
		}
		if part.FormName() != "file" {
			continue
		}
		b, err := io.ReadAll(io.LimitReader(part, maxMappingFile+1))
		switch {
		case errors.As(err, &tooLarge) || len(b) > maxMappingFile:
			return nil, errMappingTooLarge
		case err != nil:
			return nil, apperr.E(apperr.Malformed, "The multipart body cannot be read (%v).", err)
		case len(b) > 0:
			return b, nil
		}
		break
	}
	var v apperr.Validation
	v.Add("file", "is required: a mapping file in JSON")
	return nil, v.Err()
}

// pairFieldRE matches a place in a mapping file that lies in a pair.
var pairFieldRE = regexp.MustCompile(`^pairs\[(\d+)\]`)

// fileProblems are an upload's field errors in lang, each with the pair
// it lies in as the file wrote it.
func fileProblems(lang Lang, m framework.Mapping, fields []apperr.FieldError) []fileProblem {
	out := make([]fileProblem, 0, len(fields))
	for _, fe := range fields {
		p := fileProblem{Field: fe.Field, Message: fieldMessage(lang, fe)}
		if g := pairFieldRE.FindStringSubmatch(fe.Field); g != nil {
			if i, err := strconv.Atoi(g[1]); err == nil && i < len(m.Pairs) {
				p.Pair = m.Pairs[i].From + " → " + strings.Join(m.Pairs[i].To, ", ")
			}
		}
		out = append(out, p)
	}
	return out
}
