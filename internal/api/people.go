package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tindaklanjut/tindaklanjut/internal/identity"
	"github.com/tindaklanjut/tindaklanjut/internal/opt"
)

// --- request and response types ------------------------------------------------

type tokenRequest struct {
	Email    string `json:"email" required:"true"`
	Password string `json:"password" required:"true"`
}

type tokenResponse struct {
	Token     string       `json:"token"`
	ExpiresAt time.Time    `json:"expires_at"`
	User      userResponse `json:"user"`
}

type unitResponse struct {
	ID        int64     `json:"id"`
	Code      string    `json:"code"`
	Name      string    `json:"name"`
	ParentID  *int64    `json:"parent_id"`
	Email     *string   `json:"email"`
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

type unitCreateRequest struct {
	Code     string  `json:"code" required:"true"`
	Name     string  `json:"name" required:"true"`
	ParentID *int64  `json:"parent_id"`
	Email    *string `json:"email"`
}

type unitPatchRequest struct {
	Code     opt.Field[string] `json:"code"`
	Name     opt.Field[string] `json:"name"`
	ParentID opt.Field[int64]  `json:"parent_id"`
	Email    opt.Field[string] `json:"email"`
	Version  *int              `json:"version"`
}

type userResponse struct {
	ID        int64         `json:"id"`
	Email     string        `json:"email"`
	Name      string        `json:"name"`
	NIP       *string       `json:"nip"`
	Role      identity.Role `json:"role"`
	UnitID    int64         `json:"unit_id"`
	Active    bool          `json:"active"`
	Version   int           `json:"version"`
	CreatedAt time.Time     `json:"created_at"`
	UpdatedAt time.Time     `json:"updated_at"`
}

type userCreateRequest struct {
	Email    string        `json:"email" required:"true"`
	Name     string        `json:"name" required:"true"`
	NIP      *string       `json:"nip"`
	Role     identity.Role `json:"role" required:"true"`
	UnitID   int64         `json:"unit_id" required:"true"`
	Active   *bool         `json:"active"`
	Password string        `json:"password" required:"true"`
}

type userPatchRequest struct {
	Email    opt.Field[string]        `json:"email"`
	Name     opt.Field[string]        `json:"name"`
	NIP      opt.Field[string]        `json:"nip"`
	Role     opt.Field[identity.Role] `json:"role"`
	UnitID   opt.Field[int64]         `json:"unit_id"`
	Active   opt.Field[bool]          `json:"active"`
	Password opt.Field[string]        `json:"password"`
	Version  *int                     `json:"version"`
}

func (a *API) toUnit(u identity.Unit) unitResponse {
	return unitResponse{ID: u.ID, Code: u.Code, Name: u.Name, ParentID: u.ParentID, Email: u.Email,
		Version: u.Version, CreatedAt: u.CreatedAt.In(a.tz), UpdatedAt: u.UpdatedAt.In(a.tz)}
}

func (a *API) toUser(u identity.User) userResponse {
	return userResponse{ID: u.ID, Email: u.Email, Name: u.Name, NIP: u.NIP, Role: u.Role, UnitID: u.UnitID,
		Active: u.Active, Version: u.Version, CreatedAt: u.CreatedAt.In(a.tz), UpdatedAt: u.UpdatedAt.In(a.tz)}
}

// --- authentication ----------------------------------------------------------

func (a *API) tokenCreate(c echo.Context) error {
	var req tokenRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	tok, err := a.identity.Login(c.Request().Context(), req.Email, req.Password,
		identity.Client{IP: c.RealIP(), UserAgent: c.Request().UserAgent()}, identity.TokenAPI)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(http.StatusOK, tokenResponse{Token: tok.Token, ExpiresAt: tok.ExpiresAt.In(a.tz), User: a.toUser(tok.User)})
}

func (a *API) tokenDelete(c echo.Context) error {
	if err := a.identity.Revoke(c.Request().Context(), principal(c)); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (a *API) me(c echo.Context) error {
	return c.JSON(http.StatusOK, a.toUser(caller(c)))
}

// --- units -------------------------------------------------------------------

func (a *API) unitList(c echo.Context) error {
	var after int64
	limit, err := a.cursors.pageParams(c, "units", &after)
	if err != nil {
		return err
	}
	units, err := a.identity.ListUnits(c.Request().Context(), principal(c), identity.Page{AfterID: after, Limit: limit + 1})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, pageOf(a.cursors, "units", units, limit,
		func(u identity.Unit) any { return u.ID }, a.toUnit))
}

func (a *API) unitGet(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	u, err := a.identity.GetUnit(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a.toUnit(u))
}

func (a *API) unitCreate(c echo.Context) error {
	var req unitCreateRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	u, err := a.identity.CreateUnit(c.Request().Context(), principal(c), identity.UnitInput{
		Code: req.Code, Name: req.Name, ParentID: req.ParentID, Email: req.Email})
	if err != nil {
		return err
	}
	return created(c, Prefix+"/units/"+strconv.FormatInt(u.ID, 10), a.toUnit(u))
}

func (a *API) unitPatch(c echo.Context) error {
	var req unitPatchRequest
	id, version, err := bindChange(c, &req, func() *int { return req.Version })
	if err != nil {
		return err
	}
	u, err := a.identity.UpdateUnit(c.Request().Context(), principal(c), id, version, identity.UnitPatch{
		Code: req.Code, Name: req.Name, ParentID: req.ParentID, Email: req.Email})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a.toUnit(u))
}

// --- users -------------------------------------------------------------------

func (a *API) userList(c echo.Context) error {
	var after int64
	limit, err := a.cursors.pageParams(c, "users", &after)
	if err != nil {
		return err
	}
	var f identity.UserFilter
	if f.UnitID, err = queryID(c, "unit_id"); err != nil {
		return err
	}
	if s := c.QueryParam("role"); s != "" {
		r := identity.Role(s)
		if !r.Valid() {
			return invalid("role", "must be one of admin, auditor, manager, officer, viewer")
		}
		f.Role = &r
	}
	if s := c.QueryParam("active"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return invalid("active", "must be true or false")
		}
		f.Active = &b
	}
	users, err := a.identity.ListUsers(c.Request().Context(), principal(c), f, identity.Page{AfterID: after, Limit: limit + 1})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, pageOf(a.cursors, "users", users, limit,
		func(u identity.User) any { return u.ID }, a.toUser))
}

func (a *API) userGet(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	u, err := a.identity.GetUser(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a.toUser(u))
}

func (a *API) userCreate(c echo.Context) error {
	var req userCreateRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	p := principal(c)
	u, err := a.identity.CreateUser(c.Request().Context(), &p, identity.UserInput{
		Email: req.Email, Name: req.Name, NIP: req.NIP, Role: req.Role, UnitID: req.UnitID,
		Active: req.Active, Password: req.Password})
	if err != nil {
		return err
	}
	return created(c, Prefix+"/users/"+strconv.FormatInt(u.ID, 10), a.toUser(u))
}

func (a *API) userPatch(c echo.Context) error {
	var req userPatchRequest
	id, version, err := bindChange(c, &req, func() *int { return req.Version })
	if err != nil {
		return err
	}
	u, err := a.identity.UpdateUser(c.Request().Context(), principal(c), id, version, identity.UserPatch{
		Email: req.Email, Name: req.Name, NIP: req.NIP, Role: req.Role, UnitID: req.UnitID,
		Active: req.Active, Password: req.Password})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a.toUser(u))
}
