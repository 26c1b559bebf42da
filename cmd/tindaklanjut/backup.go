package main

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pressly/goose/v3"

	"github.com/tindaklanjut/tindaklanjut/internal/config"
	"github.com/tindaklanjut/tindaklanjut/internal/evidence"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
	"github.com/tindaklanjut/tindaklanjut/migrations"
)

const backupUsage = `usage: tindaklanjut backup --out FILE

Writes one file (a tar archive) holding a consistent backup taken while the
service runs: the database, dumped by pg_dump (custom format) in one
snapshot; every evidence document that snapshot's artifacts name; and a
manifest with the schema version and the SHA-256 and size of each part.
The file is written under a temporary name, synced and renamed into place.
`

// The archive's layout. The manifest comes last because it records the
// hashes of everything before it; its own hash follows it.
const (
	backupFormat      = "tindaklanjut-backup"
	backupFormatV1    = 1
	archiveDump       = "database.dump"
	archiveEvidence   = "evidence/"
	archiveManifest   = "manifest.json"
	archiveManifestSH = "manifest.sha256"
)

// backupManifest describes a backup archive.
type backupManifest struct {
	Format         string         `json:"format"`
	FormatVersion  int            `json:"format_version"`
	CreatedAt      time.Time      `json:"created_at"`
	ServiceVersion string         `json:"service_version"`
	SchemaVersion  int64          `json:"schema_version"`
	PostgresServer string         `json:"postgres_server_version"`
	PgDump         string         `json:"pg_dump_version"`
	Database       archivedFile   `json:"database"`
	Evidence       []archivedFile `json:"evidence"`
}

// archivedFile is one member of the archive with its hash and size.
type archivedFile struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// runBackup is `tindaklanjut backup`.
func runBackup(ctx context.Context, args []string, lookupEnv env, stdout, stderr io.Writer) error {
	out, cfg, err := fileCommand("backup", "out", backupUsage, args, lookupEnv, stderr)
	if err != nil {
		return err
	}
	started := timeNow()
	dbURL, release, err := backupTarget(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer release()
	m, size, err := writeBackup(ctx, dbURL, filepath.Join(cfg.DataDir, "artifacts"), out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup written to %s: %d bytes, schema version %d, database dump %d bytes, "+
		"%d evidence documents (%d bytes), in %s\n", out, size, m.SchemaVersion, m.Database.Size,
		len(m.Evidence), evidenceBytes(m), timeNow().Sub(started).Round(time.Millisecond))
	return nil
}

// fileCommand parses the arguments of backup or restore, whose one flag
// (--out or --from) names the archive, and loads the configuration.
func fileCommand(name, flagName, usage string, args []string, lookupEnv env, stderr io.Writer) (string, *config.Config, error) {
	fl := flag.NewFlagSet(name, flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	file := fl.String(flagName, "", "")
	if err := fl.Parse(args); err != nil || fl.NArg() != 0 || *file == "" {
		fmt.Fprint(stderr, usage)
		return "", nil, errUsage
	}
	cfg, err := loadConfig(lookupEnv)
	return *file, cfg, err
}

func evidenceBytes(m *backupManifest) int64 {
	var n int64
	for _, e := range m.Evidence {
		n += e.Size
	}
	return n
}

// backupTarget finds the database to back up and returns its URL and how
// to let it go afterwards. With DATABASE_URL it is that
// database. The managed cluster is usually running under serve: it is then
// reached through its socket, as it is, since starting it again would stop
// the running one (Cluster.Start takes a live server on its directory for
// an orphan). Only when no server runs is the cluster started, as the other
// commands do, and stopped afterwards.
func backupTarget(ctx context.Context, cfg *config.Config, stderr io.Writer) (string, func(), error) {
	if !cfg.ManagedDatabase() {
		return cfg.DatabaseURL, func() {}, nil
	}
	dir := filepath.Join(cfg.DataDir, "postgres")
	if _, err := os.Stat(filepath.Join(dir, "PG_VERSION")); err != nil {
		return "", nil, fmt.Errorf("no managed database under %s: nothing to back up (is TINDAKLANJUT_DATA_DIR right?)", dir)
	}
	if u, ok := runningClusterURL(dir, "tindaklanjut"); ok {
		return u, func() {}, nil
	}
	db, err := openDatabase(ctx, cfg, newLogger(cfg, stderr), false)
	if err != nil {
		return "", nil, err
	}
	return db.cluster.URL("tindaklanjut"), db.Close, nil
}

// postmaster is what a cluster's postmaster.pid says of its server.
type postmaster struct {
	pid    int
	port   string
	socket string // absolute
	status string // "ready" once it accepts connections
}

// ready reports whether the server accepts connections on its socket.
func (p postmaster) ready() bool { return p.status == "ready" && p.socket != "" }

// readPostmaster reads the postmaster.pid of the cluster in dir and reports
// whether the server it names is alive. The lines are: pid, data
// directory, start time, port, socket directory, listen address, shared
// memory key, status; a starting server may not have written them all.
func readPostmaster(dir string) (postmaster, bool) {
	data, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		return postmaster{}, false
	}
	lines := strings.Split(string(data), "\n")
	line := func(i int) string {
		if i < len(lines) {
			return strings.TrimSpace(lines[i])
		}
		return ""
	}
	pid, err := strconv.Atoi(line(0))
	if err != nil || pid <= 0 {
		return postmaster{}, false
	}
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return postmaster{}, false
	}
	p := postmaster{pid: pid, port: line(3), socket: line(4), status: line(7)}
	if p.socket != "" && !filepath.IsAbs(p.socket) {
		p.socket = filepath.Join(dir, p.socket)
	}
	return p, true
}

// runningClusterURL returns, when the server of the cluster in dir is
// alive and ready, a URL for database name through the server's socket.
func runningClusterURL(dir, name string) (string, bool) {
	p, ok := readPostmaster(dir)
	if !ok || !p.ready() {
		return "", false
	}
	q := url.Values{}
	q.Set("host", p.socket)
	q.Set("port", p.port)
	q.Set("sslmode", "disable")
	return (&url.URL{Scheme: "postgres", User: url.User("postgres"), Path: "/" + name, RawQuery: q.Encode()}).String(), true
}

// clusterRunning reports whether a live server runs on the cluster in dir.
func clusterRunning(dir string) bool {
	_, ok := readPostmaster(dir)
	return ok
}

// snapshotInfo is what the backup reads in the snapshot it dumps.
type snapshotInfo struct {
	schema  int64
	server  string
	sums    []evidence.Sum
	release func()
}

// exportSnapshot opens a read-only repeatable-read transaction, exports its
// snapshot for pg_dump, and reads in it the schema version and the hashes
// of the documents artifacts name: exactly the documents of the dump. The
// transaction must stay open until pg_dump has taken the snapshot; release
// ends it.
func exportSnapshot(ctx context.Context, dbURL string) (string, *snapshotInfo, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return "", nil, fmt.Errorf("connect to database: %w", err)
	}
	fail := func(err error) (string, *snapshotInfo, error) {
		conn.Close(context.WithoutCancel(ctx))
		return "", nil, err
	}
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fail(err)
	}
	var snap string
	if err := tx.QueryRow(ctx, "SELECT pg_export_snapshot()").Scan(&snap); err != nil {
		return fail(err)
	}
	info := &snapshotInfo{}
	if err := tx.QueryRow(ctx, "SHOW server_version").Scan(&info.server); err != nil {
		return fail(err)
	}
	var hasSchema bool
	if err := tx.QueryRow(ctx, "SELECT to_regclass('goose_db_version') IS NOT NULL AND to_regclass('artifacts') IS NOT NULL").
		Scan(&hasSchema); err != nil {
		return fail(err)
	}
	if !hasSchema {
		return fail(errors.New("the database holds no tindaklanjut schema (run `tindaklanjut migrate` or check DATABASE_URL): nothing to back up"))
	}
	if err := tx.QueryRow(ctx, "SELECT COALESCE(max(version_id), 0) FROM goose_db_version WHERE is_applied").
		Scan(&info.schema); err != nil {
		return fail(err)
	}
	rows, err := tx.Query(ctx, "SELECT DISTINCT sha256 FROM artifacts ORDER BY 1")
	if err != nil {
		return fail(err)
	}
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			rows.Close()
			return fail(err)
		}
		if len(b) != len(evidence.Sum{}) {
			rows.Close()
			return fail(fmt.Errorf("an artifact names a hash of %d bytes", len(b)))
		}
		info.sums = append(info.sums, evidence.Sum(b))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fail(err)
	}
	info.release = func() {
		c := context.WithoutCancel(ctx)
		tx.Rollback(c)
		conn.Close(c)
	}
	return snap, info, nil
}

// writeBackup dumps the database at dbURL, adds the documents of the
// evidence store under artifactsDir that the dump names, and writes the
// archive to out. It returns the manifest and the archive's size.
func writeBackup(ctx context.Context, dbURL, artifactsDir, out string) (*backupManifest, int64, error) {
	pgDump, err := findPGTool("pg_dump")
	if err != nil {
		return nil, 0, err
	}
	dir := filepath.Dir(out)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(out)+".tmp-*")
	if err != nil {
		return nil, 0, fmt.Errorf("backup: %w", err)
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	dumpFile := tmp.Name() + ".dump"
	defer os.Remove(dumpFile)

	snap, info, err := exportSnapshot(ctx, dbURL)
	if err != nil {
		return nil, 0, err
	}
	dumpVersion, err := runPGTool(ctx, pgDump, dbURL, "--format=custom", "--snapshot="+snap, "--file="+dumpFile)
	info.release()
	if err != nil {
		return nil, 0, fmt.Errorf("pg_dump: %w", err)
	}

	m := &backupManifest{
		Format: backupFormat, FormatVersion: backupFormatV1, CreatedAt: timeNow().UTC(),
		ServiceVersion: version, SchemaVersion: info.schema, PostgresServer: info.server, PgDump: dumpVersion,
	}
	tw := tar.NewWriter(tmp)
	f, err := os.Open(dumpFile)
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	m.Database, err = addToArchive(tw, archiveDump, f, st.Size())
	f.Close()
	if err != nil {
		return nil, 0, err
	}
	store, err := evidence.NewFS(artifactsDir)
	if err != nil {
		return nil, 0, err
	}
	for _, sum := range info.sums {
		b, err := store.Open(ctx, sum)
		if errors.Is(err, evidence.ErrNotFound) {
			return nil, 0, fmt.Errorf("evidence document %s, named by the database, is missing from %s; "+
				"run `tindaklanjut verify-artifacts`", sum, artifactsDir)
		}
		if err != nil {
			return nil, 0, err
		}
		a, err := addToArchive(tw, archiveEvidence+sum.String(), b, b.Info().Size)
		b.Close()
		if err != nil {
			return nil, 0, err
		}
		if a.SHA256 != sum.String() {
			return nil, 0, fmt.Errorf("evidence document %s is corrupt (its content hashes to %s); "+
				"run `tindaklanjut verify-artifacts`", sum, a.SHA256)
		}
		m.Evidence = append(m.Evidence, a)
		if err := ctx.Err(); err != nil {
			return nil, 0, err
		}
	}
	manifest, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, 0, err
	}
	manifest = append(manifest, '\n')
	msum := sha256.Sum256(manifest)
	for _, part := range []struct {
		name string
		data []byte
	}{{archiveManifest, manifest}, {archiveManifestSH, []byte(hex.EncodeToString(msum[:]) + "  " + archiveManifest + "\n")}} {
		if err := tw.WriteHeader(fileHeader(part.name, int64(len(part.data)))); err != nil {
			return nil, 0, err
		}
		if _, err := tw.Write(part.data); err != nil {
			return nil, 0, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, 0, fmt.Errorf("backup: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return nil, 0, fmt.Errorf("backup: %w", err)
	}
	final, err := tmp.Stat()
	if err != nil {
		return nil, 0, err
	}
	if err := tmp.Close(); err != nil {
		return nil, 0, fmt.Errorf("backup: %w", err)
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return nil, 0, fmt.Errorf("backup: %w", err)
	}
	done = true
	if err := syncDirectory(dir); err != nil {
		return nil, 0, err
	}
	return m, final.Size(), nil
}

// addToArchive copies size bytes of r into the archive as name, hashing
// what it copies. The size is taken when the file is opened: a file that
// shrinks meanwhile is an error, not a damaged archive.
func addToArchive(tw *tar.Writer, name string, r io.Reader, size int64) (archivedFile, error) {
	if err := tw.WriteHeader(fileHeader(name, size)); err != nil {
		return archivedFile{}, fmt.Errorf("backup: %w", err)
	}
	h := sha256.New()
	if _, err := io.CopyN(io.MultiWriter(tw, h), r, size); err != nil {
		return archivedFile{}, fmt.Errorf("backup: copy %s: %w", name, err)
	}
	return archivedFile{Path: name, SHA256: hex.EncodeToString(h.Sum(nil)), Size: size}, nil
}

func fileHeader(name string, size int64) *tar.Header {
	return &tar.Header{Typeflag: tar.TypeReg, Name: name, Size: size, Mode: 0o600, ModTime: timeNow().UTC()}
}

func syncDirectory(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// findPGTool finds a PostgreSQL client program (pg_dump, pg_restore): next
// to the server binaries the managed cluster uses, which are recent enough
// for it, then on PATH, then in the usual places, newest first.
func findPGTool(name string) (string, error) {
	if dir, err := postgres.FindBinaries(); err == nil {
		if p := filepath.Join(dir, name); isExecutable(p) {
			return p, nil
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, pattern := range []string{"/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin", "/opt/homebrew/opt/postgresql@*/bin", "/usr/local/pgsql/bin"} {
		matches, _ := filepath.Glob(filepath.Join(pattern, name))
		for i := len(matches) - 1; i >= 0; i-- {
			if isExecutable(matches[i]) {
				return matches[i], nil
			}
		}
	}
	return "", fmt.Errorf("%s not found: install the PostgreSQL client programs (Debian/Ubuntu: apt-get install postgresql-client)", name)
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// runPGTool runs a PostgreSQL client program against dbURL and returns its
// version. A password in the URL travels in PGPASSWORD, not on the command
// line, where other users of the machine could read it.
func runPGTool(ctx context.Context, tool, dbURL string, args ...string) (string, error) {
	ver, err := exec.CommandContext(ctx, tool, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("%s --version: %w", tool, err)
	}
	conn, password := dbURL, ""
	if u, err := url.Parse(dbURL); err == nil && u.Scheme != "" && u.User != nil {
		if p, ok := u.User.Password(); ok {
			password = p
			u.User = url.User(u.User.Username())
			conn = u.String()
		}
	}
	cmd := exec.CommandContext(ctx, tool, append([]string{"--dbname=" + conn, "--no-password"}, args...)...)
	cmd.Env = os.Environ()
	if password != "" {
		cmd.Env = append(cmd.Env, "PGPASSWORD="+password)
	}
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%v\n%s", err, strings.TrimSpace(tailString(out.String(), 4000)))
	}
	return strings.TrimSpace(string(ver)), nil
}

func tailString(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

// highestMigration is the schema version this binary's migrations reach.
func highestMigration() (int64, error) {
	entries, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		return 0, err
	}
	var top int64
	for _, name := range entries {
		v, err := goose.NumericComponent(name)
		if err != nil {
			return 0, err
		}
		top = max(top, v)
	}
	return top, nil
}
