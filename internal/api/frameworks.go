package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/framework"
)

// modelHead is what names a model, in the list and in the model itself.
type modelHead struct {
	Code       string            `json:"code"`
	Title      string            `json:"title"`
	Scoring    framework.Scoring `json:"scoring"`
	Current    bool              `json:"current"`
	Supersedes *string           `json:"supersedes"`
}

type frameworkSummary struct {
	modelHead
	Indicators int       `json:"indicators"`
	CreatedAt  time.Time `json:"created_at"`
}

// frameworkResponse is one model. Aspects are listed twice, as the
// contract has them: under their domain (a model with domains) and at the
// top with their domain_code (every model).
type frameworkResponse struct {
	modelHead
	SourceNote string              `json:"source_note"`
	Stages     []string            `json:"stages"`
	Predicates []predicateResponse `json:"predicates"`
	Levels     []levelResponse     `json:"levels"`
	Domains    []domainResponse    `json:"domains"`
	Aspects    []aspectResponse    `json:"aspects"`
}

type predicateResponse struct {
	Name  string            `json:"name"`
	Label string            `json:"label"`
	Min   framework.Decimal `json:"min"`
}

type levelResponse struct {
	Scale string `json:"scale"`
	Level int    `json:"level"`
	Name  string `json:"name"`
}

type domainResponse struct {
	Code    string           `json:"code"`
	Number  int              `json:"number"`
	Name    string           `json:"name"`
	Weight  float64          `json:"weight"`
	Scale   string           `json:"scale"`
	Aspects []aspectResponse `json:"aspects"`
}

type aspectResponse struct {
	Code       string              `json:"code"`
	Number     int                 `json:"number"`
	Name       string              `json:"name"`
	Weight     float64             `json:"weight"`
	DomainCode *string             `json:"domain_code"`
	Scale      string              `json:"scale"`
	Indicators []indicatorResponse `json:"indicators"`
}

type indicatorResponse struct {
	Code           string  `json:"code"`
	Number         int     `json:"number"`
	Name           string  `json:"name"`
	NameEN         string  `json:"name_en"`
	Weight         float64 `json:"weight"`
	ExternalSource *string `json:"external_source"`
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func toAspect(f framework.Framework, a framework.Aspect) aspectResponse {
	ar := aspectResponse{Code: a.Code, Number: a.Number, Name: a.Name, Weight: a.Weight, DomainCode: optional(a.DomainCode),
		Scale: f.ScaleOf(a), Indicators: []indicatorResponse{}}
	for _, i := range a.Indicators {
		ar.Indicators = append(ar.Indicators, indicatorResponse{i.Code, i.Number, i.Name, i.NameEN, i.Weight, optional(i.ExternalSource)})
	}
	return ar
}

func toFramework(f framework.Framework) frameworkResponse {
	out := frameworkResponse{modelHead: modelHead{f.Code, f.Title, f.Scoring, f.Current, optional(f.Supersedes)}, SourceNote: f.SourceNote, Stages: f.Stages, Predicates: []predicateResponse{}, Levels: []levelResponse{},
		Domains: []domainResponse{}, Aspects: []aspectResponse{}}
	for _, p := range f.Predicates {
		out.Predicates = append(out.Predicates, predicateResponse{p.Name, p.Label, p.Min})
	}
	for _, l := range f.Levels {
		out.Levels = append(out.Levels, levelResponse{l.Scale, l.Level, l.Name})
	}
	for _, d := range f.Domains {
		dr := domainResponse{Code: d.Code, Number: d.Number, Name: d.Name, Weight: d.Weight, Scale: d.Scale}
		for _, a := range d.Aspects {
			dr.Aspects = append(dr.Aspects, toAspect(f, a))
		}
		out.Domains = append(out.Domains, dr)
	}
	for _, a := range f.Aspects {
		out.Aspects = append(out.Aspects, toAspect(f, a))
	}
	return out
}

// frameworkGet answers GET /framework[?code=]: one model, spbe-2020 by
// default. Reference data: every signed-in role may read it.
func (a *API) frameworkGet(c echo.Context) error {
	code := c.QueryParam("code")
	if code == "" {
		code = framework.DefaultCode
	}
	if len(code) > 64 {
		return invalid("code", "must be at most 64 characters")
	}
	f, err := a.frameworks.Get(c.Request().Context(), code)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toFramework(f))
}

// frameworkList answers GET /frameworks: every model held, the current one
// first. There are a handful, so the list is one page.
func (a *API) frameworkList(c echo.Context) error {
	list, err := a.frameworks.List(c.Request().Context())
	if err != nil {
		return err
	}
	out := listResponse[frameworkSummary]{Items: []frameworkSummary{}}
	for _, s := range list {
		out.Items = append(out.Items, frameworkSummary{modelHead{s.Code, s.Title, s.Scoring, s.Current, optional(s.Supersedes)},
			s.Indicators, s.CreatedAt.In(a.tz)})
	}
	return c.JSON(http.StatusOK, out)
}

// mappingRequest is PUT's body, in the shape of the shipped file; the
// handler reads it with framework.ParseMappingFor. from and to may be left
// out: the query names them.
type mappingRequest struct {
	From        string            `json:"from"`
	To          string            `json:"to"`
	Note        string            `json:"note"`
	Pairs       []pairResponse    `json:"pairs"`
	UnmappedTo  []string          `json:"unmapped_to"`
	UnmappedWhy map[string]string `json:"unmapped_why"`
}

// mappingResponse is a mapping in the shape of the request, so that what
// GET answers can be edited and sent back with PUT.
type mappingResponse struct {
	mappingRequest
	Version   int       `json:"version"`
	UpdatedAt time.Time `json:"updated_at"`
}

type pairResponse struct {
	From string   `json:"from" required:"true"`
	To   []string `json:"to" required:"true"`
	Why  string   `json:"why"`
}

func (a *API) toMapping(m framework.Mapping) mappingResponse {
	out := mappingResponse{mappingRequest: mappingRequest{From: m.From, To: m.To, Note: m.Note, Pairs: []pairResponse{},
		UnmappedTo: []string{}, UnmappedWhy: map[string]string{}}, Version: m.Version, UpdatedAt: m.UpdatedAt.In(a.tz)}
	for _, p := range m.Pairs {
		out.Pairs = append(out.Pairs, pairResponse{p.From, p.To, p.Why})
	}
	for _, u := range m.Unmapped {
		out.UnmappedTo = append(out.UnmappedTo, u.Code)
		if u.Why != "" {
			out.UnmappedWhy[u.Code] = u.Why
		}
	}
	return out
}

// mappingModels reads ?from= and ?to=, both required; a 422 names each
// that is missing or too long.
func mappingModels(c echo.Context) (from, to string, err error) {
	from, to = c.QueryParam("from"), c.QueryParam("to")
	var v apperr.Validation
	for _, x := range []struct{ name, val string }{{"from", from}, {"to", to}} {
		if x.val == "" || len(x.val) > 64 {
			v.Add(x.name, "must name a model, such as spbe-2020 or pemdi-2026")
		}
	}
	return from, to, v.Err()
}

// mappingGet answers GET /framework-mappings?from=&to=.
func (a *API) mappingGet(c echo.Context) error {
	from, to, err := mappingModels(c)
	if err != nil {
		return err
	}
	m, err := a.frameworks.Mapping(c.Request().Context(), from, to)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a.toMapping(m))
}

// mappingPut answers PUT /framework-mappings?from=&to= (admin): the body,
// in the shipped file's shape, replaces the mapping whole.
func (a *API) mappingPut(c echo.Context) error {
	from, to, err := mappingModels(c)
	if err != nil {
		return err
	}
	var raw json.RawMessage
	if err := decodeJSON(c, &raw); err != nil {
		return err
	}
	m, err := framework.ParseMappingFor(bytes.NewReader(raw), from, to)
	if err != nil {
		return err
	}
	out, err := a.frameworks.PutMapping(c.Request().Context(), principal(c), m)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a.toMapping(out))
}
