package evidence

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

// TestCopyHashing checks the pipelined copy at the sizes around its chunk
// boundaries, read in pieces as a multipart part gives them: what is
// written and what is hashed are the input, and errors pass through as
// they are (a truncated body stays io.ErrUnexpectedEOF).
func TestCopyHashing(t *testing.T) {
	for _, size := range []int{0, 1, headSize - 1, headSize, headSize + 1, headSize + receiveChunk - 1, headSize + receiveChunk,
		headSize + receiveChunk + 1, headSize + 2*receiveChunk, 3*receiveChunk + 5} {
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(i * 7)
		}
		var out bytes.Buffer
		h := sha256.New()
		n, err := copyHashing(&out, h, iotest.HalfReader(bytes.NewReader(data)))
		if err != nil || n != int64(size) || !bytes.Equal(out.Bytes(), data) {
			t.Fatalf("size %d: copied %d, %v; wrote %d bytes", size, n, err, out.Len())
		}
		if want := sha256.Sum256(data); !bytes.Equal(h.Sum(nil), want[:]) {
			t.Fatalf("size %d: the hash is not the input's", size)
		}
	}

	for _, size := range []int{100, headSize + receiveChunk + 10} {
		cut := io.MultiReader(bytes.NewReader(make([]byte, size)), iotest.ErrReader(io.ErrUnexpectedEOF))
		if _, err := copyHashing(io.Discard, sha256.New(), cut); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("a body cut short after %d bytes: %v; want io.ErrUnexpectedEOF", size, err)
		}
	}
	full := errors.New("no space left on device")
	for _, size := range []int{100, 3 * receiveChunk} {
		w := &failingWriter{room: min(size, headSize) / 2, err: full}
		if _, err := copyHashing(w, sha256.New(), bytes.NewReader(make([]byte, size))); !errors.Is(err, full) {
			t.Errorf("a failing write of %d bytes: %v; want %v", size, err, full)
		}
		w = &failingWriter{room: headSize + receiveChunk/2, err: full}
		if _, err := copyHashing(w, sha256.New(), bytes.NewReader(make([]byte, 3*receiveChunk))); !errors.Is(err, full) {
			t.Errorf("a write failing in the pipeline: %v; want %v", err, full)
		}
	}
}

// failingWriter takes room bytes, then fails with err (a disk filling up).
type failingWriter struct {
	room int
	err  error
}

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.room {
		n := w.room
		w.room = 0
		return n, w.err
	}
	w.room -= len(p)
	return len(p), nil
}
