package importer

import (
	"testing"
	"unicode/utf8"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
)

// FuzzReadFile checks that any bytes are either read as a table with a
// header row and at most MaxRows rows of findings, or refused with a
// domain error (never a panic or an internal error), and that a CSV's
// cells are valid UTF-8.
func FuzzReadFile(f *testing.F) {
	for _, s := range []string{"No;Judul\r\n1;Kebijakan\r\n", "\uFEFFNo,Judul\n1,\"a\nb\"\n", "No;Judul\n1;\xe9\n", "PK\x03\x04",
		"MZ\x90\x00", "", "\"unterminated", "No;Judul\n\n\n2;x"} {
		f.Add([]byte(s))
	}
	l := Limits{MaxBytes: 1 << 20, MaxRows: 50, MaxUnzipped: 4 << 20}
	f.Fuzz(func(t *testing.T, data []byte) {
		kind, err := detect(data, l)
		if err != nil {
			if apperr.KindOf(err) == "" {
				t.Fatalf("detect: internal error %v", err)
			}
			return
		}
		var tb table
		if kind == KindXLSX {
			tb, err = readXLSX(data, l)
		} else {
			tb, err = readCSV(data, l)
		}
		if err != nil {
			if apperr.KindOf(err) == "" {
				t.Fatalf("read %s: internal error %v", kind, err)
			}
			return
		}
		if len(tb.rows) == 0 || tb.rows[0] == nil {
			t.Fatalf("%s: no header row", kind)
		}
		for _, r := range tb.rows {
			for _, c := range r {
				if kind == KindCSV && !utf8.ValidString(c) {
					t.Fatalf("a CSV cell that is not UTF-8: %q", c)
				}
			}
		}
		if countData(tb) > l.MaxRows {
			t.Fatalf("%s: %d rows of findings, over the limit", kind, countData(tb))
		}
	})
}

func countData(tb table) int {
	n := 0
	for _, r := range tb.rows[1:] {
		if r != nil {
			n++
		}
	}
	return n
}
