package evidence

import (
	"context"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
)

// maxFieldBytes bounds a form's text field (the longest the metadata
// allows is 300 characters).
const maxFieldBytes = 4 << 10

// Form is what a multipart upload held: its text fields, and its one file
// received into staging (the caller commits or aborts it).
type Form struct {
	Fields   map[string]string
	Upload   *Upload
	FileName string // cleaned (CleanFileName)
}

// ReceiveForm reads an upload's parts in the order the client sent them:
// the part named "file" is streamed into st's staging (Receive), each of
// fields is read as text, and any other part is refused. Bad parts are
// reported together, as one Invalid error naming each; a body over its
// limit (http.MaxBytesReader) is TooLarge, a malformed one Malformed. When
// an error comes after the file was received, f.Upload is set for the
// caller to abort.
func ReceiveForm(ctx context.Context, st Store, mr *multipart.Reader, limit int64, fields []string) (f Form, err error) {
	f.Fields = map[string]string{}
	var v apperr.Validation
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return f, bodyError(err)
		}
		name := part.FormName()
		switch {
		case name == "file":
			if f.Upload != nil {
				v.Add("file", "send one file per upload")
				continue
			}
			u, err := Receive(ctx, st, part, limit)
			if err != nil {
				return f, bodyError(err)
			}
			f.Upload = u
			f.FileName = CleanFileName(part.FileName())
		case slices.Contains(fields, name):
			b, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
			if err != nil {
				return f, bodyError(err)
			}
			switch {
			case len(b) > maxFieldBytes:
				v.Add(name, "is too long")
			case !utf8.Valid(b):
				v.Add(name, "must be UTF-8 text")
			default:
				if _, dup := f.Fields[name]; dup {
					v.Add(name, "is sent twice")
				}
				f.Fields[name] = string(b)
			}
		default:
			v.Add(name, "is not a field of an upload (file, %s)", strings.Join(fields, ", "))
		}
	}
	if f.Upload == nil {
		v.Add("file", "is required: the document, as a file part named file")
	}
	return f, v.Err()
}

// bodyError turns a failure to read the request body into what the client
// is told: TooLarge when it is over the limit, Malformed when it is not a
// well-formed multipart body; domain errors pass through.
func bodyError(err error) error {
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return apperr.E(apperr.TooLarge, "The request is larger than an upload may be.")
	case apperr.KindOf(err) != "":
		return err
	}
	return apperr.E(apperr.Malformed, "The multipart body cannot be read (%v).", err)
}
