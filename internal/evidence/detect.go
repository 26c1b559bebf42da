package evidence

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
)

// The media types accepted as evidence: the documents and scans that
// Indonesian offices produce.
const (
	PDF  = "application/pdf"
	DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	ODT  = "application/vnd.oasis.opendocument.text"
	ODS  = "application/vnd.oasis.opendocument.spreadsheet"
	PNG  = "image/png"
	JPEG = "image/jpeg"
)

// ErrUnsupported is returned by Detect for content that is none of the
// accepted types.
var ErrUnsupported = errors.New("evidence: unsupported document type")

// maxZipEntries bounds the archives Detect opens. Office documents have
// tens of entries, rarely hundreds; reading the directory of an archive
// built with a million would cost memory for nothing.
const maxZipEntries = 5000

// Detect names the type of the size bytes of r from their content alone:
// the client's file name and Content-Type are not asked. Office documents
// are zip archives, told apart by the parts their formats require: the
// archive's central directory (at its end) is read, not guessed at from
// its first kilobytes, and an archive that is not one of them is refused.
//
// Why not a detection library: github.com/gabriel-vasile/mimetype, the
// well-kept one, judges OOXML from the local headers within its first
// 3 KiB of input, so a DOCX whose first parts are large is a plain zip to
// it, and any zip with a "word/" entry near its start is a DOCX. For the
// seven types evidence may have, reading the directory is both exact and
// short.
func Detect(r io.ReaderAt, size int64) (string, error) {
	head := make([]byte, 1024)
	n, err := r.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return PNG, nil
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		return JPEG, nil
	// ISO 32000 lets readers accept the header anywhere in the first
	// kilobyte, and some producers put bytes before it.
	case bytes.Contains(head, []byte("%PDF-")):
		return PDF, nil
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return detectZip(r, size)
	}
	return "", ErrUnsupported
}

// detectZip tells the office formats apart by their required parts.
func detectZip(r io.ReaderAt, size int64) (string, error) {
	if entries, ok := zipEntries(r, size); !ok || entries > maxZipEntries {
		return "", ErrUnsupported
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return "", ErrUnsupported
	}
	// OpenDocument: the first entry is "mimetype", stored, holding the
	// media type (ODF 1.2, part 3, 3.3).
	if len(zr.File) == 0 {
		return "", ErrUnsupported
	}
	if f := zr.File[0]; f.Name == "mimetype" && f.Method == zip.Store {
		if rc, err := f.Open(); err == nil {
			b, _ := io.ReadAll(io.LimitReader(rc, 100))
			rc.Close()
			switch string(b) {
			case ODT, ODS:
				if has(zr, "content.xml") {
					return string(b), nil
				}
			}
		}
		return "", ErrUnsupported
	}
	// Office Open XML: a content-types part and the main part of the
	// document (ECMA-376 part 2; the main part's name is the one every
	// producer uses).
	if !has(zr, "[Content_Types].xml") {
		return "", ErrUnsupported
	}
	switch {
	case has(zr, "word/document.xml"):
		return DOCX, nil
	case has(zr, "xl/workbook.xml"):
		return XLSX, nil
	}
	return "", ErrUnsupported
}

func has(zr *zip.Reader, name string) bool {
	for _, f := range zr.File {
		if f.Name == name {
			return true
		}
	}
	return false
}

// zipEntries reads the number of entries from the end-of-central-directory
// record, before archive/zip reads (and allocates for) all of them. An
// archive without the record is not one; a ZIP64 archive says 0xFFFF here
// and is refused by the caller's bound.
func zipEntries(r io.ReaderAt, size int64) (int, bool) {
	const eocdLen = 22
	tail := min(size, eocdLen+65535) // the record and the longest comment
	buf := make([]byte, tail)
	if _, err := r.ReadAt(buf, size-tail); err != nil && !errors.Is(err, io.EOF) {
		return 0, false
	}
	i := bytes.LastIndex(buf, []byte("PK\x05\x06"))
	if i < 0 || len(buf)-i < eocdLen {
		return 0, false
	}
	return int(binary.LittleEndian.Uint16(buf[i+10:])), true
}
