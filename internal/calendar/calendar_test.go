package calendar_test

import (
	"testing"

	"github.com/tindaklanjut/tindaklanjut/internal/calendar"
	"github.com/tindaklanjut/tindaklanjut/internal/date"
)

// TestWorkingDays counts around Hari Kemerdekaan (Monday 17 August 2026)
// and a holiday on a Sunday, which changes nothing.
func TestWorkingDays(t *testing.T) {
	d := date.MustParse
	c := calendar.New([]date.Date{d("2026-08-17"), d("2026-08-16"), d("2026-08-25")})
	for _, tt := range []struct {
		name       string
		today, due string
		want       int
	}{
		{"due today", "2026-08-10", "2026-08-10", 0},
		{"tomorrow", "2026-08-10", "2026-08-11", 1},
		{"over the weekend and the holiday", "2026-08-14", "2026-08-18", 1},
		{"the holiday itself", "2026-08-14", "2026-08-17", 0},
		{"two weeks", "2026-08-10", "2026-08-28", 12},
		{"from a Saturday", "2026-08-15", "2026-08-19", 2},
		{"overdue by a working day", "2026-08-18", "2026-08-14", -1},
		{"overdue over a week", "2026-08-24", "2026-08-14", -5},
		{"overdue on a Sunday", "2026-08-16", "2026-08-14", 0},
		{"a year", "2026-01-01", "2027-01-01", 261 - 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.Left(d(tt.today), d(tt.due)); got != tt.want {
				t.Errorf("Left(%s, %s) = %d; want %d", tt.today, tt.due, got, tt.want)
			}
		})
	}
	for n := 1; n <= 40; n++ {
		today := d("2026-08-12")
		due := c.AddWorkingDays(today, n)
		if !c.Working(due) || c.Left(today, due) != n {
			t.Fatalf("AddWorkingDays(%s, %d) = %s (working %v), left %d", today, n, due, c.Working(due), c.Left(today, due))
		}
	}
	if got := c.AddWorkingDays(d("2026-08-14"), 1); got != d("2026-08-18") {
		t.Errorf("the working day after Friday 14 August: %s; want Tuesday 18", got)
	}
	if got := c.OnOrBefore(d("2026-08-17")); got != d("2026-08-14") {
		t.Errorf("on or before 17 August: %s; want 14", got)
	}
	if got := c.OnOrAfter(d("2026-08-15")); got != d("2026-08-18") {
		t.Errorf("on or after 15 August: %s; want 18", got)
	}
	if c.LeftOf(d("2026-08-14"), date.Date{}) != nil {
		t.Error("LeftOf without a date is not nil")
	}
}
