package date

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The errors of ParseRegister.
var (
	// ErrNotDate: the text is in none of the forms read.
	ErrNotDate = errors.New("not a date in a known form")
	// ErrNoSuchDay: the form is right but the day is not in the calendar
	// (31/02/2024).
	ErrNoSuchDay = errors.New("no such day in the calendar")
)

var (
	dmyRE  = regexp.MustCompile(`^(\d{1,2})[/-](\d{1,2})[/-](\d{4})$`)
	ymdRE  = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})$`)
	wordRE = regexp.MustCompile(`^(\d{1,2})[\s.-]+([\p{L}]+)\.?[\s.-]+(\d{4})$`)
	// serialRE is a spreadsheet's date cell read as its number: days since
	// 30 December 1899 (the 1900 date system), with an optional time.
	serialRE = regexp.MustCompile(`^\d{1,7}(\.\d+)?$`)
)

// monthNames are the Indonesian month names and their common
// abbreviations, with the English ones that differ.
var monthNames = map[string]time.Month{
	"januari": 1, "jan": 1, "january": 1,
	"februari": 2, "feb": 2, "pebruari": 2, "peb": 2, "february": 2,
	"maret": 3, "mar": 3, "march": 3,
	"april": 4, "apr": 4,
	"mei": 5, "may": 5,
	"juni": 6, "jun": 6, "june": 6,
	"juli": 7, "jul": 7, "july": 7,
	"agustus": 8, "agu": 8, "agt": 8, "ags": 8, "agust": 8, "august": 8, "aug": 8,
	"september": 9, "sep": 9, "sept": 9,
	"oktober": 10, "okt": 10, "october": 10, "oct": 10,
	"november": 11, "nov": 11, "nop": 11, "nopember": 11,
	"desember": 12, "des": 12, "december": 12, "dec": 12,
}

// ParseRegister reads a date as registers kept in spreadsheets write it:
// YYYY-MM-DD, DD/MM/YYYY, DD-MM-YYYY, "17 Agustus 2024" (Indonesian or
// English month names, full or abbreviated), or, when serial is set, a
// spreadsheet date cell's number. Years 1900–9999.
func ParseRegister(s string, serial bool) (Date, error) {
	s = strings.TrimSpace(s)
	var y, d int
	var m time.Month
	if g := ymdRE.FindStringSubmatch(s); g != nil {
		y, m, d = atoi(g[1]), time.Month(atoi(g[2])), atoi(g[3])
	} else if g := dmyRE.FindStringSubmatch(s); g != nil {
		d, m, y = atoi(g[1]), time.Month(atoi(g[2])), atoi(g[3])
	} else if g := wordRE.FindStringSubmatch(s); g != nil {
		mm, ok := monthNames[strings.ToLower(g[2])]
		if !ok {
			return Date{}, ErrNotDate
		}
		d, m, y = atoi(g[1]), mm, atoi(g[3])
	} else if serial && serialRE.MatchString(s) {
		n, err := strconv.ParseFloat(s, 64)
		if err != nil || n < 1 || n > 2958465 { // 9999-12-31
			return Date{}, ErrNotDate
		}
		t := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(n))
		if t.Year() < 1900 {
			return Date{}, ErrNoSuchDay
		}
		return Date{t}, nil
	} else {
		return Date{}, ErrNotDate
	}
	if y < 1900 || m < 1 || m > 12 || d < 1 {
		return Date{}, ErrNoSuchDay
	}
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d || t.Month() != m {
		return Date{}, ErrNoSuchDay
	}
	return Date{t}, nil
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
