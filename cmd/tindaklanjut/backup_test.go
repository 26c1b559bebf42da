package main

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/dbtest"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

// acked is what the service acknowledged, and when.
type acked struct {
	at    time.Time
	key   string // a finding's code, or an artifact's SHA-256
	id    int64
	isDoc bool
}

// TestBackupRestoreUnderLoad backs up the real service in the middle of a
// stream of findings, transitions and uploads, restores the backup into a
// fresh installation, and checks that the restore holds every finding and
// document acknowledged before the backup began, each as the source has
// it, and nothing the source lacks; then that damaged, truncated, newer
// and misdirected restores are refused with nothing written.
func TestBackupRestoreUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary under load for about 12 s")
	}
	bin := buildServer(t)
	srcURL, srcDB := commandDB(t)
	srcDir := t.TempDir()
	vars := artEnv(t, srcURL, srcDir)
	srv := startBinServe(t, bin, vars)
	base := "http://" + srv.addr
	target := newUploadTarget(t, base)

	login := func(email string) string {
		var out struct{ Token string }
		mustAPI(t, base, 200, "POST", "/auth/token", "", map[string]string{"email": email, "password": artPassword}, &out)
		return out.Token
	}
	auditor := login("auditor@kalselprov.go.id")
	var first struct {
		UnitID   int64 `json:"unit_id"`
		ReviewID int64 `json:"review_id"`
	}
	mustAPI(t, base, 200, "GET", fmt.Sprintf("/findings/%d", target.findingID), auditor, nil, &first)

	// The load: two uploaders and two auditors recording and issuing
	// findings, until stop.
	var (
		mu      sync.Mutex
		log     []acked
		stop    atomic.Bool
		wg      sync.WaitGroup
		failure atomic.Value
	)
	record := func(a acked) { mu.Lock(); log = append(log, a); mu.Unlock() }
	var seed atomic.Uint64
	for w := 0; w < 2; w++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				s := seed.Add(1)
				doc := testPDF(16<<10+int(s%8)*8<<10, 1000+s)
				status, data, err := target.upload(context.Background(), fmt.Sprintf("lampiran-%d.pdf", s), bytes.NewReader(doc), int64(len(doc)))
				if err != nil || status != http.StatusCreated {
					failure.Store(fmt.Sprintf("upload: %d %v %s", status, err, data))
					return
				}
				var a artifactDoc
				json.Unmarshal(data, &a)
				record(acked{at: time.Now(), key: a.SHA256, id: a.ID, isDoc: true})
			}
		}()
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				var f struct {
					ID      int64
					Code    string
					Version int
				}
				status, data := apiCall(t, base, "POST", "/findings", auditor, map[string]any{"review_id": first.ReviewID,
					"title": fmt.Sprintf("Temuan beban %d", i), "recommendation": "Menindaklanjuti temuan", "severity": "medium",
					"unit_id": first.UnitID, "due_date": "2024-12-31"}, &f)
				if status != http.StatusCreated {
					failure.Store(fmt.Sprintf("create finding: %d %s", status, data))
					return
				}
				status, data = apiCall(t, base, "POST", fmt.Sprintf("/findings/%d/transitions", f.ID), auditor,
					map[string]any{"action": "issue", "version": f.Version}, nil)
				if status != http.StatusOK {
					failure.Store(fmt.Sprintf("issue finding: %d %s", status, data))
					return
				}
				record(acked{at: time.Now(), key: f.Code, id: f.ID})
			}
		}()
	}

	time.Sleep(10 * time.Second) // the backup falls in the middle of 20 s of load
	archive := filepath.Join(t.TempDir(), "tindaklanjut-backup.tar")
	backupStart := time.Now()
	out, errOut, status := runBin(t, bin, vars, "backup", "--out", archive)
	backupEnd := time.Now()
	if status != 0 {
		stop.Store(true)
		wg.Wait()
		t.Fatalf("backup exited %d\n%s%s", status, out, errOut)
	}
	time.Sleep(10 * time.Second)
	stop.Store(true)
	wg.Wait()
	if f := failure.Load(); f != nil {
		t.Fatal(f)
	}
	st, err := os.Stat(archive)
	if err != nil {
		t.Fatal(err)
	}
	var before, after int
	for _, a := range log {
		if a.at.Before(backupStart) {
			before++
		} else if a.at.After(backupEnd) {
			after++
		}
	}
	t.Logf("backup: %d bytes in %s while serving: %s; %d writes acknowledged before it, %d after",
		st.Size(), backupEnd.Sub(backupStart).Round(time.Millisecond), strings.TrimSpace(out), before, after)
	if before < 20 || after < 20 {
		t.Fatalf("%d writes before the backup and %d after; the load did not surround it", before, after)
	}
	if matches, _ := filepath.Glob(filepath.Join(filepath.Dir(archive), ".*")); len(matches) > 0 {
		t.Errorf("temporary files left beside the backup: %v", matches)
	}
	m := readManifest(t, archive)
	known, _ := highestMigration()
	if m.SchemaVersion != known || m.Format != backupFormat || m.Database.Size == 0 {
		t.Errorf("manifest %+v; want schema version %d", m, known)
	}

	// Restore into a fresh installation.
	dstURL := dbtest.EmptyURL(t)
	dstDir := t.TempDir()
	dvars := artEnv(t, dstURL, dstDir)
	restoreStart := time.Now()
	out, errOut, status = runBin(t, bin, dvars, "restore", "--from", archive)
	if status != 0 {
		t.Fatalf("restore exited %d\n%s%s", status, out, errOut)
	}
	t.Logf("restore took %s:\n%s", time.Since(restoreStart).Round(time.Millisecond), out)
	for _, want := range []string{"; 0 broken chains", "0 missing, 0 corrupt, 0 unreferenced, 0 interrupted uploads",
		"both checks passed"} {
		if !strings.Contains(out, want) {
			t.Errorf("restore output lacks %q", want)
		}
	}

	dstDB, err := postgres.Open(context.Background(), dstURL, postgres.Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer postgres.Close(dstDB)
	type row struct {
		ID  int64
		Key string
	}
	query := func(db *gorm.DB, q string) map[int64]string {
		var rs []row
		if err := db.Raw(q).Scan(&rs).Error; err != nil {
			t.Fatal(err)
		}
		out := map[int64]string{}
		for _, r := range rs {
			out[r.ID] = r.Key
		}
		return out
	}
	const findingsQ = "SELECT id, code AS key FROM findings"
	const docsQ = "SELECT id, encode(sha256, 'hex') AS key FROM artifacts"
	srcFindings, dstFindings := query(srcDB, findingsQ), query(dstDB, findingsQ)
	srcDocs, dstDocs := query(srcDB, docsQ), query(dstDB, docsQ)
	t.Logf("source at the end: %d findings, %d documents; restored: %d findings, %d documents",
		len(srcFindings), len(srcDocs), len(dstFindings), len(dstDocs))

	// Everything acknowledged before the backup began is restored, as the
	// source has it; nothing acknowledged after it ended is.
	for _, a := range log {
		got := dstFindings[a.id]
		if a.isDoc {
			got = dstDocs[a.id]
		}
		switch {
		case a.at.Before(backupStart) && got != a.key:
			t.Errorf("acknowledged before the backup, restored as %q: %+v", got, a)
		case a.at.After(backupEnd) && got != "":
			t.Errorf("acknowledged after the backup ended, yet restored: %+v", a)
		}
	}
	// The restore is the source at one instant: every restored row is the
	// source's, and the documents are exactly those the manifest holds.
	for id, code := range dstFindings {
		if srcFindings[id] != code {
			t.Errorf("restored finding %d is %q; the source has %q", id, code, srcFindings[id])
		}
	}
	inManifest := map[string]bool{}
	for _, e := range m.Evidence {
		inManifest[e.SHA256] = true
	}
	restoredSums := map[string]bool{}
	for id, sum := range dstDocs {
		restoredSums[sum] = true
		if srcDocs[id] != sum {
			t.Errorf("restored artifact %d has SHA-256 %s; the source has %s", id, sum, srcDocs[id])
		}
		data, err := os.ReadFile(blobPath(dstDir, sum))
		if err != nil {
			t.Errorf("restored artifact %d: %v", id, err)
			continue
		}
		if got := sha256.Sum256(data); hex.EncodeToString(got[:]) != sum {
			t.Errorf("restored document %s hashes to %x", sum, got)
		}
	}
	if len(restoredSums) != len(inManifest) {
		t.Errorf("the restore names %d documents, the manifest holds %d", len(restoredSums), len(inManifest))
	}
	for sum := range inManifest {
		if !restoredSums[sum] {
			t.Errorf("document %s is in the backup but named by no restored artifact", sum)
		}
	}

	// A second restore into the same installation is refused.
	_, errOut, status = runBin(t, bin, dvars, "restore", "--from", archive)
	if status != 1 || !strings.Contains(errOut, "the evidence directory") {
		t.Errorf("restore over a restored installation: exit %d\n%s", status, errOut)
	}

	t.Run("refused", func(t *testing.T) { testRestoreRefused(t, bin, archive, m) })
}

// testRestoreRefused damages the archive in several ways and checks that
// each restore is refused with exit status 1 and leaves the target as it
// was: no table in its database, no file in its data directory.
func testRestoreRefused(t *testing.T, bin, archive string, m *backupManifest) {
	data, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	offsets := memberOffsets(t, data)
	if len(m.Evidence) == 0 {
		t.Fatal("the backup holds no evidence document")
	}
	flip := func(at int64) []byte {
		d := bytes.Clone(data)
		d[at] ^= 0x40
		return d
	}
	known, _ := highestMigration()
	newer := *m
	newer.SchemaVersion = known + 1
	doc := m.Evidence[len(m.Evidence)/2]

	tests := []struct {
		name    string
		archive []byte
		migrate bool   // the target database is migrated (not empty)
		plant   string // a file planted in the target's evidence directory
		want    string
	}{
		{name: "truncated in the middle", archive: data[:len(data)/2], want: "truncated"},
		{name: "truncated before the manifest", archive: data[:offsets[archiveManifest]-512], want: "no manifest"},
		{name: "a byte of the dump flipped", archive: flip(offsets[archiveDump] + m.Database.Size/2),
			want: "database.dump is damaged"},
		{name: "a byte of a document flipped", archive: flip(offsets[doc.Path] + doc.Size/3),
			want: doc.Path + " is damaged"},
		{name: "a byte of the manifest flipped", archive: flip(offsets[archiveManifest] + 20), want: "manifest is damaged"},
		{name: "a newer schema", archive: rewriteManifest(t, data, &newer), want: "newer than this binary's"},
		{name: "a database that is not empty", archive: data, migrate: true, want: "the database is not empty"},
		{name: "an evidence directory with a file", archive: data, plant: "blobs/ab/left-over",
			want: "the evidence directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dbURL := dbtest.EmptyURL(t)
			if tt.migrate {
				dbURL = dbtest.URL(t)
			}
			dir := t.TempDir()
			if tt.plant != "" {
				p := filepath.Join(dir, "artifacts", tt.plant)
				os.MkdirAll(filepath.Dir(p), 0o700)
				os.WriteFile(p, []byte("x"), 0o600)
			}
			file := filepath.Join(t.TempDir(), "backup.tar")
			if err := os.WriteFile(file, tt.archive, 0o600); err != nil {
				t.Fatal(err)
			}
			tablesBefore := countTables(t, dbURL)
			filesBefore := storeFiles(t, dir)
			out, errOut, status := runBin(t, bin, artEnv(t, dbURL, dir), "restore", "--from", file)
			if status != 1 || !strings.Contains(errOut, tt.want) || !strings.Contains(errOut, "cannot restore") {
				t.Errorf("exit %d; want 1 and %q\n%s%s", status, tt.want, out, errOut)
			}
			if got := countTables(t, dbURL); got != tablesBefore {
				t.Errorf("the target database has %d tables; it had %d", got, tablesBefore)
			}
			if got := storeFiles(t, dir); len(got) != len(filesBefore) {
				t.Errorf("the target's data directory holds %v; it held %v", got, filesBefore)
			}
		})
	}
}

// countTables counts the relations in the database's own schemas.
func countTables(t *testing.T, dbURL string) int {
	t.Helper()
	db, err := postgres.Open(context.Background(), dbURL, postgres.Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer postgres.Close(db)
	var n int
	if err := db.Raw(`SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'`).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// memberOffsets returns where the content of each member of a tar archive
// begins.
func memberOffsets(t *testing.T, data []byte) map[string]int64 {
	t.Helper()
	r := bytes.NewReader(data)
	tr := tar.NewReader(r)
	out := map[string]int64{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out[hdr.Name] = int64(len(data)) - int64(r.Len())
	}
}

// readManifest reads the manifest of the archive at path.
func readManifest(t *testing.T, path string) *backupManifest {
	t.Helper()
	m, err := verifyArchive(context.Background(), path)
	if err != nil {
		t.Fatalf("the backup does not verify: %v", err)
	}
	return m
}

// rewriteManifest returns the archive with its manifest replaced by m,
// and the manifest's hash recomputed: a well-formed archive that says what
// m says.
func rewriteManifest(t *testing.T, data []byte, m *backupManifest) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tr := tar.NewReader(bytes.NewReader(data))
	manifest, _ := json.MarshalIndent(m, "", "  ")
	sum := sha256.Sum256(manifest)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		content, _ := io.ReadAll(tr)
		switch hdr.Name {
		case archiveManifest:
			content = manifest
		case archiveManifestSH:
			content = []byte(hex.EncodeToString(sum[:]) + "  " + archiveManifest + "\n")
		}
		hdr.Size = int64(len(content))
		tw.WriteHeader(hdr)
		tw.Write(content)
	}
	tw.Close()
	return buf.Bytes()
}

// TestBackupRestoreManagedDatabase backs up the managed database while
// serve runs on it, without disturbing it, and restores the backup into a
// new installation with a managed database of its own.
func TestBackupRestoreManagedDatabase(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three managed PostgreSQL clusters")
	}
	ctx := context.Background()
	srcDir := t.TempDir()
	vars := map[string]string{"TINDAKLANJUT_DATA_DIR": srcDir, "TINDAKLANJUT_ADMIN_EMAIL": artAdminEmail,
		"TINDAKLANJUT_ADMIN_PASSWORD": artPassword, "TINDAKLANJUT_LOG_LEVEL": "warn"}
	r := startServe(t, vars)
	target := newUploadTarget(t, r.url(""))
	doc := target.mustUpload(t, "SK Tim.pdf", testPDF(64<<10, 7))
	pid := postmasterPID(t, srcDir)

	archive := filepath.Join(t.TempDir(), "backup.tar")
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"backup", "--out", archive}, mapEnv(vars), strings.NewReader(""), &out, &errOut); err != nil {
		t.Fatalf("backup: %v\n%s%s", err, out.String(), errOut.String())
	}
	if got := postmasterPID(t, srcDir); got != pid {
		t.Errorf("the service's database is now pid %d; it was %d: the backup restarted it", got, pid)
	}
	if status, body := get(t, r.url("/readyz")); status != http.StatusOK {
		t.Errorf("/readyz = %d %s after the backup", status, body)
	}
	r.shutdown(t)
	m := readManifest(t, archive)
	if len(m.Evidence) != 1 || m.Evidence[0].SHA256 != doc.SHA256 {
		t.Errorf("the backup holds %+v; want the one document %s", m.Evidence, doc.SHA256)
	}

	dstDir := t.TempDir()
	dvars := map[string]string{"TINDAKLANJUT_DATA_DIR": dstDir, "TINDAKLANJUT_CONFIG": vars["TINDAKLANJUT_CONFIG"],
		"TINDAKLANJUT_LOG_LEVEL": "warn"}
	out.Reset()
	errOut.Reset()
	if err := run(ctx, []string{"restore", "--from", archive}, mapEnv(dvars), strings.NewReader(""), &out, &errOut); err != nil {
		t.Fatalf("restore: %v\n%s%s", err, out.String(), errOut.String())
	}
	for _, want := range []string{"; 0 broken chains", summary(1, doc.Size, 0, 0, 0, 0), "both checks passed"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("restore output lacks %q:\n%s", want, out.String())
		}
	}
	if _, err := os.Stat(blobPath(dstDir, doc.SHA256)); err != nil {
		t.Errorf("restored document: %v", err)
	}
	// The restored installation serves: the document's artifact is there.
	r2 := startServe(t, dvars)
	var a artifactDoc
	mustAPI(t, r2.url(""), 200, "GET", fmt.Sprintf("/artifacts/%d", doc.ID), target.officerToken, nil, &a)
	if a.SHA256 != doc.SHA256 {
		t.Errorf("restored artifact %+v; want %s", a, doc.SHA256)
	}
	req, _ := http.NewRequest("GET", r2.url(fmt.Sprintf("/api/v1/artifacts/%d/content", doc.ID)), nil)
	req.Header.Set("Authorization", "Bearer "+target.officerToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	content, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if sum := sha256.Sum256(content); resp.StatusCode != 200 || hex.EncodeToString(sum[:]) != doc.SHA256 {
		t.Errorf("restored content: %d, %d bytes with SHA-256 %x; want %s", resp.StatusCode, len(content), sum, doc.SHA256)
	}
}

// TestBackupRestoreUsage: a missing file or an extra argument prints the
// usage and fails before the configuration or the database is touched.
func TestBackupRestoreUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"backup without --out", []string{"backup"}, "usage: tindaklanjut backup --out FILE"},
		{"backup with an extra argument", []string{"backup", "--out", "b.tar", "now"}, "usage: tindaklanjut backup"},
		{"restore without --from", []string{"restore"}, "usage: tindaklanjut restore --from FILE"},
		{"restore with an unknown flag", []string{"restore", "--from", "b.tar", "--force"}, "usage: tindaklanjut restore"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			vars := mapEnv(map[string]string{"TINDAKLANJUT_TIMEZONE": "Nowhere/Atlantis"})
			err := run(context.Background(), tt.args, vars, strings.NewReader(""), &out, &errOut)
			if err != errUsage || !strings.Contains(errOut.String(), tt.want) || out.Len() != 0 {
				t.Errorf("err = %v; stdout %q; stderr:\n%s\nwant the usage %q", err, out.String(), errOut.String(), tt.want)
			}
		})
	}
}

// TestRestoreMissingFile names the file that cannot be read and writes
// nothing.
func TestRestoreMissingFile(t *testing.T) {
	dir := t.TempDir()
	vars := map[string]string{"DATABASE_URL": "postgres://nobody@127.0.0.1:1/none", "TINDAKLANJUT_DATA_DIR": dir,
		"TINDAKLANJUT_CONFIG": writeFile(t, "")}
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"restore", "--from", filepath.Join(dir, "absent.tar")}, mapEnv(vars),
		strings.NewReader(""), &out, &errOut)
	if err != errRefused || !strings.Contains(errOut.String(), "absent.tar") {
		t.Errorf("err = %v; stderr:\n%s", err, errOut.String())
	}
	if files := storeFiles(t, dir); len(files) != 0 {
		t.Errorf("the data directory holds %v", files)
	}
}
