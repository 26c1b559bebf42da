package web

import (
	"strings"
	"testing"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/finding"
)

// FuzzDecodeCursor checks that a page link's cursor decodes only when the
// service signed it (a service with another secret refuses it), and that
// the position it holds encodes again to a cursor that decodes to the
// same position.
func FuzzDecodeCursor(f *testing.F) {
	w := &Web{secret: []byte("0123456789abcdef0123456789abcdef")}
	other := &Web{secret: []byte("fedcba9876543210fedcba9876543210")}
	f.Add(w.encodeCursor(finding.Cursor{Due: "2024-09-30", ID: 42}))
	f.Add(w.encodeCursor(finding.Cursor{Due: "infinity", ID: 1}))
	f.Add(other.encodeCursor(finding.Cursor{Due: "2024-09-30", ID: 42}))
	f.Add("")
	f.Add(".")
	f.Add("e30.")
	f.Add("e30" + strings.Repeat(".", 3))
	f.Fuzz(func(t *testing.T, s string) {
		cur, err := w.decodeCursor(s)
		if err != nil {
			if apperr.KindOf(err) != apperr.Malformed {
				t.Fatalf("decodeCursor(%q): %v; want malformed", s, err)
			}
			return
		}
		if s == "" {
			if cur != nil {
				t.Fatalf("an empty cursor decodes to %+v", cur)
			}
			return
		}
		if cur == nil {
			t.Fatalf("decodeCursor(%q): no cursor and no error", s)
		}
		if _, err := other.decodeCursor(s); err == nil {
			t.Fatalf("cursor %q decodes under another secret", s)
		}
		back, err := w.decodeCursor(w.encodeCursor(*cur))
		if err != nil || *back != *cur {
			t.Fatalf("position %+v re-encodes to %+v, %v", *cur, back, err)
		}
	})
}
