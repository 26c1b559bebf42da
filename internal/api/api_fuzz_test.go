package api

import (
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/finding"
)

// fuzzKey is the cursor key of the fuzz targets; otherKey stands for
// another installation's.
var (
	fuzzKey  = []byte("0123456789abcdef0123456789abcdef")
	otherKey = []byte("fedcba9876543210fedcba9876543210")
)

// FuzzCursorDecode checks that a cursor decodes only when the service
// signed it: for its list, under its key (another key refuses it), and
// that the position it holds encodes again to a cursor that decodes to
// the same position.
func FuzzCursorDecode(f *testing.F) {
	cc := cursorCodec{key: fuzzKey}
	f.Add("findings", cc.encode("findings", finding.Cursor{Due: "2024-09-30", ID: 42}))
	f.Add("findings", cc.encode("findings", finding.Cursor{Due: "infinity", ID: 1}))
	f.Add("findings", cc.encode("units", finding.Cursor{Due: "2024-09-30", ID: 42}))
	f.Add("units", cc.encode("units", map[string]any{"code": "DISKOMINFO", "id": 7}))
	f.Add("findings", cursorCodec{key: otherKey}.encode("findings", finding.Cursor{Due: "2024-09-30", ID: 42}))
	f.Add("findings", "")
	f.Add("findings", "AAAAAAAAAAAAAAAAAAAAAAA")
	f.Add("findings", strings.Repeat("A", 2000))
	f.Fuzz(func(t *testing.T, list, cursor string) {
		var key finding.Cursor
		err := cc.decode(list, cursor, &key)
		if err != nil {
			if apperr.KindOf(err) != apperr.Malformed {
				t.Fatalf("decode(%q): %v; want malformed", cursor, err)
			}
			return
		}
		if len(cursor) > 1024 {
			t.Fatalf("a cursor of %d bytes was accepted", len(cursor))
		}
		var other finding.Cursor
		if (cursorCodec{key: otherKey}).decode(list, cursor, &other) == nil {
			t.Fatalf("cursor %q decodes under another key", cursor)
		}
		var back finding.Cursor
		if err := cc.decode(list, cc.encode(list, key), &back); err != nil || back != key {
			t.Fatalf("position %+v re-encodes to %+v, %v", key, back, err)
		}
	})
}

// fuzzBody is a request body with the kinds of field the API decodes:
// optional fields of PATCH bodies, numbers, lists, scores.
type fuzzBody struct {
	applicationPatchRequest
	Milestones []milestoneRequest `json:"milestones"`
	Score      scoreRequest       `json:"score"`
}

// FuzzDecodeJSON checks decodeJSON through an Echo context: every body is
// answered with 413, 415, a Malformed error, or an Invalid one naming a
// field, and a body that is accepted is exactly one JSON value.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []struct{ ct, body string }{
		{"application/json", `{"name": "SIMPEG", "unit_id": 3, "integrated": true, "version": 2}`},
		{"application/json; charset=utf-8", `{"name": null, "score": {"level": 3.25, "target_level": 4}}`},
		{"application/merge-patch+json", `{"milestones": [{"name": "Visitasi", "date": "2024-09-30"}]}`},
		{"", `{"unit_id": "3"}`},
		{"text/plain", `{}`},
		{"application/json", `{"a": 1} {"b": 2}`},
		{"application/json", `[1, 2]`},
		{"application/json", `{"version": 1e400}`},
		{"application/json", `{"name": "\ud800"`},
		{"application/json", "  \n\t "},
		{"application/json; charset", `{}`},
	} {
		f.Add(s.ct, []byte(s.body))
	}
	e := echo.New()
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		req := httptest.NewRequest(http.MethodPatch, "/api/v1/applications/1", strings.NewReader(string(body)))
		if contentType != "" {
			req.Header.Set(echo.HeaderContentType, contentType)
		}
		c := e.NewContext(req, httptest.NewRecorder())
		var dst fuzzBody
		err := decodeJSON(c, &dst)
		var he *echo.HTTPError
		var ae *apperr.Error
		switch {
		case err == nil:
			if !json.Valid(body) {
				t.Fatalf("decodeJSON accepted %q, which is not one JSON value", body)
			}
			if ct := req.Header.Get(echo.HeaderContentType); ct != "" {
				if mt, _, err := mime.ParseMediaType(ct); err != nil || !strings.Contains(mt, "json") {
					t.Fatalf("decodeJSON accepted Content-Type %q", ct)
				}
			}
		case errors.As(err, &he):
			if he.Code != http.StatusUnsupportedMediaType && he.Code != http.StatusRequestEntityTooLarge {
				t.Fatalf("decodeJSON(%q): HTTP error %d", body, he.Code)
			}
		case errors.As(err, &ae):
			if ae.Kind == apperr.Invalid && (len(ae.Fields) == 0 || ae.Fields[0].Field == "") {
				t.Fatalf("decodeJSON(%q): %v names no field", body, err)
			}
			if ae.Kind != apperr.Invalid && ae.Kind != apperr.Malformed {
				t.Fatalf("decodeJSON(%q): %v", body, err)
			}
		default:
			t.Fatalf("decodeJSON(%q): %v (%T)", body, err, err)
		}
	})
}

// FuzzIfMatch checks that If-Match yields a positive version written in
// the header, or an Invalid error naming version.
func FuzzIfMatch(f *testing.F) {
	for _, s := range []string{`"3"`, `W/"3"`, `3`, ` "12" `, `"0"`, `"-1"`, `*`, `"3", "4"`, `W/W/"3"`, `"""3"""`,
		`"99999999999999999999"`, `"+7"`, `"٣"`} {
		f.Add(s)
	}
	e := echo.New()
	f.Fuzz(func(t *testing.T, header string) {
		req := httptest.NewRequest(http.MethodPatch, "/", nil)
		req.Header["If-Match"] = []string{header}
		v, err := expectedVersion(e.NewContext(req, httptest.NewRecorder()), nil)
		if err != nil {
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Kind != apperr.Invalid || ae.Fields[0].Field != "version" {
				t.Fatalf("If-Match %q: %v; want invalid version", header, err)
			}
			return
		}
		if v < 1 || !strings.Contains(header, strings.TrimPrefix(strconv.Itoa(v), "+")) {
			t.Fatalf("If-Match %q read as version %d", header, v)
		}
	})
}
