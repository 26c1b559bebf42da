package evidence

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io/fs"
	"mime/multipart"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/evidence/evidencetest"
)

// fullDisk is an FS whose staged files are written to /dev/full, where
// every write fails with ENOSPC, as on a disk with no room left; the
// staged file itself exists in staging, as it would on a full disk.
type fullDisk struct{ *FS }

func (d fullDisk) Stage(ctx context.Context) (Staging, error) {
	s, err := d.FS.Stage(ctx)
	if err != nil {
		return nil, err
	}
	full, err := os.OpenFile("/dev/full", os.O_RDWR, 0)
	if err != nil {
		s.Abort()
		return nil, err
	}
	st := s.(*fsStaging)
	st.f.Close()
	st.f = full
	return st, nil
}

func TestStorageError(t *testing.T) {
	tests := []struct {
		errno syscall.Errno
		want  apperr.Kind
	}{
		{syscall.ENOSPC, apperr.InsufficientStorage},
		{syscall.EDQUOT, apperr.InsufficientStorage},
		{syscall.EFBIG, apperr.InsufficientStorage},
		{syscall.EIO, apperr.Unavailable},
		{syscall.EROFS, apperr.Unavailable},
		{syscall.EACCES, ""},
		{syscall.ENOENT, ""},
	}
	for _, tt := range tests {
		t.Run(tt.errno.Error(), func(t *testing.T) {
			err := storageError("write staged file", &fs.PathError{Op: "write", Path: "/data/staging/upload-1", Err: tt.errno})
			if got := apperr.KindOf(err); got != tt.want {
				t.Errorf("kind = %q; want %q", got, tt.want)
			}
			// The cause stays for the log, the client's message names none.
			if !errors.Is(err, tt.errno) {
				t.Errorf("%v does not wrap %v", err, tt.errno)
			}
			var ae *apperr.Error
			if errors.As(err, &ae) && (bytes.Contains([]byte(ae.Message), []byte("/data")) || ae.Message == "") {
				t.Errorf("client message %q", ae.Message)
			}
		})
	}
}

// TestReceiveOnAFullDisk: a write that fails in the middle of an upload
// is InsufficientStorage, through ReceiveForm too (which would otherwise
// call it a malformed body), and leaves nothing staged.
func TestReceiveOnAFullDisk(t *testing.T) {
	ctx := context.Background()
	st := fullDisk{newStore(t)}
	pdf := evidencetest.PDF("SK", 200<<10)

	_, err := Receive(ctx, st, bytes.NewReader(pdf), 1<<20)
	if apperr.KindOf(err) != apperr.InsufficientStorage || !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("Receive = %v; want InsufficientStorage wrapping ENOSPC", err)
	}
	if n := files(t, st.staging); n != 0 {
		t.Errorf("%d staged files left by Receive", n)
	}

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("title", "SK Gubernur")
	fw, _ := mw.CreateFormFile("file", "sk.pdf")
	fw.Write(pdf)
	mw.Close()
	form, err := ReceiveForm(ctx, st, multipart.NewReader(&body, mw.Boundary()), 1<<20, []string{"title"})
	if apperr.KindOf(err) != apperr.InsufficientStorage || form.Upload != nil {
		t.Errorf("ReceiveForm = %v (upload %v); want InsufficientStorage and no upload", err, form.Upload)
	}
	if n := files(t, st.staging); n != 0 {
		t.Errorf("%d staged files left by ReceiveForm", n)
	}

	// The store itself is unharmed: the next upload, on a disk with room,
	// is stored.
	u, err := Receive(ctx, st.FS, bytes.NewReader(pdf), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if err := u.Staging.Commit(ctx, u.Sum); err != nil {
		t.Fatal(err)
	}
}

// TestCommitFailureRemovesTheStagedFile: a commit that cannot put the
// blob in place removes the staged file itself, and Abort after it is
// harmless.
func TestCommitFailureRemovesTheStagedFile(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	pdf := evidencetest.PDF("SK", 0)
	sum := Sum(sha256.Sum256(pdf))
	// A file where the blob's shard directory should be: the rename fails.
	if err := os.WriteFile(filepath.Join(st.blobs, sum.String()[:2]), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	u, err := Receive(ctx, st, bytes.NewReader(pdf), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if err := u.Staging.Commit(ctx, u.Sum); err == nil {
		t.Fatal("Commit into a file succeeded")
	}
	if n := files(t, st.staging); n != 0 {
		t.Errorf("%d staged files left after a failed commit", n)
	}
	if err := u.Staging.Abort(); err != nil {
		t.Errorf("Abort after a failed commit: %v", err)
	}
}
