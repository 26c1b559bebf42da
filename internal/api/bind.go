package api

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
)

// maxJSONBody bounds a JSON request body; larger ones get 413.
const maxJSONBody = 1 << 20

// decodeJSON reads the request body into dst: 415 for another media type,
// 413 when too large, 400 when not JSON, 422 naming the field whose value
// has the wrong type.
func decodeJSON(c echo.Context, dst any) error {
	req := c.Request()
	if ct := req.Header.Get(echo.HeaderContentType); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return echo.NewHTTPError(http.StatusUnsupportedMediaType)
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), req.Body, maxJSONBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return echo.NewHTTPError(http.StatusRequestEntityTooLarge)
		}
		return apperr.E(apperr.Malformed, "The request body could not be read.")
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return apperr.E(apperr.Malformed, "The request body is empty; send a JSON object.")
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF { // dec.More is false before a stray } or ]
		return apperr.E(apperr.Malformed, "The request body holds more than one JSON value.")
	}
	return nil
}

// jsonError explains a decoding failure.
func jsonError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return apperr.E(apperr.Malformed, "The request body is not valid JSON (at byte %d).", syntax.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return apperr.E(apperr.Malformed, "The request body is not valid JSON: it ends too early.")
	case errors.As(err, &typ):
		if typ.Field == "" {
			return apperr.E(apperr.Malformed, "The request body must be a JSON object.")
		}
		return &apperr.Error{Kind: apperr.Invalid, Message: "Some fields have the wrong type.",
			Fields: []apperr.FieldError{{Field: typ.Field, Message: "must be " + jsonTypeName(typ.Type.String())}}}
	}
	var fe *fieldError
	if errors.As(err, &fe) {
		return &apperr.Error{Kind: apperr.Invalid, Message: "Some fields are not valid.",
			Fields: []apperr.FieldError{{Field: fe.field, Message: fe.msg}}}
	}
	return apperr.E(apperr.Malformed, "The request body is not valid JSON.")
}

func jsonTypeName(goType string) string {
	goType = strings.TrimPrefix(goType, "*")
	switch {
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "uint"):
		return "a whole number"
	case strings.HasPrefix(goType, "float"):
		return "a number"
	case goType == "bool":
		return "true or false"
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	case strings.HasPrefix(goType, "map"), strings.Contains(goType, "."):
		if strings.HasSuffix(goType, "Role") || strings.HasSuffix(goType, "string") {
			return "a string"
		}
		return "an object"
	}
	return "a string"
}

// fieldError is a value-level decoding error raised by custom types.
type fieldError struct{ field, msg string }

func (e *fieldError) Error() string { return e.field + ": " + e.msg }

// bindChange reads what every change request carries: the object's id
// from the path, the JSON body into req, and the version the client last
// saw (version reads it from the decoded body; If-Match otherwise).
func bindChange(c echo.Context, req any, version func() *int) (id int64, v int, err error) {
	if id, err = pathID(c, "id"); err != nil {
		return 0, 0, err
	}
	if err = decodeJSON(c, req); err != nil {
		return 0, 0, err
	}
	v, err = expectedVersion(c, version())
	return id, v, err
}

// expectedVersion reads the version the client last saw: from the body, or
// from If-Match ("3" or W/"3"). It is required for every change.
func expectedVersion(c echo.Context, body *int) (int, error) {
	if body != nil {
		if *body < 1 {
			return 0, invalid("version", "must be a positive whole number")
		}
		return *body, nil
	}
	if h := c.Request().Header.Get("If-Match"); h != "" {
		v := strings.Trim(strings.TrimPrefix(strings.TrimSpace(h), "W/"), `"`)
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return 0, invalid("version", "If-Match must hold the version, such as \"3\"")
		}
		return n, nil
	}
	return 0, invalid("version", "is required: send the version you last saw, in the body or as If-Match")
}

func invalid(field, msg string) error {
	return &apperr.Error{Kind: apperr.Invalid, Message: "Some fields are not valid.",
		Fields: []apperr.FieldError{{Field: field, Message: msg}}}
}

// queryID reads an optional positive id from the query string.
func queryID(c echo.Context, name string) (*int64, error) {
	s := c.QueryParam(name)
	if s == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 {
		return nil, invalid(name, "must be a positive whole number (an id)")
	}
	return &n, nil
}

// pathID reads a positive integer path parameter; anything else is a 404,
// as no object has such an id.
func pathID(c echo.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id < 1 {
		return 0, apperr.E(apperr.NotFound, "There is no such object.")
	}
	return id, nil
}

// created answers 201 with a Location header.
func created(c echo.Context, location string, v any) error {
	c.Response().Header().Set(echo.HeaderLocation, location)
	return c.JSON(http.StatusCreated, v)
}
