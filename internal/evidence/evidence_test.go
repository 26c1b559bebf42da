package evidence

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"mime"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/evidence/evidencetest"
)

func TestDetect(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want string // "" for refused
	}{
		{"pdf", evidencetest.PDF("Surat Keputusan Gubernur", 0), PDF},
		{"pdf after a preamble", append([]byte("\r\n\r\n"), evidencetest.PDF("SK", 0)...), PDF},
		{"docx", evidencetest.DOCX("Pedoman Manajemen Risiko SPBE", 0), DOCX},
		{"docx whose first part is 64 KiB", evidencetest.DOCX("Pedoman", 64<<10), DOCX},
		{"xlsx", evidencetest.XLSX("Matriks tindak lanjut"), XLSX},
		{"odt", evidencetest.ODF(ODT, "Peta rencana SPBE"), ODT},
		{"ods", evidencetest.ODF(ODS, "Peta rencana SPBE"), ODS},
		{"png", evidencetest.PNG(40, 30), PNG},
		{"jpeg", evidencetest.JPEG(40, 30), JPEG},
		{"linux executable", evidencetest.ELF(), ""},
		{"windows executable", evidencetest.EXE(), ""},
		{"plain text", []byte("Surat Edaran Nomor 1 Tahun 2024"), ""},
		{"html", []byte("<!doctype html><script>alert(1)</script>"), ""},
		{"a zip of text files", evidencetest.Zip(evidencetest.Entry{Name: "baca.txt", Body: "isi"}), ""},
		{"a zip that names word/ without content types",
			evidencetest.Zip(evidencetest.Entry{Name: "word/document.xml", Body: "<w:document/>"}), ""},
		{"content types without a main part",
			evidencetest.Zip(evidencetest.Entry{Name: "[Content_Types].xml", Body: "<Types/>"}, evidencetest.Entry{Name: "word/x.xml"}), ""},
		{"an ODF mimetype of another kind", evidencetest.ODF("application/vnd.oasis.opendocument.presentation", "x"), ""},
		{"an ODF mimetype compressed", evidencetest.Zip(evidencetest.Entry{Name: "mimetype", Body: ODT},
			evidencetest.Entry{Name: "content.xml", Body: "<x/>"}), ""},
		{"a zip header and nothing else", []byte("PK\x03\x04garbage"), ""},
		{"an empty zip", evidencetest.Zip(), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Detect(bytes.NewReader(tt.data), int64(len(tt.data)))
			if tt.want == "" {
				if !errors.Is(err, ErrUnsupported) {
					t.Errorf("Detect = %q, %v; want ErrUnsupported", got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("Detect = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestDetectRefusesHugeDirectories(t *testing.T) {
	entries := []evidencetest.Entry{{Name: "[Content_Types].xml", Body: "<Types/>"}, {Name: "word/document.xml", Body: "<w/>"}}
	for i := range maxZipEntries {
		entries = append(entries, evidencetest.Entry{Name: "word/media/" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + ".bin", Stored: true})
	}
	data := evidencetest.Zip(entries...)
	if _, err := Detect(bytes.NewReader(data), int64(len(data))); !errors.Is(err, ErrUnsupported) {
		t.Errorf("an archive of %d entries: %v; want ErrUnsupported", len(entries), err)
	}
}

func TestCleanFileName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"SK Gubernur Kalsel.pdf", "SK Gubernur Kalsel.pdf"},
		{"Peta Rencana SPBE – Tahap Ⅱ (revisi) é.docx", "Peta Rencana SPBE – Tahap Ⅱ (revisi) é.docx"},
		{"../../etc/passwd", "passwd"},
		{`C:\Users\staf\Dokumen\SK 188.44.pdf`, "SK 188.44.pdf"},
		{"laporan\x00\x1b[31m.pdf", "laporan[31m.pdf"},
		{"bukti\r\nSet-Cookie: x.pdf", "buktiSet-Cookie: x.pdf"},
		{"zero\u200bwidth\u202Efdp.exe", "zerowidthfdp.exe"},
		{"  banyak    spasi \t .pdf  ", "banyak spasi .pdf"},
		{"..", ""},
		{"../", ""},
		{"\x00\x01", ""},
		{"bad\xffutf8.pdf", "badutf8.pdf"},
		{strings.Repeat("é", 200) + ".pdf", strings.Repeat("é", 125) + ".pdf"},
	}
	for _, tt := range tests {
		if got := CleanFileName(tt.in); got != tt.want {
			t.Errorf("CleanFileName(%q) = %q; want %q", tt.in, got, tt.want)
		}
		if got := CleanFileName(tt.in); len(got) > maxFileName {
			t.Errorf("CleanFileName(%q) is %d bytes", tt.in, len(got))
		}
	}
}

func TestContentDisposition(t *testing.T) {
	for _, name := range []string{"SK Gubernur.pdf", "Pedoman \"Risiko\" 100%.docx", "Surat Edaran – Sekda Kalsel ñ.pdf", "laporan;x=1.pdf"} {
		h := ContentDisposition(name)
		disp, params, err := mime.ParseMediaType(h)
		if err != nil || disp != "attachment" {
			t.Errorf("%q → %q: %v", name, h, err)
			continue
		}
		// Go's parser, like browsers, prefers filename* to filename.
		if params["filename"] != name {
			t.Errorf("%q → %q → filename %q", name, h, params["filename"])
		}
		if strings.ContainsAny(h, "\r\n") {
			t.Errorf("%q → %q has a line break", name, h)
		}
	}
}

func TestReceive(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	pdf := evidencetest.PDF("SK", 5000)

	u, err := Receive(ctx, st, bytes.NewReader(pdf), int64(len(pdf)))
	if err != nil {
		t.Fatal(err)
	}
	if u.Sum != sha256.Sum256(pdf) || u.Size != int64(len(pdf)) || u.MediaType != PDF {
		t.Errorf("upload = %+v", u)
	}
	if err := u.Staging.Commit(ctx, u.Sum); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(st.path(u.Sum))
	if err != nil || !bytes.Equal(got, pdf) {
		t.Fatalf("stored %d bytes, %v", len(got), err)
	}

	for _, tt := range []struct {
		name  string
		data  []byte
		limit int64
		kind  apperr.Kind
	}{
		{"one byte over the limit", pdf, int64(len(pdf)) - 1, apperr.TooLarge},
		{"empty", nil, 100, apperr.Invalid},
		{"an executable", evidencetest.ELF(), 1 << 20, apperr.Unsupported},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Receive(ctx, st, bytes.NewReader(tt.data), tt.limit)
			if apperr.KindOf(err) != tt.kind {
				t.Errorf("err = %v; want kind %s", err, tt.kind)
			}
			if n := files(t, st.staging); n != 0 {
				t.Errorf("%d staged files left", n)
			}
		})
	}
}

func TestFSCommitDeduplicatesAndCollects(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	doc := evidencetest.DOCX("Pedoman", 0)
	sum := Sum(sha256.Sum256(doc))
	put := func() {
		t.Helper()
		s, err := st.Stage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		s.Write(doc)
		if err := s.Commit(ctx, sum); err != nil {
			t.Fatal(err)
		}
	}
	put()
	old := time.Now().Add(-48 * time.Hour)
	os.Chtimes(st.path(sum), old, old)
	put()
	if n := files(t, filepath.Join(st.blobs, sum.String()[:2])); n != 1 {
		t.Errorf("%d blobs for one content", n)
	}
	if n := files(t, st.staging); n != 0 {
		t.Errorf("%d staged files left after commit", n)
	}
	info, err := os.Stat(st.path(sum))
	if err != nil || time.Since(info.ModTime()) > time.Hour {
		t.Errorf("a deduplicated blob's time is not renewed: %v %v", info.ModTime(), err)
	}

	// A live upload keeps its staged file; a dead one's is collected.
	live, err := st.Stage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	live.Write([]byte("%PDF-"))
	if err := os.WriteFile(filepath.Join(st.staging, "upload-dead"), []byte("%PDF-partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	if n, err := st.CollectStaging(ctx, false); n != 1 || err != nil {
		t.Errorf("CollectStaging(dry run) = %d, %v; want 1", n, err)
	}
	if n, err := st.CollectStaging(ctx, true); n != 1 || err != nil {
		t.Errorf("CollectStaging = %d, %v; want 1", n, err)
	}
	if n := files(t, st.staging); n != 1 {
		t.Errorf("%d staged files; want the live upload's only", n)
	}
	live.Abort()
	if n := files(t, st.staging); n != 0 {
		t.Errorf("%d staged files after abort", n)
	}
}

func TestVerifyAndCollect(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	now := time.Now()
	store := func(data []byte, age time.Duration) Sum {
		t.Helper()
		u, err := Receive(ctx, st, bytes.NewReader(data), 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		if err := u.Staging.Commit(ctx, u.Sum); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(st.path(u.Sum), now.Add(-age), now.Add(-age))
		return u.Sum
	}
	good := store(evidencetest.PDF("baik", 0), 0)
	corrupt := store(evidencetest.PDF("rusak", 0), 0)
	oldOrphan := store(evidencetest.PNG(8, 8), 30*time.Hour)
	newOrphan := store(evidencetest.JPEG(8, 8), time.Hour)
	missing := Sum(sha256.Sum256([]byte("hilang")))
	f, _ := os.OpenFile(st.path(corrupt), os.O_WRONLY, 0)
	f.WriteAt([]byte("X"), 20)
	f.Close()
	os.WriteFile(filepath.Join(st.blobs, "README"), []byte("not a blob"), 0o600)

	refs := map[[32]byte]int{good: 1, corrupt: 2, missing: 1}
	rep, err := Verify(ctx, st, refs)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Blobs != 4 || len(rep.Missing) != 1 || rep.Missing[0] != missing || len(rep.Corrupt) != 1 ||
		rep.Corrupt[0].Sum != corrupt || len(rep.Unreferenced) != 2 || rep.Clean() {
		t.Fatalf("report = %+v", rep)
	}
	var asked []Sum
	n, err := Collect(ctx, st, rep, now, 24*time.Hour, func(ctx context.Context, sum []byte, del func(context.Context) error) (bool, error) {
		asked = append(asked, Sum(sum))
		return true, del(ctx)
	})
	if err != nil || n != 1 || len(asked) != 1 || asked[0] != oldOrphan {
		t.Fatalf("Collect = %d, %v (asked about %v); want only the old orphan removed", n, err, asked)
	}
	if _, err := st.Open(ctx, oldOrphan); !errors.Is(err, ErrNotFound) {
		t.Errorf("the old orphan is still stored: %v", err)
	}
	if b, err := st.Open(ctx, newOrphan); err != nil {
		t.Errorf("the recent orphan is gone: %v", err)
	} else {
		b.Close()
	}
}

func newStore(t *testing.T) *FS {
	t.Helper()
	st, err := NewFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func files(t *testing.T, dir string) int {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return len(entries)
}
