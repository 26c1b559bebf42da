package evidence

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/evidence/evidencetest"
)

// FuzzDetect checks that content is either refused as unsupported or
// named as one of the seven accepted types, by the marks that type
// requires.
func FuzzDetect(f *testing.F) {
	f.Add(evidencetest.PDF("Surat Edaran", 2000))
	f.Add(evidencetest.DOCX("SK Kepala Dinas", 0))
	f.Add(evidencetest.XLSX("Rekap"))
	f.Add(evidencetest.ODF(ODT, "Notulen"))
	f.Add(evidencetest.ODF(ODS, "Anggaran"))
	f.Add(evidencetest.PNG(2, 2))
	f.Add(evidencetest.JPEG(2, 2))
	f.Add(evidencetest.ELF())
	f.Add(evidencetest.Zip(evidencetest.Entry{Name: "[Content_Types].xml", Body: "<Types/>"}))
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		mt, err := Detect(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			if !errors.Is(err, ErrUnsupported) {
				t.Fatalf("Detect: %v; want ErrUnsupported", err)
			}
			return
		}
		head := data[:min(len(data), 1024)]
		var ok bool
		switch mt {
		case PNG:
			ok = bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n"))
		case JPEG:
			ok = bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF})
		case PDF:
			ok = bytes.Contains(head, []byte("%PDF-"))
		case DOCX, XLSX, ODT, ODS:
			ok = bytes.HasPrefix(data, []byte("PK\x03\x04"))
		}
		if !ok {
			t.Fatalf("Detect(%q…) = %q", head[:min(len(head), 16)], mt)
		}
	})
}

// FuzzCleanFileName checks that a stored file name carries no path, no
// control or format character, no leading or trailing space or dot and no
// doubled space, is valid UTF-8 of at most 255 bytes, is its own clean
// form, and survives Content-Disposition.
func FuzzCleanFileName(f *testing.F) {
	for _, s := range []string{"SK Kepala Dinas.pdf", `C:\Users\sari\Surat Edaran 12.docx`, "../../etc/passwd",
		"laporan\x00.pdf", "  .hidden. ", "a\u202egpj.exe", "Bukti\tDukung\n2024.xlsx", "\xff\xfe.pdf",
		strings.Repeat("é", 200) + ".pdf", strings.Repeat("a", 300) + ".verylongextension123", "dokumen%20\"x\";.pdf"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got := CleanFileName(name)
		if got == "" {
			return
		}
		if strings.ContainsAny(got, `/\`) || !utf8.ValidString(got) || len(got) > maxFileName ||
			strings.Contains(got, "  ") || strings.Trim(got, " .") != got {
			t.Fatalf("CleanFileName(%q) = %q", name, got)
		}
		for _, r := range got {
			if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || (unicode.IsSpace(r) && r != ' ') {
				t.Fatalf("CleanFileName(%q) = %q, holding %U", name, got, r)
			}
		}
		if again := CleanFileName(got); again != got {
			t.Fatalf("CleanFileName(%q) = %q, but cleaning that gives %q", name, got, again)
		}
		_, params, err := mime.ParseMediaType(ContentDisposition(got))
		if err != nil || params["filename"] != got {
			t.Fatalf("ContentDisposition(%q) = %q, read back as %q, %v", got, ContentDisposition(got), params["filename"], err)
		}
	})
}

// FuzzReceiveForm checks an upload's multipart reading: a form is either
// refused as Malformed, Invalid, TooLarge or Unsupported, or holds a
// received document, a clean file name and the known fields as UTF-8 text
// of at most 4 KiB.
func FuzzReceiveForm(f *testing.F) {
	const boundary = "batas"
	part := func(name, filename, body string) string {
		disp := fmt.Sprintf(`form-data; name=%q`, name)
		if filename != "" {
			disp += fmt.Sprintf(`; filename=%q`, filename)
		}
		return "--" + boundary + "\r\nContent-Disposition: " + disp + "\r\n\r\n" + body + "\r\n"
	}
	end := "--" + boundary + "--\r\n"
	pdf := string(evidencetest.PDF("SK", 200))
	f.Add([]byte(part("kind", "", "sk") + part("nomor", "", "800/12/2024") + part("file", "SK 12.pdf", pdf) + end))
	f.Add([]byte(part("file", "../a.pdf", pdf) + part("file", "b.pdf", pdf) + part("other", "", "x") + end))
	f.Add([]byte(part("kind", "", "\xff") + part("kind", "", "sk") + part("file", "x.exe", "MZ") + end))
	f.Add([]byte(part("file", "kosong.pdf", "") + end))
	f.Add([]byte("--" + boundary + "\r\nContent-Disposition: form-data\r\n\r\nx"))
	st, err := NewFS(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	fields := []string{"kind", "nomor", "date"}
	f.Fuzz(func(t *testing.T, body []byte) {
		mr := multipart.NewReader(bytes.NewReader(body), boundary)
		form, err := ReceiveForm(context.Background(), st, mr, 64<<10, fields)
		if form.Upload != nil {
			defer form.Upload.Staging.Abort()
		}
		if err != nil {
			switch k := apperr.KindOf(err); k {
			case apperr.Malformed, apperr.Invalid, apperr.TooLarge, apperr.Unsupported:
			default:
				t.Fatalf("ReceiveForm: %v (kind %q)", err, k)
			}
			return
		}
		if form.Upload == nil || form.Upload.Size < 1 || form.Upload.MediaType == "" {
			t.Fatalf("ReceiveForm accepted a form without a document: %+v", form)
		}
		if CleanFileName(form.FileName) != form.FileName {
			t.Fatalf("file name %q is not clean", form.FileName)
		}
		for name, v := range form.Fields {
			if !utf8.ValidString(v) || len(v) > maxFieldBytes || !strings.Contains(strings.Join(fields, ","), name) {
				t.Fatalf("field %q = %q accepted", name, v)
			}
		}
	})
}
