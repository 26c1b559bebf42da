package date

import (
	"testing"
	"time"
)

// FuzzParse checks that a date that parses is written back as the very
// text it was read from (the format is strict), is from 1900 on, and goes
// through JSON, Value and Scan unchanged.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"2024-09-30", "1900-01-01", "1899-12-31", "9999-12-31", "2024-02-30", "2023-02-29",
		"2024-9-30", "2024-09-30T00:00:00Z", "+024-09-30", "0000-00-00", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := Parse(s)
		if err != nil {
			return
		}
		if d.IsZero() || d.String() != s || d.Year() < 1900 {
			t.Fatalf("Parse(%q) = %q (year %d)", s, d.String(), d.Year())
		}
		if b, _ := d.MarshalJSON(); string(b) != `"`+s+`"` {
			t.Fatalf("Parse(%q) marshals as %s", s, b)
		}
		v, _ := d.Value()
		var back Date
		if err := back.Scan(v); err != nil || back != d {
			t.Fatalf("Parse(%q) scans back from %v as %v, %v", s, v, back, err)
		}
		if got := Of(d.Time(time.UTC), time.UTC); got != d {
			t.Fatalf("Of(Parse(%q).Time) = %v", s, got)
		}
		if d.Indonesian() == "" {
			t.Fatalf("Parse(%q) has no Indonesian form", s)
		}
	})
}

// FuzzParseRegister checks that a register's date that parses is a real
// day from 1900 on, that the same day written YYYY-MM-DD and DD/MM/YYYY
// reads back as itself, and that anything else is one of the two errors.
func FuzzParseRegister(f *testing.F) {
	for _, s := range []string{"2024-09-30", "30/09/2024", "30-09-2024", "17 Agustus 2024", "31/02/2024", "45521", "45521.75",
		"1 Des 2024", "0/0/0000", "99999999", "17 agustusan 2024", ""} {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, serial bool) {
		d, err := ParseRegister(s, serial)
		if err != nil {
			if err != ErrNotDate && err != ErrNoSuchDay {
				t.Fatalf("ParseRegister(%q): unexpected error %v", s, err)
			}
			return
		}
		if d.IsZero() || d.Year() < 1900 || d.Year() > 9999 {
			t.Fatalf("ParseRegister(%q) = %v", s, d)
		}
		for _, again := range []string{d.String(), d.Time(time.UTC).Format("02/01/2006")} {
			if back, err := ParseRegister(again, false); err != nil || back != d {
				t.Fatalf("ParseRegister(%q) = %v, but %q reads as %v, %v", s, d, again, back, err)
			}
		}
	})
}
