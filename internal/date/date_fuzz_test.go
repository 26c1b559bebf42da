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
