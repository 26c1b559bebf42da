package evidence

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"mime"
	"path"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/sys/unix"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
)

// DefaultMaxSize is the size limit of one document unless configured.
const DefaultMaxSize = 25 << 20

// Upload is a document received into a Store's staging area and checked:
// its sum, size and type are known, and it is neither committed nor
// visible yet.
type Upload struct {
	Staging   Staging
	Sum       Sum
	Size      int64
	MediaType string
}

// Receive streams r into a new staged blob of st, computing its SHA-256 as
// it goes: memory does not grow with the document. It refuses a document
// over limit bytes as soon as the limit is crossed (TooLarge), an empty
// one (Invalid, field "file") and any type Detect refuses (Unsupported).
// On error nothing is left staged; on success the caller commits or
// aborts u.Staging.
func Receive(ctx context.Context, st Store, r io.Reader, limit int64) (u *Upload, err error) {
	staging, err := st.Stage(ctx)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			staging.Abort()
		}
	}()
	h := sha256.New()
	n, err := copyHashing(staging, h, io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("receive document: %w", err)
	}
	if n > limit {
		return nil, tooLargeError(limit)
	}
	if n == 0 {
		return nil, &apperr.Error{Kind: apperr.Invalid, Message: "The document is empty.",
			Fields: []apperr.FieldError{{Field: "file", Message: "is empty"}}}
	}
	media, err := Detect(staging, n)
	if errors.Is(err, ErrUnsupported) {
		return nil, apperr.E(apperr.Unsupported,
			"The document is none of the accepted types (PDF, DOCX, XLSX, ODT, ODS, PNG, JPEG), judged from its content.")
	}
	if err != nil {
		return nil, fmt.Errorf("detect document type: %w", err)
	}
	// The bytes are made durable now, before the caller takes a database
	// connection to commit them in (Commit then finds them written).
	if s, ok := staging.(interface{ Sync() error }); ok {
		if err := s.Sync(); err != nil {
			return nil, err
		}
	}
	u = &Upload{Staging: staging, Size: n, MediaType: media}
	copy(u.Sum[:], h.Sum(nil))
	return u, nil
}

// receiveChunk is how much of a document is read, written and hashed at a
// time (a multipart part yields at most 4 KiB a read: each write to the
// staged file gathers 256 of them). At 1 MiB an upload runs at 0.53-0.56
// of cp+fsync, at 256 KiB 0.46 (BenchmarkUpload).
const receiveChunk = 1 << 20

// copyHashing copies r to w and into h, and returns how many bytes it
// copied. The hash runs on a goroutine of its own, a chunk behind the
// copy: hashing is a third of an upload's CPU, and the document arrives
// and is written while the chunk before is hashed. Two chunks alternate;
// one is refilled only once its hash is done. On a read or write error,
// h is left incomplete.
//
// The chunks are mapped from the operating system, outside the Go heap:
// in the heap, eight uploads' 16 MiB of them would let the collector's
// pacing (GOGC=400) grow the heap by five times that, and keep it after.
//
// A document that fits in its first 64 KiB (most scanned letters do not,
// many forms and small PDFs do) is copied and hashed at once from a pooled
// buffer, without the goroutine or the mapping: for a 20 KB document they
// cost more than the hash they would overlap, and unmapping interrupts
// every core the process runs on.
func copyHashing(w io.Writer, h hash.Hash, r io.Reader) (int64, error) {
	head := headBuffers.Get().(*[headSize]byte)
	defer headBuffers.Put(head)
	n, err := fill(r, head[:])
	if n > 0 {
		if _, werr := w.Write(head[:n]); werr != nil {
			return 0, werr
		}
		h.Write(head[:n])
	}
	if err != nil {
		if err == io.EOF {
			err = nil
		}
		return int64(n), err
	}
	rest, err := copyHashingChunks(w, h, r)
	return int64(n) + rest, err
}

// headSize is the part of a document copyHashing reads before it decides
// whether the rest is worth a pipeline.
const headSize = 64 << 10

var headBuffers = sync.Pool{New: func() any { return new([headSize]byte) }}

// copyHashingChunks is copyHashing's pipeline, for what follows the head.
func copyHashingChunks(w io.Writer, h hash.Hash, r io.Reader) (int64, error) {
	mem, err := getChunks()
	if err != nil {
		return 0, err
	}
	defer putChunks(mem)
	bufs := [2][]byte{mem[:receiveChunk:receiveChunk], mem[receiveChunk:]}
	chunks := make(chan []byte, 2)
	hashed := make(chan struct{}, 2)
	go func() {
		for b := range chunks {
			h.Write(b)
			hashed <- struct{}{}
		}
		close(hashed)
	}()
	var total int64
	pending := 0
	for i := 0; ; i++ {
		buf := bufs[i%2]
		if pending == len(bufs) {
			<-hashed // the chunk before the last: buf is free again
			pending--
		}
		var n int
		n, err = fill(r, buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				err = werr
				break
			}
			total += int64(n)
			chunks <- buf[:n]
			pending++
		}
		if err != nil {
			break
		}
	}
	close(chunks)
	for range hashed {
	}
	if err == io.EOF {
		err = nil
	}
	return total, err
}

// getChunks maps a pair of chunks. Their pages are faulted in as they are
// first written, so a document of 20 KB touches 20 KB of them.
func getChunks() ([]byte, error) {
	mem, err := unix.Mmap(-1, 0, 2*receiveChunk, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return nil, fmt.Errorf("map receive buffers: %w", err)
	}
	return mem, nil
}

func putChunks(mem []byte) { unix.Munmap(mem) }

// fill reads into buf until it is full or r ends (io.EOF) or fails. Unlike
// io.ReadFull it passes every error of r through as it is: a multipart
// body cut short is io.ErrUnexpectedEOF from the part, not a short chunk.
func fill(r io.Reader, buf []byte) (n int, err error) {
	for n < len(buf) && err == nil {
		var k int
		k, err = r.Read(buf[n:])
		n += k
	}
	return n, err
}

func tooLargeError(limit int64) error {
	return apperr.E(apperr.TooLarge, "The document is larger than the limit of %s.", FormatSize(limit))
}

// FormatSize writes a byte count for people: 25 MiB, 512 KiB, 700 bytes.
func FormatSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// maxFileName bounds a stored file name, in bytes (what filesystems
// allow, should a user save the download under it).
const maxFileName = 255

// CleanFileName is the name a document is stored and served under: the
// base name the client gave (after the last / or \, so that no path
// travels with it), without control or format characters, with spaces
// collapsed, trimmed, and cut to 255 bytes on a character boundary
// keeping its extension. Indonesian names with spaces and non-ASCII
// letters pass unchanged. The result is empty when nothing is left.
func CleanFileName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.ToValidUTF8(name, "")
	name = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r):
			return -1
		case unicode.IsSpace(r):
			return ' '
		}
		return r
	}, name)
	name = strings.Join(strings.Fields(name), " ")
	name = strings.Trim(name, " .")
	if name == "" {
		return ""
	}
	if len(name) > maxFileName {
		ext := path.Ext(name)
		if len(ext) > 16 {
			ext = ""
		}
		stem := name[:maxFileName-len(ext)]
		for !utf8.ValidString(stem) {
			stem = stem[:len(stem)-1]
		}
		name = strings.TrimRight(stem, " .") + ext
	}
	return name
}

// ContentDisposition is the header that makes a browser save a document
// under name (RFC 6266): an ASCII fallback for old clients, and the exact
// name in UTF-8 (RFC 8187) for the others.
func ContentDisposition(name string) string {
	fallback := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '%' {
			return '_'
		}
		return r
	}, name)
	v := mime.FormatMediaType("attachment", map[string]string{"filename": fallback})
	if fallback != name {
		v += "; filename*=UTF-8''" + encodeRFC8187(name)
	}
	return v
}

// encodeRFC8187 percent-encodes everything but RFC 8187's attr-chars.
func encodeRFC8187(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x80 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
