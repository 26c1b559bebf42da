// Package calendar is the organisation's working-day calendar: Saturdays
// and Sundays, the national holidays and cuti bersama (seeded from the
// joint decrees by the migrations), and the regional days its admins add.
// Due dates count working days through it ("working_days_left",
// "due_in_working_days"), and the reminder planner moves a reminder that
// falls on a non-working day to the working day before.
package calendar

import (
	"slices"
	"time"

	"github.com/tindaklanjut/tindaklanjut/internal/date"
)

// The kinds of non-working day.
const (
	KindNational = "libur_nasional"
	KindJoint    = "cuti_bersama"
	KindRegional = "regional"
)

// Kinds are the kinds of holiday, as the API names them.
var Kinds = []string{KindNational, KindJoint, KindRegional}

// Holiday is one non-working day besides the weekends.
type Holiday struct {
	Date      date.Date `gorm:"column:day"`
	Name      string
	Kind      string
	CreatedBy *int64
	CreatedAt time.Time
}

// Calendar answers working-day questions over a fixed set of holidays. The
// zero Calendar knows only weekends.
type Calendar struct {
	// off are the day numbers of the holidays that fall on a weekday, in
	// order (a holiday on a Sunday changes nothing).
	off []int
}

// New returns the calendar of the holidays.
func New(holidays []date.Date) *Calendar {
	c := &Calendar{}
	for _, h := range holidays {
		if n := dayNumber(h); weekday(n) {
			c.off = append(c.off, n)
		}
	}
	slices.Sort(c.off)
	c.off = slices.Compact(c.off)
	return c
}

// epoch is day 0 of the day numbers, a Monday.
var epoch = time.Date(1900, time.January, 1, 0, 0, 0, 0, time.UTC)

func dayNumber(d date.Date) int { return int(d.Time(time.UTC).Sub(epoch).Hours() / 24) }

func fromNumber(n int) date.Date {
	t := epoch.AddDate(0, 0, n)
	return date.New(t.Year(), t.Month(), t.Day())
}

// weekday reports whether day n is Monday to Friday.
func weekday(n int) bool { return ((n%7)+7)%7 < 5 }

// weekdaysBefore counts the weekdays among days [0, n).
func weekdaysBefore(n int) int {
	q, r := n/7, n%7
	if r < 0 {
		q, r = q-1, r+7
	}
	return 5*q + min(r, 5)
}

// Working reports whether d is a working day.
func (c *Calendar) Working(d date.Date) bool {
	n := dayNumber(d)
	if !weekday(n) {
		return false
	}
	_, found := slices.BinarySearch(c.off, n)
	return !found
}

// between counts the working days in the days (a, b], a ≤ b.
func (c *Calendar) between(a, b int) int {
	lo, _ := slices.BinarySearch(c.off, a+1)
	hi, _ := slices.BinarySearch(c.off, b+1)
	return weekdaysBefore(b+1) - weekdaysBefore(a+1) - (hi - lo)
}

// Left is the number of working days d with today < d ≤ due: 0 when due
// is today, and once due has passed, minus the working days since (those
// d with due < d ≤ today).
func (c *Calendar) Left(today, due date.Date) int {
	t, d := dayNumber(today), dayNumber(due)
	if d >= t {
		return c.between(t, d)
	}
	return -c.between(d, t)
}

// LeftOf is Left for an optional due date: nil without one.
func (c *Calendar) LeftOf(today, due date.Date) *int {
	if due.IsZero() {
		return nil
	}
	n := c.Left(today, due)
	return &n
}

// AddWorkingDays returns the n-th working day after today (n ≥ 1), so that
// Left(today, AddWorkingDays(today, n)) is n.
func (c *Calendar) AddWorkingDays(today date.Date, n int) date.Date {
	d := dayNumber(today)
	for n > 0 {
		d++
		if c.Working(fromNumber(d)) {
			n--
		}
	}
	return fromNumber(d)
}

// OnOrBefore returns the working day on or before d.
func (c *Calendar) OnOrBefore(d date.Date) date.Date {
	for !c.Working(d) {
		d = d.AddDays(-1)
	}
	return d
}

// OnOrAfter returns the working day on or after d.
func (c *Calendar) OnOrAfter(d date.Date) date.Date {
	for !c.Working(d) {
		d = d.AddDays(1)
	}
	return d
}
