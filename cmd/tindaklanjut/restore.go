package main

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/tindaklanjut/tindaklanjut/internal/evidence"
)

const restoreUsage = `usage: tindaklanjut restore --from FILE

Restores a backup written by ` + "`tindaklanjut backup`" + ` into an installation
whose database is empty and whose evidence directory holds no files, and
refuses any other. The whole file is checked first (every part against the
SHA-256 of its manifest) and nothing is written when it is truncated,
damaged, or comes from a newer schema than this binary knows. Then the
database is restored in one transaction (pg_restore, without the original
owners and grants), the evidence documents are copied in, and the checks of
verify-history and verify-artifacts run; the exit status is 1 if either
fails.
`

// errRefused is returned after the reason for refusing has been printed.
var errRefused = errors.New("restore refused; nothing was written")

// runRestore is `tindaklanjut restore`.
func runRestore(ctx context.Context, args []string, lookupEnv env, stdout, stderr io.Writer) error {
	from, cfg, err := fileCommand("restore", "from", restoreUsage, args, lookupEnv, stderr)
	if err != nil {
		return err
	}
	refuse := func(format string, a ...any) error {
		fmt.Fprintf(stderr, "tindaklanjut: cannot restore %s: %s\n", from, fmt.Sprintf(format, a...))
		return errRefused
	}

	// Everything that can be checked without touching the installation
	// comes first: the archive whole, then the evidence directory.
	m, err := verifyArchive(ctx, from)
	if err != nil {
		return refuse("%v", err)
	}
	known, err := highestMigration()
	if err != nil {
		return err
	}
	if m.SchemaVersion > known {
		return refuse("it was made by tindaklanjut %s with schema version %d, newer than this binary's %d; "+
			"restore it with that version or a later one", m.ServiceVersion, m.SchemaVersion, known)
	}
	artifactsDir := filepath.Join(cfg.DataDir, "artifacts")
	if files, err := filesUnder(artifactsDir); err != nil {
		return err
	} else if len(files) > 0 {
		return refuse("the evidence directory %s holds %d files (%s…); restore only into a new installation",
			artifactsDir, len(files), files[0])
	}
	if cfg.ManagedDatabase() && clusterRunning(filepath.Join(cfg.DataDir, "postgres")) {
		return refuse("a database server is running on %s (is the service running?); stop it first",
			filepath.Join(cfg.DataDir, "postgres"))
	}
	if cfg.ManagedDatabase() {
		if err := cfg.CheckDataDir(); err != nil {
			return err
		}
	}
	db, err := openDatabase(ctx, cfg, newLogger(cfg, stderr), false)
	if err != nil {
		return err
	}
	dbURL := cfg.DatabaseURL
	if db.cluster != nil {
		dbURL = db.cluster.URL("tindaklanjut")
	}
	var tables []string
	if err := db.DB.WithContext(ctx).Raw(`SELECT n.nspname || '.' || c.relname FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
		  AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'
		ORDER BY 1`).Scan(&tables).Error; err != nil {
		db.Close()
		return err
	}
	if len(tables) > 0 {
		db.Close()
		return refuse("the database is not empty: it holds %d tables, sequences or views (%s…); "+
			"restore only into an empty database", len(tables), tables[0])
	}

	err = restoreArchive(ctx, from, m, dbURL, artifactsDir, cfg.DataDir, stdout)
	// The checks below open the database as the other commands do; the
	// managed cluster must be stopped first, or they would stop it.
	db.Close()
	if err != nil {
		return fmt.Errorf("%w\nthe installation may be partly restored: empty its database and evidence directory "+
			"before trying again", err)
	}
	fmt.Fprintln(stdout, "checking the history chains (verify-history):")
	errHistory := runVerifyHistory(ctx, nil, lookupEnv, stdout, stderr)
	fmt.Fprintln(stdout, "checking the evidence documents (verify-artifacts):")
	errArtifacts := runVerifyArtifacts(ctx, nil, lookupEnv, stdout, stderr)
	if err := errors.Join(errHistory, errArtifacts); err != nil {
		return fmt.Errorf("restored, but the checks failed: %w", err)
	}
	fmt.Fprintf(stdout, "restored %s: schema version %d, %d evidence documents; both checks passed\n",
		from, m.SchemaVersion, len(m.Evidence))
	return nil
}

// filesUnder lists the files (anything but directories) under dir; a
// missing dir holds none.
func filesUnder(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if !d.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	return out, err
}

// verifyArchive reads the whole archive at path, hashing every member, and
// checks it against its manifest: every member listed, with its size and
// SHA-256, nothing more and nothing missing. It writes nothing.
func verifyArchive(ctx context.Context, path string) (*backupManifest, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	type member struct {
		sum  string
		size int64
	}
	seen := map[string]member{}
	var manifest, manifestSum []byte
	tr := tar.NewReader(f)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("the file is truncated or damaged (%v)", err)
		}
		if hdr.Typeflag != tar.TypeReg {
			return nil, fmt.Errorf("unexpected member %q (type %c): not a tindaklanjut backup", hdr.Name, hdr.Typeflag)
		}
		if _, dup := seen[hdr.Name]; dup {
			return nil, fmt.Errorf("member %q appears twice: not a tindaklanjut backup", hdr.Name)
		}
		var content io.Reader = tr
		switch {
		case hdr.Name == archiveManifest || hdr.Name == archiveManifestSH:
			if hdr.Size > 64<<20 {
				return nil, fmt.Errorf("%s is %d bytes: not a tindaklanjut backup", hdr.Name, hdr.Size)
			}
			data, err := io.ReadAll(tr)
			if err != nil {
				return nil, fmt.Errorf("the file is truncated or damaged (%v)", err)
			}
			if hdr.Name == archiveManifest {
				manifest = data
			} else {
				manifestSum = data
			}
			content = bytes.NewReader(data)
		case hdr.Name == archiveDump || strings.HasPrefix(hdr.Name, archiveEvidence):
		default:
			return nil, fmt.Errorf("unexpected member %q: not a tindaklanjut backup", hdr.Name)
		}
		h := sha256.New()
		n, err := io.Copy(h, content)
		if err != nil {
			return nil, fmt.Errorf("the file is truncated or damaged: %s (%v)", hdr.Name, err)
		}
		seen[hdr.Name] = member{sum: hex.EncodeToString(h.Sum(nil)), size: n}
	}
	if manifest == nil || manifestSum == nil {
		return nil, errors.New("the file has no manifest: it is truncated, or not a tindaklanjut backup")
	}
	want, _, _ := strings.Cut(string(manifestSum), " ")
	if got := seen[archiveManifest].sum; want != got {
		return nil, fmt.Errorf("the manifest is damaged (SHA-256 %s, recorded %s)", got, want)
	}
	var m backupManifest
	if err := json.NewDecoder(bytes.NewReader(manifest)).Decode(&m); err != nil {
		return nil, fmt.Errorf("the manifest cannot be read: %v", err)
	}
	if m.Format != backupFormat {
		return nil, fmt.Errorf("format %q: not a tindaklanjut backup", m.Format)
	}
	if m.FormatVersion != backupFormatV1 {
		return nil, fmt.Errorf("backup format version %d; this binary reads version %d", m.FormatVersion, backupFormatV1)
	}
	check := func(a archivedFile) error {
		got, ok := seen[a.Path]
		if !ok {
			return fmt.Errorf("%s, listed in the manifest, is missing: the file is truncated or damaged", a.Path)
		}
		if got.size != a.Size || got.sum != a.SHA256 {
			return fmt.Errorf("%s is damaged: %d bytes with SHA-256 %s, the manifest records %d bytes with %s",
				a.Path, got.size, got.sum, a.Size, a.SHA256)
		}
		return nil
	}
	if m.Database.Path != archiveDump {
		return nil, fmt.Errorf("the manifest names the database dump %q, not %q", m.Database.Path, archiveDump)
	}
	if err := check(m.Database); err != nil {
		return nil, err
	}
	listed := map[string]bool{archiveDump: true, archiveManifest: true, archiveManifestSH: true}
	for _, e := range m.Evidence {
		sum, err := evidence.ParseSum(strings.TrimPrefix(e.Path, archiveEvidence))
		if err != nil || e.Path != archiveEvidence+sum.String() || e.SHA256 != sum.String() {
			return nil, fmt.Errorf("the manifest lists %q with SHA-256 %s: not an evidence document", e.Path, e.SHA256)
		}
		if err := check(e); err != nil {
			return nil, err
		}
		listed[e.Path] = true
	}
	for name := range seen {
		if !listed[name] {
			return nil, fmt.Errorf("member %q is not in the manifest", name)
		}
	}
	return &m, nil
}

// restoreArchive reads the verified archive again: the dump goes through
// pg_restore in one transaction, then every evidence document into the
// store, each hashed again on its way in (the file might have changed
// since it was verified).
func restoreArchive(ctx context.Context, path string, m *backupManifest, dbURL, artifactsDir, dataDir string, stdout io.Writer) error {
	pgRestore, err := findPGTool("pg_restore")
	if err != nil {
		return err
	}
	want := map[string]string{m.Database.Path: m.Database.SHA256}
	for _, e := range m.Evidence {
		want[e.Path] = e.SHA256
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var store *evidence.FS
	restored := 0
	tr := tar.NewReader(f)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
		switch {
		case hdr.Name == archiveDump:
			if err := restoreDump(ctx, pgRestore, tr, want[hdr.Name], dbURL, dataDir); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "database restored (schema version %d, %d bytes of dump)\n", m.SchemaVersion, hdr.Size)
			if store, err = evidence.NewFS(artifactsDir); err != nil {
				return err
			}
		case strings.HasPrefix(hdr.Name, archiveEvidence):
			if store == nil {
				return fmt.Errorf("%s: an evidence document before the database dump", path)
			}
			sum, err := evidence.ParseSum(strings.TrimPrefix(hdr.Name, archiveEvidence))
			if err != nil {
				return err
			}
			if err := storeDocument(ctx, store, sum, tr); err != nil {
				return err
			}
			restored++
		}
	}
	if store == nil {
		return fmt.Errorf("%s holds no database dump", path)
	}
	fmt.Fprintf(stdout, "%d evidence documents restored\n", restored)
	return nil
}

// restoreDump writes the dump to a temporary file (pg_restore needs to
// seek in it), checks its hash and runs pg_restore in one transaction.
func restoreDump(ctx context.Context, pgRestore string, r io.Reader, wantSum, dbURL, dataDir string) error {
	tmp, err := os.CreateTemp(dataDir, ".restore-*.dump")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	h := sha256.New()
	_, err = io.Copy(io.MultiWriter(tmp, h), r)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("extract the database dump: %w", err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != wantSum {
		return fmt.Errorf("the database dump changed since it was verified (SHA-256 %s, want %s)", got, wantSum)
	}
	// pg_restore runs as this user and reads the file by its path.
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		return err
	}
	if _, err := runPGTool(ctx, pgRestore, dbURL, "--single-transaction", "--exit-on-error",
		"--no-owner", "--no-privileges", tmp.Name()); err != nil {
		return fmt.Errorf("pg_restore (nothing of the database was restored): %w", err)
	}
	return nil
}

// storeDocument stores r through the store's own staging, which hashes,
// syncs and renames it into place, after checking that it is sum.
func storeDocument(ctx context.Context, store *evidence.FS, sum evidence.Sum, r io.Reader) error {
	st, err := store.Stage(ctx)
	if err != nil {
		return err
	}
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(st, h), r); err != nil {
		st.Abort()
		return fmt.Errorf("restore evidence document %s: %w", sum, err)
	}
	if evidence.Sum(h.Sum(nil)) != sum {
		st.Abort()
		return fmt.Errorf("evidence document %s changed since it was verified", sum)
	}
	return st.Commit(ctx, sum)
}
