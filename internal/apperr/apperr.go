// Package apperr defines the kinds of error the domain packages raise. A
// domain error carries a kind and a message fit for the person who caused
// it; the API's one error handler maps kinds to HTTP statuses. Anything that
// is not an *Error is internal: logged, and shown to users as a plain 500.
package apperr

import (
	"errors"
	"fmt"
	"time"
)

// Kind classifies an error by what the caller can do about it.
type Kind string

// The kinds, with the HTTP status the API gives each.
const (
	Malformed       Kind = "malformed"         // 400: the request cannot be read
	Unauthenticated Kind = "unauthenticated"   // 401: no valid credentials
	Forbidden       Kind = "forbidden"         // 403: may see, may not act
	NotFound        Kind = "not_found"         // 404: no such object, or may not see it
	Conflict        Kind = "conflict"          // 409: stale version, duplicate, wrong state
	Invalid         Kind = "invalid"           // 422: validation failed
	TooLarge        Kind = "too_large"         // 413: the content exceeds a limit
	Unsupported     Kind = "unsupported"       // 415: a type of content not accepted
	TooManyRequests Kind = "too_many_requests" // 429: throttled
	Unavailable     Kind = "unavailable"       // 503: a dependency (the database) cannot serve now; try again

	// 507: the server's storage is full (the disk or a quota); an administrator must make room.
	InsufficientStorage Kind = "insufficient_storage"
)

// FieldError names one invalid input field.
type FieldError struct {
	Field   string
	Message string
	// Row and Column place the problem in an imported spreadsheet (the
	// row as the spreadsheet numbers it, the column by its header); zero
	// elsewhere.
	Row    int
	Column string
	// Format and Args are Message before formatting. Format is the key by
	// which the web pages find the message in the user's language (the
	// English text is the key, as in gettext); empty means Message is.
	Format string
	Args   []any
}

// Key is the message's translation key: Format, or Message if unset.
func (f FieldError) Key() string {
	if f.Format != "" {
		return f.Format
	}
	return f.Message
}

// Error is a domain error.
type Error struct {
	Kind    Kind
	Message string
	// Fields lists invalid fields, for Invalid.
	Fields []FieldError
	// RetryAfter says when to try again, for TooManyRequests.
	RetryAfter time.Duration
	// AllowedActions lists what is possible now, for a Conflict on a
	// transition the current state does not allow.
	AllowedActions []string
	// Format and Args are Message before formatting, as in FieldError.
	Format string
	Args   []any
}

// Key is the message's translation key: Format, or Message if unset.
func (e *Error) Key() string {
	if e.Format != "" {
		return e.Format
	}
	return e.Message
}

func (e *Error) Error() string {
	if len(e.Fields) > 0 {
		return fmt.Sprintf("%s: %s (%s: %s …)", e.Kind, e.Message, e.Fields[0].Field, e.Fields[0].Message)
	}
	return string(e.Kind) + ": " + e.Message
}

// Is makes errors.Is(err, apperr.E(kind, "")) match on kind alone.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind && (t.Message == "" || t.Message == e.Message)
}

// E returns an error of kind with a message.
func E(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// KindOf returns the kind of err, or "" for an internal error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return ""
}

// Validation collects invalid fields and yields one Invalid error naming
// them all.
type Validation struct {
	fields []FieldError
}

// Add records that field is invalid; the first problem found with a field
// is the one reported.
func (v *Validation) Add(field, format string, args ...any) {
	if v.Has(field) {
		return
	}
	v.fields = append(v.fields, FieldError{Field: field, Message: fmt.Sprintf(format, args...), Format: format, Args: args})
}

// Has reports whether field already has an error.
func (v *Validation) Has(field string) bool {
	for _, f := range v.fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// Err returns nil when nothing was added, else an Invalid error.
func (v *Validation) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return &Error{Kind: Invalid, Message: "Some fields are not valid.", Fields: v.fields}
}
