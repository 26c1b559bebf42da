package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tindaklanjut/tindaklanjut/internal/framework"
)

type frameworkSummary struct {
	Code       string    `json:"code"`
	Title      string    `json:"title"`
	Indicators int       `json:"indicators"`
	CreatedAt  time.Time `json:"created_at"`
}

type frameworkResponse struct {
	Code       string              `json:"code"`
	Title      string              `json:"title"`
	Predicates []predicateResponse `json:"predicates"`
	Levels     []levelResponse     `json:"levels"`
	Domains    []domainResponse    `json:"domains"`
}

type predicateResponse struct {
	Name string  `json:"name"`
	Min  float64 `json:"min"`
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
	Indicators []indicatorResponse `json:"indicators"`
}

type indicatorResponse struct {
	Code   string  `json:"code"`
	Number int     `json:"number"`
	Name   string  `json:"name"`
	NameEN string  `json:"name_en"`
	Weight float64 `json:"weight"`
}

func toFramework(f framework.Framework) frameworkResponse {
	out := frameworkResponse{Code: f.Code, Title: f.Title, Predicates: []predicateResponse{}, Levels: []levelResponse{}}
	for _, p := range f.Predicates {
		out.Predicates = append(out.Predicates, predicateResponse{p.Name, p.Min})
	}
	for _, l := range f.Levels {
		out.Levels = append(out.Levels, levelResponse{l.Scale, l.Level, l.Name})
	}
	for _, d := range f.Domains {
		dr := domainResponse{Code: d.Code, Number: d.Number, Name: d.Name, Weight: d.Weight, Scale: d.Scale}
		for _, a := range d.Aspects {
			ar := aspectResponse{Code: a.Code, Number: a.Number, Name: a.Name, Weight: a.Weight}
			for _, i := range a.Indicators {
				ar.Indicators = append(ar.Indicators, indicatorResponse{i.Code, i.Number, i.Name, i.NameEN, i.Weight})
			}
			dr.Aspects = append(dr.Aspects, ar)
		}
		out.Domains = append(out.Domains, dr)
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

// frameworkList answers GET /frameworks: every model held. There are a
// handful, so the list is one page.
func (a *API) frameworkList(c echo.Context) error {
	list, err := a.frameworks.List(c.Request().Context())
	if err != nil {
		return err
	}
	out := listResponse[frameworkSummary]{Items: []frameworkSummary{}}
	for _, s := range list {
		out.Items = append(out.Items, frameworkSummary{s.Code, s.Title, s.Indicators, s.CreatedAt.In(a.tz)})
	}
	return c.JSON(http.StatusOK, out)
}
