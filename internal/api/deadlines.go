package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/calendar"
	"github.com/tindaklanjut/tindaklanjut/internal/date"
	"github.com/tindaklanjut/tindaklanjut/internal/finding"
	"github.com/tindaklanjut/tindaklanjut/internal/notify"
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

// --- extension requests --------------------------------------------------------

type extensionRequest struct {
	DueDate *string `json:"due_date" required:"true"`
	Reason  string  `json:"reason" required:"true"`
}

type decisionRequest struct {
	Decision string `json:"decision" required:"true"`
	Note     string `json:"note"`
	Version  *int   `json:"version"`
}

type extensionResponse struct {
	ID           int64      `json:"id"`
	Subject      string     `json:"subject"`
	SubjectID    int64      `json:"subject_id"`
	FindingID    int64      `json:"finding_id"`
	OldDueDate   date.Date  `json:"old_due_date"`
	DueDate      date.Date  `json:"due_date"`
	Reason       string     `json:"reason"`
	Status       string     `json:"status"`
	RequestedBy  int64      `json:"requested_by"`
	DecidedBy    *int64     `json:"decided_by"`
	DecisionNote string     `json:"decision_note"`
	DecidedAt    *time.Time `json:"decided_at"`
	Version      int        `json:"version"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

func (a *API) toExtension(e finding.Extension) extensionResponse {
	return extensionResponse{ID: e.ID, Subject: e.Subject(), SubjectID: e.SubjectID(), FindingID: e.FindingID, OldDueDate: e.OldDueDate,
		DueDate: e.DueDate, Reason: e.Reason, Status: e.Status, RequestedBy: e.RequestedBy, DecidedBy: e.DecidedBy,
		DecisionNote: e.DecisionNote, DecidedAt: a.inTZ(e.DecidedAt), Version: e.Version, CreatedAt: e.CreatedAt.In(a.tz),
		UpdatedAt: e.UpdatedAt.In(a.tz)}
}

// extensionCreate asks for more time for the action or the finding of the
// path (subject).
func (a *API) extensionCreate(subject string) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		var req extensionRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		e, err := a.findings.RequestExtension(c.Request().Context(), principal(c), subject, id,
			finding.ExtensionInput{DueDate: req.DueDate, Reason: req.Reason})
		if err != nil {
			return err
		}
		return created(c, Prefix+"/extensions/"+strconv.FormatInt(e.ID, 10), a.toExtension(e))
	}
}

func (a *API) extensionList(c echo.Context) error {
	var before int64
	limit, err := a.cursors.pageParams(c, "extensions", &before)
	if err != nil {
		return err
	}
	f := finding.ExtensionFilter{Status: c.QueryParam("status")}
	if f.FindingID, err = queryID(c, "finding_id"); err != nil {
		return err
	}
	list, err := a.findings.ListExtensions(c.Request().Context(), principal(c), f, before, limit+1)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, pageOf(a.cursors, "extensions", list, limit,
		func(e finding.Extension) any { return e.ID }, a.toExtension))
}

func (a *API) extensionGet(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	e, err := a.findings.GetExtension(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a.toExtension(e))
}

func (a *API) extensionDecide(c echo.Context) error {
	var req decisionRequest
	id, version, err := bindChange(c, &req, func() *int { return req.Version })
	if err != nil {
		return err
	}
	if req.Decision == "" {
		return invalid("decision", "is required: approve or refuse")
	}
	e, err := a.findings.DecideExtension(c.Request().Context(), principal(c), id, version, req.Decision, req.Note)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a.toExtension(e))
}

// --- notification preferences ------------------------------------------------------

type preferencesRequest struct {
	Digest  *string         `json:"digest"`
	Events  map[string]bool `json:"events"`
	Version *int            `json:"version"`
}

type preferencesResponse struct {
	Digest  string          `json:"digest"`
	Events  map[string]bool `json:"events"`
	Version int             `json:"version"`
}

func toPreferences(p notify.Preferences) preferencesResponse {
	return preferencesResponse{Digest: p.Digest, Events: p.Events, Version: p.Version}
}

func (a *API) preferencesGet(c echo.Context) error {
	p, err := a.outbox.Preferences().Get(c.Request().Context(), principal(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toPreferences(p))
}

func (a *API) preferencesPatch(c echo.Context) error {
	var req preferencesRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	version, err := expectedVersion(c, req.Version)
	if err != nil {
		return err
	}
	p, err := a.outbox.Preferences().Update(c.Request().Context(), principal(c), version,
		notify.PreferencesPatch{Digest: req.Digest, Events: req.Events})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toPreferences(p))
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

		{method: http.MethodPost, path: "/actions/:id/extensions", tag: "deadlines",
			summary: "Ask for a later due date of an action (its assignee or the unit's manager); 409 when one is pending or the limit is reached",
			creates: true, body: extensionRequest{}, response: extensionResponse{}, status: 201, handler: a.extensionCreate("action")},
		{method: http.MethodPost, path: "/findings/:id/extensions", tag: "deadlines",
			summary: "Ask for a later due date of a finding (the unit's manager); 409 when one is pending or the limit is reached",
			creates: true, body: extensionRequest{}, response: extensionResponse{}, status: 201, handler: a.extensionCreate("finding")},
		{method: http.MethodGet, path: "/extensions", tag: "deadlines", summary: "List the extension requests of the findings the caller may see, newest first",
			response: extensionResponse{}, list: true, status: 200, handler: a.extensionList,
			query: append([]param{
				{name: "status", typ: "string", doc: "pending, approved or refused"},
				{name: "finding_id", typ: "integer", doc: "requests about this finding or its actions"},
			}, pageQuery...)},
		{method: http.MethodGet, path: "/extensions/:id", tag: "deadlines", summary: "Get an extension request",
			response: extensionResponse{}, status: 200, handler: a.extensionGet},
		{method: http.MethodPost, path: "/extensions/:id/decision", tag: "deadlines",
			summary: "Approve or refuse a pending request (auditor, admin; never the requester); approval moves the due date; 409 when decided already",
			body:    decisionRequest{}, response: extensionResponse{}, status: 200, handler: a.extensionDecide},

		{method: http.MethodGet, path: "/me/preferences", tag: "people", summary: "The caller's notification preferences",
			response: preferencesResponse{}, status: 200, handler: a.preferencesGet},
		{method: http.MethodPatch, path: "/me/preferences", tag: "people",
			summary: "Change the caller's notification preferences; needs version. Due, overdue and escalation mails cannot be switched off (422)",
			body:    preferencesRequest{}, response: preferencesResponse{}, status: 200, handler: a.preferencesPatch},
	}
}
