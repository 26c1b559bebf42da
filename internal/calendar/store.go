package calendar

import (
	"context"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/date"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

// refresh is how long a Store serves the calendar it read before reading
// it again: a regional day added through another replica counts here
// within it (one added here counts at once).
const refresh = 30 * time.Second

// Store keeps the holidays in the database.
type Store struct {
	db  *gorm.DB
	now func() time.Time

	mu   sync.Mutex
	cal  *Calendar
	read time.Time
}

// NewStore returns the store on db; now is the clock.
func NewStore(db *gorm.DB, now func() time.Time) *Store {
	return &Store{db: db, now: now}
}

// Calendar returns the current calendar, read at most refresh ago.
func (s *Store) Calendar(ctx context.Context) (*Calendar, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cal != nil && time.Since(s.read) < refresh {
		return s.cal, nil
	}
	var days []date.Date
	if err := s.db.WithContext(ctx).Raw(`SELECT day FROM holidays ORDER BY day`).Scan(&days).Error; err != nil {
		return nil, err
	}
	s.cal, s.read = New(days), time.Now()
	return s.cal, nil
}

// forget makes the next Calendar read the database.
func (s *Store) forget() {
	s.mu.Lock()
	s.cal = nil
	s.mu.Unlock()
}

// Year returns the holidays of year, by date. Errors: Invalid (a year
// outside 1900–9999).
func (s *Store) Year(ctx context.Context, year int) ([]Holiday, error) {
	if year < 1900 || year > 9999 {
		var v apperr.Validation
		v.Add("year", "must be a year between 1900 and 9999")
		return nil, v.Err()
	}
	out := []Holiday{}
	err := s.db.WithContext(ctx).Raw(`SELECT day, name, kind, created_by, created_at FROM holidays
		WHERE day >= make_date(?, 1, 1) AND day < make_date(? + 1, 1, 1) ORDER BY day`, year, year).Scan(&out).Error
	return out, err
}

// HolidayInput is a non-working day to add.
type HolidayInput struct {
	Date string
	Name string
	Kind string
}

// Add records a non-working day (an admin's). Errors: Forbidden, Invalid
// (a malformed date, a name missing or too long, an unknown kind, a date
// that already is a holiday).
func (s *Store) Add(ctx context.Context, p identity.Principal, in HolidayInput) (Holiday, error) {
	if err := identity.Authorize(p, identity.CalendarUpdate, nil); err != nil {
		return Holiday{}, err
	}
	var v apperr.Validation
	d, err := date.Parse(in.Date)
	switch {
	case in.Date == "":
		v.Add("date", "is required (a date such as 2026-09-24)")
	case err != nil:
		v.Add("date", "must be a date written YYYY-MM-DD, such as 2026-09-24")
	}
	name := strings.TrimSpace(in.Name)
	switch {
	case name == "":
		v.Add("name", "is required")
	case utf8.RuneCountInString(name) > 200:
		v.Add("name", "must be at most %d characters", 200)
	case !utf8.ValidString(name) || strings.IndexFunc(name, unicode.IsControl) >= 0:
		v.Add("name", "must be one line of text")
	}
	kind := in.Kind
	if kind == "" {
		kind = KindRegional
	}
	if kind != KindNational && kind != KindJoint && kind != KindRegional {
		v.Add("kind", "must be one of %s", strings.Join(Kinds, ", "))
	}
	if err := v.Err(); err != nil {
		return Holiday{}, err
	}
	var out Holiday
	err = s.db.WithContext(ctx).Raw(`INSERT INTO holidays (day, name, kind, created_by, created_at) VALUES (?, ?, ?, ?, ?)
		RETURNING day, name, kind, created_by, created_at`, d, name, kind, p.UserID, s.now()).Scan(&out).Error
	if code, _ := postgres.Violation(err); code == postgres.UniqueViolation {
		v.Add("date", "%s is already a non-working day", d)
		return Holiday{}, v.Err()
	}
	if err != nil {
		return Holiday{}, err
	}
	s.forget()
	return out, nil
}

// Remove deletes the non-working day on day. Errors: Forbidden, Invalid
// (a malformed date), NotFound.
func (s *Store) Remove(ctx context.Context, p identity.Principal, day string) error {
	if err := identity.Authorize(p, identity.CalendarUpdate, nil); err != nil {
		return err
	}
	d, err := date.Parse(day)
	if err != nil {
		var v apperr.Validation
		v.Add("date", "must be a date written YYYY-MM-DD, such as 2026-09-24")
		return v.Err()
	}
	res := s.db.WithContext(ctx).Exec(`DELETE FROM holidays WHERE day = ?`, d)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return apperr.E(apperr.NotFound, "%s is not a holiday in the calendar.", d)
	}
	s.forget()
	return nil
}
