package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/calendar"
	"github.com/tindaklanjut/tindaklanjut/internal/date"
)

// --- the working-day calendar --------------------------------------------------

type holidayRequest struct {
	Date string `json:"date" required:"true"`
	Name string `json:"name" required:"true"`
	// Kind defaults to regional.
	Kind string `json:"kind"`
}

type holidayResponse struct {
	Date      date.Date  `json:"date"`
	Name      string     `json:"name"`
	Kind      string     `json:"kind"`
	CreatedBy *int64     `json:"created_by"`
	CreatedAt *time.Time `json:"created_at"`
}

type calendarResponse struct {
	Year     int               `json:"year"`
	Holidays []holidayResponse `json:"holidays"`
}

func (a *API) toHoliday(h calendar.Holiday) holidayResponse {
	out := holidayResponse{Date: h.Date, Name: h.Name, Kind: h.Kind, CreatedBy: h.CreatedBy}
	if h.CreatedBy != nil {
		out.CreatedAt = a.inTZ(&h.CreatedAt)
	}
	return out
}

func (a *API) calendarGet(c echo.Context) error {
	year, err := strconv.Atoi(c.Param("year"))
	if err != nil {
		return apperr.E(apperr.NotFound, "There is no calendar for %q: give a year such as 2026.", c.Param("year"))
	}
	hs, err := a.findings.Calendar().Year(c.Request().Context(), year)
	if err != nil {
		return err
	}
	out := calendarResponse{Year: year, Holidays: make([]holidayResponse, len(hs))}
	for i, h := range hs {
		out.Holidays[i] = a.toHoliday(h)
	}
	return c.JSON(http.StatusOK, out)
}

func (a *API) holidayCreate(c echo.Context) error {
	var req holidayRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	h, err := a.findings.Calendar().Add(c.Request().Context(), principal(c), calendar.HolidayInput{Date: req.Date, Name: req.Name, Kind: req.Kind})
	if err != nil {
		return err
	}
	return created(c, Prefix+"/calendar/"+strconv.Itoa(h.Date.Year()), a.toHoliday(h))
}

func (a *API) holidayDelete(c echo.Context) error {
	if err := a.findings.Calendar().Remove(c.Request().Context(), principal(c), c.Param("date")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// deadlineRoutes are the endpoints of the working-day calendar, extension
// requests and notification preferences.
func (a *API) deadlineRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/calendar/:year", tag: "deadlines",
			summary:  "The year's non-working days besides the weekends: national holidays, cuti bersama and regional days",
			response: calendarResponse{}, status: 200, handler: a.calendarGet},
		{method: http.MethodPost, path: "/calendar/holidays", tag: "deadlines",
			summary: "Add a non-working day (admin); kind defaults to regional; a date already in the calendar → 422", creates: true,
			body: holidayRequest{}, response: holidayResponse{}, status: 201, handler: a.holidayCreate},
		{method: http.MethodDelete, path: "/calendar/holidays/:date", tag: "deadlines", summary: "Remove a non-working day (admin)",
			status: 204, handler: a.holidayDelete},
	}
}
