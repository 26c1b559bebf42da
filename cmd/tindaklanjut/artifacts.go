package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/tindaklanjut/tindaklanjut/internal/evidence"
	"github.com/tindaklanjut/tindaklanjut/internal/finding"
)

const verifyArtifactsUsage = `usage: tindaklanjut verify-artifacts [--gc]

Re-hashes every stored evidence document and compares the store with the
artifacts the database names. Reports documents that are missing, corrupt
(their content no longer matches their SHA-256) or unreferenced (stored,
named by no artifact: an upload interrupted between its bytes and its
record), and staged files of interrupted uploads. Exits with status 1 when
any document is missing or corrupt.

  --gc   remove unreferenced documents older than a day, and the staged
         files of interrupted uploads
`

// errDamagedStore is the exit status of a failed verification; the details
// are already printed.
var errDamagedStore = errors.New("some evidence documents are missing or corrupt")

// runVerifyArtifacts is `tindaklanjut verify-artifacts`.
func runVerifyArtifacts(ctx context.Context, args []string, lookupEnv env, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("verify-artifacts", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	gc := fs.Bool("gc", false, "")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 {
		fmt.Fprint(stderr, verifyArtifactsUsage)
		return errUsage
	}
	cfg, err := loadConfig(lookupEnv)
	if err != nil {
		return err
	}
	db, err := openDatabase(ctx, cfg, newLogger(cfg, stderr), true)
	if err != nil {
		return err
	}
	defer db.Close()
	store, err := evidence.NewFS(filepath.Join(cfg.DataDir, "artifacts"))
	if err != nil {
		return err
	}
	findings := finding.NewService(db.DB, timeNow, cfg.TimeZone)
	refs, err := findings.ReferencedBlobs(ctx)
	if err != nil {
		return err
	}
	rep, err := evidence.Verify(ctx, store, refs)
	if err != nil {
		return err
	}
	now := timeNow()
	for _, s := range rep.Missing {
		fmt.Fprintf(stdout, "MISSING      %s (named by %d artifacts)\n", s, refs[s])
	}
	for _, b := range rep.Corrupt {
		fmt.Fprintf(stdout, "CORRUPT      %s (%d bytes)\n", b.Sum, b.Size)
	}
	for _, b := range rep.Unreferenced {
		fmt.Fprintf(stdout, "UNREFERENCED %s (%d bytes, %s old)\n", b.Sum, b.Size, now.Sub(b.ModTime).Round(time.Second))
	}
	fmt.Fprintf(stdout, "%d documents (%d bytes) checked; %d missing, %d corrupt, %d unreferenced, %d interrupted uploads\n",
		rep.Blobs, rep.Bytes, len(rep.Missing), len(rep.Corrupt), len(rep.Unreferenced), rep.StaleUploads)
	if *gc {
		n, err := evidence.Collect(ctx, store, rep, now, finding.BlobGracePeriod, findings.CollectBlob)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "removed %d unreferenced documents older than %s and %d interrupted uploads\n",
			n, finding.BlobGracePeriod, rep.StaleUploads)
	}
	if len(rep.Missing) > 0 || len(rep.Corrupt) > 0 {
		return errDamagedStore
	}
	return nil
}
