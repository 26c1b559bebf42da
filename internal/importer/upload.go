package importer

import (
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
)

// Upload is an import's multipart form as read: the file and the text
// fields.
type Upload struct {
	File   File
	Fields map[string]string
}

// maxField bounds a text field of the form (a column mapping of many
// headers fits).
const maxField = 64 << 10

// ReadUpload reads a multipart form holding a part named "file" (at most
// l.MaxBytes, else TooLarge) and the text fields named in fields; any
// other part, a field sent twice, or a missing file is Invalid; a body
// that is not multipart is Malformed; a body over the reader's own limit
// (http.MaxBytesReader) is TooLarge.
func ReadUpload(mr *multipart.Reader, l Limits, fields []string) (Upload, error) {
	up := Upload{Fields: map[string]string{}}
	var v apperr.Validation
	seenFile := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Upload{}, bodyError(err, l)
		}
		name := part.FormName()
		switch {
		case name == "file":
			if seenFile {
				v.Add("file", "send one file per import")
				continue
			}
			seenFile = true
			b, err := io.ReadAll(io.LimitReader(part, l.MaxBytes+1))
			if err != nil {
				return Upload{}, bodyError(err, l)
			}
			if int64(len(b)) > l.MaxBytes {
				return Upload{}, TooLarge(l)
			}
			up.File = File{Name: cleanName(part.FileName()), Data: b}
		case slices.Contains(fields, name):
			b, err := io.ReadAll(io.LimitReader(part, maxField+1))
			if err != nil {
				return Upload{}, bodyError(err, l)
			}
			switch _, dup := up.Fields[name]; {
			case len(b) > maxField:
				v.Add(name, "is too long")
			case !utf8.Valid(b):
				v.Add(name, "must be UTF-8 text")
			case dup:
				v.Add(name, "is sent twice")
			default:
				up.Fields[name] = string(b)
			}
		default:
			v.Add(name, "is not a field of an import (file, %s)", strings.Join(fields, ", "))
		}
	}
	if !seenFile {
		v.Add("file", "is required: the register, as a file part named file")
	}
	return up, v.Err()
}

func bodyError(err error, l Limits) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return TooLarge(l)
	}
	return apperr.E(apperr.Malformed, "The multipart body cannot be read.")
}

// cleanName keeps the base of a client's file name, for the events.
func cleanName(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, `\`, "/"))
	if name == "." || name == "/" || name == "" || !utf8.ValidString(name) {
		return "register"
	}
	if r := []rune(name); len(r) > 255 {
		name = string(r[:255])
	}
	return name
}

// ParseColumns reads a column mapping sent as a JSON object of header →
// field ("" for none).
func ParseColumns(s string) (map[string]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		var v apperr.Validation
		v.Add("columns", "must be a JSON object of header to field, such as {\"Kode\": \"ref\"}")
		return nil, v.Err()
	}
	return m, nil
}

// ParseDryRun reads dry_run: true unless "false" is given.
func ParseDryRun(s string, set bool) (bool, error) {
	switch {
	case !set || s == "true":
		return true, nil
	case s == "false":
		return false, nil
	}
	var v apperr.Validation
	v.Add("dry_run", "must be true or false")
	return false, v.Err()
}
