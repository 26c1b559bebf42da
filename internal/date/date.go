// Package date is the calendar date of the API ("YYYY-MM-DD", in the
// organisation's time zone) as one small value type that PostgreSQL's date
// columns read and write without any time-zone conversion.
package date

import (
	"database/sql/driver"
	"fmt"
	"time"
)

// Date is a calendar date. The zero Date is "no date".
type Date struct{ t time.Time } // midnight UTC of the date

// layout is the only accepted text form.
const layout = "2006-01-02"

// Parse reads a date written YYYY-MM-DD, strictly: no time, no zone, years
// 1900–9999.
func Parse(s string) (Date, error) {
	if len(s) != len(layout) {
		return Date{}, fmt.Errorf("date %q is not written YYYY-MM-DD", s)
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return Date{}, fmt.Errorf("date %q is not a valid YYYY-MM-DD date", s)
	}
	if t.Year() < 1900 {
		return Date{}, fmt.Errorf("date %q is before 1900", s)
	}
	return Date{t}, nil
}

// MustParse is Parse for constants in tests and seed data; it panics.
func MustParse(s string) Date {
	d, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return d
}

// Of returns the calendar date of instant t in loc.
func Of(t time.Time, loc *time.Location) Date {
	y, m, d := t.In(loc).Date()
	return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// New returns the date y-m-d.
func New(y int, m time.Month, d int) Date { return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)} }

// IsZero reports whether d is "no date".
func (d Date) IsZero() bool { return d.t.IsZero() }

// String writes d as YYYY-MM-DD ("" for no date).
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.t.Format(layout)
}

// Year returns d's year.
func (d Date) Year() int { return d.t.Year() }

// Time returns d's midnight in loc.
func (d Date) Time(loc *time.Location) time.Time {
	y, m, dd := d.t.Date()
	return time.Date(y, m, dd, 0, 0, 0, 0, loc)
}

// AddDays returns d moved by n days.
func (d Date) AddDays(n int) Date { return Date{d.t.AddDate(0, 0, n)} }

// Before reports whether d is earlier than e.
func (d Date) Before(e Date) bool { return d.t.Before(e.t) }

// After reports whether d is later than e.
func (d Date) After(e Date) bool { return d.t.After(e.t) }

// DaysUntil returns the number of days from d to e (negative if e is
// earlier).
func (d Date) DaysUntil(e Date) int { return int(e.t.Sub(d.t).Hours() / 24) }

// MarshalJSON writes "YYYY-MM-DD", or null for no date.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + d.String() + `"`), nil
}

// Scan reads a PostgreSQL date (time.Time from pgx, or its text).
func (d *Date) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = Date{}
	case time.Time:
		y, m, dd := v.Date()
		*d = New(y, m, dd)
	case string:
		p, err := Parse(v)
		if err != nil {
			return err
		}
		*d = p
	case []byte:
		return d.Scan(string(v))
	default:
		return fmt.Errorf("date: cannot scan %T", src)
	}
	return nil
}

// Value writes the date as text, so that no time zone is involved; no date
// is NULL.
func (d Date) Value() (driver.Value, error) {
	if d.IsZero() {
		return nil, nil
	}
	return d.String(), nil
}

var (
	hari  = [...]string{"Minggu", "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu"}
	bulan = [...]string{"Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
		"September", "Oktober", "November", "Desember"}
)

// Indonesian writes d the Indonesian way, with its day: "Senin, 2 September
// 2024" ("" for no date).
func (d Date) Indonesian() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%s, %d %s %d", hari[d.t.Weekday()], d.t.Day(), bulan[d.t.Month()-1], d.t.Year())
}
