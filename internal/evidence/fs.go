package evidence

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// FS is a Store on the local filesystem:
//
//	<root>/blobs/<first two hex digits>/<sha-256 in hex>   committed blobs
//	<root>/staging/upload-*                               uploads in flight
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
	f, err := os.CreateTemp(s.staging, "upload-*")
	if err != nil {
		return nil, fmt.Errorf("evidence store: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("evidence store: lock %s: %w", f.Name(), err)
	}
	return &fsStaging{store: s, f: f}, nil
}

type fsStaging struct {
	store *FS
	f     *os.File
	done  bool
}

func (st *fsStaging) Write(p []byte) (int, error)             { return st.f.Write(p) }
func (st *fsStaging) ReadAt(p []byte, off int64) (int, error) { return st.f.ReadAt(p, off) }

func (st *fsStaging) Commit(ctx context.Context, sum Sum) error {
	if st.done {
		return errors.New("evidence store: staging already finished")
	}
	if err := st.f.Sync(); err != nil {
		return fmt.Errorf("evidence store: %w", err)
	}
	staged, err := st.f.Stat()
	if err != nil {
		return fmt.Errorf("evidence store: %w", err)
	}
	target := st.store.path(sum)
	dir := filepath.Dir(target)
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("evidence store: %w", err)
		}
		if err := syncDir(st.store.blobs); err != nil {
			return err
		}
	}
	// The same content is stored once. The stored copy's time is renewed:
	// Collect removes unreferenced blobs by age, and this one is about to
	// be referenced. A stored copy of another size is damaged (Verify
	// calls it corrupt): the new one replaces it.
	if have, err := os.Stat(target); err == nil && have.Size() == staged.Size() {
		now := time.Now()
		if err := os.Chtimes(target, now, now); err == nil {
			return st.Abort()
		}
	}
	if err := os.Rename(st.f.Name(), target); err != nil {
		return fmt.Errorf("evidence store: %w", err)
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
	if err := os.Remove(st.f.Name()); err != nil && !errors.Is(err, fs.ErrNotExist) {
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
		return fmt.Errorf("evidence store: sync %s: %w", dir, err)
	}
	return nil
}
