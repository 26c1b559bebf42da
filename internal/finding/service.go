package finding

import (
	"context"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/calendar"
	"github.com/tindaklanjut/tindaklanjut/internal/date"
)

// Service is the follow-up workflow. Every method takes the caller and
// checks the access policy itself; every change to a finding, its actions
// or evidence writes an event in the same transaction.
type Service struct {
	db  *gorm.DB
	now func() time.Time
	loc *time.Location
	cal *calendar.Store
	// deadlines are the rules of governed due dates (SetDeadlines).
	deadlines Deadlines
	// samples hold what the planner knows of the search text (rareSearch).
	samples textSampler
}

// Deadlines are the configurable rules of governed due dates (PRODUCT.md,
// "Deadlines: extensions, escalation, working days").
type Deadlines struct {
	// ExtensionLimit is how many extensions may be approved per action or
	// finding.
	ExtensionLimit int
	// DefaultDueDays gives, per review kind, the days after issue at which
	// a finding issued without a due date falls due.
	DefaultDueDays map[string]int
}

// DefaultDeadlines are PRODUCT.md's defaults.
var DefaultDeadlines = Deadlines{ExtensionLimit: 2, DefaultDueDays: map[string]int{"internal_audit": 60}}

// SetDeadlines replaces the service's deadline rules (DefaultDeadlines
// until then).
func (s *Service) SetDeadlines(d Deadlines) { s.deadlines = d }

// Calendar is the working-day calendar the service counts due dates by;
// the API and the web share it, so that a holiday added through either
// counts at once in both.
func (s *Service) Calendar() *calendar.Store { return s.cal }

// Day is today with the calendar that counts working days from it.
type Day struct {
	Today date.Date
	Cal   *calendar.Calendar
}

// Left is the working days left until due (negative once overdue; nil
// without a date).
func (d Day) Left(due date.Date) *int { return d.Cal.LeftOf(d.Today, due) }

// Day returns today with the current calendar.
func (s *Service) Day(ctx context.Context) (Day, error) {
	cal, err := s.cal.Calendar(ctx)
	return Day{Today: s.Today(), Cal: cal}, err
}

// NewService returns the service; now is the clock and loc the
// organisation's time zone, in which "today" and due dates are reckoned.
func NewService(db *gorm.DB, now func() time.Time, loc *time.Location) *Service {
	if loc == nil {
		loc = time.UTC
	}
	return &Service{db: db, now: now, loc: loc, cal: calendar.NewStore(db, now), deadlines: DefaultDeadlines}
}

// Today is the current calendar date in the organisation's time zone.
func (s *Service) Today() date.Date { return date.Of(s.now(), s.loc) }

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.now() }

// Location is the organisation's time zone.
func (s *Service) Location() *time.Location { return s.loc }

// instant is the clock read to PostgreSQL's precision, so that what is
// hashed is what is stored.
func (s *Service) instant() time.Time { return s.now().Truncate(time.Microsecond) }

// Page asks for the objects after a key, at most Limit of them.
type Page struct {
	AfterID int64
	Limit   int
}

// --- validation helpers ------------------------------------------------------

// checkText validates a free-text field: required or not, at most max
// characters, no control characters but line breaks and tabs.
func checkText(v *apperr.Validation, field, s string, required bool, max int) {
	switch {
	case required && strings.TrimSpace(s) == "":
		v.Add(field, "is required")
	case utf8.RuneCountInString(s) > max:
		v.Add(field, "must be at most %d characters", max)
	case !utf8.ValidString(s):
		v.Add(field, "must be valid UTF-8 text")
	case strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }) >= 0:
		v.Add(field, "must not contain control characters")
	}
}

// checkLine validates a one-line field such as a title.
func checkLine(v *apperr.Validation, field, s string, required bool, max int) {
	if strings.ContainsAny(s, "\r\n") {
		v.Add(field, "must be a single line")
		return
	}
	checkText(v, field, s, required, max)
}

// parseDate reads an optional YYYY-MM-DD field.
func parseDate(v *apperr.Validation, field string, s *string, required bool) date.Date {
	if s == nil || *s == "" {
		if required {
			v.Add(field, "is required (a date such as 2024-09-30)")
		}
		return date.Date{}
	}
	d, err := date.Parse(*s)
	if err != nil {
		v.Add(field, "must be a date written YYYY-MM-DD, such as 2024-09-30")
	}
	return d
}

// oneOf checks that s is one of allowed.
func oneOf(v *apperr.Validation, field, s string, allowed []string) {
	for _, a := range allowed {
		if s == a {
			return
		}
	}
	v.Add(field, "must be one of %s", strings.Join(allowed, ", "))
}

// maxWorkingDays bounds due_in_working_days: about four years.
const maxWorkingDays = 1000

// dueDate reads a due date given as a date or as a number of working days
// after today (not both), into v; required says whether one is needed.
func (s *Service) dueDate(ctx context.Context, v *apperr.Validation, due *string, workingDays *int, required bool) (date.Date, error) {
	if workingDays == nil {
		return parseDate(v, "due_date", due, required), nil
	}
	if due != nil {
		v.Add("due_in_working_days", "give either due_date or due_in_working_days, not both")
		return date.Date{}, nil
	}
	if *workingDays < 1 || *workingDays > maxWorkingDays {
		v.Add("due_in_working_days", "must be a whole number of working days from 1 to %d", maxWorkingDays)
		return date.Date{}, nil
	}
	day, err := s.Day(ctx)
	if err != nil {
		return date.Date{}, err
	}
	return day.Cal.AddWorkingDays(day.Today, *workingDays), nil
}

func invalidField(field, format string, args ...any) error {
	var v apperr.Validation
	v.Add(field, format, args...)
	return v.Err()
}

func staleVersion(sent, current int) error {
	return apperr.E(apperr.Conflict, "The object was changed by someone else (you sent version %d, it is now at version %d). Reload it and apply your change again.", sent, current)
}
