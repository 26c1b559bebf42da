package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/tindaklanjut/tindaklanjut/internal/calendar"
)

// calendarPage is the admins' view of a year's non-working days, with the
// form that adds a regional day.
type calendarPage struct {
	Year       int
	Prev, Next int
	Holidays   []calendar.Holiday
	Kinds      []string
	Form       calendar.HolidayInput
}

// calendarShow lists the non-working days of ?tahun= (the current year).
func (w *Web) calendarShow(c echo.Context, v *view) error {
	return w.showCalendar(c, v, http.StatusOK, calendar.HolidayInput{Kind: calendar.KindRegional})
}

func (w *Web) showCalendar(c echo.Context, v *view, status int, form calendar.HolidayInput) error {
	year := w.findings.Today().Year()
	if y, err := strconv.Atoi(c.QueryParam("tahun")); err == nil && y >= 1900 && y <= 9999 {
		year = y
	}
	hs, err := w.findings.Calendar().Year(contextOf(c), year)
	if err != nil {
		return err
	}
	pg := &calendarPage{Year: year, Prev: year - 1, Next: year + 1, Holidays: hs, Kinds: calendar.Kinds, Form: form}
	return w.adminPage(c, v, status, adminSection{"admin_calendar", "admin.calendar", "/admin/kalender", "admin.calendar"}, "", false, pg)
}

// calendarAdd adds a non-working day.
func (w *Web) calendarAdd(c echo.Context, v *view) error {
	form := calendar.HolidayInput{Date: c.FormValue("date"), Name: c.FormValue("name"), Kind: c.FormValue("kind")}
	h, err := w.findings.Calendar().Add(contextOf(c), principalOf(c), form)
	if err != nil {
		if status, ok := formError(v, err); ok {
			return w.showCalendar(c, v, status, form)
		}
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/kalender?ok=1&tahun="+strconv.Itoa(h.Date.Year()))
}

// calendarRemove removes the non-working day of the path's date.
func (w *Web) calendarRemove(c echo.Context, v *view) error {
	day := c.Param("date")
	if err := w.findings.Calendar().Remove(contextOf(c), principalOf(c), day); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/kalender?ok=1&tahun="+day[:4])
}
