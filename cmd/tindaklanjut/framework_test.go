package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tindaklanjut/tindaklanjut/internal/framework"
)

func TestFrameworkImport(t *testing.T) {
	ctx := context.Background()
	url, db := commandDB(t)
	seed, err := framework.NewStore(db).Get(ctx, "spbe-2020")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := framework.Export(seed)
	dir := t.TempDir()
	good := filepath.Join(dir, "model.json")
	os.WriteFile(good, bytes.Replace(data, []byte(`"spbe-2020"`), []byte(`"spbe-2020-uji"`), 1), 0o600)
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, bytes.Replace(data, []byte(`"weight_percent": 13`), []byte(`"weight_percent": 14`), 1), 0o600)
	vars := map[string]string{"DATABASE_URL": url, "TINDAKLANJUT_DATA_DIR": dir, "TINDAKLANJUT_CONFIG": writeFile(t, "")}

	importFile := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(ctx, append([]string{"framework"}, args...), mapEnv(vars), strings.NewReader(""), &out, &errOut)
		return out.String() + errOut.String(), err
	}
	if out, err := importFile("import", good); err != nil || !strings.Contains(out, "47 indicators") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	if _, err := importFile("import", good); err == nil || !strings.Contains(err.Error(), "already held") {
		t.Errorf("second import: %v", err)
	}
	if _, err := importFile("import", bad); err == nil || !strings.Contains(err.Error(), "domains[0].weight_percent") {
		t.Errorf("bad weights: %v", err)
	}
	if _, err := importFile("import", filepath.Join(dir, "missing.json")); err == nil {
		t.Error("a missing file was accepted")
	}
	if _, err := importFile("export"); err != errUsage {
		t.Errorf("unknown subcommand: %v", err)
	}
	var n int
	db.Raw("SELECT count(*) FROM frameworks").Scan(&n)
	if n != 2 {
		t.Errorf("%d models; want the seed and one import", n)
	}
}
