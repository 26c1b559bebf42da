package evidence

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"time"
)

// Report is what Verify found in a store.
type Report struct {
	// Blobs and Bytes count what is stored.
	Blobs int
	Bytes int64
	// Missing are documents that artifacts name and the store lacks.
	Missing []Sum
	// Corrupt are stored blobs whose content no longer hashes to their
	// name.
	Corrupt []BlobInfo
	// Unreferenced are stored blobs no artifact names: uploads that died
	// between their bytes and their row, or are just finishing.
	Unreferenced []BlobInfo
	// StaleUploads counts staged files whose upload is gone.
	StaleUploads int
}

// Clean reports whether every named document is stored intact and
// nothing is left over.
func (r Report) Clean() bool {
	return len(r.Missing) == 0 && len(r.Corrupt) == 0 && len(r.Unreferenced) == 0 && r.StaleUploads == 0
}

// Verify re-hashes every blob of st and compares the store with the
// documents that artifacts name (referenced: hash → number of rows).
func Verify(ctx context.Context, st Store, referenced map[[32]byte]int) (Report, error) {
	var r Report
	seen := map[Sum]bool{}
	buf := make([]byte, 256<<10)
	err := st.Walk(ctx, func(info BlobInfo) error {
		r.Blobs++
		r.Bytes += info.Size
		seen[info.Sum] = true
		ok, err := intact(ctx, st, info.Sum, buf)
		if err != nil {
			return err
		}
		if !ok {
			r.Corrupt = append(r.Corrupt, info)
		}
		if referenced[info.Sum] == 0 {
			r.Unreferenced = append(r.Unreferenced, info)
		}
		return nil
	})
	if err != nil {
		return Report{}, err
	}
	for sum := range referenced {
		if !seen[sum] {
			r.Missing = append(r.Missing, sum)
		}
	}
	slices.SortFunc(r.Missing, func(a, b Sum) int { return slices.Compare(a[:], b[:]) })
	r.StaleUploads, err = st.CollectStaging(ctx, false)
	return r, err
}

// intact re-hashes a blob.
func intact(ctx context.Context, st Store, sum Sum, buf []byte) (bool, error) {
	b, err := st.Open(ctx, sum)
	if err != nil {
		return false, err
	}
	defer b.Close()
	h := sha256.New()
	if _, err := io.CopyBuffer(h, b, buf); err != nil {
		return false, fmt.Errorf("read blob %s: %w", sum, err)
	}
	return Sum(h.Sum(nil)) == sum, nil
}

// Collect removes the unreferenced blobs of r older than grace as of now,
// each through remove, which must check again, under a lock, that nothing
// names it (finding.Service.CollectBlob), and the stale uploads. It
// returns how many blobs it removed.
func Collect(ctx context.Context, st Store, r Report, now time.Time, grace time.Duration,
	remove func(ctx context.Context, sum []byte, del func(context.Context) error) (bool, error)) (int, error) {
	n := 0
	for _, info := range r.Unreferenced {
		if now.Sub(info.ModTime) < grace {
			continue
		}
		sum := info.Sum
		removed, err := remove(ctx, sum[:], func(ctx context.Context) error {
			// Renewed meanwhile by an upload of the same content?
			b, err := st.Open(ctx, sum)
			if err != nil {
				return err
			}
			mod := b.Info().ModTime
			b.Close()
			if now.Sub(mod) < grace {
				return errRenewed
			}
			return st.Remove(ctx, sum)
		})
		if errors.Is(err, errRenewed) {
			continue
		}
		if err != nil {
			return n, err
		}
		if removed {
			n++
		}
	}
	_, err := st.CollectStaging(ctx, true)
	return n, err
}

var errRenewed = errors.New("evidence: blob renewed")

// StagingJob removes what dead uploads left in the staging area; serve
// runs it at start and hourly.
type StagingJob struct {
	Store Store
	Log   *slog.Logger
}

// Name implements scheduler.Job.
func (StagingJob) Name() string { return "collect_staged_uploads" }

// Run implements scheduler.Job.
func (j StagingJob) Run(ctx context.Context) error {
	n, err := j.Store.CollectStaging(ctx, true)
	if err == nil && n > 0 {
		j.Log.Info("removed the staged files of interrupted uploads", "files", n)
	}
	return err
}
