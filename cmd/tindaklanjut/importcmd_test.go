package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestImportFindingsCommand(t *testing.T) {
	ctx := context.Background()
	url, db := commandDB(t)
	var unit, review int64
	db.Raw(`INSERT INTO units (code, name) VALUES ('DISKOMINFO', 'Dinas Komunikasi dan Informatika') RETURNING id`).Scan(&unit)
	for _, r := range []string{"auditor", "viewer"} {
		if err := db.Exec(`INSERT INTO users (email, name, role, unit_id, password_hash) VALUES (?, ?, ?, ?, 'x')`,
			r+"@kalselprov.go.id", r, r, unit).Error; err != nil {
			t.Fatal(err)
		}
	}
	db.Raw(`INSERT INTO reviews (kind, title, conducted_on, created_by) SELECT 'ict_audit', 'Audit TIK', '2024-10-01', id FROM users
		WHERE role = 'auditor' RETURNING id`).Scan(&review)
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("register.csv", "No,Judul,Tingkat,Unit,Batas Waktu,Rekomendasi,Status\n1,Kebijakan belum ada,tinggi,DISKOMINFO,17 Agustus 2025,Tetapkan,open\n2,SOP belum ada,rendah,,,,\n")
	bad := write("salah.csv", "No;Judul;Tingkat;Unit\n1;Kebijakan;tinggi;DINKES\n1;SOP;parah;\n")
	vars := map[string]string{"DATABASE_URL": url, "TINDAKLANJUT_DATA_DIR": dir, "TINDAKLANJUT_CONFIG": writeFile(t, "")}
	cmd := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(ctx, append([]string{"import", "findings"}, args...), mapEnv(vars), strings.NewReader(""), &out, &errOut)
		return out.String() + errOut.String(), err
	}
	count := func() (n int) {
		db.Raw(`SELECT count(*) FROM findings`).Scan(&n)
		return
	}
	id := strconv.FormatInt(review, 10)
	out, err := cmd("--review", id, "--as", "auditor@kalselprov.go.id", good)
	if err != nil || !strings.Contains(out, "2 rows: 2 new, 0 changed, 0 unchanged would be written") || count() != 0 {
		t.Fatalf("preview: %v\n%s", err, out)
	}
	out, err = cmd("--review", id, "--as", "auditor@kalselprov.go.id", good, "--commit")
	if err != nil || !strings.Contains(out, "2 new, 0 changed, 0 unchanged were written") || count() != 2 {
		t.Fatalf("commit: %v\n%s", err, out)
	}
	out, err = cmd("--review", id, "--as", "auditor@kalselprov.go.id", "--commit", bad)
	if err == nil || !strings.Contains(out, "problem: row 2, Unit: DINKES is not the code or name of a unit") ||
		!strings.Contains(out, "problem: row 3, No: number 1 is also used in row 2") || count() != 2 {
		t.Fatalf("bad file: %v\n%s", err, out)
	}
	if _, err := cmd("--review", id, "--as", "auditor@kalselprov.go.id", bad); err == nil {
		t.Error("a preview with problems exits 0")
	}
	if out, err := cmd("--review", id, "--as", "viewer@kalselprov.go.id", good, "--commit"); err == nil || !strings.Contains(err.Error(), "forbidden") {
		t.Errorf("viewer: %v %s", err, out)
	}
	if _, err := cmd("--as", "auditor@kalselprov.go.id", good); err == nil {
		t.Error("no --review")
	}
	if _, err := cmd("--review", id, "--as", "nobody@kalselprov.go.id", good); err == nil {
		t.Error("an unknown user")
	}
}
