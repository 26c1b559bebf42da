// Package api is the JSON API under /api/v1: its routes and handlers, the one
// place that turns errors into RFC 9457 problem documents, and the OpenAPI
// document.
package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

// ProblemContentType is the media type of every error answer.
const ProblemContentType = "application/problem+json"

// Problem is an RFC 9457 problem document.
type Problem struct {
	Type      string       `json:"type"`
	Title     string       `json:"title"`
	Status    int          `json:"status"`
	Detail    string       `json:"detail,omitempty"`
	Instance  string       `json:"instance,omitempty"`
	RequestID string       `json:"request_id,omitempty"`
	Errors    []FieldError `json:"errors,omitempty"`
	// AllowedActions lists the transitions possible now, on a 409 for a
	// transition the finding's state does not allow; present (possibly
	// empty) exactly when the error carries it.
	AllowedActions *[]string `json:"allowed_actions,omitempty"`
}

// FieldError names one invalid input field and what is wrong with it.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
	// Row and Column place a problem of an imported file (row as the
	// spreadsheet numbers it; column by its header).
	Row    int    `json:"row,omitempty"`
	Column string `json:"column,omitempty"`
}

// problemType gives each status a stable type URI that documents it.
func problemType(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "/problems/bad-request"
	case http.StatusUnauthorized:
		return "/problems/unauthorized"
	case http.StatusForbidden:
		return "/problems/forbidden"
	case http.StatusNotFound:
		return "/problems/not-found"
	case http.StatusMethodNotAllowed:
		return "/problems/method-not-allowed"
	case http.StatusConflict:
		return "/problems/conflict"
	case http.StatusRequestEntityTooLarge:
		return "/problems/payload-too-large"
	case http.StatusUnsupportedMediaType:
		return "/problems/unsupported-media-type"
	case http.StatusUnprocessableEntity:
		return "/problems/validation"
	case http.StatusTooManyRequests:
		return "/problems/too-many-requests"
	case http.StatusServiceUnavailable:
		return "/problems/unavailable"
	case http.StatusInsufficientStorage:
		return "/problems/insufficient-storage"
	}
	if status >= 500 {
		return "/problems/internal"
	}
	return "about:blank"
}

// NewErrorHandler returns Echo's error handler: every error any handler or
// middleware returns, including Echo's own (unknown route, method not
// allowed, body too large), is answered here and nowhere else. Internal
// errors are logged once, with the request id, and shown as a plain 500.
func NewErrorHandler(log *slog.Logger, requestID func(*http.Request) string) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		cause := err
		err = postgres.UnavailableError(err)
		p := toProblem(err)
		req := c.Request()
		var ae *apperr.Error
		if errors.As(err, &ae) && ae.RetryAfter > 0 {
			c.Response().Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(ae.RetryAfter.Seconds()))))
		}
		if p.Status == http.StatusUnauthorized {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="tindaklanjut"`)
		}
		p.RequestID = requestID(req)
		if p.Status >= 500 {
			// A 503 is a storage or database fault, which the client is
			// told to retry; an operator must see it all the same.
			msg := "internal error"
			if p.Status == http.StatusServiceUnavailable {
				msg = "unavailable"
			}
			log.Error(msg, "request_id", p.RequestID, "method", req.Method, "path", req.URL.Path, "err", cause)
		}
		if req.Method == http.MethodHead {
			c.Response().Header().Set(echo.HeaderContentType, ProblemContentType)
			_ = c.NoContent(p.Status)
			return
		}
		body, _ := json.Marshal(p)
		_ = c.Blob(p.Status, ProblemContentType, body)
	}
}

// kindStatus maps each domain error kind to its HTTP status.
var kindStatus = map[apperr.Kind]int{
	apperr.Malformed:           http.StatusBadRequest,
	apperr.Unauthenticated:     http.StatusUnauthorized,
	apperr.Forbidden:           http.StatusForbidden,
	apperr.NotFound:            http.StatusNotFound,
	apperr.Conflict:            http.StatusConflict,
	apperr.Invalid:             http.StatusUnprocessableEntity,
	apperr.TooManyRequests:     http.StatusTooManyRequests,
	apperr.TooLarge:            http.StatusRequestEntityTooLarge,
	apperr.Unsupported:         http.StatusUnsupportedMediaType,
	apperr.Unavailable:         http.StatusServiceUnavailable,
	apperr.InsufficientStorage: http.StatusInsufficientStorage,
}

func toProblem(err error) Problem {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		status, ok := kindStatus[ae.Kind]
		if !ok {
			status = http.StatusInternalServerError
		}
		p := Problem{Type: problemType(status), Title: http.StatusText(status), Status: status, Detail: ae.Message}
		if ae.AllowedActions != nil {
			actions := append([]string{}, ae.AllowedActions...)
			p.AllowedActions = &actions
		}
		for _, f := range ae.Fields {
			p.Errors = append(p.Errors, FieldError{Field: f.Field, Message: f.Message, Row: f.Row, Column: f.Column})
		}
		return p
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		p := Problem{Status: he.Code, Title: http.StatusText(he.Code)}
		switch he.Code {
		case http.StatusNotFound:
			p.Detail = "There is no such resource."
		case http.StatusMethodNotAllowed:
			p.Detail = "This resource does not support that method."
		case http.StatusRequestEntityTooLarge:
			p.Detail = "The request body is larger than this endpoint accepts."
		case http.StatusUnsupportedMediaType:
			p.Detail = "Send the body as application/json."
		default:
			if he.Code >= 500 {
				p.Detail = "Something went wrong on our side; it has been logged."
			} else if msg, ok := he.Message.(string); ok {
				p.Detail = msg
			}
		}
		p.Type = problemType(p.Status)
		return p
	}
	return Problem{
		Type:   problemType(http.StatusInternalServerError),
		Title:  http.StatusText(http.StatusInternalServerError),
		Status: http.StatusInternalServerError,
		Detail: "Something went wrong on our side; it has been logged. Quote the request id when reporting it.",
	}
}
