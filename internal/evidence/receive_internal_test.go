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
	for _, size := range []int{0, 1, receiveChunk - 1, receiveChunk, receiveChunk + 1, 2 * receiveChunk, 3*receiveChunk + 5} {
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

	cut := io.MultiReader(bytes.NewReader(make([]byte, receiveChunk+10)), iotest.ErrReader(io.ErrUnexpectedEOF))
	if _, err := copyHashing(io.Discard, sha256.New(), cut); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("a body cut short: %v; want io.ErrUnexpectedEOF", err)
	}
	full := errors.New("no space left on device")
	if _, err := copyHashing(failingWriter{full}, sha256.New(), bytes.NewReader(make([]byte, 3*receiveChunk))); !errors.Is(err, full) {
		t.Errorf("a failing write: %v; want %v", err, full)
	}
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }
