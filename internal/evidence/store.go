// Package evidence keeps the documents that prove a follow-up (bukti
// dukung): a content-addressed blob store, the detection of a document's
// type from its bytes, the streaming of an upload into the store, and the
// check that what is stored is what was uploaded.
//
// The bytes are written before their metadata: an upload is staged,
// hashed and made durable under its SHA-256, and only then does the
// finding package commit the artifact row that refers to it. A crash in
// between leaves at most an unreferenced blob, which Verify reports and
// Collect removes once it is old enough that no upload can still be on
// its way to referring to it.
package evidence

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"
)

// Sum is the SHA-256 of a blob's content: its name in the store.
type Sum [sha256.Size]byte

// String is the sum in lower-case hex, as ETags and reports show it.
func (s Sum) String() string { return hex.EncodeToString(s[:]) }

// ParseSum reads a sum written by String.
func ParseSum(s string) (Sum, error) {
	var out Sum
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(out) {
		return out, fmt.Errorf("evidence: %q is not a SHA-256 in hex", s)
	}
	copy(out[:], b)
	return out, nil
}

// ErrNotFound is returned for a blob the store does not hold.
var ErrNotFound = errors.New("evidence: no such blob")

// Store keeps blobs by the SHA-256 of their content; identical content is
// stored once. Implementations must make a committed blob durable before
// Commit returns, and must never show a partly written blob under a sum.
// The local filesystem store (FS) is the one built; an S3-compatible store
// fits the same interface by staging to a local file and putting it in
// Commit.
type Store interface {
	// Stage starts a new blob. The caller writes the content, then commits
	// or aborts it.
	Stage(ctx context.Context) (Staging, error)
	// Open returns a blob's content. Errors: ErrNotFound.
	Open(ctx context.Context, sum Sum) (Blob, error)
	// Remove deletes a blob. Errors: ErrNotFound.
	Remove(ctx context.Context, sum Sum) error
	// Walk calls fn for every stored blob, in no particular order, and
	// stops at the first error fn returns.
	Walk(ctx context.Context, fn func(BlobInfo) error) error
	// CollectStaging finds what uploads that died (with their process)
	// left behind, removes it if remove is set, and says how much there
	// was.
	CollectStaging(ctx context.Context, remove bool) (int, error)
}

// Staging is a blob being written. It can be read back (ReadAt) before it
// is committed, so that its type can be checked from its content.
type Staging interface {
	io.Writer
	io.ReaderAt
	// Commit makes the content durable and visible under sum, which the
	// caller computed while writing. If the store already holds sum, the
	// staged copy is dropped: the content is the same.
	Commit(ctx context.Context, sum Sum) error
	// Abort discards the staged content; after Commit it does nothing.
	Abort() error
}

// Blob is a stored blob opened for reading.
type Blob interface {
	io.ReadSeekCloser
	Info() BlobInfo
}

// BlobInfo describes a stored blob.
type BlobInfo struct {
	Sum     Sum
	Size    int64
	ModTime time.Time
}
