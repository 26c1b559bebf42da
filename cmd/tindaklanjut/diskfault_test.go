package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// mountTmpfs mounts a tmpfs of size (as mount's size= option takes it) on
// a directory of the test and unmounts it when the test ends. It needs
// root: elsewhere the test is skipped, but not under CI (which runs as
// root), where it fails.
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	skip := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("CI") != "" {
			t.Fatalf(format+" (CI runs as root and must run this test)", args...)
		}
		t.Skipf(format, args...)
	}
	if os.Geteuid() != 0 {
		skip("mounting a tmpfs needs root")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size+",mode=0700", "tmpfs", dir).CombinedOutput(); err != nil {
		skip("mount tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
	return dir
}

// freeBytes is what an unprivileged writer may still write under dir.
func freeBytes(t *testing.T, dir string) int64 {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	return int64(st.Bavail) * st.Bsize
}

// TestUploadOnAFullDisk runs the real binary with its data directory on a
// 2 MiB tmpfs that a filler leaves 512 KiB of, and uploads a 1 MiB
// document: the write fails in the middle (ENOSPC), the answer is a 507
// problem saying the storage is full, nothing is recorded or left staged,
// the fault is logged once at error level, and the service goes on
// serving; once the filler is deleted, a small upload and the same
// document are stored.
func TestUploadOnAFullDisk(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary on a tmpfs")
	}
	dataDir := mountTmpfs(t, "2m")
	bin := buildServer(t)
	dbURL, db := commandDB(t)
	vars := artEnv(t, dbURL, dataDir)
	staging := filepath.Join(dataDir, "artifacts", "staging")
	blobs := filepath.Join(dataDir, "artifacts", "blobs")
	srv := startBinServe(t, bin, vars)
	target := newUploadTarget(t, "http://"+srv.addr)

	const docSize = 1 << 20
	filler := filepath.Join(dataDir, "filler")
	fill := freeBytes(t, dataDir) - 512<<10
	if fill <= 0 {
		t.Fatalf("the tmpfs has %d bytes free; want more than 512 KiB", freeBytes(t, dataDir))
	}
	if err := os.WriteFile(filler, make([]byte, fill), 0o600); err != nil {
		t.Fatal(err)
	}
	if free := freeBytes(t, dataDir); free >= docSize {
		t.Fatalf("%d bytes free after the filler; want less than the document's %d", free, docSize)
	}

	pdf := testPDF(docSize, 16)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	status, body, err := target.upload(ctx, "SK Tim Manajemen Risiko SPBE.pdf", bytes.NewReader(pdf), docSize)
	if err != nil {
		t.Fatalf("upload on a full disk: %v\n%s", err, srv.stderr)
	}
	var problem struct {
		Type, Title, Detail string
		Status              int
	}
	if err := json.Unmarshal(body, &problem); err != nil {
		t.Fatalf("upload on a full disk: %d %s: %v", status, body, err)
	}
	if status != http.StatusInsufficientStorage || problem.Status != status || problem.Type != "/problems/insufficient-storage" ||
		!strings.Contains(problem.Detail, "storage is full") || !strings.Contains(problem.Detail, "administrator") {
		t.Errorf("upload on a full disk = %d %s; want a 507 problem saying the storage is full", status, body)
	}
	if strings.Contains(problem.Detail, dataDir) || strings.Contains(problem.Detail, "no space left") {
		t.Errorf("the problem shows the server's path or system error: %q", problem.Detail)
	}

	// Nothing recorded, nothing staged, nothing stored.
	var artifacts, events int64
	if err := db.Raw(`SELECT count(*) FROM artifacts`).Scan(&artifacts).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Raw(`SELECT count(*) FROM finding_events WHERE kind = 'artifact_added'`).Scan(&events).Error; err != nil {
		t.Fatal(err)
	}
	if artifacts != 0 || events != 0 {
		t.Errorf("%d artifacts and %d artifact_added events after the failed upload; want none", artifacts, events)
	}
	if got := storeFiles(t, staging); len(got) != 0 {
		t.Errorf("staging after the failed upload = %v; want empty", got)
	}
	if got := storeFiles(t, blobs); len(got) != 0 {
		t.Errorf("blobs after the failed upload = %v; want none", got)
	}

	// The operator is told once, at error level, with the system's words.
	var faults []string
	for _, line := range strings.Split(srv.stderr.String(), "\n") {
		if strings.Contains(line, "no space left on device") {
			faults = append(faults, line)
		}
	}
	if len(faults) != 1 || !strings.Contains(faults[0], `"level":"ERROR"`) {
		t.Errorf("the full disk is logged in %d lines; want one at error level:\n%s", len(faults), strings.Join(faults, "\n"))
	}

	// Through the pages, the officer is shown the same in their language.
	status, page := webUpload(t, "http://"+srv.addr, "officer@kalselprov.go.id", target, "SK.pdf", pdf)
	if status != http.StatusInsufficientStorage || !strings.Contains(page, "Ruang penyimpanan server penuh") {
		t.Errorf("upload through the page on a full disk = %d; want 507 and the storage message:\n%.2000s", status, page)
	}
	if got := storeFiles(t, staging); len(got) != 0 {
		t.Errorf("staging after the failed page upload = %v; want empty", got)
	}
	if err := db.Raw(`SELECT count(*) FROM artifacts`).Scan(&artifacts).Error; err != nil || artifacts != 0 {
		t.Errorf("%d artifacts after the failed page upload (%v); want none", artifacts, err)
	}
	if n := strings.Count(srv.stderr.String(), "no space left on device"); n != 2 {
		t.Errorf("after two failed uploads the full disk is logged %d times; want 2", n)
	}

	// The service goes on serving while the disk is full.
	if status, body := get(t, srv.url("/readyz")); status != http.StatusOK {
		t.Errorf("/readyz on a full disk = %d %s", status, body)
	}
	mustAPI(t, target.base, http.StatusOK, "GET", fmt.Sprintf("/findings/%d", target.findingID), target.officerToken, nil, nil)

	// Room again: a small document, then the one refused, are stored.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	small := testPDF(64<<10, 17)
	target.mustUpload(t, "Surat Edaran.pdf", small)
	target.mustUpload(t, "SK Tim Manajemen Risiko SPBE.pdf", pdf)
	if status, body := get(t, srv.url("/readyz")); status != http.StatusOK {
		t.Errorf("/readyz after room was made = %d %s", status, body)
	}
	if got := storeFiles(t, staging); len(got) != 0 {
		t.Errorf("staging after the uploads = %v; want empty", got)
	}
	if got := storeFiles(t, blobs); len(got) != 2 {
		t.Errorf("blobs after the uploads = %v; want the two documents", got)
	}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// webUpload signs in as email through the sign-in page and uploads
// content through the upload form of the target's action, as a browser
// does (the CSRF token first); it returns the answer's status and page.
func webUpload(t *testing.T, base, email string, target uploadTarget, fileName string, content []byte) (int, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	send := func(resp *http.Response, err error) (int, string) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	csrf := func(page string) string {
		t.Helper()
		m := csrfField.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no CSRF token on the page:\n%.500s", page)
		}
		return html.UnescapeString(m[1])
	}
	_, page := send(c.Get(base + "/masuk"))
	if status, body := send(c.PostForm(base+"/masuk", url.Values{"csrf": {csrf(page)}, "email": {email},
		"password": {artPassword}, "kembali": {"/temuan"}})); status != http.StatusSeeOther {
		t.Fatalf("sign in as %s: %d\n%.500s", email, status, body)
	}
	_, page = send(c.Get(fmt.Sprintf("%s/temuan/%d", base, target.findingID)))
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf", csrf(page))
	for _, f := range artUploadFields {
		mw.WriteField(f[0], f[1])
	}
	fw, _ := mw.CreateFormFile("file", fileName)
	fw.Write(content)
	mw.Close()
	return send(c.Post(fmt.Sprintf("%s/tindak-lanjut/%d/bukti", base, target.actionID), mw.FormDataContentType(), &body))
}
