package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tindaklanjut/tindaklanjut/internal/dbtest"
)

// These tests run the real binary (serve and verify-artifacts) against a
// fresh database of the test server and a data directory of their own, and
// drive it over HTTP as a client would.

const (
	artAdminEmail = "admin@kalselprov.go.id"
	artPassword   = "kata-sandi-uji-123"
)

// buildServer compiles the command for a test or a benchmark.
func buildServer(tb testing.TB) string {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "tindaklanjut")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// artEnv is the environment of the binary: the database, the data
// directory, the first admin, an empty configuration file, and PATH;
// nothing else of the test process's environment.
func artEnv(tb testing.TB, dbURL, dataDir string) map[string]string {
	tb.Helper()
	cfg := filepath.Join(tb.TempDir(), "tindaklanjut.env")
	if err := os.WriteFile(cfg, nil, 0o600); err != nil {
		tb.Fatal(err)
	}
	return map[string]string{
		"PATH":                        os.Getenv("PATH"),
		"DATABASE_URL":                dbURL,
		"TINDAKLANJUT_DATA_DIR":       dataDir,
		"TINDAKLANJUT_CONFIG":         cfg,
		"TINDAKLANJUT_ADMIN_EMAIL":    artAdminEmail,
		"TINDAKLANJUT_ADMIN_PASSWORD": artPassword,
		"TINDAKLANJUT_LOG_LEVEL":      "warn",
	}
}

func envList(vars map[string]string) []string {
	var out []string
	for k, v := range vars {
		out = append(out, k+"="+v)
	}
	return out
}

// binServer is the binary running serve.
type binServer struct {
	tb     testing.TB
	cmd    *exec.Cmd
	addr   string
	stderr *syncBuffer
	exited chan struct{}
	err    error // of Wait, once exited is closed
}

// startBinServe starts `bin serve` with vars on a free address and waits
// until it is ready. It is stopped (SIGINT) when tb ends, unless stopped
// or killed before.
func startBinServe(tb testing.TB, bin string, vars map[string]string) *binServer {
	tb.Helper()
	addr := freeAddr(tb)
	env := map[string]string{"TINDAKLANJUT_ADDR": addr}
	for k, v := range vars {
		env[k] = v
	}
	s := &binServer{tb: tb, addr: addr, stderr: &syncBuffer{}, exited: make(chan struct{})}
	s.cmd = exec.Command(bin, "serve")
	s.cmd.Dir = tb.TempDir()
	s.cmd.Env = envList(env)
	s.cmd.Stdout = io.Discard
	s.cmd.Stderr = s.stderr
	if err := s.cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	go func() { s.err = s.cmd.Wait(); close(s.exited) }()
	tb.Cleanup(func() { s.stop() })
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(s.url("/readyz"))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		select {
		case <-s.exited:
			tb.Fatalf("serve exited early: %v\n%s", s.err, s.stderr)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.kill()
			tb.Fatalf("serve not ready within 60s\n%s", s.stderr)
		}
	}
}

func (s *binServer) url(path string) string { return "http://" + s.addr + path }
func (s *binServer) pid() int               { return s.cmd.Process.Pid }

// stop ends serve as an operator would (SIGINT) and waits for it.
func (s *binServer) stop() {
	s.tb.Helper()
	select {
	case <-s.exited:
		return
	default:
	}
	s.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-s.exited:
		if s.err != nil {
			s.tb.Errorf("serve exited with %v after SIGINT\n%s", s.err, s.stderr)
		}
	case <-time.After(60 * time.Second):
		s.kill()
		s.tb.Errorf("serve did not stop within 60s of SIGINT")
	}
}

// kill ends serve with SIGKILL, as a crash or the OOM killer would.
func (s *binServer) kill() {
	s.cmd.Process.Kill()
	<-s.exited
}

// runBin runs the binary once with vars and returns its output and exit
// status.
func runBin(tb testing.TB, bin string, vars map[string]string, args ...string) (stdout, stderr string, status int) {
	tb.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = tb.TempDir()
	cmd.Env = envList(vars)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		status = exit.ExitCode()
	default:
		tb.Fatalf("%s %v: %v", bin, args, err)
	}
	return out.String(), errOut.String(), status
}

// --- the API as a client sees it ---------------------------------------------

// apiCall sends a JSON request and decodes a 2xx answer into out.
func apiCall(tb testing.TB, base, method, path, token string, body, out any) (int, []byte) {
	tb.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			tb.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, base+"/api/v1"+path, r)
	if err != nil {
		tb.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	if out != nil && resp.StatusCode/100 == 2 {
		if err := json.Unmarshal(data, out); err != nil {
			tb.Fatalf("%s %s: %v in %s", method, path, err, data)
		}
	}
	return resp.StatusCode, data
}

// mustAPI is apiCall for a request that has to answer want.
func mustAPI(tb testing.TB, base string, want int, method, path, token string, body, out any) {
	tb.Helper()
	if status, data := apiCall(tb, base, method, path, token, body, out); status != want {
		tb.Fatalf("%s %s = %d; want %d: %s", method, path, status, want, data)
	}
}

// uploadTarget is an action of an in-progress finding, assigned to an
// officer who is signed in.
type uploadTarget struct {
	base         string
	officerToken string
	findingID    int64
	actionID     int64
}

// newUploadTarget builds, over the API as the people involved would: the
// admin creates a unit and an auditor, a manager and an officer of it; the
// auditor records a review and a finding and issues it; the manager
// assigns an action to the officer (the finding is then in progress).
func newUploadTarget(tb testing.TB, base string) uploadTarget {
	tb.Helper()
	login := func(email string) string {
		var out struct{ Token string }
		mustAPI(tb, base, 200, "POST", "/auth/token", "", map[string]string{"email": email, "password": artPassword}, &out)
		return out.Token
	}
	admin := login(artAdminEmail)
	var unit struct{ ID int64 }
	mustAPI(tb, base, 201, "POST", "/units", admin, map[string]any{"code": "DISKOMINFO", "name": "Dinas Komunikasi dan Informatika"}, &unit)
	tokens := map[string]string{}
	ids := map[string]int64{}
	for _, role := range []string{"auditor", "manager", "officer"} {
		var u struct{ ID int64 }
		email := role + "@kalselprov.go.id"
		mustAPI(tb, base, 201, "POST", "/users", admin, map[string]any{"email": email, "name": "Pengguna " + role,
			"role": role, "unit_id": unit.ID, "password": artPassword}, &u)
		ids[role] = u.ID
		tokens[role] = login(email)
	}
	var review struct{ ID int64 }
	mustAPI(tb, base, 201, "POST", "/reviews", tokens["auditor"], map[string]any{"kind": "application_review",
		"title": "Reviu Aplikasi SIMPEG", "conducted_on": "2024-07-15", "summary": "Reviu tahunan"}, &review)
	var f struct {
		ID      int64
		Version int
		State   string
	}
	mustAPI(tb, base, 201, "POST", "/findings", tokens["auditor"], map[string]any{"review_id": review.ID,
		"title": "Peta rencana manajemen risiko SPBE belum ada", "condition": "Belum ada dokumen peta rencana.",
		"criteria": "PermenPANRB 59/2020", "cause": "Belum ada tim", "effect": "Indikator 21 bernilai 1",
		"recommendation": "Menyusun dan menetapkan peta rencana manajemen risiko SPBE", "severity": "high",
		"unit_id": unit.ID, "indicator_codes": []string{"I21"}, "due_date": "2024-09-30"}, &f)
	mustAPI(tb, base, 200, "POST", fmt.Sprintf("/findings/%d/transitions", f.ID), tokens["auditor"],
		map[string]any{"action": "issue", "version": f.Version}, &f)
	var action struct{ ID int64 }
	mustAPI(tb, base, 201, "POST", fmt.Sprintf("/findings/%d/actions", f.ID), tokens["manager"], map[string]any{
		"title": "Menyusun SK tim manajemen risiko", "description": "Rancangan SK dan penetapan",
		"assignee_id": ids["officer"], "due_date": "2024-08-31"}, &action)
	mustAPI(tb, base, 200, "GET", fmt.Sprintf("/findings/%d", f.ID), tokens["officer"], nil, &f)
	if f.State != "in_progress" {
		tb.Fatalf("finding is %s after the action was assigned; want in_progress", f.State)
	}
	return uploadTarget{base: base, officerToken: tokens["officer"], findingID: f.ID, actionID: action.ID}
}

// uploadFields is the metadata of every upload of these tests: an SK of
// the governor.
var artUploadFields = [][2]string{
	{"kind", "sk"},
	{"title", "SK Gubernur tentang Tim Manajemen Risiko SPBE"},
	{"doc_number", "188.44/0123/KUM/2024"},
	{"doc_date", "2024-08-20"},
	{"signer", "Gubernur Kalimantan Selatan"},
}

// multipartFrame is the body of an upload around its file: what comes
// before the file's bytes and after them.
func multipartFrame(fileName string) (contentType string, head, tail []byte) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range artUploadFields {
		mw.WriteField(f[0], f[1])
	}
	mw.CreateFormFile("file", fileName)
	head = bytes.Clone(buf.Bytes())
	buf.Reset()
	mw.Close()
	return mw.FormDataContentType(), head, bytes.Clone(buf.Bytes())
}

// artifactDoc is the part of an uploaded artifact the tests read.
type artifactDoc struct {
	ID        int64  `json:"id"`
	SHA256    string `json:"sha256"`
	Size      int64  `json:"size"`
	MediaType string `json:"media_type"`
	FileName  string `json:"file_name"`
}

// upload sends content (size bytes) as the file of an upload to the
// target's action, streamed, and returns the answer; err is a transport
// error (the server went away).
func (u uploadTarget) upload(ctx context.Context, fileName string, content io.Reader, size int64) (int, []byte, error) {
	ctype, head, tail := multipartFrame(fileName)
	body := io.MultiReader(bytes.NewReader(head), content, bytes.NewReader(tail))
	req, err := http.NewRequestWithContext(ctx, "POST", fmt.Sprintf("%s/api/v1/actions/%d/artifacts", u.base, u.actionID), body)
	if err != nil {
		return 0, nil, err
	}
	if size >= 0 {
		req.ContentLength = int64(len(head)) + size + int64(len(tail))
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Authorization", "Bearer "+u.officerToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}

// mustUpload uploads content and checks the answer: 201, and the hash,
// size and type of what was sent.
func (u uploadTarget) mustUpload(tb testing.TB, fileName string, content []byte) artifactDoc {
	tb.Helper()
	status, data, err := u.upload(context.Background(), fileName, bytes.NewReader(content), int64(len(content)))
	if err != nil || status != http.StatusCreated {
		tb.Fatalf("upload: %d %v %s", status, err, data)
	}
	var a artifactDoc
	if err := json.Unmarshal(data, &a); err != nil {
		tb.Fatal(err)
	}
	sum := sha256.Sum256(content)
	if a.SHA256 != hex.EncodeToString(sum[:]) || a.Size != int64(len(content)) || a.MediaType != "application/pdf" {
		tb.Fatalf("upload answered %+v; want sha256 %x, size %d, application/pdf", a, sum, len(content))
	}
	return a
}

// testPDF is a PDF of exactly size bytes whose content is decided by seed:
// a header, one stream object of random filler, a cross-reference table
// and trailer, and the end-of-file marker.
func testPDF(size int, seed uint64) []byte {
	head := "%%PDF-1.4\n%%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Length %010d >>\nstream\n"
	tailFmt := "\nendstream\nendobj\nxref\n0 2\n0000000000 65535 f \n0000000015 00000 n \ntrailer\n<< /Size 2 >>\nstartxref\n%010d\n%%%%EOF\n"
	h := fmt.Sprintf(head, 0)
	t := fmt.Sprintf(tailFmt, 0)
	n := size - len(h) - len(t)
	if n < 16 {
		panic("testPDF: too small")
	}
	out := make([]byte, 0, size)
	out = fmt.Appendf(out, head, n)
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], seed)
	rng := rand.NewChaCha8(key)
	filler := make([]byte, n)
	rng.Read(filler)
	out = append(out, filler...)
	out = fmt.Appendf(out, tailFmt, len(h)+n+len("\nendstream\nendobj\n"))
	if len(out) != size {
		panic(fmt.Sprintf("testPDF: %d bytes, want %d", len(out), size))
	}
	return out
}

// stallReader blocks until release is closed, then fails: the rest of an
// upload that never comes.
type stallReader struct{ release <-chan struct{} }

func (r stallReader) Read([]byte) (int, error) {
	<-r.release
	return 0, errors.New("upload abandoned")
}

// --- the store on disk -------------------------------------------------------

// storeFiles lists the regular files under dir (relative paths) with
// their sizes.
func storeFiles(tb testing.TB, dir string) map[string]int64 {
	tb.Helper()
	out := map[string]int64{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			info, err := d.Info()
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(dir, p)
			out[rel] = info.Size()
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// blobPath is where the store keeps content with hash sum (hex).
func blobPath(dataDir, sum string) string {
	return filepath.Join(dataDir, "artifacts", "blobs", sum[:2], sum)
}

// summary is verify-artifacts' last line for the given counts.
func summary(docs int, bytes int64, missing, corrupt, unreferenced, interrupted int) string {
	return fmt.Sprintf("%d documents (%d bytes) checked; %d missing, %d corrupt, %d unreferenced, %d interrupted uploads",
		docs, bytes, missing, corrupt, unreferenced, interrupted)
}

// TestArtifactUploadKilledServer kills the real server (SIGKILL) while it
// receives a 20 MiB document: the half it received stays staged, nothing
// is stored under a hash and no artifact is recorded; the next start
// removes the staged half, verify-artifacts finds a clean store, an
// upload its client abandons halfway leaves nothing, and the same
// document then uploads whole.
func TestArtifactUploadKilledServer(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; sends 40 MiB")
	}
	bin := buildServer(t)
	dbURL, db := commandDB(t)
	dataDir := t.TempDir()
	vars := artEnv(t, dbURL, dataDir)
	staging := filepath.Join(dataDir, "artifacts", "staging")
	blobs := filepath.Join(dataDir, "artifacts", "blobs")

	srv := startBinServe(t, bin, vars)
	target := newUploadTarget(t, "http://"+srv.addr)
	const size = 20 << 20
	pdf := testPDF(size, 1)
	half := size / 2

	// Send the first half, then nothing: the server waits for the rest.
	release := make(chan struct{})
	defer func() {
		select {
		case <-release:
		default:
			close(release)
		}
	}()
	type answer struct {
		status int
		body   []byte
		err    error
	}
	answered := make(chan answer, 1)
	go func() {
		status, body, err := target.upload(context.Background(), "SK Tim Manajemen Risiko SPBE.pdf",
			io.MultiReader(bytes.NewReader(pdf[:half]), stallReader{release}), size)
		answered <- answer{status, body, err}
	}()
	var staged map[string]int64
	deadline := time.Now().Add(60 * time.Second)
	for {
		staged = storeFiles(t, staging)
		var got int64
		for _, n := range staged {
			got = max(got, n)
		}
		// The server has all but what its multipart reader and socket
		// may still hold of the first half, and the chunk it is filling
		// (evidence.Receive writes 1 MiB at a time).
		if len(staged) == 1 && got >= int64(half)-(256<<10)-(1<<20) {
			break
		}
		select {
		case a := <-answered:
			t.Fatalf("the upload ended before the server was killed: %d %v %s", a.status, a.err, a.body)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("staging holds %v after 60s; want one file of about %d bytes", staged, half)
		}
		time.Sleep(20 * time.Millisecond)
	}

	// While the upload lives, its staged file is locked: verify-artifacts
	// does not count it as interrupted.
	out, errOut, status := runBin(t, bin, vars, "verify-artifacts")
	if status != 0 || !strings.Contains(out, summary(0, 0, 0, 0, 0, 0)) {
		t.Errorf("verify-artifacts during a live upload: status %d\n%s%s", status, out, errOut)
	}

	srv.kill()
	// Go's client notices the dead connection once the body's Read
	// returns, not while it blocks.
	close(release)
	select {
	case a := <-answered:
		if a.err == nil {
			t.Errorf("the upload got an answer from a killed server: %d %s", a.status, a.body)
		}
	case <-time.After(10 * time.Second):
		t.Error("the client did not notice the server's death within 10s")
	}

	if got := storeFiles(t, staging); len(got) != 1 {
		t.Errorf("staging after the kill = %v; want the one partial upload", got)
	} else {
		for name, n := range got {
			if !strings.HasPrefix(name, "upload-") || n >= size {
				t.Errorf("staged %s of %d bytes; want a partial upload-*", name, n)
			}
		}
	}
	if got := storeFiles(t, blobs); len(got) != 0 {
		t.Errorf("blobs after the kill = %v; want none", got)
	}
	// The dead upload's lock died with it.
	out, errOut, status = runBin(t, bin, vars, "verify-artifacts")
	if status != 0 || !strings.Contains(out, summary(0, 0, 0, 0, 0, 1)) {
		t.Errorf("verify-artifacts after the kill: status %d; want 0 and one interrupted upload\n%s%s", status, out, errOut)
	}

	// The next start removes what the dead upload left.
	srv = startBinServe(t, bin, vars)
	target.base = "http://" + srv.addr
	if got := storeFiles(t, staging); len(got) != 0 {
		t.Errorf("staging after restart = %v; want empty", got)
	}
	if got := storeFiles(t, blobs); len(got) != 0 {
		t.Errorf("blobs after restart = %v; want none", got)
	}
	recorded := func() (rows, events int) {
		t.Helper()
		if err := db.Raw("SELECT count(*) FROM artifacts").Scan(&rows).Error; err != nil {
			t.Fatal(err)
		}
		err := db.Raw("SELECT count(*) FROM finding_events WHERE finding_id = ? AND kind LIKE 'artifact%'", target.findingID).Scan(&events).Error
		if err != nil {
			t.Fatal(err)
		}
		return rows, events
	}
	if rows, events := recorded(); rows != 0 || events != 0 {
		t.Errorf("%d artifact rows and %d artifact events after the killed upload; want none", rows, events)
	}
	out, errOut, status = runBin(t, bin, vars, "verify-artifacts")
	if status != 0 || !strings.Contains(out, summary(0, 0, 0, 0, 0, 0)) {
		t.Errorf("verify-artifacts after restart: status %d; want 0 and a clean store\n%s%s", status, out, errOut)
	}

	// A client that goes away halfway leaves nothing behind either, at
	// once, on a server that lives on.
	ctx, cancel := context.WithCancel(context.Background())
	release2 := make(chan struct{})
	gone := make(chan error, 1)
	go func() {
		_, _, err := target.upload(ctx, "SK Tim Manajemen Risiko SPBE.pdf",
			io.MultiReader(bytes.NewReader(pdf[:half]), stallReader{release2}), size)
		gone <- err
	}()
	waitStaging := func(what string, done func(map[string]int64) bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			got := storeFiles(t, staging)
			if done(got) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("staging holds %v after 30s; want %s", got, what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitStaging("the upload's first megabyte", func(got map[string]int64) bool {
		for _, n := range got {
			if n >= 1<<20 {
				return true
			}
		}
		return false
	})
	cancel()
	close(release2)
	if err := <-gone; err == nil {
		t.Error("the abandoned upload got an answer")
	}
	waitStaging("nothing once the client is gone", func(got map[string]int64) bool { return len(got) == 0 })
	if got := storeFiles(t, blobs); len(got) != 0 {
		t.Errorf("blobs after an abandoned upload = %v; want none", got)
	}
	if rows, events := recorded(); rows != 0 || events != 0 {
		t.Errorf("%d artifact rows and %d artifact events after an abandoned upload; want none", rows, events)
	}

	// The same document, sent whole, is stored and served exactly.
	a := target.mustUpload(t, "SK Tim Manajemen Risiko SPBE.pdf", pdf)
	if got := storeFiles(t, staging); len(got) != 0 {
		t.Errorf("staging after a complete upload = %v; want empty", got)
	}
	if rows, events := recorded(); rows != 1 || events != 1 {
		t.Errorf("%d artifact rows and %d artifact events after a complete upload; want 1 and 1", rows, events)
	}
	if got := storeFiles(t, blobs); len(got) != 1 || got[filepath.Join(a.SHA256[:2], a.SHA256)] != size {
		t.Errorf("blobs after a complete upload = %v; want %s/%s of %d bytes", got, a.SHA256[:2], a.SHA256, size)
	}
	req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/artifacts/%d/content", target.base, a.ID), nil)
	req.Header.Set("Authorization", "Bearer "+target.officerToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(got, pdf) {
		t.Errorf("content: %d, %d bytes, equal %v", resp.StatusCode, len(got), bytes.Equal(got, pdf))
	}
	out, errOut, status = runBin(t, bin, vars, "verify-artifacts")
	if status != 0 || !strings.Contains(out, summary(1, size, 0, 0, 0, 0)) {
		t.Errorf("verify-artifacts after a complete upload: status %d\n%s%s", status, out, errOut)
	}
}

// TestVerifyArtifactsDetectsDamage damages the store under a stored
// document in each way verify-artifacts must notice, and checks what it
// reports, its exit status, and what --gc removes.
func TestVerifyArtifactsDetectsDamage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildServer(t)
	dbURL := dbtest.URL(t)
	dataDir := t.TempDir()
	vars := artEnv(t, dbURL, dataDir)
	srv := startBinServe(t, bin, vars)
	target := newUploadTarget(t, "http://"+srv.addr)
	pdf := testPDF(300<<10, 2)
	a := target.mustUpload(t, "Laporan Tindak Lanjut.pdf", pdf)
	srv.stop()
	size := int64(len(pdf))
	blob := blobPath(dataDir, a.SHA256)
	refs := 1 // artifacts naming the document

	verify := func(args ...string) (string, int) {
		t.Helper()
		out, errOut, status := runBin(t, bin, vars, append([]string{"verify-artifacts"}, args...)...)
		return out + errOut, status
	}
	expect := func(step string, out string, status, wantStatus int, wants ...string) {
		t.Helper()
		if status != wantStatus {
			t.Errorf("%s: exit status %d; want %d\n%s", step, status, wantStatus, out)
		}
		for _, w := range wants {
			if !strings.Contains(out, w) {
				t.Errorf("%s: output lacks %q\n%s", step, w, out)
			}
		}
	}
	out, status := verify()
	expect("intact", out, status, 0, summary(1, size, 0, 0, 0, 0))

	t.Run("corrupt", func(t *testing.T) {
		f, err := os.OpenFile(blob, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		var b [1]byte
		off := size / 2
		f.ReadAt(b[:], off)
		f.WriteAt([]byte{b[0] ^ 0x01}, off)
		out, status := verify()
		expect("one byte changed", out, status, 1, "CORRUPT      "+a.SHA256+fmt.Sprintf(" (%d bytes)", size),
			summary(1, size, 0, 1, 0, 0))
		if strings.Contains(out, "MISSING") || strings.Contains(out, "UNREFERENCED") {
			t.Errorf("a corrupt, referenced document is reported as more than corrupt:\n%s", out)
		}
		f.WriteAt(b[:], off)
		f.Close()
		out, status = verify()
		expect("restored", out, status, 0, summary(1, size, 0, 0, 0, 0))
	})

	// The remedy for a corrupt document is to upload the original again:
	// the store must then hold it intact, not keep the damaged copy
	// because it has the right name and size.
	t.Run("corrupt, then uploaded again", func(t *testing.T) {
		f, err := os.OpenFile(blob, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		var b [1]byte
		off := size / 3
		f.ReadAt(b[:], off)
		f.WriteAt([]byte{b[0] ^ 0x80}, off)
		f.Close()
		defer os.WriteFile(blob, pdf, 0o600) // whatever happens, intact for what follows
		srv := startBinServe(t, bin, vars)
		defer srv.stop()
		target.base = "http://" + srv.addr
		again := target.mustUpload(t, "Laporan Tindak Lanjut (unggah ulang).pdf", pdf)
		refs++
		stored, err := os.ReadFile(blob)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(stored, pdf) {
			req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/artifacts/%d/content", target.base, again.ID), nil)
			req.Header.Set("Authorization", "Bearer "+target.officerToken)
			var served []byte
			var etag string
			if resp, err := http.DefaultClient.Do(req); err == nil {
				served, _ = io.ReadAll(resp.Body)
				etag = resp.Header.Get("ETag")
				resp.Body.Close()
			}
			t.Fatalf("uploading the original again did not repair the corrupt blob: the upload answered "+
				"201 with sha256 %s, and the artifact serves %d bytes that equal the upload: %v (ETag %s)",
				again.SHA256, len(served), bytes.Equal(served, pdf), etag)
		}
		srv.stop()
		out, status := verify()
		expect("repaired by upload", out, status, 0, summary(1, size, 0, 0, 0, 0))
	})

	t.Run("missing", func(t *testing.T) {
		if err := os.Remove(blob); err != nil {
			t.Fatal(err)
		}
		out, status := verify()
		expect("blob deleted", out, status, 1, "MISSING      "+a.SHA256+fmt.Sprintf(" (named by %d artifacts)", refs), summary(0, 0, 1, 0, 0, 0))
		// --gc removes nothing it cannot replace, and still fails.
		out, status = verify("--gc")
		expect("blob deleted, --gc", out, status, 1, summary(0, 0, 1, 0, 0, 0))
		if err := os.WriteFile(blob, pdf, 0o600); err != nil {
			t.Fatal(err)
		}
		out, status = verify()
		expect("restored", out, status, 0, summary(1, size, 0, 0, 0, 0))
	})

	t.Run("unreferenced", func(t *testing.T) {
		put := func(content []byte, age time.Duration) string {
			sum := sha256.Sum256(content)
			h := hex.EncodeToString(sum[:])
			p := blobPath(dataDir, h)
			if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, content, 0o600); err != nil {
				t.Fatal(err)
			}
			when := time.Now().Add(-age)
			if err := os.Chtimes(p, when, when); err != nil {
				t.Fatal(err)
			}
			return h
		}
		oldDoc, freshDoc := testPDF(40<<10, 3), testPDF(50<<10, 4)
		old := put(oldDoc, 48*time.Hour)
		fresh := put(freshDoc, 0)
		total := size + int64(len(oldDoc)+len(freshDoc))
		out, status := verify()
		expect("two unreferenced", out, status, 0,
			"UNREFERENCED "+old+fmt.Sprintf(" (%d bytes, 48h0m", len(oldDoc)),
			"UNREFERENCED "+fresh+fmt.Sprintf(" (%d bytes, ", len(freshDoc)),
			summary(3, total, 0, 0, 2, 0))
		out, status = verify("--gc")
		expect("--gc", out, status, 0, summary(3, total, 0, 0, 2, 0),
			"removed 1 unreferenced documents older than 24h0m0s and 0 interrupted uploads")
		if _, err := os.Stat(blobPath(dataDir, old)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("the 2-day-old unreferenced blob survived --gc (%v)", err)
		}
		if _, err := os.Stat(blobPath(dataDir, fresh)); err != nil {
			t.Errorf("--gc removed the fresh unreferenced blob: %v", err)
		}
		if got, err := os.ReadFile(blob); err != nil || !bytes.Equal(got, pdf) {
			t.Errorf("--gc touched the referenced blob: %v", err)
		}
		out, status = verify()
		expect("after --gc", out, status, 0, summary(2, size+int64(len(freshDoc)), 0, 0, 1, 0))
		os.Remove(blobPath(dataDir, fresh))
	})

	t.Run("interrupted upload", func(t *testing.T) {
		staging := filepath.Join(dataDir, "artifacts", "staging")
		stale := filepath.Join(staging, "upload-1234567890")
		if err := os.WriteFile(stale, pdf[:size/3], 0o600); err != nil {
			t.Fatal(err)
		}
		// A staged file whose upload is alive: locked, as serve locks it.
		live, err := os.CreateTemp(staging, "upload-*")
		if err != nil {
			t.Fatal(err)
		}
		defer live.Close()
		if err := syscall.Flock(int(live.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			t.Fatal(err)
		}
		live.Write(pdf[:1000])
		out, status := verify()
		expect("stale staged file", out, status, 0, summary(1, size, 0, 0, 0, 1))
		out, status = verify("--gc")
		expect("--gc", out, status, 0, summary(1, size, 0, 0, 0, 1),
			"removed 0 unreferenced documents older than 24h0m0s and 1 interrupted uploads")
		if _, err := os.Stat(stale); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("--gc left the stale staged file (%v)", err)
		}
		if _, err := os.Stat(live.Name()); err != nil {
			t.Errorf("--gc removed the staged file of a live upload: %v", err)
		}
		out, status = verify()
		expect("after --gc", out, status, 0, summary(1, size, 0, 0, 0, 0))
	})
}

// TestVerifyArtifactsUsage: arguments verify-artifacts does not take print
// its usage and exit 1, before anything is opened.
func TestVerifyArtifactsUsage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildServer(t)
	// No database: a usage error comes before the configuration is used.
	vars := map[string]string{"PATH": os.Getenv("PATH"), "TINDAKLANJUT_DATA_DIR": t.TempDir(),
		"TINDAKLANJUT_CONFIG": writeFile(t, ""), "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}
	for _, args := range [][]string{{"extra"}, {"--bogus"}, {"--gc", "extra"}, {"-gc=maybe"}} {
		out, errOut, status := runBin(t, bin, vars, append([]string{"verify-artifacts"}, args...)...)
		if status != 1 || !strings.Contains(errOut, "usage: tindaklanjut verify-artifacts [--gc]") || out != "" {
			t.Errorf("verify-artifacts %v: status %d, stdout %q, stderr:\n%s", args, status, out, errOut)
		}
		if strings.Contains(errOut, "tindaklanjut: usage") {
			t.Errorf("verify-artifacts %v prints the usage error twice:\n%s", args, errOut)
		}
	}
}
