package evidence

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
)

// FS is a Store on the local filesystem:
//
//	<root>/blobs/<first two hex digits>/<sha-256 in hex>   committed blobs
//	<root>/staging/upload-*                               uploads in flight (new-* while created)
//
// A staged file is written, fsynced, and renamed into place under its
// sum; the directory that receives it is fsynced too, so that a committed
// blob survives a power cut. An upload holds an exclusive flock on its
// staged file for as long as it runs: CollectStaging removes exactly the
// staged files whose writer is gone (the lock dies with the process), on
// this host, whatever their age.
type FS struct {
	blobs, staging string
}

// NewFS opens (creating if needed) a store under root.
func NewFS(root string) (*FS, error) {
	s := &FS{blobs: filepath.Join(root, "blobs"), staging: filepath.Join(root, "staging")}
	for _, dir := range []string{s.blobs, s.staging} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("evidence store: %w", err)
		}
	}
	return s, nil
}

func (s *FS) path(sum Sum) string {
	h := sum.String()
	return filepath.Join(s.blobs, h[:2], h)
}

// Stage implements Store.
func (s *FS) Stage(ctx context.Context) (Staging, error) {
	// The file is created under a "new-" name and locked before it is
	// named "upload-": CollectStaging, which removes the "upload-" files
	// it can lock, never sees an unlocked live one.
	f, err := os.CreateTemp(s.staging, newPrefix+"*")
	if err != nil {
		return nil, storageError("create staged file", err)
	}
	fail := func(op string, err error) (Staging, error) {
		f.Close()
		os.Remove(f.Name())
		return nil, storageError(op, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return fail("lock staged file", err)
	}
	name := filepath.Join(s.staging, uploadPrefix+strings.TrimPrefix(filepath.Base(f.Name()), newPrefix))
	if err := os.Rename(f.Name(), name); err != nil {
		return fail("name staged file", err)
	}
	return &fsStaging{store: s, f: f, name: name}, nil
}

type fsStaging struct {
	store *FS
	f     *os.File
	name  string // the staged file's path (f.Name() is the one it was created under)
	done  bool
	// written is how many bytes were written; flushed, up to where
	// writeback was started (writeBehind); noWriteBehind, that the
	// filesystem refused to start it; synced, that Sync made every
	// written byte durable.
	written, flushed int64
	noWriteBehind    bool
	synced           bool
}

// writeBehindChunk is how much a staged file gathers before its writeback
// to disk is started, while the rest of the upload is still arriving.
const writeBehindChunk = 2 << 20

// The prefixes of staged files: being created, and being written by a
// live upload (which holds its lock).
const (
	newPrefix    = "new-"
	uploadPrefix = "upload-"
)

// newFileGrace is how old a "new-" file must be to be taken for the
// remains of a process that died between creating and locking it.
const newFileGrace = time.Hour

// Write implements Staging. A full disk shows here first, in the middle
// of an upload: the error says so (storageError), and the caller aborts.
func (st *fsStaging) Write(p []byte) (int, error) {
	n, err := st.f.Write(p)
	st.written += int64(n)
	st.synced = false
	if err != nil {
		return n, storageError("write staged file", err)
	}
	if !st.noWriteBehind && st.written-st.flushed >= writeBehindChunk {
		st.writeBehind()
	}
	return n, nil
}

// writeBehind starts the writeback of what was written since the last
// call, without waiting for it (sync_file_range with SYNC_FILE_RANGE_WRITE):
// the disk writes the first megabytes of a document while the network
// still brings the next, and the fsync before the commit finds little left
// to flush. It is an optimisation only, so where the call is refused (a
// filesystem without it) it is simply not made again; durability stays
// fsync's.
func (st *fsStaging) writeBehind() {
	err := unix.SyncFileRange(int(st.f.Fd()), st.flushed, st.written-st.flushed, unix.SYNC_FILE_RANGE_WRITE)
	st.noWriteBehind = err != nil
	st.flushed = st.written
}

func (st *fsStaging) ReadAt(p []byte, off int64) (int, error) { return st.f.ReadAt(p, off) }

// Sync makes the staged bytes durable, so that Commit, which the caller
// runs while it holds a database transaction, has little left to flush.
func (st *fsStaging) Sync() error {
	if err := st.f.Sync(); err != nil {
		return storageError("sync staged file", err)
	}
	st.synced = true
	return nil
}

// Commit implements Staging. When it fails before the blob is in place,
// the staged file is removed at once: a full disk must not stay fuller by
// what did not fit.
func (st *fsStaging) Commit(ctx context.Context, sum Sum) (err error) {
	if st.done {
		return errors.New("evidence store: staging already finished")
	}
	defer func() {
		if err != nil {
			st.Abort() // nothing to do once the rename is done
		}
	}()
	// A filesystem that allocates late (delayed allocation, quotas on
	// NFS) reports a full disk on fsync rather than on write. After Sync
	// (Receive's, before the caller's transaction) with nothing written
	// since, there is nothing to flush, and ext4 would still flush the
	// disk's cache for a second fsync: 0.2 ms on this project's machine,
	// spent while the caller holds its transaction.
	if !st.synced {
		if err := st.Sync(); err != nil {
			return err
		}
	}
	target := st.store.path(sum)
	dir := filepath.Dir(target)
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return storageError("create blob directory", err)
		}
		if err := syncDir(st.store.blobs); err != nil {
			return err
		}
	}
	// The same content is stored once: the new copy, whose bytes were
	// just hashed, replaces any stored one. That repairs a stored copy
	// damaged since (which Verify would call corrupt), and renews its
	// time, which Collect judges unreferenced blobs by; an open reader of
	// the old copy keeps reading it.
	if err := os.Rename(st.name, target); err != nil {
		return storageError("store blob", err)
	}
	st.done = true
	st.f.Close()
	return syncDir(dir)
}

func (st *fsStaging) Abort() error {
	if st.done {
		return nil
	}
	st.done = true
	st.f.Close()
	if err := os.Remove(st.name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("evidence store: %w", err)
	}
	return nil
}

// Open implements Store.
func (s *FS) Open(ctx context.Context, sum Sum) (Blob, error) {
	f, err := os.Open(s.path(sum))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("evidence store: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("evidence store: %w", err)
	}
	return &fsBlob{File: f, info: BlobInfo{Sum: sum, Size: st.Size(), ModTime: st.ModTime()}}, nil
}

type fsBlob struct {
	*os.File
	info BlobInfo
}

func (b *fsBlob) Info() BlobInfo { return b.info }

// Remove implements Store.
func (s *FS) Remove(ctx context.Context, sum Sum) error {
	p := s.path(sum)
	if err := os.Remove(p); errors.Is(err, fs.ErrNotExist) {
		return ErrNotFound
	} else if err != nil {
		return fmt.Errorf("evidence store: %w", err)
	}
	return syncDir(filepath.Dir(p))
}

// Walk implements Store. Files under blobs/ that are not named by a sum
// (nothing this store writes) are skipped.
func (s *FS) Walk(ctx context.Context, fn func(BlobInfo) error) error {
	shards, err := os.ReadDir(s.blobs)
	if err != nil {
		return fmt.Errorf("evidence store: %w", err)
	}
	for _, shard := range shards {
		if !shard.IsDir() {
			continue
		}
		entries, err := os.ReadDir(filepath.Join(s.blobs, shard.Name()))
		if err != nil {
			return fmt.Errorf("evidence store: %w", err)
		}
		for _, e := range entries {
			if err := ctx.Err(); err != nil {
				return err
			}
			sum, err := ParseSum(e.Name())
			if err != nil || !e.Type().IsRegular() || e.Name()[:2] != shard.Name() {
				continue
			}
			st, err := e.Info()
			if errors.Is(err, fs.ErrNotExist) {
				continue // removed meanwhile
			}
			if err != nil {
				return fmt.Errorf("evidence store: %w", err)
			}
			if err := fn(BlobInfo{Sum: sum, Size: st.Size(), ModTime: st.ModTime()}); err != nil {
				return err
			}
		}
	}
	return nil
}

// CollectStaging implements Store: a staged file that can be locked has
// no live writer.
func (s *FS) CollectStaging(ctx context.Context, remove bool) (int, error) {
	entries, err := os.ReadDir(s.staging)
	if err != nil {
		return 0, fmt.Errorf("evidence store: %w", err)
	}
	n := 0
	for _, e := range entries {
		p := filepath.Join(s.staging, e.Name())
		if strings.HasPrefix(e.Name(), newPrefix) {
			if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > newFileGrace {
				if !remove || os.Remove(p) == nil {
					n++
				}
			}
			continue
		}
		f, err := os.Open(p)
		if err != nil {
			continue // finished meanwhile
		}
		if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil {
			if !remove || os.Remove(p) == nil {
				n++
			}
		}
		f.Close()
	}
	return n, nil
}

// syncDir makes a directory's entries (a rename, a removal) durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("evidence store: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return storageError("sync "+dir, err)
	}
	return nil
}

// The errors a client is given when the store cannot take a document.
// Both name no path or system error: those are for the log, where the
// API's and the pages' error handlers write them once, at error level
// for the full disk (a 5xx).
var (
	errStorageFull = apperr.E(apperr.InsufficientStorage,
		"The server's storage is full, so the document was not stored. An administrator has been told; try again later.")
	errStorageFailing = &apperr.Error{Kind: apperr.Unavailable, RetryAfter: time.Minute,
		Message: "The server cannot write to its storage just now, so the document was not stored. Try again later."}
)

// storageError is what a failure to create, write, sync or rename a file
// of the store becomes. A full disk or quota, or a file larger than the
// filesystem allows, is InsufficientStorage: nothing the client does
// helps until an administrator makes room. An I/O error, or a filesystem
// that turned read-only (as ext4 does after one), is Unavailable. Anything
// else (a permission, a missing directory) is internal. The system error
// stays in the chain, for errors.Is and for the log.
func storageError(op string, err error) error {
	switch {
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT), errors.Is(err, syscall.EFBIG):
		return fmt.Errorf("evidence store: %s: %w: %w", op, err, errStorageFull)
	case errors.Is(err, syscall.EIO), errors.Is(err, syscall.EROFS):
		return fmt.Errorf("evidence store: %s: %w: %w", op, err, errStorageFailing)
	}
	return fmt.Errorf("evidence store: %s: %w", op, err)
}
