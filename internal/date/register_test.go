package date

import (
	"errors"
	"testing"
)

func TestParseRegister(t *testing.T) {
	good := map[string]string{
		"2024-09-30": "2024-09-30", "30/09/2024": "2024-09-30", "30-09-2024": "2024-09-30", "5/1/2025": "2025-01-05",
		"17 Agustus 2024": "2024-08-17", "17 agustus 2024": "2024-08-17", "1 Des 2024": "2024-12-01",
		"29 Februari 2024": "2024-02-29", "3 Mei 2025": "2025-05-03", " 30 September 2024 ": "2024-09-30",
		"45521": "2024-08-17", "45521.5": "2024-08-17",
	}
	for in, want := range good {
		d, err := ParseRegister(in, true)
		if err != nil || d.String() != want {
			t.Errorf("%q: %v %v, want %s", in, d, err, want)
		}
	}
	for in, want := range map[string]error{
		"31/02/2024": ErrNoSuchDay, "29-02-2023": ErrNoSuchDay, "2024-13-01": ErrNoSuchDay, "32 Januari 2024": ErrNoSuchDay,
		"17 Agustusan 2024": ErrNotDate, "2024/09/30": ErrNotDate, "besok": ErrNotDate, "": ErrNotDate, "30.09.24": ErrNotDate,
		"01/01/1899": ErrNoSuchDay,
	} {
		if _, err := ParseRegister(in, true); !errors.Is(err, want) {
			t.Errorf("%q: %v, want %v", in, err, want)
		}
	}
	if _, err := ParseRegister("45521", false); !errors.Is(err, ErrNotDate) {
		t.Errorf("a number outside a spreadsheet's date cell: %v", err)
	}
}
