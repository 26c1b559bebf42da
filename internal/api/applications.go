package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tindaklanjut/tindaklanjut/internal/finding"
	"github.com/tindaklanjut/tindaklanjut/internal/opt"
)

type applicationResponse struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	UnitID     int64     `json:"unit_id"`
	Kind       string    `json:"kind" enum:"administrasi,publik"`
	URL        *string   `json:"url"`
	Integrated bool      `json:"integrated"`
	Status     string    `json:"status" enum:"active,retired"`
	Version    int       `json:"version"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

type applicationCreateRequest struct {
	Name       string  `json:"name" required:"true"`
	UnitID     int64   `json:"unit_id" required:"true"`
	Kind       string  `json:"kind" enum:"administrasi,publik" required:"true"`
	URL        *string `json:"url"`
	Integrated bool    `json:"integrated"`
	// Status defaults to active.
	Status string `json:"status" enum:"active,retired"`
}

type applicationPatchRequest struct {
	Name       opt.Field[string] `json:"name"`
	UnitID     opt.Field[int64]  `json:"unit_id"`
	Kind       opt.Field[string] `json:"kind" enum:"administrasi,publik"`
	URL        opt.Field[string] `json:"url"`
	Integrated opt.Field[bool]   `json:"integrated"`
	Status     opt.Field[string] `json:"status" enum:"active,retired"`
	Version    *int              `json:"version"`
}

func (a *API) toApplication(x finding.Application) applicationResponse {
	return applicationResponse{ID: x.ID, Name: x.Name, UnitID: x.UnitID, Kind: x.Kind, URL: x.URL, Integrated: x.Integrated,
		Status: x.Status, Version: x.Version, CreatedAt: x.CreatedAt.In(a.tz), UpdatedAt: x.UpdatedAt.In(a.tz)}
}

func (a *API) applicationList(c echo.Context) error {
	var after int64
	limit, err := a.cursors.pageParams(c, "applications", &after)
	if err != nil {
		return err
	}
	var f finding.ApplicationFilter
	if f.UnitID, err = queryID(c, "unit_id"); err != nil {
		return err
	}
	if s := c.QueryParam("kind"); s != "" {
		f.Kind = &s
	}
	if s := c.QueryParam("status"); s != "" {
		f.Status = &s
	}
	apps, err := a.findings.ListApplications(c.Request().Context(), principal(c), f, finding.Page{AfterID: after, Limit: limit + 1})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, pageOf(a.cursors, "applications", apps, limit,
		func(x finding.Application) any { return x.ID }, a.toApplication))
}

func (a *API) applicationGet(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	x, err := a.findings.GetApplication(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a.toApplication(x))
}

func (a *API) applicationCreate(c echo.Context) error {
	var req applicationCreateRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	x, err := a.findings.CreateApplication(c.Request().Context(), principal(c), finding.ApplicationInput{
		Name: req.Name, UnitID: req.UnitID, Kind: req.Kind, URL: req.URL, Integrated: req.Integrated, Status: req.Status})
	if err != nil {
		return err
	}
	return created(c, Prefix+"/applications/"+strconv.FormatInt(x.ID, 10), a.toApplication(x))
}

func (a *API) applicationPatch(c echo.Context) error {
	var req applicationPatchRequest
	id, version, err := bindChange(c, &req, func() *int { return req.Version })
	if err != nil {
		return err
	}
	x, err := a.findings.UpdateApplication(c.Request().Context(), principal(c), id, version, finding.ApplicationPatch{
		Name: req.Name, UnitID: req.UnitID, Kind: req.Kind, URL: req.URL, Integrated: req.Integrated, Status: req.Status})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a.toApplication(x))
}
