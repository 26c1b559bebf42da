package date

import (
	"encoding/json"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	for _, s := range []string{"2024-09-30", "1900-01-01", "2024-02-29"} {
		d, err := Parse(s)
		if err != nil || d.String() != s {
			t.Errorf("Parse(%q) = %v, %v", s, d, err)
		}
	}
	for _, s := range []string{"", "2024-9-30", "30-09-2024", "2024-02-30", "2023-02-29", "2024-09-30T00:00:00Z", "1899-12-31", " 2024-09-30", "2024/09/30"} {
		if _, err := Parse(s); err == nil {
			t.Errorf("Parse(%q) accepted", s)
		}
	}
}

func TestOfUsesTheZone(t *testing.T) {
	wita := time.FixedZone("WITA", 8*3600)
	instant := time.Date(2024, 10, 1, 17, 30, 0, 0, time.UTC) // 01:30 on 2 October in WITA
	if got := Of(instant, wita).String(); got != "2024-10-02" {
		t.Errorf("Of in WITA = %s; want 2024-10-02", got)
	}
	if got := Of(instant, time.UTC).String(); got != "2024-10-01" {
		t.Errorf("Of in UTC = %s; want 2024-10-01", got)
	}
}

func TestArithmeticAndJSON(t *testing.T) {
	d := MustParse("2024-02-28")
	if d.AddDays(1).String() != "2024-02-29" || d.AddDays(2).String() != "2024-03-01" {
		t.Error("AddDays across a leap day")
	}
	if d.DaysUntil(MustParse("2024-03-29")) != 30 || !d.Before(d.AddDays(1)) || !d.AddDays(1).After(d) {
		t.Error("comparisons")
	}
	b, _ := json.Marshal(struct {
		A Date `json:"a"`
		B Date `json:"b"`
	}{A: d})
	if string(b) != `{"a":"2024-02-28","b":null}` {
		t.Errorf("JSON = %s", b)
	}
	var s Date
	if err := s.Scan(time.Date(2024, 9, 16, 0, 0, 0, 0, time.UTC)); err != nil || s.String() != "2024-09-16" {
		t.Errorf("Scan(time) = %v, %v", s, err)
	}
	if v, _ := (Date{}).Value(); v != nil {
		t.Errorf("no date is %v; want NULL", v)
	}
}

func TestIndonesian(t *testing.T) {
	for in, want := range map[string]string{
		"2024-09-02": "Senin, 2 September 2024",
		"2024-08-17": "Sabtu, 17 Agustus 2024",
		"2025-01-05": "Minggu, 5 Januari 2025",
		"2024-02-29": "Kamis, 29 Februari 2024",
		"2024-05-31": "Jumat, 31 Mei 2024",
	} {
		if got := MustParse(in).Indonesian(); got != want {
			t.Errorf("%s: got %q; want %q", in, got, want)
		}
	}
	if got := (Date{}).Indonesian(); got != "" {
		t.Errorf("no date: %q", got)
	}
}
